//! `edit_file`'s rule as a pure function: replace exactly one occurrence, or say why not.

/// The new content, or the reason the edit cannot be made.
pub fn replace_once(content: &str, old: &str, new: &str) -> Result<String, String> {
    if old.is_empty() {
        return Err(
            "`old` is empty; give the exact text to replace (use write_file to create a file)"
                .into(),
        );
    }
    let mut hits = content.match_indices(old);
    let Some((at, _)) = hits.next() else {
        return Err(match closest_line(content, old) {
            Some((n, line)) => format!(
                "`old` was not found. The closest line is {n}: `{}`; copy the text exactly, including whitespace",
                line.trim_end()
            ),
            None => "`old` was not found; read the file first and copy the text exactly".into(),
        });
    };
    let more = hits.count();
    if more > 0 {
        return Err(format!(
            "`old` was found {} times; include more surrounding lines so it matches exactly once",
            more + 1
        ));
    }
    let mut out = String::with_capacity(content.len() + new.len());
    out.push_str(&content[..at]);
    out.push_str(new);
    out.push_str(&content[at + old.len()..]);
    Ok(out)
}

/// The line most like the first line of `old`, to help the model correct itself.
fn closest_line<'a>(content: &'a str, old: &str) -> Option<(usize, &'a str)> {
    let want = old.lines().find(|l| !l.trim().is_empty())?.trim();
    content
        .lines()
        .enumerate()
        .map(|(i, l)| {
            (
                similar::TextDiff::from_chars(l.trim(), want).ratio(),
                i + 1,
                l,
            )
        })
        .filter(|(r, _, _)| *r > 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n, l)| (n, l))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exactly_one_or_a_reason() {
        assert_eq!(replace_once("a b c", "b", "x").unwrap(), "a x c");
        assert!(replace_once("a b b", "b", "x")
            .unwrap_err()
            .contains("found 2 times"));
        let e = replace_once("fn add(a, b) {\n", "fn add(a,b) {", "x").unwrap_err();
        assert!(e.contains("closest line is 1"), "{e}");
        assert!(replace_once("abc", "", "x").is_err());
    }

    proptest! {
        #[test]
        fn a_unique_match_is_replaced_and_nothing_else_changes(
            pre in "[a-c\n]{0,20}", old in "[x-z]{1,5}", post in "[a-c\n]{0,20}", new in "[a-z\n]{0,10}",
        ) {
            let content = format!("{pre}{old}{post}");
            let out = replace_once(&content, &old, &new).unwrap();
            prop_assert_eq!(out, format!("{pre}{new}{post}"));
        }

        #[test]
        fn a_repeated_match_changes_nothing(body in "[a-c]{0,10}", old in "[x-z]{1,4}") {
            let content = format!("{old}{body}{old}");
            prop_assert!(replace_once(&content, &old, "q").is_err());
        }
    }
}
