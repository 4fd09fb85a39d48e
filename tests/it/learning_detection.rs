//! Work detection on real files: TODO comments in a git repo (ignored and binary files
//! skipped) and the repo summary for the strategist's gap analysis.

use crate::support::repo::repo_with;
use conclave::engine::detection::{
    detect_todos, detect_todos_with, repo_summary, repo_summary_with, ScanLimits, SummaryLimits,
};
use conclave::model::{Finding, FindingKind};
use std::path::Path;

fn write(root: &Path, path: &str, content: &[u8]) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, content).expect("write");
}

fn located(f: &[Finding]) -> Vec<(String, String)> {
    f.iter()
        .map(|f| (f.location.clone().unwrap_or_default(), f.text.clone()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// A planted source file. Its markers are spelled with `\x4F` (`O`) and `\x45` (`E`) so that
/// detection run on conclave itself does not report this fixture: a line inside a multi-line
/// string literal cannot be told from code without parsing the language.
const LIB_RS: &str = "\
pub fn add(a: u32, b: u32) -> u32 {
    a + b
    // TOD\x4F: handle overflow
}

pub fn name() -> &'static str {
    \"// TOD\x4F: not a comment, a string\"
}
/* FIXM\x45: leaks the buffer on error */
const TODO_LIST: u8 = 0; // plain comment
";

#[test]
fn planted_markers_are_found_with_exact_lines_and_ignored_files_are_not() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    let mut big = b"// TODO: too big to scan\n".to_vec();
    big.resize(2 * 1024 * 1024, b'x');
    let mut binary = b"\x7fELF\0\0\0".to_vec();
    binary.extend_from_slice(b"\n// TODO: inside a binary\n");
    repo_with(
        &root,
        &[
            (".gitignore", b"target/\n*.log\n"),
            ("src/lib.rs", LIB_RS.as_bytes()),
            (
                "scripts/run.sh",
                b"#!/bin/sh\n# HACK: wait until the server is up\nsleep 2\n",
            ),
            (
                "web/index.html",
                b"<html>\n<body>\n<h1>calc</h1>\n<!-- XXX: placeholder logo -->\n</body>\n",
            ),
            (
                ".github/workflows/ci.yml",
                b"on: push\njobs: {}\n# TODO(ci): cache cargo\n",
            ),
            ("docs/notes.md", b"We keep a TODO list elsewhere.\n"),
            ("data/blob.bin", &binary),
            ("data/big.rs", &big),
        ],
    );
    // Ignored files are usually not committed; they are on disk all the same.
    write(
        &root,
        "target/debug/gen.rs",
        b"// TODO: generated, ignored\n",
    );
    write(&root, "server.log", b"# FIXME: a log line, ignored\n");
    write(&root, "web/.gitignore", b"vendor/\n");
    write(&root, "web/vendor/lib.js", b"// TODO: vendored, ignored\n");
    // An untracked but unignored file is work like any other.
    write(
        &root,
        "src/new.py",
        b"def f():\n    pass  # TODO: implement f\n",
    );

    let found = detect_todos(&root);
    assert!(found.iter().all(|f| f.kind == FindingKind::Todo));
    assert_eq!(
        located(&found),
        pairs(&[
            (".github/workflows/ci.yml:3", "TODO(ci): cache cargo"),
            ("scripts/run.sh:2", "HACK: wait until the server is up"),
            ("src/lib.rs:3", "TODO: handle overflow"),
            ("src/lib.rs:9", "FIXME: leaks the buffer on error"),
            ("src/new.py:2", "TODO: implement f"),
            ("web/index.html:4", "XXX: placeholder logo"),
        ])
    );
}

#[test]
fn gitignore_is_honoured_outside_a_git_repo_and_limits_hold() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, ".gitignore", b"build/\n");
    write(root, "build/out.c", b"// TODO: built\n");
    let many: String = (0..50).map(|i| format!("// TODO: item {i}\n")).collect();
    write(root, "a.c", many.as_bytes());
    assert_eq!(detect_todos(root).len(), 50);
    let limited = detect_todos_with(
        root,
        &ScanLimits {
            max_findings: 7,
            max_text_chars: 8,
            ..ScanLimits::default()
        },
    );
    assert_eq!(limited.len(), 7);
    assert_eq!(limited[0].text, "TODO: i…");
    assert_eq!(limited[6].location.as_deref(), Some("a.c:7"));
    assert!(detect_todos(&root.join("missing")).is_empty());
}

#[test]
fn repo_summary_shows_sizes_lines_and_respects_ignores() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("calc");
    write(&root, ".gitignore", b"target/\n");
    write(&root, "src/lib.rs", b"a\nb\nc\n");
    write(&root, "src/bin/main.rs", b"fn main() {}\n");
    write(&root, "README.md", b"# calc\n\nAdds.\n");
    write(&root, "logo.png", b"\x89PNG\r\n\x1a\n\0\0\0");
    write(&root, "target/debug/out", b"ignored\n");
    let s = repo_summary(&root);
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines[0], "calc: 5 files, 8 lines, 52 B", "{s}");
    assert_eq!(
        lines[1],
        "languages: rs 2 files / 4 lines, md 1 file / 3 lines, (no extension) 1 file / 1 line",
        "{s}"
    );
    assert!(s.contains("src/  (2 files, 4 lines, 19 B)"), "{s}");
    assert!(s.contains("  bin/  (1 file, 1 line, 13 B)"), "{s}");
    assert!(s.contains("    main.rs  1 line"), "{s}");
    assert!(s.contains("logo.png  binary, 11 B"), "{s}");
    assert!(!s.contains("target"), "{s}");
}

#[test]
fn repo_summary_folds_deep_levels_to_fit_its_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for top in ["alpha", "beta", "gamma"] {
        for mid in 0..6 {
            for f in 0..6 {
                write(root, &format!("{top}/m{mid}/deep/f{f}.rs"), b"x\n");
            }
        }
    }
    let limits = SummaryLimits {
        max_lines: 30,
        ..SummaryLimits::default()
    };
    let s = repo_summary_with(root, &limits);
    assert!(s.lines().count() <= 30, "{s}");
    for top in ["alpha/  (36 files", "beta/  (36 files", "gamma/  (36 files"] {
        assert!(s.contains(top), "{top} missing:\n{s}");
    }
    // Too small for even the top level: cut with a note, never over the cap.
    let tiny = SummaryLimits {
        max_lines: 4,
        ..SummaryLimits::default()
    };
    let s = repo_summary_with(root, &tiny);
    assert!(s.lines().count() <= 4, "{s}");
    assert!(s.ends_with("more entries not shown"), "{s}");
}
