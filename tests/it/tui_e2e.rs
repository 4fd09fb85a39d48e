//! The real binary in a real terminal (tmux), used as a person would: `conclave demo`, lower
//! the level, approve the plan with `a`, reject a diff with a reason and see the agent get it,
//! raise the level, open help, resize, quit; the terminal is restored.

use crate::support::tmux::{must, waiting, Tmux};
use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn a_person_drives_the_demo_in_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bin = env!("CARGO_BIN_EXE_conclave");
    let script = format!(
        "env CONCLAVE_DATA_DIR={} XDG_CONFIG_HOME={} {bin} demo --speed 20 --dir {}; echo EXITED; stty -a | tr ' ;' '\\n\\n' | grep -x -e '-*icanon' -e '-*echo'; sleep 60",
        data.display(),
        dir.path().join("cfg").display(),
        dir.path().join("calc").display()
    );
    let t = Tmux::start("e2e", &script, 120, 40);
    must(
        t.wait_for("plan of 4 tasks", 30),
        "the plan waiting for approval",
    );
    // Lower the level first, so every diff waits for the person.
    t.keys(&["-"]);
    must(t.wait_for("L1 Assisted", 5), "level 1");
    t.keys(&["a"]);
    must(t.wait_for("✓ plan", 10), "the plan approved");
    // Approve whatever comes until a diff waits; then reject it with a reason.
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        let s = t.screen();
        if s.lines().any(|l| l.starts_with("▶ diff")) {
            break;
        }
        assert!(Instant::now() < end, "no diff approval came:\n{s}");
        match waiting(&s) {
            Some(head) => t.approve(&head),
            None => std::thread::sleep(Duration::from_millis(300)),
        }
    }
    t.keys(&["r"]);
    must(
        t.wait_for("rejecting: the task goes back", 5),
        "the reject dialog",
    );
    t.text("please also test negative numbers");
    t.keys(&["Enter"]);
    must(t.wait_for("✗ diff", 10), "the rejection recorded");
    // The agent gets the reason: it shows in its transcript.
    t.keys(&["2"]);
    let mut seen = false;
    for _ in 0..12 {
        if t.seen_within("rejected your change: please also test negative numbers", 3)
            .is_ok()
        {
            seen = true;
            break;
        }
        t.keys(&["]"]);
    }
    assert!(
        seen,
        "the reason never reached a transcript:\n{}",
        t.screen()
    );
    // Raise the level, open help, resize.
    t.keys(&["+"]);
    must(t.wait_for("L2 Semi-autonomous", 5), "level 2 again");
    t.keys(&["?"]);
    must(
        t.wait_for("Show every key of the active keymap", 5),
        "the help overlay",
    );
    t.keys(&["Escape"]);
    t.cmd(&["resize-window", "-t", "e2e", "-x", "80", "-y", "24"]);
    must(
        t.wait_for("L2 Semi-autonomous", 5),
        "the status bar at 80x24",
    );
    t.cmd(&["resize-window", "-t", "e2e", "-x", "50", "-y", "12"]);
    must(t.wait_for("too small", 5), "the too-small notice");
    t.cmd(&["resize-window", "-t", "e2e", "-x", "120", "-y", "40"]);
    must(t.wait_for("L2 Semi-autonomous", 5), "the screen back");
    // Quit (confirming, since agents may still work); the terminal is restored.
    t.quit();
    // stty prints right after; its lines may come a moment later than EXITED.
    let s = must(t.wait_for("icanon", 5), "the terminal modes");
    let after: Vec<&str> = s.lines().skip_while(|l| !l.starts_with("EXITED")).collect();
    assert!(
        after.contains(&"icanon") && after.contains(&"echo"),
        "terminal not restored: {after:?}"
    );
    // The log says the same: a person rejected a diff with that reason.
    let out = crate::support::runs::conclave(Path::new(&data))
        .args(["runs", "--json"])
        .output()
        .unwrap();
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = runs[0]["id"].as_str().unwrap().to_string();
    let export = crate::support::runs::conclave(Path::new(&data))
        .args(["export", &run])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&export.stdout);
    assert!(log.lines().any(|l| l.contains("\"ApprovalDecided\"")
        && l.contains("\"rejected\"")
        && l.contains("please also test negative numbers")
        && l.contains("\"person\"")));
    assert!(log
        .lines()
        .any(|l| l.contains("\"LevelChanged\"") && l.contains("\"to\":1")));
}

