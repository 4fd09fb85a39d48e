//! Grading a parsed command: each simple command gets the grade of its most dangerous
//! matching row in `table.rs`, raised by what its redirections and arguments reach; the
//! command's grade is its most dangerous part. Shells' `-c` text and `eval` are parsed and
//! graded like the line itself; wrappers (`env`, `timeout`, `xargs`, …) grade as what they run.
//!
//! Owns grades, the deny-list's reasons, paths that leave the worktree, and the prefix a
//! sticky rule takes from a command. Must not decide who approves (that is the policy).

use super::argv::{assignment, basename, git_globals, inline_script, matches, rule_prefix};
use super::argv::{expand_braces, unwrap, RISKY_VARS};
use super::parse::{parse, RedirectKind, Simple};
use super::reach::{check_arg, check_path, grade_cd, reach, Reach};
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
    /// It needs the network to do its work (a network row matched).
    pub network: bool,
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
    /// Whether running it needs the network: some part of it is a network tool.
    pub fn needs_network(&self) -> bool {
        self.parts.iter().any(|p| p.network)
    }

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

/// Grades `command` run in the worktree `root` (its absolute path counts as inside).
pub fn assess_in(command: &str, gate_commands: &[String], root: Option<&str>) -> Assessment {
    let gate = gate_commands.iter().any(|g| g.trim() == command.trim());
    let mut a = match root {
        Some(r) => assess(&super::reach::relative_to(command, r), &[]),
        None => assess(command, &[]),
    };
    a.gate = gate;
    a
}

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
    if let Some(d) = &a.denied {
        // What the deny-list names is never less than destructive.
        a.grade = Grade::Destructive;
        a.why = d.clone();
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
    let runner = table::is_shell(prog)
        || table::PYTHONS.contains(&prog)
        || matches!(prog, "perl" | "node" | "ruby" | "source" | "." | "eval");
    runner && operands.clone().all(|w| w.contains('$'))
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
        network: false,
    }
}

/// Raises `p` to `g` for `why` (the first reason for the highest grade is kept).
pub(super) fn raise(p: &mut Part, g: Grade, why: impl Into<String>) {
    if (g > p.grade || p.why.is_empty()) && p.denied.is_none() {
        p.grade = p.grade.max(g);
        p.why = why.into();
    }
}

pub(super) fn deny(p: &mut Part, why: impl Into<String>) {
    if p.denied.is_none() {
        let why = why.into();
        p.why = why.clone();
        p.denied = Some(why);
    }
    p.grade = Grade::Destructive;
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
                for t in expand_braces(std::slice::from_ref(&r.target)) {
                    if matches!(t.as_str(), "/dev/null" | "/dev/stdout" | "/dev/stderr") {
                        continue;
                    }
                    match reach(&t) {
                        Reach::Inside => raise(
                            &mut p,
                            Grade::WritesWorktree,
                            format!("`{}{t}` writes a file", r.op),
                        ),
                        Reach::Device => {}
                        _ => deny(&mut p, format!("`{}{t}` writes outside the worktree", r.op)),
                    }
                }
            }
            RedirectKind::Read => {
                for t in expand_braces(std::slice::from_ref(&r.target)) {
                    check_path(&mut p, &t, false);
                }
            }
            RedirectKind::Dup | RedirectKind::Text => {}
        }
    }
    // `{rm,-rf,src}` runs `rm -rf src`: words are graded as the shell expands them.
    let expanded = expand_braces(&s.words);
    let mut w: &[String] = &expanded;
    while let Some(name) = w.first().and_then(|x| assignment(x)) {
        grade_assignment(&mut p, name);
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
    if words[0] != "[" && words[0].contains(['*', '?', '[']) {
        raise(
            &mut p,
            Grade::Destructive,
            format!("runs `{}`, a program name the shell expands", words[0]),
        );
    }
    if words[0].contains('$') {
        raise(
            &mut p,
            Grade::Destructive,
            format!("runs `{}`, a program only known when it runs", words[0]),
        );
    }
    let fed = words.last().is_some_and(|w| w == super::argv::FED);
    if fed && (table::is_shell(&prog) || prog == "eval" || table::PYTHONS.contains(&prog.as_str()))
    {
        raise(
            &mut p,
            Grade::Destructive,
            format!("`{prog}` runs commands read from its input"),
        );
        out.push(p);
        return out;
    }
    if matches!(
        prog.as_str(),
        "export" | "declare" | "typeset" | "local" | "readonly"
    ) {
        for a in args {
            if let Some(name) = assignment(a) {
                grade_assignment(&mut p, name);
            }
        }
    }
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
    if prog == "cd" || prog == "pushd" {
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
        p.network |= r.network;
        raise(&mut p, r.grade, why);
    }
    let writer = !rows.is_empty() && p.grade >= Grade::WritesWorktree;
    for a in args {
        check_arg(&mut p, a, writer);
    }
    out.push(p);
    out
}

#[cfg(test)]
#[path = "grade_tests.rs"]
mod tests;

/// A variable set for a command (`NAME=value cmd`) or exported: one pointing git elsewhere
/// is denied, one that changes what runs (`PATH`, `LD_PRELOAD`, …) is destructive.
fn grade_assignment(p: &mut Part, name: &str) {
    if matches!(
        name,
        "GIT_DIR" | "GIT_WORK_TREE" | "GIT_COMMON_DIR" | "GIT_INDEX_FILE"
    ) || name.starts_with("GIT_DIR")
    {
        deny(p, format!("`{name}=` points git at another repository"));
    } else if RISKY_VARS.contains(&name) {
        raise(
            p,
            Grade::Destructive,
            format!("sets {name}, which changes what runs"),
        );
    }
}
