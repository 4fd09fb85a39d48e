//! Task worktrees on real repositories: isolation, exact diffs, confinement, the user's tree.

use crate::support::repo::{git, repo_with};
use conclave::agents::tools::Confined;
use conclave::git::{task_diff, RunRepo};
use conclave::model::FileChange;

#[test]
fn two_tasks_edit_in_parallel_without_seeing_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    repo_with(
        &root,
        &[
            ("calc.py", b"def add(a, b):\n    return a - b\n"),
            ("README.md", b"# calc\n"),
        ],
    );
    // The person has uncommitted work: it must survive untouched.
    std::fs::write(root.join("README.md"), "# calc (my notes)\n").unwrap();
    let status_before = git(&root, &["status", "--porcelain"]);
    let data = tmp.path().join("data");
    let rr = RunRepo::start(&root, "01RUN", &data).unwrap();
    let (a, b) = (
        rr.task_worktree("t1").unwrap(),
        rr.task_worktree("t2").unwrap(),
    );
    std::thread::scope(|s| {
        s.spawn(|| {
            std::fs::write(a.path.join("calc.py"), "def add(a, b):\n    return a + b\n").unwrap()
        });
        s.spawn(|| std::fs::write(b.path.join("NOTES.md"), "notes\n").unwrap());
    });
    assert!(std::fs::read_to_string(b.path.join("calc.py"))
        .unwrap()
        .contains("a - b"));
    assert!(!a.path.join("NOTES.md").exists());
    let (ta, tb) = (
        a.commit_all("impl-1", "t1").unwrap(),
        b.commit_all("impl-2", "t2").unwrap(),
    );
    let da = task_diff(&root, a.base, ta).unwrap();
    assert_eq!((da.added, da.removed, da.files.len()), (1, 1, 1));
    let db = task_diff(&root, b.base, tb).unwrap();
    assert_eq!(db.files[0].change, FileChange::Added);
    // Byte for byte what git says.
    assert_eq!(
        da.patch,
        git(&root, &["diff", &a.base.to_string(), &ta.to_string()])
    );
    assert_eq!(
        db.patch,
        git(&root, &["diff", &b.base.to_string(), &tb.to_string()])
    );
    // The user's checkout and branch are as they were.
    assert_eq!(git(&root, &["status", "--porcelain"]), status_before);
    assert_eq!(
        git(&root, &["rev-parse", "--abbrev-ref", "HEAD"]).trim(),
        "main"
    );
    assert!(std::fs::read_to_string(root.join("calc.py"))
        .unwrap()
        .contains("a - b"));
    rr.cleanup().unwrap();
    assert!(!a.path.exists() && !b.path.exists());
    let branches = git(&root, &["branch", "--list", "conclave/*"]);
    assert!(
        branches.contains("conclave/01RUN/t1") && branches.contains("conclave/01RUN/integration"),
        "{branches}"
    );
    assert!(git(&root, &["worktree", "list"]).lines().count() == 1);
}

#[test]
fn diffs_of_binary_deleted_renamed_and_non_utf8_files_match_git() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    let long: String = (0..40).map(|i| format!("line {i}\n")).collect();
    repo_with(
        &root,
        &[
            ("gone.txt", b"bye\n"),
            ("old_name.txt", long.as_bytes()),
            ("latin1.txt", b"caf\xe9\n"),
        ],
    );
    let rr = RunRepo::start(&root, "01RUN", &tmp.path().join("data")).unwrap();
    let w = rr.task_worktree("t1").unwrap();
    std::fs::remove_file(w.path.join("gone.txt")).unwrap();
    std::fs::rename(w.path.join("old_name.txt"), w.path.join("new_name.txt")).unwrap();
    std::fs::write(
        w.path.join("logo.png"),
        [0x89u8, b'P', b'N', b'G', 0, 0, 1, 2, 3],
    )
    .unwrap();
    std::fs::write(w.path.join("latin1.txt"), b"caf\xe9 cr\xe8me\n").unwrap();
    let tip = w.commit_all("impl-1", "t1").unwrap();
    let d = task_diff(&root, w.base, tip).unwrap();
    let kinds: Vec<(String, FileChange, bool)> = d
        .files
        .iter()
        .map(|f| (f.path.clone(), f.change, f.binary))
        .collect();
    assert!(
        kinds.contains(&("gone.txt".into(), FileChange::Deleted, false)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("new_name.txt".into(), FileChange::Renamed, false)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("logo.png".into(), FileChange::Added, true)),
        "{kinds:?}"
    );
    assert!(d.deletes_files());
    let want = git(&root, &["diff", &w.base.to_string(), &tip.to_string()]);
    assert_eq!(d.patch, want);
}

#[test]
fn a_committed_symlink_out_of_the_worktree_leads_nowhere() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "top secret").unwrap();
    let root = tmp.path().join("repo");
    std::fs::create_dir_all(&root).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
    repo_with(&root, &[("a.txt", b"a\n")]);
    let rr = RunRepo::start(&root, "01RUN", &tmp.path().join("data")).unwrap();
    let w = rr.task_worktree("t1").unwrap();
    assert!(w
        .path
        .join("link")
        .symlink_metadata()
        .unwrap()
        .file_type()
        .is_symlink());
    let c = Confined::new(&w.path).unwrap();
    assert!(c
        .existing("link/secret.txt")
        .unwrap_err()
        .contains("outside"));
    assert!(c.writable("link/new.txt").unwrap_err().contains("outside"));
    assert!(c.existing("link").is_err());
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 1);
}

