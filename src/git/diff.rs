//! A task's diff: what its branch changed since it left the integration branch, as numbers
//! per file and as a unified patch byte-for-byte like `git diff base tip`.
//!
//! Binary files count no lines and show git's `Binary files ... differ`; text that is not
//! UTF-8 is carried lossily (the patch is for people; the commit keeps the bytes).

use super::Result;
use crate::model::{DiffFile, DiffHunk, FileChange};
use git2::{Delta, DiffFindOptions, DiffFormat, DiffOptions, Oid, Patch, Repository};
use std::path::Path;

#[derive(Clone, Debug, PartialEq)]
pub struct TaskDiff {
    pub files: Vec<DiffFile>,
    pub added: u32,
    pub removed: u32,
    pub patch: String,
    /// The patch's hunks, in patch order, with their stable ids.
    pub hunks: Vec<DiffHunk>,
}

impl TaskDiff {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Changed lines, the measure of a "minor" diff (design §5).
    pub fn changed_lines(&self) -> u32 {
        self.added + self.removed
    }

    pub fn deletes_files(&self) -> bool {
        self.files.iter().any(|f| f.change == FileChange::Deleted)
    }
}

/// The diff from commit `base` to commit `tip` in the repository at `root`.
pub fn task_diff(root: &Path, base: Oid, tip: Oid) -> Result<TaskDiff> {
    let repo = Repository::open(root)?;
    let diff = build(&repo, base, tip)?;
    let mut files = Vec::new();
    let (mut added, mut removed) = (0u32, 0u32);
    for i in 0..diff.deltas().len() {
        let Some(delta) = diff.get_delta(i) else {
            continue;
        };
        let patch = Patch::from_diff(&diff, i)?;
        let (a, r) = match &patch {
            Some(p) => {
                let (_, a, r) = p.line_stats()?;
                (a as u32, r as u32)
            }
            None => (0, 0),
        };
        let binary = delta.flags().is_binary();
        let path = delta_path(&delta);
        let change = match delta.status() {
            Delta::Added | Delta::Untracked | Delta::Copied => FileChange::Added,
            Delta::Deleted => FileChange::Deleted,
            Delta::Renamed => FileChange::Renamed,
            _ => FileChange::Modified,
        };
        added += a;
        removed += r;
        files.push(DiffFile {
            path,
            change,
            added: a,
            removed: r,
            binary,
        });
    }
    let (patch, hunks) = patch_and_hunks(&diff)?;
    Ok(TaskDiff {
        files,
        added,
        removed,
        patch,
        hunks,
    })
}

/// The patch text (`git diff` bytes, lossily UTF-8) and its hunks, in one pass.
fn patch_and_hunks(diff: &git2::Diff<'_>) -> Result<(String, Vec<DiffHunk>)> {
    let mut bytes = Vec::new();
    let mut hunks: Vec<DiffHunk> = Vec::new();
    // What the open hunk's id is hashed from.
    let mut key: Vec<u8> = Vec::new();
    let close = |hunks: &mut Vec<DiffHunk>, key: &mut Vec<u8>, end: usize| {
        if let Some(h) = hunks.last_mut().filter(|h| h.id.is_empty()) {
            h.end = end as u32;
            h.id = hunk_id(key);
        }
        key.clear();
    };
    diff.print(DiffFormat::Patch, |delta, hunk, line| {
        match line.origin() {
            'F' => close(&mut hunks, &mut key, bytes.len()),
            'H' => {
                close(&mut hunks, &mut key, bytes.len());
                if let Some(h) = hunk {
                    let path = delta_path(&delta);
                    key.extend_from_slice(path.as_bytes());
                    key.extend_from_slice(
                        format!("\0{},{}\0", h.old_start(), h.old_lines()).as_bytes(),
                    );
                    hunks.push(DiffHunk {
                        id: String::new(),
                        path,
                        header: String::from_utf8_lossy(h.header()).trim_end().to_string(),
                        old_start: h.old_start(),
                        old_lines: h.old_lines(),
                        new_start: h.new_start(),
                        new_lines: h.new_lines(),
                        added: 0,
                        removed: 0,
                        start: bytes.len() as u32,
                        end: 0,
                    });
                }
            }
            o @ ('+' | '-') => {
                if let Some(h) = hunks.last_mut() {
                    if o == '+' {
                        h.added += 1;
                    } else {
                        h.removed += 1;
                    }
                }
                key.push(o as u8);
                key.extend_from_slice(line.content());
            }
            _ => {}
        }
        if matches!(line.origin(), '+' | '-' | ' ') {
            bytes.push(line.origin() as u8);
        }
        bytes.extend_from_slice(line.content());
        true
    })?;
    close(&mut hunks, &mut key, bytes.len());
    // Lossy decoding may change lengths: ranges are only kept when the text is UTF-8.
    let patch = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let s = String::from_utf8_lossy(e.as_bytes()).into_owned();
            for h in &mut hunks {
                (h.start, h.end) = (0, 0);
            }
            s
        }
    };
    Ok((patch, hunks))
}

