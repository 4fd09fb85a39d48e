//! History in the real binary, in a real terminal (tmux): the home screen lists the demo run;
//! Enter replays it; the person jumps to the start, to the next decision, steps one event,
//! forks there at another level and watches the fork go on live; back home the fork is listed
//! with its parent, gets exported to a file and deleted after a yes.

use crate::support::tmux::{must, Tmux};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn runs_json(data: &Path) -> serde_json::Value {
    let out = crate::support::runs::conclave(data)
        .args(["runs", "--json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A temp dir with the demo run (headless, finished) in `data/`, on the sample repo `calc/`.
fn demo_run() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let repo = dir.path().join("calc");
    let demo = crate::support::runs::conclave(&data)
        .args(["demo", "--headless", "--dir"])
        .arg(&repo)
        .output()
        .unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    (dir, data, repo)
}

#[test]
fn replay_fork_export_and_delete_from_the_home_screen() {
    let (dir, data, repo) = demo_run();
    let parent = runs_json(&data)[0]["id"].as_str().unwrap().to_string();

    let bin = env!("CARGO_BIN_EXE_conclave");
    let script = format!(
        "cd {} && env CONCLAVE_DATA_DIR={} XDG_CONFIG_HOME={} {bin}; echo EXITED; sleep 60",
        repo.display(),
        data.display(),
        dir.path().join("cfg").display(),
    );
    let t = Tmux::start("history", &script, 120, 36);
    must(
        t.wait_for("1 run of this repository", 20),
        "the home screen",
    );
    must(t.wait_for(&parent[..10], 5), "the demo run listed");

    // Replay: to the start, then the first decision, then one more event.
    t.keys(&["Enter"]);
    must(t.wait_for("replay ·", 10), "the replay screen");
    // It plays on its own to the end, and stops there; then back to the start.
    must(t.wait_for("RunFinished", 20), "the replay at its end");
    t.keys(&["0"]);
    must(t.wait_for(" 0/", 10), "the start of the run");
    t.keys(&[">"]);
    let s = must(t.wait_for("ApprovalRequested", 10), "the first decision");
    assert!(
        s.contains("plan of 4 tasks"),
        "the plan waits at that point:\n{s}"
    );
    t.keys(&["."]);
    must(t.wait_for("ApprovalDecided", 10), "one event further");

    // Fork here at level 3: the fork goes on live from the approved plan.
    t.keys(&["F"]);
    let s = must(t.wait_for("Fork run", 5), "the fork question");
    // The question and the home list number events alike (their seq).
    let after: u64 = s
        .split("after event ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the question names the event:\n{s}"));
    t.keys(&["+"]);
    must(t.wait_for("at L3 Strategic?", 5), "the fork's level raised");
    t.keys(&["y"]);
    must(t.wait_for("L3 Strategic  run", 20), "the fork running live");
    must(t.wait_for("running", 20), "agents working in the fork");
    t.keys(&["q"]);
    let asked = t.wait_for_any(&["Quit while agents work?", "of this repository"], 30);
    if matches!(asked, Ok((0, _))) {
        t.keys(&["y"]);
    }

    // Home again: two runs, the fork naming its parent.
    let s = must(
        t.wait_for("2 runs of this repository", 20),
        "home with the fork",
    );
    // The parent's tag is as long as it takes to tell it from the fork (both started within
    // seconds, so they share more than five characters), and names the event the question did.
    let tag = s
        .split('↳')
        .nth(1)
        .and_then(|r| r.split('@').next())
        .unwrap_or_default();
    assert!(tag.len() >= 5 && parent.starts_with(tag), "{s}");
    assert!(s.contains(&format!("↳{tag}@{after} ")), "{s}");
    // The store is the running program's now: the fork's id comes off the screen.
    let fork_short = s
        .lines()
        .find(|l| l.contains('↳'))
        .and_then(|l| l.split_whitespace().next())
        .expect("the fork's row")
        .to_string();

    // Export the fork (selected: newest first) to a file named for it.
    t.keys(&["e"]);
    must(t.wait_for("Export run", 5), "the export prompt");
    t.keys(&["Enter"]);
    let s = must(t.wait_for("events of", 10), "the export written");
    let file = repo.join(format!("conclave-{fork_short}.jsonl"));
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e}; the screen:\n{s}", file.display()));
    assert!(text.lines().next().unwrap().contains("conclave-events"));
    assert!(text.lines().count() > 10);

    // Delete it: nothing happens on "n", it goes on "y".
    t.keys(&["D"]);
    must(t.wait_for("Delete run", 5), "the delete question");
    t.keys(&["n"]);
    must(t.wait_gone("Delete run", 10), "the delete question closed");
    t.keys(&["D"]);
    must(t.wait_for("Delete run", 5), "the delete question again");
    t.keys(&["y"]);
    must(t.wait_for("deleted", 10), "the run deleted");
    must(t.wait_for("1 run of this repository", 5), "one run left");
    t.keys(&["q"]);
    must(t.wait_for("EXITED", 10), "the program's exit");

    let runs = runs_json(&data);
    assert_eq!(runs.as_array().unwrap().len(), 1);
    assert_eq!(runs[0]["id"], parent.as_str(), "the parent stays");
    // The fork's worktrees went with it; its export names its parent.
    let worktrees = std::fs::read_dir(data.join("worktrees"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_else(|_| Vec::new());
    assert!(
        !worktrees
            .iter()
            .any(|w: &String| w.starts_with(&fork_short)),
        "{worktrees:?}"
    );
    assert!(text.lines().nth(1).unwrap().contains(&parent));
}

#[test]
fn closing_the_terminal_ends_the_home_screen_after_a_replay() {
    let (dir, data, repo) = demo_run();
    let bin = env!("CARGO_BIN_EXE_conclave");
    let script = format!(
        "cd {} && exec env CONCLAVE_DATA_DIR={} XDG_CONFIG_HOME={} {bin}",
        repo.display(),
        data.display(),
        dir.path().join("cfg").display(),
    );
    let t = Tmux::start("hangup", &script, 100, 30);
    must(
        t.wait_for("1 run of this repository", 20),
        "the home screen",
    );
    // A replay and back: the screens listen for SIGHUP from then on, home included.
    t.keys(&["Enter"]);
    must(t.wait_for("replay ·", 20), "the replay");
    t.keys(&["q"]);
    must(t.wait_for("1 run of this repository", 20), "home again");
    let pid: i32 = t
        .cmd(&["display-message", "-p", "-t", "e2e", "#{pane_pid}"])
        .trim()
        .parse()
        .expect("the pane's pid");
    // The terminal goes away (the pane is killed: SIGHUP), and conclave with it.
    t.cmd(&["kill-pane", "-t", "e2e"]);
    // A generous deadline: on a loaded machine the exit (the store's flush) takes a while.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let gone = loop {
        // Gone, or a zombie nobody reaps: either way it no longer runs.
        let gone = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map_or(true, |s| s.split_whitespace().nth(2) == Some("Z"));
        if gone || std::time::Instant::now() > deadline {
            break gone;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        gone,
        "conclave (pid {pid}) still runs after its terminal closed"
    );
}
