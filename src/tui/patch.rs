//! A unified diff (the `patch` of a `DiffProposed`) split into files, hunks and display rows.
//!
//! Owns parsing only: rows point into the patch text by byte range, so a 5k-line diff costs
//! one pass and a few words per line, and the diff pane can draw any window of rows without
//! touching the rest. Hunks are numbered across the whole patch from 0 for the view; their
//! identity comes from the event (`DiffHunk`, built from git when the diff was taken), and
//! those ids are what `Command::Approve { keep_hunks }` carries. Tolerates damaged input: a
//! line it cannot place becomes a `Meta` row, never a panic.

use crate::model::{DiffFile, DiffHunk};
use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    Context,
    Plus,
    Minus,
    /// `\ No newline at end of file`
    NoNewline,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// The header of file `n`.
    File(usize),
    /// The `@@` header of hunk `n`.
    Hunk(usize),
    /// A line of hunk `hunk`; line numbers are 0 where a side has none.
    Line {
        kind: LineKind,
        old: u32,
        new: u32,
        hunk: usize,
    },
    /// Anything else worth showing: mode changes, renames, "Binary files differ".
    Meta,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    pub kind: RowKind,
    /// The row's text in the patch (for a line: without its `+`/`-`/space prefix).
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchFile {
    pub path: String,
    /// Its header row.
    pub row: usize,
    pub hunks: Range<usize>,
    pub added: u32,
    pub removed: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hunk {
    pub file: usize,
    /// Its header row; its lines follow up to `end_row`.
    pub row: usize,
    pub end_row: usize,
    /// The event's id for this hunk; `None` when the diff carries no hunk ids (logged before
    /// they existed) or its hunks do not match the patch text.
    pub id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Patch {
    pub files: Vec<PatchFile>,
    pub hunks: Vec<Hunk>,
    pub rows: Vec<Row>,
    /// The largest line number, for the gutter's width.
    pub max_line: u32,
}

/// `@@ -a,b +c,d @@` → (a, b, c, d); counts default to 1 as in the format.
fn hunk_header(line: &str) -> Option<(u32, u32, u32, u32)> {
    let rest = line.strip_prefix("@@ -")?;
    let (ranges, _) = rest.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    let pair = |s: &str| -> Option<(u32, u32)> {
        match s.split_once(',') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => Some((s.parse().ok()?, 1)),
        }
    };
    let (a, b) = pair(old)?;
    let (c, d) = pair(new)?;
    Some((a, b, c, d))
}

fn strip_side(p: &str) -> &str {
    let p = p.split('\t').next().unwrap_or(p).trim_end();
    p.strip_prefix("a/")
        .or_else(|| p.strip_prefix("b/"))
        .unwrap_or(p)
}

impl Patch {
    /// Parses `text`; `files` (from the event) names the file when the patch has no headers.
    pub fn parse(text: &str, files: &[DiffFile]) -> Patch {
        let mut p = Patch::default();
        // Remaining old/new lines of the open hunk; a hunk ends when both reach 0.
        let mut left: Option<(u32, u32)> = None;
        let (mut old_no, mut new_no) = (0u32, 0u32);
        let mut offset = 0usize;
        for raw in text.split_inclusive('\n') {
            let start = offset;
            offset += raw.len();
            let line = raw.strip_suffix('\n').unwrap_or(raw);
            let line = line.strip_suffix('\r').unwrap_or(line);
            let end = start + line.len();
            let range = |skip: usize| (start as u32 + skip.min(line.len()) as u32, end as u32);

            if let Some((o, n)) = left {
                let first = line.as_bytes().first().copied();
                let kind = match first {
                    Some(b'+') if n > 0 => Some(LineKind::Plus),
                    Some(b'-') if o > 0 => Some(LineKind::Minus),
                    Some(b' ') | None if o > 0 && n > 0 => Some(LineKind::Context),
                    Some(b'\\') => Some(LineKind::NoNewline),
                    _ => None,
                };
                if let Some(kind) = kind {
                    let (ol, nl) = match kind {
                        LineKind::Context => (old_no, new_no),
                        LineKind::Plus => (0, new_no),
                        LineKind::Minus => (old_no, 0),
                        LineKind::NoNewline => (0, 0),
                    };
                    let (o2, n2) = match kind {
                        LineKind::Context => {
                            old_no += 1;
                            new_no += 1;
                            (o - 1, n - 1)
                        }
                        LineKind::Plus => {
                            new_no += 1;
                            (o, n - 1)
                        }
                        LineKind::Minus => {
                            old_no += 1;
                            (o - 1, n)
                        }
                        LineKind::NoNewline => (o, n),
                    };
                    let hunk = p.hunks.len() - 1;
                    let skip = usize::from(first.is_some());
                    let (s, e) = if kind == LineKind::NoNewline {
                        range(0)
                    } else {
                        range(skip)
                    };
                    p.rows.push(Row {
                        kind: RowKind::Line {
                            kind,
                            old: ol,
                            new: nl,
                            hunk,
                        },
                        start: s,
                        end: e,
                    });
                    p.max_line = p.max_line.max(ol).max(nl);
                    if let Some(f) = p.files.last_mut() {
                        match kind {
                            LineKind::Plus => f.added += 1,
                            LineKind::Minus => f.removed += 1,
                            _ => {}
                        }
                    }
                    left = Some((o2, n2));
                    if o2 == 0 && n2 == 0 {
                        left = None;
                    }
                    continue;
                }
                left = None;
            }
            // A `\` right after a finished hunk still belongs to it.
            if line.starts_with('\\') && !p.hunks.is_empty() {
                let hunk = p.hunks.len() - 1;
                let (s, e) = range(0);
                let kind = RowKind::Line {
                    kind: LineKind::NoNewline,
                    old: 0,
                    new: 0,
                    hunk,
                };
                p.rows.push(Row {
                    kind,
                    start: s,
                    end: e,
                });
                continue;
            }
            if let Some(rest) = line.strip_prefix("diff --git ") {
                let path = rest.rsplit_once(" b/").map_or(rest, |(_, b)| b);
                p.open_file(path.to_string());
                continue;
            }
            if let Some(rest) = line.strip_prefix("--- ") {
                let path = strip_side(rest);
                // After `diff --git` (and maybe mode lines) the file is already open.
                let headed = p.files.last().is_some_and(|f| {
                    f.hunks.is_empty()
                        && p.rows[f.row + 1..].iter().all(|r| r.kind == RowKind::Meta)
                });
                if !headed {
                    p.open_file(path.to_string());
                }
                if path != "/dev/null" {
                    if let Some(f) = p.files.last_mut() {
                        f.path = path.to_string();
                    }
                }
                continue;
            }
            if let Some(rest) = line.strip_prefix("+++ ") {
                let path = strip_side(rest);
                if path != "/dev/null" {
                    if let Some(f) = p.files.last_mut() {
                        f.path = path.to_string();
                    }
                }
                continue;
            }
            if line.starts_with("index ") {
                continue;
            }
            if let Some((a, b, c, d)) = line.starts_with("@@").then(|| hunk_header(line)).flatten()
            {
                if p.files.is_empty() {
                    let path = files
                        .first()
                        .map_or_else(|| "(patch)".to_string(), |f| f.path.clone());
                    p.open_file(path);
                }
                let file = p.files.len() - 1;
                let row = p.rows.len();
                p.hunks.push(Hunk {
                    file,
                    row,
                    end_row: row + 1,
                    id: None,
                });
                p.files[file].hunks.end = p.hunks.len();
                let (s, e) = range(0);
                p.rows.push(Row {
                    kind: RowKind::Hunk(p.hunks.len() - 1),
                    start: s,
                    end: e,
                });
                old_no = a;
                new_no = c;
                left = (b > 0 || d > 0).then_some((b, d));
                continue;
            }
            if line.is_empty() {
                continue;
            }
            let (s, e) = range(0);
            p.rows.push(Row {
                kind: RowKind::Meta,
                start: s,
                end: e,
            });
        }
        for h in 0..p.hunks.len() {
            let next = p.hunks.get(h + 1).map_or(p.rows.len(), |n| n.row);
            let file_end = p
                .files
                .get(p.hunks[h].file + 1)
                .map_or(p.rows.len(), |f| f.row);
            p.hunks[h].end_row = next.min(file_end);
        }
        p
    }

    /// Parses a diff's patch and names its hunks with the event's ids. The ids are taken only
    /// when the event's hunks are exactly the parsed ones (same count, each header at the
    /// byte the event says): a hunk is never named by a guess.
    pub fn of_diff(text: &str, files: &[DiffFile], hunks: &[DiffHunk]) -> Patch {
        let mut p = Patch::parse(text, files);
        let agree = p.hunks.len() == hunks.len()
            && p.hunks
                .iter()
                .zip(hunks)
                .all(|(h, e)| p.rows.get(h.row).is_some_and(|r| r.start == e.start));
        if agree {
            for (h, e) in p.hunks.iter_mut().zip(hunks) {
                h.id = Some(e.id.clone());
            }
        }
        p
    }

    fn open_file(&mut self, path: String) {
        let row = self.rows.len();
        let file = self.files.len();
        let h = self.hunks.len();
        self.files.push(PatchFile {
            path,
            row,
            hunks: h..h,
            added: 0,
            removed: 0,
        });
        self.rows.push(Row {
            kind: RowKind::File(file),
            start: 0,
            end: 0,
        });
    }

    /// The hunk a row belongs to (its header or one of its lines).
    pub fn hunk_of_row(&self, row: usize) -> Option<usize> {
        match self.rows.get(row)?.kind {
            RowKind::Hunk(h) => Some(h),
            RowKind::Line { hunk, .. } => Some(hunk),
            _ => None,
        }
    }

    /// The file a row is in.
    pub fn file_of_row(&self, row: usize) -> Option<usize> {
        let i = self.files.partition_point(|f| f.row <= row);
        i.checked_sub(1)
    }

    /// The text of a row.
    pub fn text<'a>(&self, patch: &'a str, row: &Row) -> &'a str {
        patch
            .get(row.start as usize..row.end as usize)
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_FILES: &str = "diff --git a/src/a.rs b/src/a.rs\nindex 1..2 100644\n--- a/src/a.rs\n+++ b/src/a.rs\n@@ -1,3 +1,4 @@ fn a()\n fn a() {\n-    1\n+    2\n+    3\n }\n@@ -10,2 +11,2 @@\n-x\n+y\n z\ndiff --git a/b.md b/b.md\nnew file mode 100644\n--- /dev/null\n+++ b/b.md\n@@ -0,0 +1 @@\n+# title\n\\ No newline at end of file\n";

    #[test]
    fn files_hunks_and_line_numbers() {
        let p = Patch::parse(TWO_FILES, &[]);
        assert_eq!(p.files.len(), 2);
        assert_eq!(p.files[0].path, "src/a.rs");
        assert_eq!(p.files[1].path, "b.md");
        assert_eq!((p.files[0].added, p.files[0].removed), (3, 2));
        assert_eq!(p.hunks.len(), 3);
        assert_eq!(p.files[0].hunks, 0..2);
        assert_eq!(p.files[1].hunks, 2..3);
        let lines: Vec<(LineKind, u32, u32)> = p
            .rows
            .iter()
            .filter_map(|r| match r.kind {
                RowKind::Line { kind, old, new, .. } => Some((kind, old, new)),
                _ => None,
            })
            .collect();
        assert_eq!(lines[0], (LineKind::Context, 1, 1));
        assert_eq!(lines[1], (LineKind::Minus, 2, 0));
        assert_eq!(lines[2], (LineKind::Plus, 0, 2));
        assert_eq!(lines[4], (LineKind::Context, 3, 4));
        assert_eq!(lines[5], (LineKind::Minus, 10, 0));
        assert_eq!(lines.last().map(|l| l.0), Some(LineKind::NoNewline));
        let meta: Vec<&str> = p
            .rows
            .iter()
            .filter(|r| r.kind == RowKind::Meta)
            .map(|r| p.text(TWO_FILES, r))
            .collect();
        assert_eq!(meta, vec!["new file mode 100644"]);
        let h1 = &p.hunks[1];
        assert_eq!(p.rows[h1.row].kind, RowKind::Hunk(1));
        assert_eq!(p.rows[h1.end_row].kind, RowKind::File(1));
        assert_eq!(p.file_of_row(h1.row), Some(0));
        assert_eq!(p.hunk_of_row(h1.row + 1), Some(1));
    }

    #[test]
    fn a_bare_hunk_takes_the_events_file_name_and_junk_never_panics() {
        let files = [DiffFile {
            path: "src/http.rs".into(),
            change: crate::model::FileChange::Modified,
            added: 2,
            removed: 1,
            binary: false,
        }];
        let p = Patch::parse("@@ -1,2 +1,3 @@\n-a\n+b\n+c\n d\n", &files);
        assert_eq!(p.files[0].path, "src/http.rs");
        assert_eq!(p.rows.len(), 6);
        for junk in [
            "@@ -x +y @@\n+a",
            "+++\n---\n@@",
            "\\\n\\",
            "@@ -1 +1 @@\n",
            "diff --git\n",
        ] {
            let _ = Patch::parse(junk, &[]);
        }
    }
}