/// The file a delta is about: its new path, or the old one for a deletion.
fn delta_path(delta: &git2::DiffDelta<'_>) -> String {
    delta
        .new_file()
        .path()
        .or(delta.old_file().path())
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A short, stable name for a hunk: what it changes, where in the old file.
fn hunk_id(key: &[u8]) -> String {
    match Oid::hash_object(git2::ObjectType::Blob, key) {
        Ok(oid) => oid.to_string()[..12].to_string(),
        Err(_) => String::from("0"),
    }
}

/// The diff between two commits exactly as `task_diff` shows it (renames detected), so hunk
/// numbers agree with what the person saw.
fn build(repo: &Repository, base: Oid, tip: Oid) -> Result<git2::Diff<'_>> {
    let old = repo.find_commit(base)?.tree()?;
    let new = repo.find_commit(tip)?.tree()?;
    let mut opts = DiffOptions::new();
    opts.context_lines(3);
    let mut diff = repo.diff_tree_to_tree(Some(&old), Some(&new), Some(&mut opts))?;
    // `git diff` detects renames by default.
    diff.find_similar(Some(DiffFindOptions::new().renames(true)))?;
    Ok(diff)
}

/// Rewrites the task's branch so its change holds only the hunks a person kept (by id, as
/// `task_diff` named them): a new commit on top of the tip whose tree is base + kept hunks;
/// the worktree follows. A file none of whose hunks is kept is left as it was at base (a new
/// file is not created, a deleted one stays). Hunk ids do not depend on the new side's line
/// numbers, so keeping again on an already-kept tip changes nothing. Returns the new tip.
pub fn keep_only_hunks(wt: &super::TaskWorktree, keep: &[String]) -> Result<Oid> {
    use std::cell::RefCell;
    use std::collections::{HashMap, HashSet};
    let repo = wt.open_checked()?;
    let tip = repo.head()?.peel_to_commit()?;
    let diff = build(&repo, wt.base, tip.id())?;
    let (_, hunks) = patch_and_hunks(&diff)?;
    let keep: HashSet<&str> = keep.iter().map(String::as_str).collect();
    type Range = (u32, u32, u32, u32);
    let mut kept: HashMap<&str, HashSet<Range>> = HashMap::new();
    for h in &hunks {
        let set = kept.entry(h.path.as_str()).or_default();
        if keep.contains(h.id.as_str()) {
            set.insert((h.old_start, h.old_lines, h.new_start, h.new_lines));
        }
    }
    let current: RefCell<String> = RefCell::new(String::new());
    // Old paths of deletions and renames left out: libgit2 removes those from the result
    // before it asks about a delta, so they are put back from base afterwards.
    let restore: RefCell<Vec<std::path::PathBuf>> = RefCell::new(Vec::new());
    let mut opts = git2::ApplyOptions::new();
    opts.delta_callback(|delta| {
        let path = delta.as_ref().map(delta_path).unwrap_or_default();
        // A file with hunks goes on only if one of them is kept; one without (binary, a bare
        // rename or mode change) goes on whole.
        let go = kept.get(path.as_str()).is_none_or(|s| !s.is_empty());
        if let Some(d) = delta.as_ref().filter(|_| !go) {
            if matches!(d.status(), Delta::Deleted | Delta::Renamed) {
                if let Some(old) = d.old_file().path() {
                    restore.borrow_mut().push(old.to_path_buf());
                }
            }
        }
        *current.borrow_mut() = path;
        go
    });
    opts.hunk_callback(|h| {
        let Some(h) = h else { return true };
        let range = (h.old_start(), h.old_lines(), h.new_start(), h.new_lines());
        kept.get(current.borrow().as_str())
            .is_some_and(|s| s.contains(&range))
    });
    let base_tree = repo.find_commit(wt.base)?.tree()?;
    let mut index = repo.apply_to_tree(&base_tree, &diff, Some(&mut opts))?;
    drop(opts);
    for path in restore.into_inner() {
        let entry = base_tree.get_path(&path)?;
        let blob = repo.find_blob(entry.id())?;
        let name = path.to_string_lossy().into_owned().into_bytes();
        index.add(&git2::IndexEntry {
            ctime: git2::IndexTime::new(0, 0),
            mtime: git2::IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: entry.filemode() as u32,
            uid: 0,
            gid: 0,
            file_size: blob.size() as u32,
            id: entry.id(),
            flags: name.len().min(0xfff) as u16,
            flags_extended: 0,
            path: name,
        })?;
    }
    let tree = repo.find_tree(index.write_tree_to(&repo)?)?;
    if tree.id() == tip.tree_id() {
        return Ok(tip.id());
    }
    let sig = super::worktree::signature("person")?;
    let msg = format!(
        "keep {} of {} of the task's change, as approved",
        keep.len(),
        crate::util::words::count(hunks.len() as u64, "hunk")
    );
    let id = repo.commit(Some("HEAD"), &sig, &sig, &msg, &tree, &[&tip])?;
    let commit = repo.find_commit(id)?;
    repo.reset(commit.as_object(), git2::ResetType::Hard, None)?;
    Ok(id)
}
