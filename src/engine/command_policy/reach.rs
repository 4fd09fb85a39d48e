//! Where a path a command names leads: inside the worktree, a device like `/dev/null`, an
//! absolute path elsewhere (`/tmp` included: it is shared with the user's own programs, and
//! the sandbox gives a command its own temp dir as `$TMPDIR` instead), out of it (`..` above the root, `~`, `$HOME`, SSH keys), or unknown until it
//! runs (a variable, a substitution). Paths are read from the worktree root, whatever `cd`
//! came before: that errs on the side of asking.
//!
//! Owns that judgement and what it does to a part's grade. Must not read argv shapes.

use super::grade::{deny, raise, Grade, Part};

/// `line` with the worktree's own absolute path (`root`, also as written with a trailing
/// `/`) read as `.`, so `cd /…/worktree && cat /…/worktree/src/x` is graded like
/// `cd . && cat ./src/x`. A longer name that only starts like `root` is left alone.
pub(super) fn relative_to(line: &str, root: &str) -> String {
    let root = root.trim_end_matches('/');
    if root.is_empty() || !root.starts_with('/') {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find(root) {
        let after = &rest[i + root.len()..];
        let ends = after
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')));
        out.push_str(&rest[..i]);
        out.push_str(if ends { "." } else { root });
        rest = after;
    }
    out.push_str(rest);
    out
}

pub(super) fn grade_cd(p: &mut Part, args: &[String]) {
    let target = args.iter().find(|a| !a.starts_with('-') || *a == "-");
    match target.map(String::as_str) {
        None | Some("-") => deny(p, "`cd` without a directory leaves the worktree"),
        Some(t) if reach(t) != Reach::Inside => deny(p, format!("`cd {t}` leaves the worktree")),
        Some(_) => raise(p, Grade::ReadOnly, "`cd` stays inside the worktree"),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reach {
    Inside,
    /// `/dev/null` and the standard streams.
    Device,
    /// Absolute, outside the worktree.
    Absolute,
    /// `..` above the worktree, `~`, `$HOME`, SSH keys.
    Leaves,
    /// A variable or substitution: known only when it runs.
    Unknown,
}

pub(super) fn reach(path: &str) -> Reach {
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
    if path.starts_with('/') {
        if matches!(
            path,
            "/dev/null" | "/dev/stdin" | "/dev/stdout" | "/dev/stderr"
        ) {
            return Reach::Device;
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
pub(super) fn check_path(p: &mut Part, path: &str, writes: bool) {
    match reach(path) {
        Reach::Inside | Reach::Device => {}
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
pub(super) fn check_arg(p: &mut Part, a: &str, writer: bool) {
    if a.contains("://") {
        return;
    }
    check_path(p, a, writer);
    if let Some((_, v)) = a.split_once('=') {
        check_path(p, v, writer);
    }
}
