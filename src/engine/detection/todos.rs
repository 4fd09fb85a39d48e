//! TODO/FIXME/HACK/XXX comments as work to do (design §8, detection at level 4 and up).
//!
//! Owns what counts as such a comment. Must not write files or decide whether a finding
//! becomes a goal: `goals` ranks findings, the engine and policy decide.
//!
//! A marker counts when it sits in a comment (after `//`, `/*`, `#`, `--`, `;`, `%`, `<!--`
//! outside a double-quoted string, or on a `*` block-comment line) and either starts the
//! comment's text (`// TODO fix`, `# FIXME: x`) or is followed by `:` or `(` anywhere in it
//! (`// note: HACK(ana): ...`). Prose that merely mentions the word (`//! finds TODO
//! comments`), identifiers (`TODO_LIST`) and `todo!()` do not count: a false goal costs an
//! agent's time.

use super::text::compact;
use super::walk;
use crate::model::{Finding, FindingKind};
use regex::Regex;
use std::path::Path;
use std::sync::OnceLock;

/// Bounds on the scan, so a vendored tree or a huge generated file cannot stall detection.
#[derive(Clone, Debug, PartialEq)]
pub struct ScanLimits {
    /// Files larger than this are skipped (generated code, data dumps).
    pub max_file_bytes: u64,
    /// At most this many findings, the first in path order.
    pub max_findings: usize,
    /// A finding's text is cut to this many characters.
    pub max_text_chars: usize,
}

impl Default for ScanLimits {
    fn default() -> Self {
        ScanLimits {
            max_file_bytes: 1024 * 1024,
            max_findings: 500,
            max_text_chars: 160,
        }
    }
}

/// Comment openers of the common languages, longest first where one is a prefix of another.
const OPENERS: &[&str] = &["<!--", "//", "/*", "--", "#", ";", "%"];

/// Characters that may stand between a comment opener and a marker that starts the comment.
const LEAD: &str = "/*!#-;%<> \t";

fn marker() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\b(TODO|FIXME|HACK|XXX)\b").expect("marker pattern compiles"))
}

/// Every marker comment in the unignored text files under `root`, as `Todo` findings with
/// `path:line` (1-based, `/` separators, relative to `root`), in path and line order.
pub fn detect_todos(root: &Path) -> Vec<Finding> {
    detect_todos_with(root, &ScanLimits::default())
}

pub fn detect_todos_with(root: &Path, limits: &ScanLimits) -> Vec<Finding> {
    let mut out = Vec::new();
    for path in walk::files(root) {
        let too_big = std::fs::metadata(&path).map_or(true, |m| m.len() > limits.max_file_bytes);
        if too_big {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if walk::is_binary(&bytes) {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        let rel = walk::relative(root, &path);
        for (i, line) in text.lines().enumerate() {
            if let Some(t) = todo_in_line(line) {
                out.push(Finding {
                    kind: FindingKind::Todo,
                    location: Some(format!("{rel}:{}", i + 1)),
                    text: compact(&t, limits.max_text_chars),
                });
                if out.len() >= limits.max_findings {
                    return out;
                }
            }
        }
    }
    out
}

/// The marker and what follows it, if `line` holds a marker comment.
pub(crate) fn todo_in_line(line: &str) -> Option<String> {
    let body = comment_body(line)?;
    for m in marker().find_iter(body) {
        let before = &body[..m.start()];
        // Inside `inline code` the marker is being quoted, not used.
        if before.matches('`').count() % 2 == 1 {
            continue;
        }
        let after = &body[m.end()..];
        let starts_comment = before.chars().all(|c| LEAD.contains(c))
            && (after.is_empty()
                || after.starts_with(|c: char| c.is_whitespace() || ":(!-,.".contains(c)));
        let tagged = after.starts_with(':') || after.starts_with('(');
        if starts_comment || tagged {
            return Some(clean(&body[m.start()..]));
        }
    }
    None
}

/// The text after the line's first comment opener that is not inside a `"` string.
fn comment_body(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    if let Some(rest) = trimmed.strip_prefix('*') {
        // The middle of a `/* ... */` block; `*/` alone closes it.
        return (!rest.starts_with('/')).then_some(rest);
    }
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            // `'"'` is a character, not the start of a string.
            let char_literal = i > 0 && bytes[i - 1] == b'\'' && bytes.get(i + 1) == Some(&b'\'');
            in_string = !char_literal;
        } else if let Some(end) = raw_string_end(bytes, i) {
            // A Rust raw string (`r"…"`, `r#"…"#`): its `#`s are no comment, and an
            // unterminated one runs past the line end.
            i = end?;
            continue;
        } else if let Some(op) = OPENERS
            .iter()
            .find(|op| bytes[i..].starts_with(op.as_bytes()))
        {
            // Openers are ASCII, so `i + len` is a character boundary.
            return line.get(i + op.len()..);
        }
        i += 1;
    }
    None
}

