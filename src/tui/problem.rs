//! A problem found while loading a user's theme or keymap file: path, line, column and what
//! is wrong, shown on screen (design §10) before falling back to the default.
//!
//! Owns the message shape, turning byte offsets and toml errors into lines and columns, and
//! the "did you mean" hint for a misspelt name. Must not read files or decide what to fall
//! back to.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// What was wrong with one file, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadProblem {
    pub path: PathBuf,
    /// 1-based; 0 when the problem is about the whole file (not found, unreadable).
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl LoadProblem {
    pub fn whole_file(path: &Path, message: impl Into<String>) -> Self {
        LoadProblem {
            path: path.to_path_buf(),
            line: 0,
            col: 0,
            message: message.into(),
        }
    }

    /// A problem at a byte range of `text` (the span serde/toml gave).
    pub fn at(
        path: &Path,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        let (line, col) = span.map_or((0, 0), |s| line_col(text, s.start));
        LoadProblem {
            path: path.to_path_buf(),
            line,
            col,
            message: message.into(),
        }
    }

    /// A toml syntax or shape error, with toml's own message (without its source excerpt).
    pub fn from_toml(path: &Path, text: &str, err: &toml::de::Error) -> Self {
        // toml's messages may span lines ("invalid table header\nexpected ..."): keep one line.
        let message = err
            .message()
            .trim_end()
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("; ");
        LoadProblem::at(path, text, err.span(), message)
    }
}

impl fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                self.line,
                self.col,
                self.message
            )
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// The known name nearest a misspelt one, if it is within a few edits: the first of the
/// nearest in `known`'s order.
pub fn closest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::levenshtein(word, k), k))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// ` (did you mean `x`?)` to end a message with, or nothing without a close name.
pub fn did_you_mean(close: Option<&str>) -> String {
    close.map_or(String::new(), |c| format!(" (did you mean `{c}`?)"))
}

/// The value of a loaded file together with the problems met on the way. When `problems` is
/// not empty, `value` is the fallback.
#[derive(Clone, Debug)]
pub struct Loaded<T> {
    pub value: T,
    pub problems: Vec<LoadProblem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let t = "a = 1\nbé = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, 9), (2, 3));
        let p = LoadProblem::at(Path::new("x.toml"), t, Some(6..7), "bad");
        assert_eq!(p.to_string(), "x.toml:2:1: bad");
        assert_eq!(
            LoadProblem::whole_file(Path::new("y"), "gone").to_string(),
            "y: gone"
        );
    }

    #[test]
    fn the_closest_name_is_within_three_edits() {
        let known = ["diff.plus", "diff.minus", "approve"];
        assert_eq!(closest("diff.plsu", known), Some("diff.plus"));
        assert_eq!(closest("aprove", known), Some("approve"));
        assert_eq!(closest("zzzzzzzzzz", known), None);
        assert_eq!(did_you_mean(Some("x")), " (did you mean `x`?)");
        assert_eq!(did_you_mean(None), "");
    }
}
