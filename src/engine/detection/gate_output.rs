//! Compiler and linter warnings in a gate's output, as `Warning` findings (design §8).
//!
//! Owns the recognised formats: rustc/cargo/clippy (`warning: msg` then ` --> file:line:col`),
//! gcc/clang (`file:line:col: warning: msg [-Wflag]`), Python (`file.py:line: XWarning: msg`,
//! also pytest's warnings summary), eslint's default `stylish` and its `compact` format.
//! Must not run anything: the engine runs gates through the `Runner` and passes the output.

use super::text::{compact, strip_ansi};
use crate::model::{Finding, FindingKind};
use regex::Regex;
use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

/// A warning's text is cut to this many characters.
const MAX_TEXT: usize = 200;

/// Lines after a rustc `warning:` header searched for its ` --> ` location and lint name.
const RUSTC_LOOKAHEAD: usize = 12;

struct Patterns {
    rustc_header: Regex,
    rustc_location: Regex,
    rustc_lint: Regex,
    cargo_noise: Regex,
    cc: Regex,
    python: Regex,
    eslint_file: Regex,
    eslint_row: Regex,
    eslint_compact: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("gate output pattern compiles");
        Patterns {
            rustc_header: re(r"^warning(?:\[[^\]]+\])?: (.+)$"),
            rustc_location: re(r"^\s*--> (.+?):(\d+):\d+\s*$"),
            rustc_lint: re(r"#\[warn\(([\w:]+)\)\]"),
            cargo_noise: re(
                r"generated \d+ warnings?|build failed|waiting for other jobs|future version of Rust|the following packages contain code|is dirty|spurious network error",
            ),
            cc: re(r"^([^\s:][^:]*):(\d+):(?:\d+:)? warning: (.+)$"),
            python: re(r"^\s*([^\s:][^:]*\.py):(\d+): ([A-Za-z]*Warning): (.+)$"),
            eslint_file: re(r"^(?:/|[A-Za-z]:\\|\./|\w)[^\s:]*\.[A-Za-z0-9]+$"),
            eslint_row: re(r"^\s+(\d+):\d+\s+warning\s+(.+?)(?:\s{2,}(\S+))?\s*$"),
            eslint_compact: re(r"^(.+): line (\d+), col \d+, Warning - (.+)$"),
        }
    })
}

/// The warnings in `output` of gate `gate`, in order of appearance, each once.
///
/// A warning without a file location (cargo's `warning: unused manifest key: ...`) gets the
/// gate's name in its text so a person knows where it was seen; cargo's summaries ("generated
/// 3 warnings", "build failed") are not warnings of their own.
pub fn findings_from_gate_output(gate: &str, output: &str) -> Vec<Finding> {
    let p = patterns();
    let clean = strip_ansi(output);
    let lines: Vec<&str> = clean.lines().collect();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut push = |location: Option<String>, text: String| {
        let text = compact(&text, MAX_TEXT);
        if seen.insert((location.clone(), text.clone())) {
            out.push(Finding {
                kind: FindingKind::Warning,
                location,
                text,
            });
        }
    };
    let mut eslint_file: Option<&str> = None;
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            eslint_file = None;
            continue;
        }
        if let Some(c) = p.rustc_header.captures(line) {
            let msg = &c[1];
            let block = lines.iter().skip(i + 1).take(RUSTC_LOOKAHEAD);
            let mut location = None;
            let mut lint = None;
            for l in block {
                // The next diagnostic starts: this one's block is over.
                if l.starts_with("warning") || l.starts_with("error") {
                    break;
                }
                if location.is_none() {
                    if let Some(m) = p.rustc_location.captures(l) {
                        location = Some(format!("{}:{}", &m[1], &m[2]));
                    }
                }
                if lint.is_none() {
                    lint = p.rustc_lint.captures(l).map(|m| m[1].to_string());
                }
            }
            let text = match lint {
                Some(lint) => format!("{msg} ({lint})"),
                None => msg.to_string(),
            };
            match location {
                Some(loc) => push(Some(loc), text),
                None if !p.cargo_noise.is_match(msg) => {
                    push(None, format!("{text} (gate `{gate}`)"))
                }
                None => {}
            }
        } else if let Some(c) = p.cc.captures(line) {
            push(Some(format!("{}:{}", &c[1], &c[2])), c[3].to_string());
        } else if let Some(c) = p.python.captures(line) {
            push(
                Some(format!("{}:{}", &c[1], &c[2])),
                format!("{}: {}", &c[3], &c[4]),
            );
        } else if let Some(c) = p.eslint_compact.captures(line) {
            push(Some(format!("{}:{}", &c[1], &c[2])), c[3].to_string());
        } else if p.eslint_file.is_match(line) {
            eslint_file = Some(line.trim());
        } else if let (Some(file), Some(c)) = (eslint_file, p.eslint_row.captures(line)) {
            let text = match c.get(3) {
                Some(rule) => format!("{} ({})", &c[2], rule.as_str()),
                None => c[2].to_string(),
            };
            push(Some(format!("{file}:{}", &c[1])), text);
        }
    }
    out
}

