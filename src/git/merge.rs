//! Merging task branches into the integration branch, handing conflicts to an agent, and
//! landing the integration branch on the user's branch.
//!
//! Merges into the integration branch happen in memory (no checkout), so nothing on disk
//! changes until a commit exists. A conflict is reproduced in the task's own worktree, with
//! markers, for an agent to resolve. Landing touches the user's checkout only when it is clean
//! and still on the branch the run started from.

use super::worktree::{signature, RunRepo, TaskWorktree};
use super::{GitError, Result};
use git2::{BranchType, MergeOptions, Oid, Repository, StatusOptions};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MergeOutcome {
    /// Merged; the integration branch's new tip.
    Clean(Oid),
    /// The paths that conflict; nothing was changed.
    Conflicts(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Landed {
    pub branch: String,
    pub commit: Oid,
    pub fast_forward: bool,
}

fn conflict_paths(index: &git2::Index) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for c in index.conflicts()? {
        let c = c?;
        let entry = c.our.or(c.their).or(c.ancestor);
        if let Some(e) = entry {
            out.push(String::from_utf8_lossy(&e.path).into_owned());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn branch_tip(repo: &Repository, name: &str) -> Result<Oid> {
    let b = repo.find_branch(name, BranchType::Local)?;
    let id = b.get().peel_to_commit()?.id();
    Ok(id)
}

impl RunRepo {
    /// Would merging the task's branch into the integration branch conflict? Changes nothing.
    pub fn merge_preview(&self, task: &str) -> Result<MergeOutcome> {
        self.merge_task(task, false)
    }

    /// Merges the task's branch into the integration branch when it merges cleanly.
    pub fn merge_into_integration(&self, task: &str) -> Result<MergeOutcome> {
        self.merge_task(task, true)
    }

    fn merge_task(&self, task: &str, commit: bool) -> Result<MergeOutcome> {
        let repo = self.repo()?;
        let ours_id = branch_tip(&repo, &self.integration_branch())?;
        let theirs_id = branch_tip(&repo, &self.task_branch(task))?;
        if repo.graph_descendant_of(ours_id, theirs_id)? || ours_id == theirs_id {
            return Ok(MergeOutcome::Clean(ours_id));
        }
        let (ours, theirs) = (repo.find_commit(ours_id)?, repo.find_commit(theirs_id)?);
        let mut index = repo.merge_commits(&ours, &theirs, Some(&MergeOptions::new()))?;
        if index.has_conflicts() {
            return Ok(MergeOutcome::Conflicts(conflict_paths(&index)?));
        }
        if !commit {
            return Ok(MergeOutcome::Clean(ours_id));
        }
        let tree = repo.find_tree(index.write_tree_to(&repo)?)?;
        let sig = signature("engine")?;
        let msg = format!("conclave: merge task {task} into the run's integration branch");
        let id = repo.commit(None, &sig, &sig, &msg, &tree, &[&ours, &theirs])?;
        repo.find_branch(&self.integration_branch(), BranchType::Local)?
            .get_mut()
            .set_target(id, &msg)?;
        Ok(MergeOutcome::Clean(id))
    }

    /// Merges the integration branch into the task's worktree, leaving conflict markers in
    /// the files for an agent. Returns the conflicted paths.
    pub fn bring_conflicts_home(&self, wt: &TaskWorktree) -> Result<Vec<String>> {
        let repo = wt.open_checked()?;
        if repo.state() != git2::RepositoryState::Clean {
            // A resolution was cut by a crash: it starts over, like its session.
            wt.restore_tip()?;
        }
        let tip = branch_tip(&repo, &self.integration_branch())?;
        let annotated = repo.find_annotated_commit(tip)?;
        let mut checkout = git2::build::CheckoutBuilder::new();
        checkout.allow_conflicts(true).conflict_style_merge(true);
        repo.merge(&[&annotated], None, Some(&mut checkout))?;
        let paths = conflict_paths(&repo.index()?)?;
        Ok(paths)
    }

    /// Of `paths`, those whose text still holds a conflict marker line. With no paths given,
    /// every file the merge touched is checked.
    pub fn files_with_markers(&self, wt: &TaskWorktree, paths: &[String]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let candidates: Vec<String> = if paths.is_empty() {
            let repo = Repository::open(&wt.path)?;
            let mut opts = StatusOptions::new();
            opts.include_untracked(true);
            let st = repo.statuses(Some(&mut opts))?;
            st.iter()
                .filter_map(|e| e.path().map(String::from))
                .collect()
        } else {
            paths.to_vec()
        };
        for p in candidates {
            let text = std::fs::read(wt.path.join(&p)).unwrap_or_default();
            let has = text.split(|b| *b == b'\n').any(|l| {
                l.starts_with(b"<<<<<<< ") || l.starts_with(b">>>>>>> ") || l == b"======="
            });
            if has {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Commits the agent's resolution as a merge of the integration branch into the task.
    pub fn commit_resolution(&self, wt: &TaskWorktree) -> Result<Oid> {
        let repo = wt.open_checked()?;
        let mut index = repo.index()?;
        index.add_all(["*"], git2::IndexAddOption::DEFAULT, None)?;
        index.update_all(["*"], None)?;
        index.write()?;
        if index.has_conflicts() {
            return Err(GitError::Git(git2::Error::from_str(
                "conflicts remain unresolved",
            )));
        }
        let tree = repo.find_tree(index.write_tree()?)?;
        let head = repo.head()?.peel_to_commit()?;
        let other = repo.find_commit(branch_tip(&repo, &self.integration_branch())?)?;
        let sig = signature("engine")?;
        let id = repo.commit(
            Some("HEAD"),
            &sig,
            &sig,
            "conclave: resolve merge conflicts",
            &tree,
            &[&head, &other],
        )?;
        repo.cleanup_state()?;
        Ok(id)
    }

    /// Whether the user's checkout is clean and still on the branch the run started from.
    pub fn user_checkout_clean(&self) -> Result<bool> {
        let repo = self.repo()?;
        let on_branch = repo
            .head()
            .ok()
            .and_then(|h| h.shorthand().map(String::from))
            == Some(self.user_branch.clone());
        let mut opts = StatusOptions::new();
        opts.include_untracked(false).include_ignored(false);
        let clean = repo.statuses(Some(&mut opts))?.is_empty()
            && repo.state() == git2::RepositoryState::Clean;
        Ok(on_branch && clean)
    }

    /// Puts the integration branch on the user's branch: fast-forward when possible, else a
    /// merge commit; then updates the (clean) checkout to match.
    pub fn land(&self) -> Result<std::result::Result<Landed, Vec<String>>> {
        let repo = self.repo()?;
        let user = branch_tip(&repo, &self.user_branch)?;
        let integ = branch_tip(&repo, &self.integration_branch())?;
        let (target, ff) = if user == integ || repo.graph_descendant_of(integ, user)? {
            (integ, true)
        } else {
            let (ours, theirs) = (repo.find_commit(user)?, repo.find_commit(integ)?);
            let mut index = repo.merge_commits(&ours, &theirs, None)?;
            if index.has_conflicts() {
                return Ok(Err(conflict_paths(&index)?));
            }
            let tree = repo.find_tree(index.write_tree_to(&repo)?)?;
            let sig = signature("engine")?;
            let msg = format!("conclave: land run {}", self.run);
            (
                repo.commit(None, &sig, &sig, &msg, &tree, &[&ours, &theirs])?,
                false,
            )
        };
        // The checkout is clean (checked by the caller), so a safe checkout only writes the
        // files the land changes.
        let new_commit = repo.find_commit(target)?;
        let mut checkout = git2::build::CheckoutBuilder::new();
        checkout.safe();
        repo.checkout_tree(new_commit.as_object(), Some(&mut checkout))?;
        repo.find_branch(&self.user_branch, BranchType::Local)?
            .get_mut()
            .set_target(target, &format!("conclave: land run {}", self.run))?;
        Ok(Ok(Landed {
            branch: self.user_branch.clone(),
            commit: target,
            fast_forward: ff,
        }))
    }
}
