//! A task's diff: what its branch changed since it left the integration branch, as numbers
//! per file and as a unified patch byte-for-byte like `git diff base tip`.
//!
//! Binary files count no lines and show git's `Binary files ... differ`; text that is not
//! UTF-8 is carried lossily (the patch is for people; the commit keeps the bytes).

use super::Result;
use crate::model::{DiffFile, FileChange};
use git2::{Delta, DiffFindOptions, DiffFormat, DiffOptions, Oid, Patch, Repository};
use std::path::Path;

#[derive(Clone, Debug, PartialEq)]
pub struct TaskDiff {
    pub files: Vec<DiffFile>,
    pub added: u32,
    pub removed: u32,
    pub patch: String,
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
        let path = delta
            .new_file()
            .path()
            .or(delta.old_file().path())
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
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
    let mut bytes = Vec::new();
    diff.print(DiffFormat::Patch, |_, _, line| {
        if matches!(line.origin(), '+' | '-' | ' ') {
            bytes.push(line.origin() as u8);
        }
        bytes.extend_from_slice(line.content());
        true
    })?;
    Ok(TaskDiff {
        files,
        added,
        removed,
        patch: String::from_utf8_lossy(&bytes).into_owned(),
    })
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

/// Rewrites the task's branch so its change holds only the hunks a person kept (numbered in
/// patch order from 0): a new commit on top of the tip whose tree is base + kept hunks; the
/// worktree follows. Returns the new tip.
pub fn keep_only_hunks(wt: &super::TaskWorktree, keep: &[usize]) -> Result<Oid> {
    let repo = Repository::open(&wt.path)?;
    let tip = repo.head()?.peel_to_commit()?;
    let diff = build(&repo, wt.base, tip.id())?;
    let base_tree = repo.find_commit(wt.base)?.tree()?;
    let mut n = 0usize;
    let mut opts = git2::ApplyOptions::new();
    opts.hunk_callback(|_| {
        let kept = keep.contains(&n);
        n += 1;
        kept
    });
    let mut index = repo.apply_to_tree(&base_tree, &diff, Some(&mut opts))?;
    let tree = repo.find_tree(index.write_tree_to(&repo)?)?;
    if tree.id() == tip.tree_id() {
        return Ok(tip.id());
    }
    let sig = super::worktree::signature("person")?;
    let msg = format!("keep hunks {keep:?} of the task's change, as approved");
    let id = repo.commit(Some("HEAD"), &sig, &sig, &msg, &tree, &[&tip])?;
    let commit = repo.find_commit(id)?;
    repo.reset(commit.as_object(), git2::ResetType::Hard, None)?;
    Ok(id)
}
