//! Grading a parsed command: each simple command gets the grade of its most dangerous
//! matching row in `table.rs`, raised by what its redirections and arguments reach; the
//! command's grade is its most dangerous part. Shells' `-c` text and `eval` are parsed and
//! graded like the line itself; wrappers (`env`, `timeout`, `xargs`, …) grade as what they run.
//!
//! Owns grades, the deny-list's reasons, paths that leave the worktree, and the prefix a
//! sticky rule takes from a command. Must not decide who approves (that is the policy).

use super::parse::{parse, RedirectKind, Simple};
use super::table::{self, Row, When};
use serde::{Deserialize, Serialize};

/// How much a command can do, least to most.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    #[default]
    ReadOnly,
    WritesWorktree,
    Network,
    Destructive,
}

impl Grade {
    pub fn name(self) -> &'static str {
        match self {
            Grade::ReadOnly => "read-only",
            Grade::WritesWorktree => "writes-worktree",
            Grade::Network => "network",
            Grade::Destructive => "destructive",
        }
    }

    /// As a decision's reason says it: "`cp a b` writes the worktree".
    pub fn phrase(self) -> &'static str {
        match self {
            Grade::ReadOnly => "is read-only",
            Grade::WritesWorktree => "writes the worktree",
            Grade::Network => "uses the network",
            Grade::Destructive => "is destructive",
        }
    }
}

/// One simple command as graded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Part {
    /// The words that run, past assignments, keywords and wrappers.
    pub words: Vec<String>,
    /// What a sticky rule made from this part would match (`["cargo", "test"]`).
    pub prefix: Vec<String>,
    pub grade: Grade,
    /// On the deny-list, and why.
    pub denied: Option<String>,
    /// What set the grade.
    pub why: String,
    /// It redirects into a file or holds a substitution: more than its words say.
    pub extra: bool,
}

/// A whole command line as graded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assessment {
    pub parts: Vec<Part>,
    /// The most dangerous part's grade.
    pub grade: Grade,
    /// The first deny-list reason, if any part is on it.
    pub denied: Option<String>,
    /// Why the grade is what it is ("`rm -r` deletes a directory tree").
    pub why: String,
    /// The line is exactly one of the repo's gate commands.
    pub gate: bool,
}

impl Assessment {
    /// The prefix a sticky rule takes from this command: its most dangerous part's.
    pub fn rule_prefix(&self) -> Vec<String> {
        self.parts
            .iter()
            .filter(|p| !p.prefix.is_empty())
            .max_by_key(|p| p.grade)
            .map(|p| p.prefix.clone())
            .unwrap_or_default()
    }
}

/// Deeper `sh -c "sh -c …"` nesting than this is graded destructive unread.
const MAX_DEPTH: usize = 6;

/// Grades `command` given the repo's gate commands.
pub fn assess(command: &str, gate_commands: &[String]) -> Assessment {
    let parts = parts_of(command, 0);
    let mut a = Assessment {
        gate: gate_commands.iter().any(|g| g.trim() == command.trim()),
        ..Assessment::default()
    };
    if fork_bomb(command) {
        a.denied = Some("looks like a fork bomb".into());
    }
    let downloads = parts.iter().any(|p| p.grade == Grade::Network);
    for p in &parts {
        if downloads && runs_its_input(p) && a.denied.is_none() {
            a.denied = Some(format!(
                "`{}` runs what the command downloads",
                p.words.join(" ")
            ));
        }
        if a.denied.is_none() {
            a.denied = p.denied.clone();
        }
        if p.grade > a.grade || a.why.is_empty() {
            a.grade = a.grade.max(p.grade);
            a.why = p.why.clone();
        }
    }
    if parts.is_empty() {
        a.why = "does nothing".into();
    }
    a.parts = parts;
    a
}

fn fork_bomb(s: &str) -> bool {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    t.contains(":(){") || t.contains("(){:|:&")
}

fn runs_its_input(p: &Part) -> bool {
    let prog = p.words.first().map(|w| basename(w)).unwrap_or_default();
    let operands = p.words.iter().skip(1).filter(|w| !w.starts_with('-'));
    (table::is_shell(prog) || table::PYTHONS.contains(&prog) || prog == "perl" || prog == "node")
        && operands.clone().all(|w| w.contains('$'))
}

fn parts_of(line: &str, depth: usize) -> Vec<Part> {
    if depth > MAX_DEPTH {
        return vec![opaque(line, "nests shells too deep to read")];
    }
    match parse(line) {
        Ok(simples) => simples
            .iter()
            .flat_map(|s| grade_simple(s, depth))
            .collect(),
        Err(e) => vec![opaque(line, &format!("cannot be read as shell ({e})"))],
    }
}

fn opaque(line: &str, why: &str) -> Part {
    Part {
        words: vec![line.to_string()],
        prefix: Vec::new(),
        grade: Grade::Destructive,
        denied: None,
        why: why.to_string(),
        extra: true,
    }
}