/// A person drops a hunk in the Diff pane and approves: that hunk never reaches the demo
/// repo's `main`, whether the approval was the diff's or the merge's. t2's merge brings
/// median() and its test (two hunks): the test is dropped. t3's diff changes calc.py and
/// adds test_empty.py: the new file is dropped.
#[test]
fn a_hunk_dropped_on_the_screen_never_reaches_main() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let repo = dir.path().join("calc");
    let bin = env!("CARGO_BIN_EXE_conclave");
    let script = format!(
        "env CONCLAVE_DATA_DIR={} XDG_CONFIG_HOME={} {bin} demo --speed 20 --dir {}; echo EXITED; sleep 60",
        data.display(),
        dir.path().join("cfg").display(),
        repo.display()
    );
    let t = Tmux::start("e2e-hunks", &script, 160, 45);
    must(t.wait_for("plan of 4 tasks", 30), "the plan waiting");
    t.keys(&["-"]);
    must(t.wait_for("L1 Assisted", 5), "level 1");
    let end = Instant::now() + Duration::from_secs(120);
    let (mut dropped, mut dropped_at_merge) = (false, false);
    loop {
        let s = t.screen();
        if s.contains(" finished ") || s.contains("· finished") {
            break;
        }
        assert!(Instant::now() < end, "the run did not finish:\n{s}");
        match waiting(&s) {
            Some(l) if !dropped && l.starts_with("▶ diff") && l.contains("t3") => {
                t.keys(&["4", "n", "space"]);
                must(t.wait_for("1 hunk dropped", 5), "the Diff pane counts it");
                t.approve(&l);
                dropped = true;
            }
            Some(l) if !dropped_at_merge && l.starts_with("▶ merge") && l.contains("t2") => {
                t.keys(&["4", "n", "space"]);
                must(t.wait_for("1 hunk dropped", 5), "the Diff pane counts it");
                t.approve(&l);
                dropped_at_merge = true;
            }
            Some(l) => t.approve(&l),
            None => std::thread::sleep(Duration::from_millis(300)),
        }
    }
    assert!(
        dropped && dropped_at_merge,
        "t3's diff or t2's merge never waited"
    );
    t.keys(&["q"]);
    let s = must(t.wait_for("EXITED", 10), "the program's exit");
    // The terminal says how it ended and how to see it again.
    let said = s.replace('\n', " ");
    assert!(
        said.contains("finished: landed on main at") && said.contains("conclave replay"),
        "{s}"
    );
    let on_main = |path: &str| {
        std::process::Command::new("git")
            .args(["show", &format!("main:{path}")])
            .current_dir(&repo)
            .output()
            .unwrap()
    };
    assert!(
        !on_main("test_empty.py").status.success(),
        "the dropped hunk (test_empty.py) reached main"
    );
    let calc = String::from_utf8_lossy(&on_main("calc.py").stdout).into_owned();
    assert!(
        calc.contains("raise ValueError") && calc.contains("def median"),
        "a kept hunk is missing:\n{calc}"
    );
    let tests = String::from_utf8_lossy(&on_main("test_calc.py").stdout).into_owned();
    assert!(
        !tests.contains("test_median"),
        "the hunk dropped from t2's merge reached main:\n{tests}"
    );
}

/// Approves whatever waits on the attached screen until the run is over; the screen then.
fn approve_until_finished(t: &Tmux, secs: u64) -> String {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        let s = t.screen();
        if s.contains(" finished ") || s.contains("· finished") {
            return s;
        }
        assert!(Instant::now() < end, "the run did not finish:\n{s}");
        match waiting(&s) {
            Some(head) => t.approve(&head),
            None => std::thread::sleep(Duration::from_millis(300)),
        }
    }
}

