//! Reading a simple command's argv: assignment prefixes, the wrappers that run another
//! command (`env`, `timeout`, `xargs`, `sudo`, …), git's global options, whether a table row's
//! condition holds, and the prefix a sticky rule takes.
//!
//! Owns the shape of argv. Must not grade paths (`reach.rs`) or hold table rows (`table.rs`).

use super::grade::{deny, raise, Grade, Part};
use super::reach::{check_path, reach, Reach};
use super::table::{self, When};

pub(crate) fn basename(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

/// Names whose value changes what a command runs or where git looks.
pub(super) const RISKY_VARS: &[&str] = &[
    "PATH",
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "BASH_ENV",
    "ENV",
    "IFS",
    "PROMPT_COMMAND",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_EXEC_PATH",
    "GIT_CONFIG",
    "GIT_CONFIG_GLOBAL",
    "NODE_OPTIONS",
    "PYTHONSTARTUP",
    "PERL5OPT",
    "RUSTC_WRAPPER",
    "CARGO_HOME",
];

/// The word standing for what `xargs` adds from its input.
pub(super) const FED: &str = "$(stdin)";

/// Most words brace expansion may make of one command: past it, the rest stay as written.
const MAX_EXPANDED: usize = 256;

/// Brace expansion as the shell does it (`a{b,c}d` → `abd acd`, nested too); `{x}` and
/// `{1..3}` stay as written.
pub(super) fn expand_braces(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for w in words {
        let mut todo = vec![w.clone()];
        while let Some(x) = todo.pop() {
            match split_braces(&x) {
                Some(alts) if out.len() + todo.len() + alts.len() <= MAX_EXPANDED => {
                    todo.extend(alts.into_iter().rev())
                }
                _ => out.push(x),
            }
        }
    }
    out
}

/// The words one `{…,…}` of `w` stands for, if it has one.
fn split_braces(w: &str) -> Option<Vec<String>> {
    let b: Vec<char> = w.chars().collect();
    for open in (0..b.len()).filter(|&i| b[i] == '{') {
        let (mut depth, mut commas) = (0, Vec::new());
        for (i, &c) in b.iter().enumerate().skip(open) {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        if commas.is_empty() {
                            break;
                        }
                        let pre: String = b[..open].iter().collect();
                        let post: String = b[i + 1..].iter().collect();
                        let mut cuts = vec![open];
                        cuts.extend(&commas);
                        cuts.push(i);
                        return Some(
                            cuts.windows(2)
                                .map(|c| {
                                    let mid: String = b[c[0] + 1..c[1]].iter().collect();
                                    format!("{pre}{mid}{post}")
                                })
                                .collect(),
                        );
                    }
                }
                ',' if depth == 1 => commas.push(i),
                _ => {}
            }
        }
    }
    None
}

pub(super) fn assignment(w: &str) -> Option<&str> {
    let (name, _) = w.split_once('=')?;
    let mut cs = name.chars();
    let first = cs.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(name)
}

/// Past `env`, `nice`, `timeout`, `xargs`, `time`, `command`, `nohup`, `exec`, `stdbuf` and
/// `sudo` (which is denied, and still graded by what it runs). None when nothing runs.
pub(super) fn unwrap(mut w: &[String], p: &mut Part) -> Option<Vec<String>> {
    let mut extra: Vec<String> = Vec::new();
    loop {
        let first = basename(w.first()?);
        // Options that take a value, per wrapper.
        let (valued, skip_one): (&[&str], bool) = match first {
            "env" => (
                &["-u", "--unset", "-C", "--chdir", "-S", "--split-string"],
                false,
            ),
            "nice" => (&["-n", "--adjustment"], false),
            "timeout" => (&["-s", "--signal", "-k", "--kill-after"], true),
            "xargs" => (
                &[
                    "-I", "-i", "-n", "-P", "-L", "-l", "-d", "-E", "-e", "-s", "-a",
                ],
                false,
            ),
            "time" => (&["-f", "--format", "-o", "--output"], false),
            "command" | "nohup" | "builtin" => (&[], false),
            "exec" => (&["-a"], false),
            "stdbuf" => (&["-i", "-o", "-e"], false),
            "sudo" | "doas" => (
                &["-u", "-g", "-C", "-D", "-h", "-p", "-U", "-r", "-t"],
                false,
            ),
            _ => break,
        };
        if first == "sudo" || first == "doas" {
            deny(p, format!("`{first}` runs as another user"));
        }
        if first == "env"
            && w.iter()
                .any(|a| a == "-S" || a.starts_with("--split-string"))
        {
            raise(
                p,
                Grade::Destructive,
                "`env -S` runs a command line it splits itself",
            );
        }
        if first == "command" && w.iter().skip(1).any(|a| a == "-v" || a == "-V") {
            return None;
        }
        if first == "xargs" {
            // Its command gets words from its input: nobody knows them before it runs.
            extra.push(FED.into());
        }
        let mut i = 1;
        while let Some(a) = w.get(i) {
            if a == "--" {
                i += 1;
                break;
            }
            if first == "env" && assignment(a).is_some() {
                if let Some(n) = assignment(a) {
                    if RISKY_VARS.contains(&n) || n.starts_with("GIT_") {
                        raise(
                            p,
                            Grade::Destructive,
                            format!("sets {n}, which changes what runs"),
                        );
                    }
                }
                i += 1;
                continue;
            }
            if !a.starts_with('-') || a == "-" {
                break;
            }
            if (first == "time" && (a == "-o" || a.starts_with("--output")))
                || (first == "env" && (a == "-C" || a.starts_with("--chdir")))
            {
                if let Some(v) = w.get(i + 1) {
                    check_path(p, v, first == "time");
                }
            }
            i += if valued.contains(&a.as_str()) { 2 } else { 1 };
        }
        if skip_one {
            i += 1; // timeout's DURATION
        }
        if i >= w.len() {
            // A wrapper with nothing to run: `env` prints, `xargs` runs `echo`.
            return match first {
                "env" | "time" | "nohup" | "command" | "xargs" | "exec" => {
                    Some(vec![first.to_string()])
                }
                _ => None,
            };
        }
        w = &w[i..];
    }
    let mut v = w.to_vec();
    v.extend(extra);
    Some(v)
}

