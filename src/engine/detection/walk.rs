//! Walking a repository the way git sees it: `.gitignore` (and `.ignore`, global excludes)
//! respected, `.git` skipped, symlinks not followed, in a stable order.
//!
//! Owns the walk and the binary test. Must not write anything.

use std::path::Path;

/// Bytes looked at to call a file binary: git's own heuristic (a NUL in the first 8000 bytes).
const BINARY_SNIFF: usize = 8000;

/// Every unignored regular file under `root`, sorted by path. Unreadable entries are skipped:
/// detection is advisory and must never fail a run.
pub(crate) fn files(root: &Path) -> Vec<std::path::PathBuf> {
    let walk = ignore::WalkBuilder::new(root)
        // Hidden files such as `.github/workflows/ci.yml` hold real work too; only `.git` is
        // git's own.
        .hidden(false)
        // Honour `.gitignore` even in a directory that is not (yet) a git repository, e.g. an
        // unpacked tarball: the file still says what is generated.
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    walk.filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| e.into_path())
        .collect()
}

pub(crate) fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(BINARY_SNIFF)].contains(&0)
}

/// `path` relative to `root` with `/` separators, as it appears in `path:line` locations.
pub(crate) fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
