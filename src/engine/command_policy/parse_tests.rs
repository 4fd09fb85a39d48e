//! The lexer on the shapes a shell line takes.

use super::*;

fn words(line: &str) -> Vec<Vec<String>> {
    parse(line).unwrap().into_iter().map(|s| s.words).collect()
}

fn w(v: &[&[&str]]) -> Vec<Vec<String>> {
    v.iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn separators_split_simple_commands() {
    assert_eq!(
        words("a 1; b 2 && c || d | e & f\ng"),
        w(&[
            &["a", "1"],
            &["b", "2"],
            &["c"],
            &["d"],
            &["e"],
            &["f"],
            &["g"]
        ])
    );
}

#[test]
fn quotes_and_escapes_keep_words_whole() {
    assert_eq!(
        words(r#"echo 'a; b' "c && d" e\ f"#),
        w(&[&["echo", "a; b", "c && d", "e f"]])
    );
    assert_eq!(words("echo a \\\n b"), w(&[&["echo", "a", "b"]]));
}

#[test]
fn subshells_groups_and_substitutions_are_commands_too() {
    let got = parse("(cd src; ls) && { pwd; } ; echo $(touch X) `rm y` \"$(id)\"").unwrap();
    let cmds: Vec<&str> = got.iter().map(|s| s.words[0].as_str()).collect();
    assert_eq!(cmds, ["cd", "ls", "{", "}", "touch", "rm", "id", "echo"]);
    assert_eq!(got[2].words, ["{", "pwd"]);
    assert!(got[4].nested && got[5].nested && got[6].nested);
    assert!(got[7].substituted);
    assert_eq!(
        got[7].words,
        ["echo", SUBSTITUTED, SUBSTITUTED, SUBSTITUTED]
    );
    let got = parse("diff <(ls a) >(tee b)").unwrap();
    assert_eq!(got.len(), 3);
    assert!(got[2].substituted);
}

#[test]
fn single_quotes_keep_substitutions_literal() {
    let got = parse("echo '$(touch X)'").unwrap();
    assert_eq!(got.len(), 1);
    assert!(!got[0].substituted);
}

#[test]
fn redirections_are_cut_out_with_their_kind() {
    let got = parse("cmd a >out 2>>err <in 2>&1 &>all >&- x").unwrap();
    assert_eq!(got[0].words, ["cmd", "a", "x"]);
    let kinds: Vec<(RedirectKind, &str, &str)> = got[0]
        .redirects
        .iter()
        .map(|r| (r.kind, r.op.as_str(), r.target.as_str()))
        .collect();
    use RedirectKind::*;
    assert_eq!(
        kinds,
        [
            (Write, ">", "out"),
            (Write, "2>>", "err"),
            (Read, "<", "in"),
            (Dup, "2>&", "1"),
            (Write, "&>", "all"),
            (Dup, ">&", "-")
        ]
    );
    let got = parse("echo hi > \"my file\"").unwrap();
    assert_eq!(got[0].redirects[0].target, "my file");
}

#[test]
fn here_docs_are_input_and_unquoted_ones_run_their_substitutions() {
    let got = parse("cat <<EOF > a.txt\nhello $(touch X) \"q\"\nEOF\nls").unwrap();
    let cmds: Vec<&str> = got.iter().map(|s| s.words[0].as_str()).collect();
    assert_eq!(cmds, ["cat", "touch", "ls"]);
    let got = parse("cat <<'EOF'\n$(touch X)\nEOF").unwrap();
    assert_eq!(got.len(), 1);
    let got = parse("cat <<-END\n\tx\n\tEND\n").unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].redirects[0].kind, RedirectKind::Text);
}

#[test]
fn comments_end_at_the_line() {
    assert_eq!(words("ls # rm -rf /\npwd"), w(&[&["ls"], &["pwd"]]));
}

#[test]
fn what_does_not_parse_is_an_error() {
    for bad in [
        "echo 'open",
        "echo \"open",
        "echo $(ls",
        "echo `ls",
        "ls )",
        "(ls",
        "cat >",
        "cat <<EOF\nno end",
        "f() { ls; }",
        "echo \\",
    ] {
        assert!(parse(bad).is_err(), "{bad:?} parsed: {:?}", parse(bad));
    }
}