#[test]
fn keeping_some_hunks_rewrites_the_task_to_just_those() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    let body: String = (0..30).map(|i| format!("line {i}\n")).collect();
    repo_with(&root, &[("a.txt", body.as_bytes()), ("b.txt", b"one\n")]);
    let rr = RunRepo::start(&root, "01RUN", &tmp.path().join("data")).unwrap();
    let w = rr.task_worktree("t1").unwrap();
    let changed = body
        .replace("line 2\n", "line two\n")
        .replace("line 25\n", "line twenty-five\n");
    std::fs::write(w.path.join("a.txt"), changed).unwrap();
    std::fs::write(w.path.join("b.txt"), "uno\n").unwrap();
    let tip = w.commit_all("impl-1", "t1").unwrap();
    assert_eq!(
        task_diff(&root, w.base, tip)
            .unwrap()
            .patch
            .matches("\n@@")
            .count(),
        3,
        "three hunks to choose from"
    );
    let d = task_diff(&root, w.base, tip).unwrap();
    assert_eq!(d.hunks.len(), 3);
    for h in &d.hunks {
        assert!(
            d.patch[h.start as usize..h.end as usize].starts_with("@@ "),
            "{h:?}"
        );
        assert_eq!(h.id.len(), 12);
    }
    // The Diff pane lays out the same hunks and names each by the event's id.
    let shown = conclave::tui::patch::Patch::of_diff(&d.patch, &d.files, &d.hunks);
    let named: Vec<Option<String>> = shown.hunks.iter().map(|h| h.id.clone()).collect();
    let ids: Vec<Option<String>> = d.hunks.iter().map(|h| Some(h.id.clone())).collect();
    assert_eq!(named, ids);
    // Keep the first and the third (b.txt); drop the change at line 25.
    let ids: Vec<String> = [0, 2].iter().map(|&i| d.hunks[i].id.clone()).collect();
    let kept = conclave::git::keep_only_hunks(&w, &ids).unwrap();
    let text = std::fs::read_to_string(w.path.join("a.txt")).unwrap();
    assert!(
        text.contains("line two\n") && text.contains("line 25\n") && !text.contains("twenty-five")
    );
    assert_eq!(
        std::fs::read_to_string(w.path.join("b.txt")).unwrap(),
        "uno\n"
    );
    let k = task_diff(&root, w.base, kept).unwrap();
    assert_eq!((k.added, k.removed), (2, 2));
    // The kept hunks keep their ids, so keeping again (a resume meeting the same decision)
    // changes nothing.
    let kept_ids: Vec<String> = k.hunks.iter().map(|h| h.id.clone()).collect();
    assert_eq!(kept_ids, ids);
    assert_eq!(conclave::git::keep_only_hunks(&w, &ids).unwrap(), kept);
}

#[test]
fn a_dropped_new_file_is_not_created_and_a_dropped_deletion_keeps_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    repo_with(&root, &[("old.txt", b"keep me\n"), ("b.txt", b"one\n")]);
    let rr = RunRepo::start(&root, "01RUN", &tmp.path().join("data")).unwrap();
    let w = rr.task_worktree("t1").unwrap();
    std::fs::write(w.path.join("new.txt"), "fresh\n").unwrap();
    std::fs::remove_file(w.path.join("old.txt")).unwrap();
    std::fs::write(w.path.join("b.txt"), "uno\n").unwrap();
    let tip = w.commit_all("impl-1", "t1").unwrap();
    let d = task_diff(&root, w.base, tip).unwrap();
    let only_b: Vec<String> = d
        .hunks
        .iter()
        .filter(|h| h.path == "b.txt")
        .map(|h| h.id.clone())
        .collect();
    assert_eq!((d.hunks.len(), only_b.len()), (3, 1));
    let kept = conclave::git::keep_only_hunks(&w, &only_b).unwrap();
    assert!(
        !w.path.join("new.txt").exists(),
        "a dropped new file was made"
    );
    assert_eq!(
        std::fs::read_to_string(w.path.join("old.txt")).unwrap(),
        "keep me\n"
    );
    let k = task_diff(&root, w.base, kept).unwrap();
    let files: Vec<&str> = k.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(files, vec!["b.txt"]);
}

