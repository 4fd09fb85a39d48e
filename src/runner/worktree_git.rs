//! A task worktree's own git dirs, as the sandbox sees them: which admin dir a command may
//! write and which common dir it may read (checked, since the `.git` file that names them is
//! writable by the command), and the admin files that must not change under a command.
//!
//! Owns finding and checking those dirs and putting guarded files back. Must not run git or
//! decide what a command may do otherwise (`sandbox.rs` does).

use std::path::{Path, PathBuf};

/// Files of a worktree's git metadata a command may write (they live in its writable git
/// dir) but must not change: with HEAD moved to `refs/heads/main`, the engine's next commit
/// in the worktree would land on the user's branch.
const GUARDED_ADMIN: &[&str] = &["HEAD", "commondir", "gitdir", "config.worktree"];

/// A task worktree's git dirs, found from its `.git` file and checked against each other:
/// the `.git` file is writable by the command, so a forged one must not widen the sandbox.
#[derive(Clone, Debug)]
pub(crate) struct WorktreeGit {
    /// `<repo>/.git/worktrees/<name>`: writable.
    pub(crate) admin: PathBuf,
    /// `<repo>/.git`: readable.
    pub(crate) common: PathBuf,
    /// `<worktree>/.git`.
    pub(crate) dot_git: PathBuf,
}

impl WorktreeGit {
    /// None when `cwd` is not a linked worktree or its git dirs do not point at each other.
    pub(crate) fn find(cwd: &Path) -> Option<WorktreeGit> {
        let dot_git = cwd.join(".git");
        if !dot_git.is_file() {
            return None;
        }
        let text = std::fs::read_to_string(&dot_git).ok()?;
        let admin = text.trim().strip_prefix("gitdir:")?.trim();
        let admin = cwd.join(admin).canonicalize().ok()?;
        // The admin dir must be `<common>/worktrees/<name>` and say it belongs to this
        // worktree: a command cannot write another worktree's `gitdir` file.
        let parent = admin.parent()?;
        if parent.file_name()? != "worktrees" {
            return None;
        }
        let back = std::fs::read_to_string(admin.join("gitdir")).ok()?;
        let back = Path::new(back.trim()).canonicalize().ok()?;
        if back != dot_git.canonicalize().ok()? {
            return None;
        }
        let common = std::fs::read_to_string(admin.join("commondir")).ok()?;
        let common = admin.join(common.trim()).canonicalize().ok()?;
        if common != parent.parent()? {
            return None;
        }
        Some(WorktreeGit {
            admin,
            common,
            dot_git,
        })
    }
}

/// The guarded files' contents before a command.
pub(crate) struct AdminSnapshot {
    files: Vec<(PathBuf, Option<Vec<u8>>)>,
}

impl AdminSnapshot {
    pub(crate) fn take(g: &WorktreeGit) -> AdminSnapshot {
        let files = GUARDED_ADMIN
            .iter()
            .map(|f| g.admin.join(f))
            .chain(std::iter::once(g.dot_git.clone()))
            .map(|p| {
                let was = std::fs::read(&p).ok();
                (p, was)
            })
            .collect();
        AdminSnapshot { files }
    }

    pub(crate) fn restore(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for (path, was) in &self.files {
            if std::fs::read(path).ok() == *was {
                continue;
            }
            let put_back = match was {
                Some(bytes) => std::fs::write(path, bytes),
                None => std::fs::remove_file(path),
            };
            notes.push(match put_back {
                Ok(()) => format!(
                    "[sandbox: the command changed {}; it was put back, a task's worktree stays on its own branch]",
                    path.display()
                ),
                Err(e) => format!(
                    "[sandbox: the command changed {} and it could not be put back: {e}]",
                    path.display()
                ),
            });
        }
        notes
    }
}
