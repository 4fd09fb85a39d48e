//! kill -9 in the middle of a run, then `conclave resume`: the run finishes with a gap-free
//! log whose replay is the fold of its events, no merge done twice, answered approvals not
//! asked again, and the work landed.

use crate::support::runs::{conclave, text};
use conclave::model::{canonical_json, fold, Event};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

fn round(kill_after: usize) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("calc");
    let mut child = conclave(dir.path())
        .args(["demo", "--headless", "--dir"])
        .arg(&repo)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    while seen.len() < kill_after {
        match lines.next() {
            Some(Ok(l)) => seen.push(serde_json::from_str::<serde_json::Value>(&l).unwrap()),
            _ => break,
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        seen.len() == kill_after,
        "the demo ended before event {kill_after}"
    );
    let run = seen[0]["run"].as_str().unwrap().to_string();
    // Its process died: the run is listed as interrupted, not as running.
    let listed = conclave(dir.path())
        .args(["runs", "--json"])
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(
        listed[0]["status"], "interrupted",
        "kill after {kill_after}"
    );
    let out = conclave(dir.path())
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
        out.status.code(),
        Some(0),
        "kill after {kill_after}: {}",
        text(&out.stderr)
    );
    let export = conclave(dir.path())
        .args(["export", &run])
        .output()
        .unwrap();
    let events: Vec<serde_json::Value> = text(&export.stdout)
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The stored state (snapshots and all) is exactly the fold of the log, byte for byte.
    let typed: Vec<Event> = events
        .iter()
        .map(|e| serde_json::from_value(e.clone()).unwrap())
        .collect();
    let replayed = conclave(dir.path())
        .args(["replay", &run, "--headless"])
        .output()
        .unwrap();
    assert_eq!(
        text(&replayed.stdout),
        canonical_json(&fold(&typed)).unwrap() + "\n",
        "kill after {kill_after}"
    );
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"].as_u64(), Some(i as u64), "gap or duplicate at {i}");
    }
    assert_eq!(events.last().unwrap()["kind"], "RunFinished");
    assert_eq!(
        events.last().unwrap()["status"],
        "finished",
        "kill after {kill_after}"
    );
    let mut merges: HashMap<String, usize> = HashMap::new();
    let mut decided: HashMap<String, usize> = HashMap::new();
    let mut asked: HashMap<String, usize> = HashMap::new();
    for e in &events {
        match e["kind"].as_str().unwrap() {
            "MergeResult" if e["ok"] == true => {
                *merges
                    .entry(e["task"].as_str().unwrap().into())
                    .or_default() += 1
            }
            "ApprovalDecided" => {
                *decided
                    .entry(e["approval"].as_str().unwrap().into())
                    .or_default() += 1
            }
            "ApprovalRequested" => {
                *asked
                    .entry(e["approval"].as_str().unwrap().into())
                    .or_default() += 1
            }
            _ => {}
        }
    }
    assert_eq!(merges.len(), 4, "{merges:?}");
    assert!(
        merges.values().all(|&n| n == 1),
        "a merge happened twice: {merges:?}"
    );
    assert!(
        decided.values().all(|&n| n == 1),
        "an approval was answered twice: {decided:?}"
    );
    assert!(
        asked.values().all(|&n| n == 1),
        "an approval was asked twice: {asked:?}"
    );
    assert!(events.iter().any(|e| e["kind"] == "Landed"));
    // Resuming the finished run says so and appends nothing after its RunFinished.
    let again = conclave(dir.path())
        .args(["resume", &run, "--headless"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
    assert!(
        text(&again.stderr).contains("already finished; there is nothing to resume"),
        "{}",
        text(&again.stderr)
    );
    let after = conclave(dir.path())
        .args(["export", &run])
        .output()
        .unwrap();
    assert_eq!(
        text(&after.stdout).lines().count(),
        events.len() + 1,
        "resume of a finished run appended to it"
    );
    let gate = std::process::Command::new("python3")
        .args(["-m", "unittest", "-q"])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert!(
        gate.status.success(),
        "kill after {kill_after}: {}",
        text(&gate.stderr)
    );
}

#[test]
fn a_run_killed_mid_task_resumes_to_a_finished_gap_free_log() {
    // Early (t1 and t2 implementing), middle (gates, review, retries) and late (merging).
    // Right after the first line (RunStarted) is printed: the run exists and resumes.
    for kill_after in [1, 30, 75, 115, 130, 160] {
        round(kill_after);
    }
}