/// Raises `p` to `g` for `why` (the first reason for the highest grade is kept).
fn raise(p: &mut Part, g: Grade, why: impl Into<String>) {
    if (g > p.grade || p.why.is_empty()) && p.denied.is_none() {
        p.grade = p.grade.max(g);
        p.why = why.into();
    }
}

fn deny(p: &mut Part, why: impl Into<String>) {
    if p.denied.is_none() {
        let why = why.into();
        p.why = why.clone();
        p.denied = Some(why);
    }
    p.grade = Grade::Destructive;
}

pub(super) fn basename(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

/// Names whose value changes what a command runs or where git looks.
const RISKY_VARS: &[&str] = &[
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

fn assignment(w: &str) -> Option<&str> {
    let (name, _) = w.split_once('=')?;
    let mut cs = name.chars();
    let first = cs.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(name)
}

fn grade_simple(s: &Simple, depth: usize) -> Vec<Part> {
    let mut p = Part {
        extra: s.substituted,
        ..Part::default()
    };
    for r in &s.redirects {
        match r.kind {
            RedirectKind::Write => {
                p.extra = true;
                let t = &r.target;
                if matches!(t.as_str(), "/dev/null" | "/dev/stdout" | "/dev/stderr") {
                    continue;
                }
                match reach(t) {
                    Reach::Inside => raise(
                        &mut p,
                        Grade::WritesWorktree,
                        format!("`{}{t}` writes a file", r.op),
                    ),
                    Reach::Tmp => raise(
                        &mut p,
                        Grade::WritesWorktree,
                        format!("`{}{t}` writes a temp file", r.op),
                    ),
                    _ => deny(&mut p, format!("`{}{t}` writes outside the worktree", r.op)),
                }
            }
            RedirectKind::Read => check_path(&mut p, &r.target, false),
            RedirectKind::Dup | RedirectKind::Text => {}
        }
    }
    let mut w: &[String] = &s.words;
    while let Some(name) = w.first().and_then(|x| assignment(x)) {
        if name == "GIT_DIR" || name == "GIT_WORK_TREE" || name == "GIT_COMMON_DIR" {
            deny(
                &mut p,
                format!("`{name}=` points git at another repository"),
            );
        } else if RISKY_VARS.contains(&name) {
            raise(
                &mut p,
                Grade::Destructive,
                format!("sets {name}, which changes what runs"),
            );
        }
        if let Some((_, v)) = w[0].split_once('=') {
            check_path(&mut p, v, false);
        }
        w = &w[1..];
    }
    // Shell keywords around a command are not programs.
    while let Some(k) = w.first() {
        match k.as_str() {
            "!" | "{" | "if" | "then" | "else" | "elif" | "do" | "while" | "until" => w = &w[1..],
            "}" | "fi" | "done" | "esac" if w.len() == 1 => w = &w[1..],
            "for" | "select" => w = &[],
            _ => break,
        }
    }
    let mut out = Vec::new();
    let Some(words) = unwrap(w, &mut p) else {
        if p.why.is_empty() {
            p.why = "does nothing".into();
        }
        out.push(p);
        return out;
    };
    let prog = basename(&words[0]).to_string();
    let args = &words[1..];
    p.words = words.clone();
    p.prefix = rule_prefix(&prog, args);
    // Text a shell runs is graded as commands of its own.
    if let Some(script) = inline_script(&prog, args) {
        if depth >= MAX_DEPTH {
            raise(&mut p, Grade::Destructive, "nests shells too deep to read");
        } else {
            out.extend(parts_of(&script, depth + 1));
            raise(
                &mut p,
                Grade::ReadOnly,
                format!("`{prog}` runs the commands it is given"),
            );
            out.push(p);
            return out;
        }
    }
    if prog == "cd" {
        grade_cd(&mut p, args);
        out.push(p);
        return out;
    }
    let (globals, rest) = if prog == "git" {
        git_globals(args, &mut p)
    } else {
        (&args[..0], args)
    };
    let rows: Vec<&Row> = table::rows(&prog).collect();
    if rows.is_empty() {
        raise(
            &mut p,
            Grade::WritesWorktree,
            format!("`{prog}` is not a known read-only tool"),
        );
    }
    let matched: Vec<&Row> = rows
        .iter()
        .copied()
        .filter(|r| !matches!(r.when, When::Always) && matches(r.when, globals, rest))
        .collect();
    let chosen = if matched.is_empty() {
        rows.iter()
            .copied()
            .filter(|r| matches!(r.when, When::Always))
            .collect()
    } else {
        matched
    };
    for r in &chosen {
        // A row's reason names its own form (`rm -r` …) or reads after the command's name.
        let why = if r.why.starts_with('`') {
            r.why.to_string()
        } else {
            format!("`{}` {}", p.prefix.join(" "), r.why)
        };
        if r.denied {
            deny(&mut p, why.clone());
        }
        raise(&mut p, r.grade, why);
    }
    let writer = !rows.is_empty() && p.grade >= Grade::WritesWorktree;
    for a in args {
        check_arg(&mut p, a, writer);
    }
    out.push(p);
    out
}

/// Past `env`, `nice`, `timeout`, `xargs`, `time`, `command`, `nohup`, `exec`, `stdbuf` and
/// `sudo` (which is denied, and still graded by what it runs). None when nothing runs.
fn unwrap(mut w: &[String], p: &mut Part) -> Option<Vec<String>> {
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
        if first == "command" && w.iter().skip(1).any(|a| a == "-v" || a == "-V") {
            return None;
        }
        if first == "xargs" {
            // Its command gets words from its input: nobody knows them before it runs.
            extra.push("$(stdin)".into());
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

fn inline_script(prog: &str, args: &[String]) -> Option<String> {
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

fn grade_cd(p: &mut Part, args: &[String]) {
    let target = args.iter().find(|a| !a.starts_with('-') || *a == "-");
    match target.map(String::as_str) {
        None | Some("-") => deny(p, "`cd` without a directory leaves the worktree"),
        Some(t) if reach(t) != Reach::Inside => deny(p, format!("`cd {t}` leaves the worktree")),
        Some(_) => raise(p, Grade::ReadOnly, "`cd` stays inside the worktree"),
    }
}

/// git's global options before its subcommand; `-C` and `--git-dir` are checked here.
fn git_globals<'a>(args: &'a [String], p: &mut Part) -> (&'a [String], &'a [String]) {
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

fn has_opt(args: &[String], opts: &[&str]) -> bool {
    args.iter().any(|a| {
        opts.iter().any(|o| {
            if o.starts_with("--") {
                a == o || a.strip_prefix(o).is_some_and(|r| r.starts_with('='))
            } else if o.starts_with('-') {
                a == o
            } else {
                a.starts_with('-') && !a.starts_with("--") && a[1..].contains(o)
            }
        })
    })
}

fn matches(when: When, globals: &[String], args: &[String]) -> bool {
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
    }
}

/// The words a sticky rule made from this command matches: program and subcommand for
/// programs that have them, `python -m MODULE`, else the program.
fn rule_prefix(prog: &str, args: &[String]) -> Vec<String> {
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    Inside,
    Tmp,
    /// Absolute, outside `/tmp`.
    Absolute,
    /// `..` above the worktree, `~`, `$HOME`, SSH keys.
    Leaves,
    /// A variable or substitution: known only when it runs.
    Unknown,
}

fn reach(path: &str) -> Reach {
    if path.starts_with('~')
        || path.contains("$HOME")
        || path.contains("${HOME")
        || path.contains(".ssh")
        || path.contains("id_rsa")
        || path.contains("id_ed25519")
    {
        return Reach::Leaves;
    }
    if path.contains('$') || path.contains('`') {
        return Reach::Unknown;
    }
    if let Some(rest) = path.strip_prefix('/') {
        let first = rest.split('/').next().unwrap_or("");
        if first == "tmp" && !path.split('/').any(|c| c == "..") {
            return Reach::Tmp;
        }
        if matches!(
            path,
            "/dev/null" | "/dev/stdin" | "/dev/stdout" | "/dev/stderr"
        ) {
            return Reach::Tmp;
        }
        return Reach::Absolute;
    }
    let mut depth: i32 = 0;
    for c in path.split('/') {
        match c {
            ".." => depth -= 1,
            "" | "." => {}
            _ => depth += 1,
        }
        if depth < 0 {
            return Reach::Leaves;
        }
    }
    Reach::Inside
}

/// A file a command names (a redirect's source, `env -C`, an assignment's value).
fn check_path(p: &mut Part, path: &str, writes: bool) {
    match reach(path) {
        Reach::Inside | Reach::Tmp => {}
        Reach::Leaves => deny(p, format!("`{path}` is outside the worktree")),
        Reach::Absolute | Reach::Unknown if writes => deny(
            p,
            format!("writes `{path}`, which may be outside the worktree"),
        ),
        Reach::Absolute => raise(
            p,
            Grade::Destructive,
            format!("names `{path}`, outside the worktree"),
        ),
        Reach::Unknown => raise(
            p,
            Grade::WritesWorktree,
            format!("`{path}` is known only when it runs"),
        ),
    }
}

/// An argument: itself and, for `--opt=value` or `of=value`, its value.
fn check_arg(p: &mut Part, a: &str, writer: bool) {
    if a.contains("://") {
        return;
    }
    check_path(p, a, writer);
    if let Some((_, v)) = a.split_once('=') {
        check_path(p, v, writer);
    }
}

#[cfg(test)]
#[path = "grade_tests.rs"]
mod tests;
