//! A compact picture of a repository for the strategist's gap analysis prompt (design §8):
//! totals, the main languages, and the file tree with line counts and sizes, capped.
//!
//! Owns the format and the cap. Must not read ignored files, follow symlinks or write
//! anything. The cap keeps the prompt's cost bounded: when the full tree does not fit, the
//! deepest levels are folded into their directory's totals first, so every top-level part of
//! the repo stays visible.

use super::walk;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Debug, PartialEq)]
pub struct SummaryLimits {
    /// Lines of output at most.
    pub max_lines: usize,
    /// Files listed per directory; the rest are one line of totals.
    pub max_files_per_dir: usize,
    /// Larger files are listed by size only (their lines are not counted).
    pub max_file_bytes: u64,
}

impl Default for SummaryLimits {
    fn default() -> Self {
        SummaryLimits {
            max_lines: 150,
            max_files_per_dir: 20,
            max_file_bytes: 1024 * 1024,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    files: u64,
    lines: u64,
    bytes: u64,
}

impl Totals {
    fn add(&mut self, f: &FileInfo) {
        self.files += 1;
        self.lines += f.lines.unwrap_or(0);
        self.bytes += f.bytes;
    }
}

struct FileInfo {
    name: String,
    bytes: u64,
    /// None for binary or too large files.
    lines: Option<u64>,
    binary: bool,
}

#[derive(Default)]
struct Dir {
    dirs: BTreeMap<String, Dir>,
    files: Vec<FileInfo>,
    totals: Totals,
}

impl Dir {
    fn insert(&mut self, parts: &[String], info: FileInfo) {
        self.totals.add(&info);
        match parts {
            [] | [_] => self.files.push(info),
            [first, rest @ ..] => self
                .dirs
                .entry(first.clone())
                .or_default()
                .insert(rest, info),
        }
    }
}

/// The summary of `root` with the default limits.
pub fn repo_summary(root: &Path) -> String {
    repo_summary_with(root, &SummaryLimits::default())
}

pub fn repo_summary_with(root: &Path, limits: &SummaryLimits) -> String {
    let mut tree = Dir::default();
    let mut by_ext: BTreeMap<String, Totals> = BTreeMap::new();
    for path in walk::files(root) {
        let Some(info) = file_info(&path, limits) else {
            continue;
        };
        let rel = walk::relative(root, &path);
        let parts: Vec<String> = rel.split('/').map(String::from).collect();
        if !info.binary {
            let ext = Path::new(&info.name).extension().map_or_else(
                || "(no extension)".to_string(),
                |e| e.to_string_lossy().to_lowercase(),
            );
            by_ext.entry(ext).or_default().add(&info);
        }
        tree.insert(&parts, info);
    }
    let name = root.file_name().map_or_else(
        || root.to_string_lossy().to_string(),
        |n| n.to_string_lossy().to_string(),
    );
    let mut head = vec![format!("{name}: {}", totals_text(&tree.totals))];
    if !by_ext.is_empty() {
        let mut langs: Vec<_> = by_ext.into_iter().collect();
        langs.sort_by(|a, b| b.1.lines.cmp(&a.1.lines).then(a.0.cmp(&b.0)));
        let shown: Vec<String> = langs
            .iter()
            .take(8)
            .map(|(ext, t)| {
                format!(
                    "{ext} {} / {}",
                    count(t.files, "file"),
                    count(t.lines, "line")
                )
            })
            .collect();
        head.push(format!("languages: {}", shown.join(", ")));
    }
    let budget = limits.max_lines.saturating_sub(head.len() + 1);
    // The deepest tree that fits; deeper levels fold into their directory's totals.
    let mut body = Vec::new();
    for depth in (1..=depth_of(&tree).max(1)).rev() {
        body.clear();
        render(&tree, 0, depth, limits, &mut body);
        if body.len() <= budget {
            break;
        }
    }
    if body.len() > budget {
        let hidden = body.len() - budget;
        body.truncate(budget);
        body.push(format!("… {hidden} more entries not shown"));
    }
    head.extend(body);
    head.truncate(limits.max_lines.max(1));
    head.join("\n")
}

fn file_info(path: &Path, limits: &SummaryLimits) -> Option<FileInfo> {
    let name = path.file_name()?.to_string_lossy().to_string();
    let bytes = std::fs::metadata(path).ok()?.len();
    if bytes > limits.max_file_bytes {
        return Some(FileInfo {
            name,
            bytes,
            lines: None,
            binary: false,
        });
    }
    let content = std::fs::read(path).ok()?;
    let binary = walk::is_binary(&content);
    let lines = (!binary).then(|| count_lines(&content));
    Some(FileInfo {
        name,
        bytes,
        lines,
        binary,
    })
}

fn count_lines(b: &[u8]) -> u64 {
    let newlines = b.iter().filter(|&&c| c == b'\n').count() as u64;
    newlines + u64::from(b.last().is_some_and(|&c| c != b'\n'))
}

fn depth_of(d: &Dir) -> usize {
    1 + d.dirs.values().map(depth_of).max().unwrap_or(0)
}

fn render(d: &Dir, level: usize, depth: usize, limits: &SummaryLimits, out: &mut Vec<String>) {
    let indent = "  ".repeat(level);
    for (name, sub) in &d.dirs {
        out.push(format!("{indent}{name}/  ({})", totals_text(&sub.totals)));
        if level + 1 < depth {
            render(sub, level + 1, depth, limits, out);
        }
    }
    for f in d.files.iter().take(limits.max_files_per_dir) {
        let what = match (f.binary, f.lines) {
            (true, _) => format!("binary, {}", size(f.bytes)),
            (false, Some(n)) => count(n, "line"),
            (false, None) => format!("{}, not counted", size(f.bytes)),
        };
        out.push(format!("{indent}{}  {what}", f.name));
    }
    if d.files.len() > limits.max_files_per_dir {
        let mut rest = Totals::default();
        for f in &d.files[limits.max_files_per_dir..] {
            rest.add(f);
        }
        out.push(format!("{indent}… and {}", totals_text(&rest)));
    }
}

fn totals_text(t: &Totals) -> String {
    format!(
        "{}, {}, {}",
        count(t.files, "file"),
        count(t.lines, "line"),
        size(t.bytes)
    )
}

/// "1 line", "2,000 lines".
fn count(n: u64, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", group(n))
}

/// 1234567 → "1,234,567".
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(size(10), "10 B");
        assert_eq!(size(1536), "1.5 KB");
        assert_eq!(count_lines(b""), 0);
        assert_eq!(count_lines(b"a"), 1);
        assert_eq!(count_lines(b"a\nb\n"), 2);
    }
}
