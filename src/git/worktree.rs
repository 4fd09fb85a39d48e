//! The run's branches and the tasks' worktrees.
//!
//! Layout: integration branch `conclave/<run>/integration` from the base commit (git cannot
//! hold both `conclave/<run>` and `conclave/<run>/<task>` as refs, so the integration branch
//! gets its own leaf name); task branches `conclave/<run>/<task>`; worktrees at
//! `<data dir>/worktrees/<run>/<task>`.

use super::{io_err, GitError, Result};
use crate::model::valid_task_id;
use git2::{BranchType, IndexAddOption, Oid, Repository, Signature};
use std::path::{Path, PathBuf};

/// A run's view of the user's repository.
#[derive(Clone, Debug)]
pub struct RunRepo {
    /// The repository's working directory (or git dir when bare).
    pub root: PathBuf,
    pub run: String,
    pub base_commit: Oid,
    /// The user's branch when the run started (where an approved land goes).
    pub user_branch: String,
    worktrees_dir: PathBuf,
}

/// One task's worktree and branch.
#[derive(Clone, Debug)]
pub struct TaskWorktree {
    pub task: String,
    pub path: PathBuf,
    pub branch: String,
    /// The commit the task started from; its diff is measured against it.
    pub base: Oid,
}

pub(super) fn signature(who: &str) -> Result<Signature<'static>> {
    Ok(Signature::now(
        &format!("conclave {who}"),
        "conclave@localhost",
    )?)
}

impl RunRepo {
    /// Opens the repository containing `path` and records where the run starts from.
    pub fn start(path: &Path, run: &str, data_dir: &Path) -> Result<RunRepo> {
        let rr = Self::inspect(path, run, data_dir)?;
        rr.ensure_integration_branch()?;
        Ok(rr)
    }

    /// What a new run on the repo at `path` would record (its root, base commit and branch),
    /// writing nothing: the engine logs the run durably before it makes a branch, so a kill
    /// in between leaves a run that `resume` finishes, never a branch nobody lists.
    pub fn inspect(path: &Path, run: &str, data_dir: &Path) -> Result<RunRepo> {
        let repo = Repository::discover(path).map_err(|e| GitError::NotARepo {
            path: path.display().to_string(),
            reason: e.message().to_string(),
        })?;
        let root = repo.workdir().unwrap_or(repo.path()).to_path_buf();
        let head = repo
            .head()
            .map_err(|_| GitError::NoCommits(root.display().to_string()))?;
        let base = head
            .peel_to_commit()
            .map_err(|_| GitError::NoCommits(root.display().to_string()))?;
        let user_branch = head.shorthand().unwrap_or("HEAD").to_string();
        let rr = RunRepo {
            root,
            run: run.to_string(),
            base_commit: base.id(),
            user_branch,
            worktrees_dir: data_dir.join("worktrees").join(run),
        };
        Ok(rr)
    }

    /// Makes the run's integration branch at its base commit, unless it exists.
    pub fn ensure_integration_branch(&self) -> Result<()> {
        let repo = self.repo()?;
        if repo
            .find_branch(&self.integration_branch(), BranchType::Local)
            .is_err()
        {
            repo.branch(
                &self.integration_branch(),
                &repo.find_commit(self.base_commit)?,
                false,
            )?;
        }
        Ok(())
    }

    /// Reopens a run's repo from what its log recorded (resume).
    pub fn reopen(
        root: &Path,
        run: &str,
        base_commit: &str,
        user_branch: &str,
        data_dir: &Path,
    ) -> Result<RunRepo> {
        let repo = self::open(root)?;
        let base = Oid::from_str(base_commit)?;
        let rr = RunRepo {
            root: root.to_path_buf(),
            run: run.to_string(),
            base_commit: base,
            user_branch: user_branch.to_string(),
            worktrees_dir: data_dir.join("worktrees").join(run),
        };
        remove_stale_locks(&repo, run);
        if repo
            .find_branch(&rr.integration_branch(), BranchType::Local)
            .is_err()
        {
            repo.branch(&rr.integration_branch(), &repo.find_commit(base)?, false)?;
        }
        Ok(rr)
    }

    /// Puts this (new) run's branches where another run's stood (a fork): the integration
    /// branch at `integration`, and each task's branch at its commit. Nothing else moves.
    pub fn place_branches(&self, integration: Oid, tasks: &[(String, Oid)]) -> Result<()> {
        let repo = self.repo()?;
        for (task, _) in tasks {
            if !valid_task_id(task) {
                return Err(GitError::BadTaskId(task.clone()));
            }
        }
        let at = repo.find_commit(integration)?;
        repo.branch(&self.integration_branch(), &at, true)?;
        for (task, commit) in tasks {
            let at = repo.find_commit(*commit)?;
            repo.branch(&self.task_branch(task), &at, true)?;
        }
        Ok(())
    }