/// Issue 14: a headless run at L1 waits for a person; `conclave attach` in another terminal
/// shows it, the plan and every later approval are answered there with the real keys, and
/// the run finishes: the headless process exits 0, its output ends with RunFinished, the
/// work is on the user's branch. The attached screen stays on the finished run until quit.
#[test]
fn a_headless_run_is_attached_and_approved_from_another_terminal() {
    let w = crate::support::served::demo();
    let out = w.dir.path().join("headless.jsonl");
    let (mut owner, run) = w.start_waiting(&out);
    w.wait_served(&run);
    let script = format!(
        "{}; echo EXITED $?; sleep 60",
        w.shell(&format!("attach {}", &run[..8]))
    );
    let t = Tmux::start("attach", &script, 120, 40);
    must(
        t.wait_for("plan of 4 tasks", 30),
        "the plan waiting on the attached screen",
    );
    must(t.wait_for("L1 Assisted", 5), "the run's level");
    must(t.wait_for(" · attached · ", 5), "the status bar saying so");

    // Meanwhile the store serves everyone: a second run in another repository is live at the
    // same time, `runs` lists both as running, and export works for a past run and for the
    // live one (asked of its process).
    let (past, past_events) = crate::support::runs::write_run(&w.data, 30, 5);
    let repo2 = w.another_repo("calc2");
    let (mut second, run2) = w.start_waiting_in(&repo2, &w.dir.path().join("second.jsonl"));
    w.wait_served(&run2);
    // (No --repo: every repository's runs.)
    let listed = crate::support::runs::conclave(&w.data)
        .args(["runs", "--json"])
        .output()
        .unwrap();
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&listed.stdout).unwrap();
    for id in [&run, &run2] {
        let row = rows
            .iter()
            .find(|r| r["id"] == id.as_str())
            .unwrap_or_else(|| panic!("{id} not listed: {rows:?}"));
        assert_eq!(row["status"], "running", "{row}");
        assert_eq!(row["live"], true, "{row}");
    }
    let exported = w
        .conclave()
        .args(["export", &past.to_string()])
        .output()
        .unwrap();
    assert!(exported.status.success());
    assert_eq!(
        String::from_utf8_lossy(&exported.stdout).lines().count(),
        past_events.len() + 1
    );
    let exported = w.conclave().args(["export", &run2]).output().unwrap();
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&exported.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["run"], run2.as_str());
    assert_eq!(lines[1]["kind"], "RunStarted");
    let _ = second.kill();
    let _ = second.wait();

    t.keys(&["a"]);
    must(
        t.wait_for("✓ plan", 10),
        "the plan approved from the attached screen",
    );
    approve_until_finished(&t, 180);
    assert_eq!(
        crate::support::served::wait_exit(&mut owner, 60),
        Some(0),
        "the headless process"
    );
    let printed = std::fs::read_to_string(&out).unwrap();
    let last: serde_json::Value = serde_json::from_str(printed.lines().last().unwrap()).unwrap();
    assert_eq!(last["kind"], "RunFinished", "{last}");
    assert_eq!(last["status"], "finished", "{last}");
    assert!(printed.lines().any(|l| l.contains("\"ApprovalDecided\"")
        && l.contains("\"plan-")
        && l.contains("\"person\"")));
    assert!(!w.socket(&run).exists(), "the socket outlived its run");
    let calc = crate::support::repo::git(&w.repo, &["show", "main:calc.py"]);
    assert!(calc.contains("def median"), "not landed on main:\n{calc}");
    // The finished run stays on screen until the person quits; then the shell is back.
    t.keys(&["q"]);
    must(t.wait_for("EXITED 0", 10), "attach's exit");
}

