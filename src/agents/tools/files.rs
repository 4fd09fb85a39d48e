//! The file tools: list_files, read_file, search, write_file, edit_file. All paths go through
//! `Confined`; all outputs are capped and say so when cut.

use super::confine::Confined;
use super::edit::replace_once;

pub const LIST_CAP: usize = 500;
pub const READ_LINES_CAP: usize = 2000;
pub const READ_BYTES_CAP: usize = 64 * 1024;
pub const SEARCH_CAP: usize = 200;
const LINE_CHARS_CAP: usize = 300;

fn walker(root: &std::path::Path) -> ignore::Walk {
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_path(|a, b| a.cmp(b))
        .build()
}

pub fn list_files(c: &Confined, path: Option<&str>) -> Result<String, String> {
    let dir = c.existing(path.unwrap_or(""))?;
    if !dir.is_dir() {
        return Ok(c.relative(&dir));
    }
    let mut out = Vec::new();
    let mut total = 0usize;
    for entry in walker(&dir).flatten() {
        if entry
            .file_type()
            .is_some_and(|t| t.is_file() || t.is_symlink())
        {
            total += 1;
            if out.len() < LIST_CAP {
                out.push(c.relative(entry.path()));
            }
        }
    }
    if total == 0 {
        return Ok("(no files)".into());
    }
    let mut s = out.join("\n");
    if total > out.len() {
        s.push_str(&format!(
            "\n[… {} more files not listed; list a subdirectory …]",
            total - out.len()
        ));
    }
    Ok(s)
}

pub fn read_file(
    c: &Confined,
    path: &str,
    start: Option<usize>,
    end: Option<usize>,
) -> Result<String, String> {
    let p = c.existing(path)?;
    if p.is_dir() {
        return Err(format!("`{path}` is a directory; use list_files"));
    }
    let bytes = std::fs::read(&p).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Ok(format!("(binary file, {} bytes)", bytes.len()));
    }
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return Ok("(empty file)".into());
    }
    let first = start.unwrap_or(1).max(1);
    let last = end.unwrap_or(lines.len()).min(lines.len());
    if first > lines.len() || first > last {
        return Err(format!(
            "`{path}` has {} lines; lines {first}..{last} are not there",
            lines.len()
        ));
    }
    let mut out = String::new();
    for (i, l) in lines[first - 1..last].iter().enumerate() {
        if i >= READ_LINES_CAP || out.len() >= READ_BYTES_CAP {
            out.push_str(&format!(
                "[… cut at line {}; read on with start_line={} …]\n",
                first + i - 1,
                first + i
            ));
            break;
        }
        out.push_str(&format!("{}: {l}\n", first + i));
    }
    Ok(out)
}

pub fn search(c: &Confined, pattern: &str, path: Option<&str>) -> Result<String, String> {
    if pattern.is_empty() {
        return Err("`pattern` is empty".into());
    }
    let (re, note) = match regex::Regex::new(pattern) {
        Ok(re) => (re, String::new()),
        Err(_) => (
            regex::Regex::new(&regex::escape(pattern)).map_err(|e| e.to_string())?,
            "(not a valid regular expression: searched for the literal text)\n".to_string(),
        ),
    };
    let root = c.existing(path.unwrap_or(""))?;
    let mut hits = Vec::new();
    let mut total = 0usize;
    for entry in walker(&root).flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        if bytes[..bytes.len().min(8192)].contains(&0) {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        for (n, line) in text.lines().enumerate() {
            if re.is_match(line) {
                total += 1;
                if hits.len() < SEARCH_CAP {
                    let shown: String = line.chars().take(LINE_CHARS_CAP).collect();
                    hits.push(format!(
                        "{}:{}: {}",
                        c.relative(entry.path()),
                        n + 1,
                        shown.trim_end()
                    ));
                }
            }
        }
    }
    if total == 0 {
        return Ok(format!("{note}no matches"));
    }
    let mut s = note + &hits.join("\n");
    if total > hits.len() {
        s.push_str(&format!(
            "\n[… {} more matches not shown; narrow the pattern or path …]",
            total - hits.len()
        ));
    }
    Ok(s)
}

pub fn write_file(c: &Confined, path: &str, content: &str) -> Result<String, String> {
    let p = c.writable(path)?;
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create the folder for `{path}`: {e}"))?;
    }
    std::fs::write(&p, content).map_err(|e| format!("cannot write `{path}`: {e}"))?;
    Ok(format!(
        "wrote {} ({} lines)",
        c.relative(&p),
        content.lines().count()
    ))
}

pub fn edit_file(c: &Confined, path: &str, old: &str, new: &str) -> Result<String, String> {
    let p = c.existing(path)?;
    if p.is_dir() {
        return Err(format!("`{path}` is a directory"));
    }
    // Re-check for writing: `existing` followed any symlink already.
    let p = c.writable(&c.relative(&p))?;
    let bytes = std::fs::read(&p).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    let content = String::from_utf8(bytes)
        .map_err(|_| format!("`{path}` is not UTF-8 text; use write_file"))?;
    let out = replace_once(&content, old, new).map_err(|e| format!("{path}: {e}"))?;
    std::fs::write(&p, out).map_err(|e| format!("cannot write `{path}`: {e}"))?;
    Ok(format!("edited {}", c.relative(&p)))
}