pub(super) fn inline_script(prog: &str, args: &[String]) -> Option<String> {
    if prog == "eval" {
        return Some(args.join(" "));
    }
    if !table::is_shell(prog) {
        return None;
    }
    // `-c`, also bundled (`-lc`, `-ec`): the first operand is the script.
    let pos = args
        .iter()
        .position(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('c'))?;
    args.iter()
        .skip(pos + 1)
        .find(|a| !a.starts_with('-'))
        .cloned()
}

/// git's global options before its subcommand; `-C` and `--git-dir` are checked here.
pub(super) fn git_globals<'a>(args: &'a [String], p: &mut Part) -> (&'a [String], &'a [String]) {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let takes_value = matches!(
            a.as_str(),
            "-C" | "-c"
                | "--git-dir"
                | "--work-tree"
                | "--namespace"
                | "--exec-path"
                | "--config-env"
        );
        if !a.starts_with('-') {
            break;
        }
        if a == "-C" {
            if let Some(dir) = args.get(i + 1) {
                if reach(dir) != Reach::Inside {
                    deny(
                        p,
                        format!("`git -C {dir}` works on a repository outside the worktree"),
                    );
                }
            }
        }
        i += if takes_value { 2 } else { 1 };
    }
    let i = i.min(args.len());
    (&args[..i], &args[i..])
}

fn subcommand(args: &[String]) -> Option<&str> {
    args.iter()
        .map(String::as_str)
        .find(|a| !a.starts_with('-') && !a.starts_with('+'))
}

/// `--long` (also `--long=value`), a letter in a bundle of short options (`r` in `-rf`), or
/// any other word exactly (`-delete`, `expire`).
fn has_opt(args: &[String], opts: &[&str]) -> bool {
    args.iter().any(|a| {
        opts.iter().any(|o| {
            if o.starts_with("--") {
                a == o || a.strip_prefix(o).is_some_and(|r| r.starts_with('='))
            } else if o.chars().count() == 1 {
                a.starts_with('-') && !a.starts_with("--") && a[1..].contains(o)
            } else {
                a == o
            }
        })
    })
}

pub(super) fn matches(when: When, globals: &[String], args: &[String]) -> bool {
    let sub = subcommand(args);
    let after_sub = || {
        let k = args
            .iter()
            .position(|a| Some(a.as_str()) == sub)
            .map_or(args.len(), |k| k + 1);
        &args[k..]
    };
    match when {
        When::Always => true,
        When::Sub(list) => sub.is_some_and(|s| list.contains(&s)),
        When::SubWith(s, opts) => sub == Some(s) && has_opt(after_sub(), opts),
        When::SubWithout(s, opts) => sub == Some(s) && !has_opt(after_sub(), opts),
        When::SubOnly(s, words) => {
            sub == Some(s) && after_sub().iter().all(|a| words.contains(&a.as_str()))
        }
        When::SubBeyond(s, words) => {
            sub == Some(s) && after_sub().iter().any(|a| !words.contains(&a.as_str()))
        }
        When::Opt(opts) => has_opt(args, opts),
        When::Global(opts) => has_opt(globals, opts),
        When::WordStarts(pre) => args.iter().any(|a| a.starts_with(pre)),
        When::Seq(seq) => args
            .windows(seq.len())
            .any(|w| w.iter().zip(seq.iter()).all(|(a, b)| a == b)),
        When::Bare => args.iter().all(|a| a.starts_with('-')),
        When::Check(f) => f(globals, args),
    }
}

/// The words a sticky rule made from this command matches: program and subcommand for
/// programs that have them, `python -m MODULE`, else the program.
pub(super) fn rule_prefix(prog: &str, args: &[String]) -> Vec<String> {
    let mut v = vec![prog.to_string()];
    if table::PYTHONS.contains(&prog) {
        if let Some(k) = args.iter().position(|a| a == "-m") {
            if let Some(m) = args.get(k + 1) {
                v.extend(["-m".to_string(), m.clone()]);
            }
        }
        return v;
    }
    if table::SUBCOMMANDS.contains(&prog) {
        let rest = if prog == "git" {
            let mut scratch = Part::default();
            git_globals(args, &mut scratch).1
        } else {
            args
        };
        let sub = rest
            .iter()
            .find(|a| !a.starts_with('-') && !a.starts_with('+') && assignment(a).is_none());
        if let Some(s) = sub {
            v.push(s.clone());
        }
    }
    v
}