/// If a Rust raw string starts at `i` (`r` then `#`s then `"`, not part of a longer word),
/// the index just past its end on this line, or None inside when it does not end here.
fn raw_string_end(bytes: &[u8], i: usize) -> Option<Option<usize>> {
    if bytes[i] != b'r' || (i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
    {
        return None;
    }
    let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
    let open = i + 1 + hashes;
    if bytes.get(open) != Some(&b'"') {
        return None;
    }
    let mut close = vec![b'"'];
    close.extend(std::iter::repeat_n(b'#', hashes));
    let end = bytes[open + 1..]
        .windows(close.len())
        .position(|w| w == close.as_slice())
        .map(|p| open + 1 + p + close.len());
    Some(end)
}

/// Drops comment closers and surrounding space from the marker's text.
fn clean(s: &str) -> String {
    let mut t = s.trim();
    for closer in ["*/", "-->", "#}", "%}"] {
        if let Some(x) = t.strip_suffix(closer) {
            t = x.trim_end();
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::todo_in_line;

    #[test]
    fn markers_in_comments_count() {
        let cases = [
            ("    // TODO: handle overflow", "TODO: handle overflow"),
            ("/// FIXME the docs lie", "FIXME the docs lie"),
            (
                "x = 1  # HACK(ana): remove after 2.0",
                "HACK(ana): remove after 2.0",
            ),
            ("  /* XXX: racy */", "XXX: racy"),
            (
                "   * TODO: second line of a block",
                "TODO: second line of a block",
            ),
            ("-- TODO drop this column", "TODO drop this column"),
            ("<!-- TODO: screenshot -->", "TODO: screenshot"),
            ("let x = 2; // note: FIXME: off by one", "FIXME: off by one"),
            ("; TODO", "TODO"),
            ("#TODO", "TODO"),
        ];
        for (line, want) in cases {
            assert_eq!(todo_in_line(line).as_deref(), Some(want), "{line}");
        }
    }

    #[test]
    fn mentions_strings_and_identifiers_do_not() {
        for line in [
            "//! Finds TODO/FIXME comments",
            "let s = \"// TODO: not a comment\";",
            "let s = \"a \\\" // TODO: still in the string\";",
            "const TODO_LIST: u8 = 1;",
            "todo!()",
            "fn xxx() {} // nothing here",
            "    */",
            "TODO: not in a comment",
            "# see the todo list",
            "// XXXX is a placeholder",
        ] {
            assert_eq!(todo_in_line(line), None, "{line}");
        }
    }

    #[test]
    fn raw_strings_and_inline_code_hide_markers() {
        assert_eq!(todo_in_line(r##"let s = r#"x"); // TODO: y"#;"##), None);
        assert_eq!(
            todo_in_line(r#"let s = r"// TODO: in a raw string";"#),
            None
        );
        assert_eq!(
            todo_in_line(r##"let s = r#"unterminated // TODO: y"##),
            None
        );
        assert_eq!(
            todo_in_line(r##"let s = r#"a"#; // HACK: after it"##).as_deref(),
            Some("HACK: after it")
        );
        assert_eq!(
            todo_in_line("let hr = 1; // TODO: `r` is not a raw string").as_deref(),
            Some("TODO: `r` is not a raw string")
        );
        assert_eq!(todo_in_line("//! e.g. `# FIXME: x` is found"), None);
    }

    #[test]
    fn a_string_closed_before_the_comment_is_skipped_correctly() {
        assert_eq!(
            todo_in_line(r#"call("x"); // TODO: y"#).as_deref(),
            Some("TODO: y")
        );
        assert_eq!(
            todo_in_line(r#"if c == '"' { q() } // FIXME: escapes"#).as_deref(),
            Some("FIXME: escapes")
        );
    }
}
