//! Work detection at the start of a run: planted TODOs and a gate failing on the base become
//! goals at level 4, and only suggestions (WorkDetected, no goal) at level 3.

use crate::support::engine::demo_config;
use conclave::engine::{self, RunOptions, Stand};
use conclave::model::{AutonomyLevel, Command, EventKind, FindingKind, GoalSource};
use conclave::store::Store;

fn detect(level: AutonomyLevel) -> (Vec<conclave::model::Finding>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("calc");
    conclave::demo::sample::create(&repo).unwrap();
    // A test that fails on the base commit.
    std::fs::write(repo.join("test_broken.py"), "import unittest\n\n\nclass Broken(unittest.TestCase):\n    def test_it(self):\n        self.assertEqual(1, 2)\n").unwrap();
    let r = git2::Repository::open(&repo).unwrap();
    crate::support::repo::commit_all(&r, "a broken test");
    let cassette = dir.path().join("c.jsonl");
    conclave::demo::write_cassette(&cassette).unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = RunOptions {
        config: demo_config(&repo, &cassette, level),
        data_dir: dir.path().join("data"),
        stand: Stand::Person,
        watcher: Some(tx),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let h = engine::start(&store, &repo, "improve calc", opts).unwrap();
        let mut findings = Vec::new();
        let mut goals = Vec::new();
        // Detection runs before planning; the plan approval (a person's, at L3 none) or the
        // first task marks its end.
        while let Some(e) = tokio::time::timeout(std::time::Duration::from_secs(60), rx.recv())
            .await
            .unwrap()
        {
            match e.kind {
                EventKind::WorkDetected { findings: f } => findings = f,
                EventKind::GoalAdded {
                    text,
                    source: GoalSource::Detected,
                } => goals.push(text),
                EventKind::PlanProposed { .. } => break,
                _ => {}
            }
        }
        h.commands.send(Command::CancelRun).unwrap();
        let _ = h.driver.await;
        (findings, goals)
    })
}

#[test]
fn level_4_turns_findings_into_goals() {
    let (findings, goals) = detect(AutonomyLevel::Full);
    let todo = findings
        .iter()
        .find(|f| f.kind == FindingKind::Todo)
        .expect("the planted TODO");
    assert_eq!(todo.location.as_deref(), Some("calc.py:11"));
    assert!(
        findings.iter().any(|f| f.kind == FindingKind::FailingGate),
        "{findings:?}"
    );
    assert!(!goals.is_empty());
    assert!(
        goals[0].contains("unittest"),
        "failing gates come first: {goals:?}"
    );
    assert!(
        goals.iter().any(|g| g.contains("ZeroDivisionError")),
        "{goals:?}"
    );
}

#[test]
fn level_3_only_suggests() {
    let (findings, goals) = detect(AutonomyLevel::Strategic);
    assert!(findings.iter().any(|f| f.kind == FindingKind::Todo));
    assert!(goals.is_empty(), "{goals:?}");
}
