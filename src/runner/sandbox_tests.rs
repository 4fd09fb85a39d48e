//! Unit tests of the sandbox policy's pure parts; the confinement itself is tested on real
//! processes in `tests/it/runner_sandbox.rs`.

use super::*;

#[test]
fn the_environment_has_the_base_names_the_scratch_home_and_no_secret() {
    std::env::set_var("CONCLAVE_UNIT_DB_PASSWORD", "hunter2hunter2");
    std::env::set_var("CONCLAVE_UNIT_EXTRA", "x");
    let mut sb = Sandbox::off();
    sb.env = vec![
        "CONCLAVE_UNIT_DB_PASSWORD".into(),
        "CONCLAVE_UNIT_EXTRA".into(),
        "HOME".into(),
    ];
    let scratch = Path::new("/scratch/x");
    let env = sb.environment(scratch);
    let get = |n: &str| env.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    assert_eq!(get("HOME"), Some(OsString::from("/scratch/x")));
    assert_eq!(get("TMPDIR"), Some(OsString::from("/scratch/x/tmp")));
    assert_eq!(get("CONCLAVE_UNIT_EXTRA"), Some(OsString::from("x")));
    assert_eq!(get("CONCLAVE_UNIT_DB_PASSWORD"), None);
    assert_eq!(env.iter().filter(|(k, _)| k == "HOME").count(), 1);
}

/// `root/wt`, laid out as git lays out a linked worktree of `root/repo` (its `.git` file,
/// and the admin dir `repo/.git/worktrees/w` pointing back): (worktree, admin dir).
fn linked_worktree(root: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let admin = root.join("repo/.git/worktrees/w");
    let wt = root.join("wt");
    std::fs::create_dir_all(&admin).unwrap();
    std::fs::create_dir_all(&wt).unwrap();
    std::fs::write(wt.join(".git"), format!("gitdir: {}\n", admin.display())).unwrap();
    std::fs::write(
        admin.join("gitdir"),
        format!("{}\n", wt.join(".git").display()),
    )
    .unwrap();
    std::fs::write(admin.join("commondir"), "../..\n").unwrap();
    (wt, admin)
}

#[test]
fn a_forged_dot_git_file_widens_nothing() {
    let root = tempfile::tempdir().unwrap();
    let repo = root.path().join("repo");
    let (wt, admin) = linked_worktree(root.path());
    let g = WorktreeGit::find(&wt).expect("a well-formed worktree");
    assert_eq!(g.admin, admin.canonicalize().unwrap());
    assert_eq!(g.common, repo.join(".git").canonicalize().unwrap());
    // Pointing `.git` at the shared git dir, or at an admin dir of another worktree, gives
    // no git dir at all.
    std::fs::write(
        wt.join(".git"),
        format!("gitdir: {}\n", repo.join(".git").display()),
    )
    .unwrap();
    assert!(WorktreeGit::find(&wt).is_none());
    std::fs::create_dir_all(repo.join(".git/worktrees/other")).unwrap();
    std::fs::write(
        repo.join(".git/worktrees/other/gitdir"),
        "/elsewhere/.git\n",
    )
    .unwrap();
    std::fs::write(repo.join(".git/worktrees/other/commondir"), "../..\n").unwrap();
    std::fs::write(
        wt.join(".git"),
        format!("gitdir: {}\n", repo.join(".git/worktrees/other").display()),
    )
    .unwrap();
    assert!(WorktreeGit::find(&wt).is_none());
}

#[test]
fn guarded_git_metadata_is_put_back() {
    let root = tempfile::tempdir().unwrap();
    let (wt, admin) = linked_worktree(root.path());
    std::fs::write(admin.join("HEAD"), "ref: refs/heads/conclave/r/t\n").unwrap();
    let g = WorktreeGit::find(&wt).unwrap();
    let snap = AdminSnapshot::take(&g);
    assert!(snap.restore().is_empty());
    std::fs::write(admin.join("HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(admin.join("config.worktree"), "[core]\n").unwrap();
    let notes = snap.restore();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(
        std::fs::read_to_string(admin.join("HEAD")).unwrap(),
        "ref: refs/heads/conclave/r/t\n"
    );
    assert!(!admin.join("config.worktree").exists());
}

#[test]
fn where_the_os_cannot_confine_the_message_names_the_switch() {
    let e = SandboxError::Unavailable("the kernel has no landlock".into()).to_string();
    assert!(e.contains("the kernel has no landlock"), "{e}");
    assert!(
        e.contains("mode = \"off\"") && e.contains("[sandbox]"),
        "{e}"
    );
    let e = SandboxError::NoNetworkIsolation("EPERM".into()).to_string();
    assert!(e.contains("network = true"), "{e}");
    // Off is never quiet.
    assert!(Sandbox::off()
        .weaker_than_asked()
        .unwrap()
        .contains("unconfined"));
    assert!(Sandbox::off().describe().contains("unconfined"));
}

#[test]
fn a_toolchain_on_path_is_readable_from_its_root() {
    let root = |p: &str| toolchain_root(Path::new(p));
    assert_eq!(root("/home/u/.pyenv/shims"), Some("/home/u/.pyenv".into()));
    assert_eq!(root("/home/u/.cargo/bin"), Some("/home/u/.cargo".into()));
    for p in [
        "/home/u/bin",
        "/root/bin",
        "/usr/bin",
        "/home/u/.local/bin",
        "/bin",
        "/",
    ] {
        assert_eq!(root(p), None, "{p}");
    }
}
