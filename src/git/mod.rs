//! Git through libgit2: the run's integration branch, one worktree and branch per task, the
//! task's diff, merges and landing.
//!
//! Owns every git operation conclave makes. The user's working tree and uncommitted changes
//! are never touched (worktrees live under the data dir; branches are made as refs), except by
//! an approved land onto a clean checkout. Must not emit events or decide policy: callers do.

mod diff;
mod merge;
mod worktree;

pub use diff::{keep_only_hunks, task_diff, TaskDiff};
pub use merge::{Landed, MergeOutcome};
pub use worktree::{RunRepo, TaskWorktree};

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error(
        "{path} is not inside a git repository ({reason}); run conclave in a repo or pass --repo"
    )]
    NotARepo { path: String, reason: String },
    #[error("the repository at {0} has no commits yet; commit something first")]
    NoCommits(String),
    #[error(
        "`{0}` cannot be a task id (letters, digits, `.`, `_`, `-`; at most 64; not `integration`)"
    )]
    BadTaskId(String),
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    #[error("the worktree at {path} no longer has its branch {branch} checked out (HEAD is {head}); nothing was committed there")]
    WrongHead {
        path: String,
        branch: String,
        head: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, GitError>;

pub(crate) fn io_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> GitError + '_ {
    move |source| GitError::Io {
        path: path.display().to_string(),
        source,
    }
}
