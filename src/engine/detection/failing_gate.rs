//! A gate that fails on the base commit, as one `FailingGate` finding whose text says what
//! failed in a line a person (and the strategist) can act on.
//!
//! Owns picking that line out of the output tail. Must not run the gate.

use super::text::{compact, strip_ansi};
use crate::model::{Finding, FindingKind};
use regex::Regex;
use std::sync::OnceLock;

const MAX_SUMMARY: usize = 200;

struct Patterns {
    rustc_error: Regex,
    cargo_summary: Regex,
    rustc_location: Regex,
    cc_error: Regex,
    panic_new: Regex,
    panic_old: Regex,
    pytest_failed: Regex,
    python_location: Regex,
    eslint_error: Regex,
    generic: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("failing gate pattern compiles");
        Patterns {
            rustc_error: re(r"^error(?:\[E\d+\])?: .+$"),
            cargo_summary: re(
                r"could not compile|test failed, to rerun|aborting due to|build failed|previous errors?$",
            ),
            rustc_location: re(r"^\s*--> (.+?):(\d+):\d+\s*$"),
            cc_error: re(r"^([^\s:][^:]*):(\d+):(?:\d+:)? (?:fatal )?error: (.+)$"),
            panic_new: re(r"^thread '([^']+)'(?: \(\d+\))? panicked at (.+?):(\d+):\d+:$"),
            panic_old: re(r"^thread '([^']+)' panicked at '(.*)', (.+?):(\d+):\d+$"),
            pytest_failed: re(r"^FAILED (\S+)(?: - (.+))?$"),
            python_location: re(r"^([^\s:][^:]*\.py):(\d+): \w+$"),
            eslint_error: re(r"^\s+(\d+):\d+\s+error\s+(.+?)(?:\s{2,}(\S+))?\s*$"),
            generic: re(r"(?i)\b(error|failed|failure|fatal)\b"),
        }
    })
}

/// `gate` fails; the finding's text names the gate and the most telling line of `output_tail`
/// (the first compiler error, failing test or linter error), and its location points at the
/// file and line of that error when the output gives one.
pub fn failing_gate_finding(gate: &str, output_tail: &str) -> Finding {
    let clean = strip_ansi(output_tail);
    let lines: Vec<&str> = clean.lines().collect();
    let (summary, location) = summarise(&lines);
    let text = match summary {
        Some(s) => format!("gate `{gate}` fails: {}", compact(&s, MAX_SUMMARY)),
        None => format!("gate `{gate}` fails (no output)"),
    };
    Finding {
        kind: FindingKind::FailingGate,
        location,
        text,
    }
}

/// The first match of the most specific pattern, in this order: compiler error, C compiler
/// error, Rust test panic, pytest failure, eslint error, any line saying error/failed, the
/// last line.
fn summarise(lines: &[&str]) -> (Option<String>, Option<String>) {
    let p = patterns();
    for (i, l) in lines.iter().enumerate() {
        if p.rustc_error.is_match(l) && !p.cargo_summary.is_match(l) {
            let location = lines
                .iter()
                .skip(i + 1)
                .take(4)
                .find_map(|n| p.rustc_location.captures(n))
                .map(|c| format!("{}:{}", &c[1], &c[2]));
            return (Some(l.to_string()), location);
        }
    }
    if let Some(c) = lines.iter().find_map(|l| p.cc_error.captures(l)) {
        return (
            Some(format!("error: {}", &c[3])),
            Some(format!("{}:{}", &c[1], &c[2])),
        );
    }
    for (i, l) in lines.iter().enumerate() {
        if let Some(c) = p.panic_new.captures(l) {
            let msg = lines.get(i + 1).map_or("", |m| m.trim());
            return (
                Some(format!("test `{}` panicked: {msg}", &c[1])),
                Some(format!("{}:{}", &c[2], &c[3])),
            );
        }
        if let Some(c) = p.panic_old.captures(l) {
            return (
                Some(format!("test `{}` panicked: {}", &c[1], &c[2])),
                Some(format!("{}:{}", &c[3], &c[4])),
            );
        }
    }
    if let Some(c) = lines.iter().find_map(|l| p.pytest_failed.captures(l)) {
        let summary = match c.get(2) {
            Some(why) => format!("{} failed: {}", &c[1], why.as_str()),
            None => format!("{} failed", &c[1]),
        };
        // pytest prints `file.py:line: AssertionError` under the failure's traceback.
        let location = lines
            .iter()
            .find_map(|l| p.python_location.captures(l))
            .map(|c| format!("{}:{}", &c[1], &c[2]));
        return (Some(summary), location);
    }
    let mut file: Option<&str> = None;
    for l in lines {
        if l.trim().is_empty() {
            file = None;
        } else if !l.starts_with(char::is_whitespace) {
            file = Some(l.trim());
        } else if let (Some(f), Some(c)) = (file, p.eslint_error.captures(l)) {
            let rule = c
                .get(3)
                .map(|r| format!(" ({})", r.as_str()))
                .unwrap_or_default();
            return (
                Some(format!("error: {}{rule}", &c[2])),
                Some(format!("{f}:{}", &c[1])),
            );
        }
    }
    let meaningful = |l: &&&str| !l.trim().is_empty();
    if let Some(l) = lines
        .iter()
        .filter(meaningful)
        .find(|l| p.generic.is_match(l) && !p.cargo_summary.is_match(l))
    {
        return (Some(l.trim().to_string()), None);
    }
    (
        lines
            .iter()
            .rev()
            .find(meaningful)
            .map(|l| l.trim().to_string()),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_output_still_names_the_gate() {
        let f = failing_gate_finding("test", "");
        assert_eq!(f.kind, FindingKind::FailingGate);
        assert_eq!(f.text, "gate `test` fails (no output)");
        assert_eq!(f.location, None);
    }

    #[test]
    fn old_panic_format() {
        let out = "thread 'tests::sums' panicked at 'assertion failed: x', src/lib.rs:12:9\n";
        let f = failing_gate_finding("test", out);
        assert_eq!(
            f.text,
            "gate `test` fails: test `tests::sums` panicked: assertion failed: x"
        );
        assert_eq!(f.location.as_deref(), Some("src/lib.rs:12"));
    }

    #[test]
    fn unknown_tools_give_their_error_line_or_last_line() {
        let f = failing_gate_finding("lint", "checking...\nSomething Failed badly\ndone\n");
        assert_eq!(f.text, "gate `lint` fails: Something Failed badly");
        let f = failing_gate_finding("lint", "checking...\nexit 3\n\n");
        assert_eq!(f.text, "gate `lint` fails: exit 3");
    }
}