/// Makes absolute locations under `root` relative to it (pytest and eslint print absolute
/// paths; TODO findings and goals use repo-relative ones), and drops a leading `./`.
pub fn relative_locations(findings: &mut [Finding], root: &Path) {
    let mut prefixes = vec![root.to_string_lossy().to_string()];
    if let Ok(canon) = root.canonicalize() {
        prefixes.push(canon.to_string_lossy().to_string());
    }
    for f in findings {
        let Some(loc) = f.location.as_mut() else {
            continue;
        };
        for prefix in &prefixes {
            let prefix = prefix.trim_end_matches('/');
            if let Some(rest) = loc.strip_prefix(prefix) {
                if let Some(rest) = rest.strip_prefix('/') {
                    *loc = rest.to_string();
                    break;
                }
            }
        }
        if let Some(rest) = loc.strip_prefix("./") {
            *loc = rest.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_summaries_are_not_warnings_but_config_warnings_are() {
        let out = "warning: `rs` (lib) generated 3 warnings\n\
                   warning: build failed, waiting for other jobs to finish...\n\
                   warning: unused manifest key: package.colour\n";
        let f = findings_from_gate_output("build", out);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location, None);
        assert_eq!(
            f[0].text,
            "unused manifest key: package.colour (gate `build`)"
        );
    }

    #[test]
    fn a_location_belongs_to_its_own_warning() {
        // The second header has no location; it must not steal the third's.
        let out = "warning: a\n --> src/a.rs:1:1\n\nwarning: unused manifest key: x\nwarning: c\n --> src/c.rs:3:1\n";
        let f = findings_from_gate_output("g", out);
        let locs: Vec<_> = f.iter().map(|f| f.location.clone()).collect();
        assert_eq!(
            locs,
            [Some("src/a.rs:1".into()), None, Some("src/c.rs:3".into())]
        );
    }

    #[test]
    fn absolute_paths_become_relative() {
        let mut f = vec![
            Finding {
                kind: FindingKind::Warning,
                location: Some("/w/t1/calc.py:4".into()),
                text: "x".into(),
            },
            Finding {
                kind: FindingKind::Warning,
                location: Some("./src/a.c:2".into()),
                text: "y".into(),
            },
            Finding {
                kind: FindingKind::Warning,
                location: Some("/w/t10/b.py:1".into()),
                text: "z".into(),
            },
        ];
        relative_locations(&mut f, Path::new("/w/t1/"));
        assert_eq!(f[0].location.as_deref(), Some("calc.py:4"));
        assert_eq!(f[1].location.as_deref(), Some("src/a.c:2"));
        // `/w/t10` is not under `/w/t1`.
        assert_eq!(f[2].location.as_deref(), Some("/w/t10/b.py:1"));
    }
}
