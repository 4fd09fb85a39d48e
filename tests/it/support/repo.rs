//! Real git repositories in temp dirs, made with git2.

use git2::{Repository, Signature};
use std::path::Path;

/// A repo with the given files committed on `main`.
pub fn repo_with(dir: &Path, files: &[(&str, &[u8])]) -> Repository {
    let repo = Repository::init(dir).expect("git init");
    repo.set_head("refs/heads/main").expect("head");
    for (path, content) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, content).expect("write");
    }
    commit_all(&repo, "initial");
    repo
}

/// A repo at `dir/repo` holding `files`, a run `run` on it with its data under `dir/data`,
/// and task t1's worktree: the place an agent's tools and commands work in.
pub fn task_t1(
    dir: &Path,
    run: &str,
    files: &[(&str, &[u8])],
) -> (conclave::git::RunRepo, conclave::git::TaskWorktree) {
    let root = dir.join("repo");
    repo_with(&root, files);
    let rr = conclave::git::RunRepo::start(&root, run, &dir.join("data")).expect("run repo");
    let wt = rr.task_worktree("t1").expect("worktree");
    (rr, wt)
}

/// Commits everything in the working tree on HEAD.
pub fn commit_all(repo: &Repository, msg: &str) -> git2::Oid {
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    index.update_all(["*"], None).expect("update");
    index.write().expect("write index");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("find tree");
    let sig = Signature::now("test", "test@example.com").expect("sig");
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, msg, &tree, &parents)
        .expect("commit")
}

/// `git` itself, for comparing with what conclave computes.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(["-c", "core.abbrev=7", "-c", "color.ui=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
