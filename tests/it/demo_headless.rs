//! `conclave demo --headless` through the real binary: exit 0, every step of the story in its
//! events, the sample repo's gate green on its final branch, no secret anywhere.

use crate::support::runs::{conclave, text};
use std::collections::HashSet;

#[test]
fn the_demo_runs_the_whole_loop_offline() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("calc");
    let marker = "sk-demo-MARKER-0123456789abcdef";
    let out = conclave(dir.path())
        .args(["demo", "--headless", "--dir"])
        .arg(&repo)
        .env("OPENAI_API_KEY", marker)
        .env("ANTHROPIC_API_KEY", marker)
        .env("GEMINI_API_KEY", marker)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{stdout}",
        text(&out.stderr)
    );
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON event per line"))
        .collect();
    let kinds: HashSet<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in [
        "RunStarted",
        "PlanProposed",
        "TaskAssigned",
        "DiffProposed",
        "GateResult",
        "Review",
        "ApprovalRequested",
        "ApprovalDecided",
        "MergeResult",
        "Usage",
        "Landed",
        "Lesson",
        "RunFinished",
    ] {
        assert!(kinds.contains(k), "no {k} event");
    }
    let find = |pred: &dyn Fn(&serde_json::Value) -> bool| events.iter().any(pred);
    // A plan of four tasks with dependencies.
    assert!(find(&|e| e["kind"] == "PlanProposed"
        && e["tasks"].as_array().unwrap().len() >= 4
        && e["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| !t["deps"].as_array().unwrap().is_empty())));
    // Two tasks at once: both running before either is done.
    let seq_of = |kind: &str, task: &str, status: &str| {
        events
            .iter()
            .find(|e| e["kind"] == kind && e["task"] == task && e["status"] == status)
            .map(|e| e["seq"].as_u64().unwrap())
    };
    let (r1, r2) = (
        seq_of("TaskStatus", "t1", "running").unwrap(),
        seq_of("TaskStatus", "t2", "running").unwrap(),
    );
    let first_done = seq_of("TaskStatus", "t1", "done")
        .unwrap()
        .min(seq_of("TaskStatus", "t2", "done").unwrap());
    assert!(r1 < first_done && r2 < first_done);
    // A gate fails, then passes after feedback.
    assert!(find(&|e| e["kind"] == "GateResult"
        && e["task"] == "t2"
        && e["passed"] == false));
    assert!(find(&|e| e["kind"] == "GateResult"
        && e["task"] == "t2"
        && e["passed"] == true));
    // A review asks for changes.
    assert!(find(
        &|e| e["kind"] == "Review" && e["verdict"] == "request_changes"
    ));
    // A merge conflict, resolved by an agent: the same task then merges cleanly.
    let conflicted = events
        .iter()
        .find(|e| e["kind"] == "MergeResult" && e["ok"] == false)
        .expect("a conflict");
    let task = conflicted["task"].clone();
    assert!(find(&|e| e["kind"] == "MergeResult"
        && e["task"] == task
        && e["ok"] == true));
    // Landed, lessons kept, finished.
    assert!(find(&|e| e["kind"] == "Landed" && e["branch"] == "main"));
    assert!(find(&|e| e["kind"] == "Lesson" && e["persisted"] == true));
    assert_eq!(events.last().unwrap()["kind"], "RunFinished");
    assert_eq!(events.last().unwrap()["status"], "finished");
    // Gap-free numbering.
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"].as_u64(), Some(i as u64));
    }
    // The repo's own gate passes on its final branch, which holds the run's work.
    let gate = std::process::Command::new("python3")
        .args(["-m", "unittest", "-q"])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert!(gate.status.success(), "{}", text(&gate.stderr));
    let calc = std::fs::read_to_string(repo.join("calc.py")).unwrap();
    assert!(calc.contains("return a + b") && calc.contains("def median"));
    // The run is listed, and nothing anywhere holds the keys.
    let listed = text(
        &conclave(dir.path())
            .args(["runs", "--json"])
            .output()
            .unwrap()
            .stdout,
    );
    assert!(listed.contains("\"status\": \"finished\""), "{listed}");
    let mut export = conclave(dir.path());
    let run = events[0]["run"].as_str().unwrap();
    let exported = text(&export.args(["export", run]).output().unwrap().stdout);
    let log = std::fs::read_to_string(dir.path().join("logs/conclave.log")).unwrap_or_default();
    for (what, s) in [
        ("stdout", &stdout),
        ("stderr", &text(&out.stderr)),
        ("export", &exported),
        ("log", &log),
    ] {
        assert!(!s.contains(marker), "the key reached the {what}");
    }
    let mut store_bytes = Vec::new();
    for entry in walk(&dir.path().join("runs")) {
        store_bytes.extend(std::fs::read(entry).unwrap());
    }
    assert!(
        !store_bytes
            .windows(marker.len())
            .any(|w| w == marker.as_bytes()),
        "the key reached the store"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