    /// Whether the repository holds this commit (a fork's branches can only go where one is).
    pub fn has_commit(&self, id: Oid) -> bool {
        self.repo().is_ok_and(|r| r.find_commit(id).is_ok())
    }

    /// Deletes every branch of this run (a fork that could not be set up leaves none behind).
    pub fn delete_branches(&self) -> Result<()> {
        let repo = self.repo()?;
        let prefix = format!("conclave/{}/", self.run);
        for b in repo.branches(Some(BranchType::Local))? {
            let (mut b, _) = b?;
            let name = b.name()?.map(String::from);
            if name.is_some_and(|n| n.starts_with(&prefix)) {
                b.delete()?;
            }
        }
        Ok(())
    }

    pub fn repo(&self) -> Result<Repository> {
        open(&self.root)
    }

    pub fn integration_branch(&self) -> String {
        format!("conclave/{}/integration", self.run)
    }

    pub fn task_branch(&self, task: &str) -> String {
        format!("conclave/{}/{task}", self.run)
    }

    fn worktree_name(&self, task: &str) -> String {
        format!("conclave-{}-{task}", self.run)
    }

    /// The integration branch's tip.
    pub fn integration_tip(&self) -> Result<Oid> {
        let repo = self.repo()?;
        let b = repo.find_branch(&self.integration_branch(), BranchType::Local)?;
        let id = b.get().peel_to_commit()?.id();
        Ok(id)
    }

    /// A worktree for the task on its own branch, from the integration branch's tip; an
    /// existing one (resume, retry) is reused as it is.
    pub fn task_worktree(&self, task: &str) -> Result<TaskWorktree> {
        if !valid_task_id(task) {
            return Err(GitError::BadTaskId(task.to_string()));
        }
        let repo = self.repo()?;
        let branch_name = self.task_branch(task);
        let path = self.worktrees_dir.join(task);
        let branch = match repo.find_branch(&branch_name, BranchType::Local) {
            Ok(b) => b,
            Err(_) => {
                let tip = repo.find_commit(self.integration_tip()?)?;
                repo.branch(&branch_name, &tip, false)?
            }
        };
        // A worktree whose making was cut by a kill has a `.git` file that leads nowhere (or
        // half a checkout): it is made again, like one whose directory went away.
        let usable = path.join(".git").exists() && Repository::open(&path).is_ok();
        if !usable {
            if path.exists() {
                std::fs::remove_dir_all(&path).map_err(io_err(&path))?;
            }
            std::fs::create_dir_all(&self.worktrees_dir).map_err(io_err(&self.worktrees_dir))?;
            if let Ok(stale) = repo.find_worktree(&self.worktree_name(task)) {
                // The directory went away (cleaned up, crash): forget it and make it again.
                let _ = stale.prune(Some(
                    git2::WorktreePruneOptions::new()
                        .valid(true)
                        .locked(true)
                        .working_tree(true),
                ));
            }
            let admin = repo.path().join("worktrees").join(self.worktree_name(task));
            if admin.exists() {
                std::fs::remove_dir_all(&admin).map_err(io_err(&admin))?;
            }
            let reference = branch.into_reference();
            let mut opts = git2::WorktreeAddOptions::new();
            opts.reference(Some(&reference));
            repo.worktree(&self.worktree_name(task), &path, Some(&opts))?;
        }
        let base = self.task_base(task)?;
        Ok(TaskWorktree {
            task: task.to_string(),
            path,
            branch: branch_name,
            base,
        })
    }

    /// Moves a helper worktree (e.g. the one gates run in before a land) to the integration
    /// branch's tip, discarding what it had.
    pub fn refresh_to_integration(&self, task: &str) -> Result<()> {
        let wt = self.task_worktree(task)?;
        let repo = open(&wt.path)?;
        let tip = repo.find_commit(self.integration_tip()?)?;
        repo.reset(tip.as_object(), git2::ResetType::Hard, None)?;
        Ok(())
    }

    /// Where the task's branch left the integration branch.
    fn task_base(&self, task: &str) -> Result<Oid> {
        let repo = self.repo()?;
        let branch = repo.find_branch(&self.task_branch(task), BranchType::Local)?;
        let tip = branch.get().peel_to_commit()?.id();
        Ok(repo
            .merge_base(tip, self.integration_tip()?)
            .unwrap_or(self.base_commit))
    }