/// Issue 14: the process running the run is killed (SIGKILL) while a screen is attached: the
/// screen ends, the terminal is restored and the message says how to go on; `conclave
/// resume` then continues the run to its end.
#[test]
fn the_attached_screen_says_so_when_the_runs_process_dies() {
    let w = crate::support::served::demo();
    let out = w.dir.path().join("headless.jsonl");
    let (mut owner, run) = w.start_waiting(&out);
    w.wait_served(&run);
    let script = format!(
        "{}; echo EXITED $?; stty -a | tr ' ;' '\\n\\n' | grep -x -e '-*icanon' -e '-*echo'; sleep 60",
        w.shell(&format!("attach {}", &run[..8]))
    );
    let t = Tmux::start("attach-kill", &script, 120, 40);
    must(t.wait_for("plan of 4 tasks", 30), "the attached screen");
    owner.kill().unwrap(); // SIGKILL
    owner.wait().unwrap();
    let s = must(t.wait_for("EXITED 1", 30), "attach's exit");
    let short = &run[..10];
    assert!(
        s.contains(&format!("the process running run {short} ended"))
            && s.contains(&format!("conclave resume {short}")),
        "{s}"
    );
    let s = must(t.wait_for("icanon", 5), "the terminal modes");
    let after: Vec<&str> = s.lines().skip_while(|l| !l.starts_with("EXITED")).collect();
    assert!(
        after.contains(&"icanon") && after.contains(&"echo"),
        "terminal not restored: {after:?}"
    );
    // The run goes on from where it stood.
    let resumed = w
        .conclave()
        .args([
            "resume",
            &run[..12],
            "--headless",
            "--on-approval",
            "approve",
        ])
        .output()
        .unwrap();
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let printed = String::from_utf8_lossy(&resumed.stdout).into_owned();
    assert!(printed.lines().last().unwrap().contains("\"RunFinished\""));
    assert!(!w.socket(&run).exists(), "a socket outlived its run");
}

/// Whether process `pid` still runs (a zombie nobody reaped counts as gone).
fn runs(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.split_whitespace().nth(2) != Some("Z"))
}

/// Issue 14: the terminal of a live run's screen closes (SIGHUP): the run does not die with
/// it; it goes on without a screen, waiting for a person, who attaches from another
/// terminal and answers there until it finishes; then its process ends.
#[test]
fn closing_the_terminal_of_a_live_screen_leaves_the_run_going() {
    let w = crate::support::served::demo();
    let script = format!(
        "exec {}",
        w.shell(&format!("run --level 1 '{}'", conclave::demo::GOAL))
    );
    let t = Tmux::start("hangup-live", &script, 120, 40);
    must(t.wait_for("plan of 4 tasks", 30), "the plan waiting");
    let pid: i32 = t
        .cmd(&["display-message", "-p", "-t", "e2e", "#{pane_pid}"])
        .trim()
        .parse()
        .expect("the pane's pid");
    let sockets = w.data.join("sockets");
    let run = std::fs::read_dir(&sockets)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find_map(|n| n.strip_suffix(".sock").map(str::to_string))
        .expect("the run's socket");
    t.cmd(&["kill-pane", "-t", "e2e"]);
    drop(t);
    // Still there after the hangup: answer through a screen attached from elsewhere.
    let script = format!(
        "{}; echo EXITED $?; sleep 60",
        w.shell(&format!("attach {}", &run[..8]))
    );
    let a = Tmux::start("hangup-attach", &script, 120, 40);
    must(a.wait_for("plan of 4 tasks", 30), "the attached screen");
    assert!(runs(pid), "the run's process died with its terminal");
    a.keys(&["a"]);
    must(a.wait_for("✓ plan", 10), "the plan approved");
    approve_until_finished(&a, 180);
    let end = Instant::now() + Duration::from_secs(60);
    while runs(pid) {
        assert!(
            Instant::now() < end,
            "the process outlived its finished run"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!w.socket(&run).exists(), "the socket outlived its run");
    let calc = crate::support::repo::git(&w.repo, &["show", "main:calc.py"]);
    assert!(calc.contains("def median"), "not landed on main:\n{calc}");
}