#[test]
fn a_resumed_run_clears_the_ref_locks_a_killed_one_left() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    repo_with(&root, &[("calc.py", b"def add(a, b):\n    return a - b\n")]);
    let data = tmp.path().join("data");
    let rr = RunRepo::start(&root, "01RUN", &data).unwrap();
    let wt = rr.task_worktree("t1").unwrap();
    std::fs::write(
        wt.path.join("calc.py"),
        "def add(a, b):\n    return a + b\n",
    )
    .unwrap();
    wt.commit_all("impl-1", "t1").unwrap();
    // Killed while updating the integration branch: git's lock file stays behind, and the
    // user has a lock of their own on a branch of theirs.
    let refs = root.join(".git/refs/heads");
    let ours = refs.join("conclave/01RUN/integration.lock");
    std::fs::write(&ours, "").unwrap();
    let theirs = refs.join("mine.lock");
    std::fs::write(&theirs, "").unwrap();
    let again = RunRepo::reopen(
        &root,
        "01RUN",
        &rr.base_commit.to_string(),
        &rr.user_branch,
        &data,
    )
    .unwrap();
    assert!(!ours.exists(), "the run's stale lock is gone");
    assert!(theirs.exists(), "the user's lock is not ours to remove");
    let repo = git2::Repository::open(&root).unwrap();
    let tip = repo.refname_to_id("refs/heads/conclave/01RUN/t1").unwrap();
    repo.reference(
        "refs/heads/conclave/01RUN/integration",
        tip,
        true,
        "merge after resume",
    )
    .expect("the integration branch moves again");
    drop(again);
}

#[test]
fn a_worktree_whose_making_was_cut_is_made_again() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    repo_with(&root, &[("calc.py", b"def add(a, b):\n    return a - b\n")]);
    let rr = RunRepo::start(&root, "01RUN", &tmp.path().join("data")).unwrap();
    let wt = rr.task_worktree("t3").unwrap();
    // Killed inside `git worktree add`: the `.git` file is empty, nothing is checked out.
    std::fs::write(wt.path.join(".git"), "").unwrap();
    std::fs::remove_file(wt.path.join("calc.py")).unwrap();
    let again = rr.task_worktree("t3").unwrap();
    assert_eq!(
        std::fs::read_to_string(again.path.join("calc.py")).unwrap(),
        "def add(a, b):\n    return a - b\n"
    );
    again.restore_tip().expect("a working worktree again");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, ..Default::default() })]

    /// Whatever hunks a person keeps, the task's change is then exactly those hunks: the new
    /// diff names the kept ids in order, and every dropped line is as it was at base.
    #[test]
    fn keeping_any_subset_of_hunks_leaves_exactly_that_subset(
        lines in 12usize..70,
        edits in proptest::collection::btree_set(0usize..70, 1..8),
        mask in proptest::collection::vec(proptest::bool::ANY, 8),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        let body: Vec<String> = (0..lines).map(|i| format!("line {i}\n")).collect();
        repo_with(&root, &[("f.txt", body.concat().as_bytes())]);
        let rr = RunRepo::start(&root, "01RUN", &tmp.path().join("data")).unwrap();
        let w = rr.task_worktree("t1").unwrap();
        let edited: Vec<String> = body
            .iter()
            .enumerate()
            .map(|(i, l)| if edits.contains(&i) { format!("changed {i}\n") } else { l.clone() })
            .collect();
        std::fs::write(w.path.join("f.txt"), edited.concat()).unwrap();
        let tip = w.commit_all("impl-1", "t1").unwrap();
        let d = task_diff(&root, w.base, tip).unwrap();
        let keep: Vec<String> = d
            .hunks
            .iter()
            .zip(mask.iter().cycle())
            .filter(|(_, k)| **k)
            .map(|(h, _)| h.id.clone())
            .collect();
        proptest::prop_assume!(!keep.is_empty());
        let kept = conclave::git::keep_only_hunks(&w, &keep).unwrap();
        let after = task_diff(&root, w.base, kept).unwrap();
        let ids: Vec<String> = after.hunks.iter().map(|h| h.id.clone()).collect();
        proptest::prop_assert_eq!(&ids, &keep);
        // Edits replace lines one for one, so line i of the result is line i of base unless
        // a kept hunk changed it.
        let text = std::fs::read_to_string(w.path.join("f.txt")).unwrap();
        let now: Vec<&str> = text.lines().collect();
        for h in d.hunks.iter().filter(|h| !keep.contains(&h.id)) {
            let old = h.old_start.max(1) as usize - 1;
            for i in old..(old + h.old_lines as usize).min(lines) {
                proptest::prop_assert_eq!(now[i], body[i].trim_end(), "dropped line {} changed", i);
            }
        }
    }
}

#[test]
fn a_worktree_whose_head_was_moved_commits_nowhere() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    repo_with(&root, &[("a.txt", b"one\n")]);
    let main_before = git(&root, &["rev-parse", "main"]);
    let rr = RunRepo::start(&root, "01RUN", &tmp.path().join("data")).unwrap();
    let w = rr.task_worktree("t1").unwrap();
    // What a command could do in its worktree: point HEAD at the user's branch.
    git(&w.path, &["symbolic-ref", "HEAD", "refs/heads/main"]);
    std::fs::write(w.path.join("a.txt"), "two\n").unwrap();
    let err = w.commit_all("impl-1", "t1").unwrap_err().to_string();
    assert!(err.contains("no longer has its branch"), "{err}");
    assert_eq!(
        git(&root, &["rev-parse", "main"]),
        main_before,
        "main moved"
    );
}