    /// Removes every task worktree of the run (branches stay).
    pub fn cleanup(&self) -> Result<()> {
        let repo = self.repo()?;
        let prefix = format!("conclave-{}-", self.run);
        for name in repo.worktrees()?.iter().flatten() {
            if !name.starts_with(&prefix) {
                continue;
            }
            if let Ok(wt) = repo.find_worktree(name) {
                let _ = std::fs::remove_dir_all(wt.path());
                wt.prune(Some(
                    git2::WorktreePruneOptions::new()
                        .valid(true)
                        .working_tree(true),
                ))?;
            }
        }
        let _ = std::fs::remove_dir(&self.worktrees_dir);
        Ok(())
    }
}

/// Lock files a killed process left on this run's own refs and worktree indexes: git would
/// refuse every later update of them ("failed to lock file"). Only this run's: the store lets
/// one process at a time continue a run, so nobody else holds them. The user's own refs and
/// index are never touched.
fn remove_stale_locks(repo: &Repository, run: &str) {
    let git = repo.path();
    let mut stale = Vec::new();
    let refs = git.join("refs/heads/conclave").join(run);
    if let Ok(dir) = std::fs::read_dir(&refs) {
        stale.extend(dir.flatten().map(|e| e.path()));
    }
    let prefix = format!("conclave-{run}-");
    if let Ok(dir) = std::fs::read_dir(git.join("worktrees")) {
        for wt in dir.flatten() {
            if wt.file_name().to_string_lossy().starts_with(&prefix) {
                stale.push(wt.path().join("index.lock"));
            }
        }
    }
    for p in stale {
        if p.extension().is_some_and(|e| e == "lock") && p.is_file() {
            tracing::warn!(path = %p.display(), "removing a lock a killed run left behind");
            let _ = std::fs::remove_file(&p);
        }
    }
}

fn open(root: &Path) -> Result<Repository> {
    Repository::open(root).map_err(|e| GitError::NotARepo {
        path: root.display().to_string(),
        reason: e.message().to_string(),
    })
}

impl TaskWorktree {
    /// Commits everything in the worktree (new, changed and deleted files) to the task's
    /// branch. Returns the new tip, or the old one when nothing changed.
    pub fn commit_all(&self, who: &str, message: &str) -> Result<Oid> {
        let repo = self.open_checked()?;
        let mut index = repo.index()?;
        index.add_all(["*"], IndexAddOption::DEFAULT, None)?;
        index.update_all(["*"], None)?;
        index.write()?;
        let tree_id = index.write_tree()?;
        let head = repo.head()?.peel_to_commit()?;
        if head.tree_id() == tree_id {
            return Ok(head.id());
        }
        let tree = repo.find_tree(tree_id)?;
        let sig = signature(who)?;
        Ok(repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &[&head])?)
    }

    /// The worktree's repository, once it is sure HEAD is still the task's branch: a
    /// command that moved HEAD (or pointed the `.git` file elsewhere) would otherwise have
    /// the engine's next commit land on another branch, the user's `main` included.
    pub fn open_checked(&self) -> Result<Repository> {
        let repo = open(&self.path)?;
        let want = format!("refs/heads/{}", self.branch);
        let head = repo
            .find_reference("HEAD")
            .ok()
            .and_then(|h| h.symbolic_target().map(str::to_string))
            .unwrap_or_else(|| "(detached)".into());
        if head != want {
            return Err(super::GitError::WrongHead {
                path: self.path.display().to_string(),
                branch: self.branch.clone(),
                head,
            });
        }
        Ok(repo)
    }

    /// Drops what an interrupted session left uncommitted (and an interrupted merge), so it
    /// starts over from the branch's tip like the first time.
    pub fn restore_tip(&self) -> Result<()> {
        let repo = open(&self.path)?;
        let head = repo.head()?.peel_to_commit()?;
        repo.reset(head.as_object(), git2::ResetType::Hard, None)?;
        repo.cleanup_state()?;
        let mut opts = git2::StatusOptions::new();
        opts.include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false);
        let untracked: Vec<PathBuf> = repo
            .statuses(Some(&mut opts))?
            .iter()
            .filter(|e| e.status().contains(git2::Status::WT_NEW))
            .filter_map(|e| e.path().map(|p| self.path.join(p)))
            .collect();
        for p in untracked {
            let _ = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
        }
        Ok(())
    }

    /// The branch's tip.
    pub fn tip(&self) -> Result<Oid> {
        Ok(open(&self.path)?.head()?.peel_to_commit()?.id())
    }
}
