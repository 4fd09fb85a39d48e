//! The sandbox seen from outside: a whole run through the engine whose gate tries to escape,
//! and the binary refusing bad `[sandbox]` configuration.

use super::enforcing;
use crate::support::engine::demo_config;
use conclave::config::GateConfig;
use conclave::store::Store;
use std::time::Duration;

/// The incident of issue 13 through the real engine at level 4 (Full: no person asked): the
/// repo's gate tries to create a branch in the user's repository and write outside its
/// worktree in every task worktree it runs in. The run still finishes and lands; the user's
/// repository has no new branch and the outside file is unchanged.
#[test]
fn at_level_4_a_run_whose_gate_tries_to_escape_lands_without_escaping() {
    use conclave::engine::{self, DriveEnd, RunOptions, Stand};
    use conclave::model::{AutonomyLevel, EventKind, RunOutcome};
    if enforcing().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("calc");
    conclave::demo::sample::create(&repo).unwrap();
    let cassette = dir.path().join("demo.cassette.jsonl");
    conclave::demo::write_cassette(&cassette).unwrap();
    let outside = dir.path().join("outside.txt");
    std::fs::write(&outside, "original\n").unwrap();
    let data = dir.path().join("data");
    let store = Store::open(&data).unwrap();
    let mut config = demo_config(&repo, &cassette, AutonomyLevel::Full);
    config.gates = vec![GateConfig {
        name: "unittest".into(),
        command: format!(
            "git update-ref refs/heads/evil HEAD; git branch evil2; echo pwned > {}; \
             python3 -m unittest -q",
            outside.display()
        ),
        timeout_s: 120,
    }];
    let opts = RunOptions {
        config,
        data_dir: data.clone(),
        stand: Stand::Approve,
        watcher: None,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (run, end) = rt.block_on(async {
        let h = engine::start(&store, &repo, conclave::demo::GOAL, opts).expect("start");
        let end = tokio::time::timeout(Duration::from_secs(300), h.driver)
            .await
            .expect("the run hung")
            .expect("driver");
        (h.run, end)
    });
    assert_eq!(end, DriveEnd::Finished(RunOutcome::Finished));
    let events = store.all_events(run).unwrap();
    let gates: Vec<&String> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::GateResult { output_tail, .. } => Some(output_tail),
            _ => None,
        })
        .collect();
    assert!(!gates.is_empty());
    assert!(events
        .iter()
        .any(|e| matches!(e.kind, EventKind::Landed { .. })));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "original\n");
    let user = git2::Repository::open(&repo).unwrap();
    for name in ["refs/heads/evil", "refs/heads/evil2"] {
        assert!(
            user.find_reference(name).is_err(),
            "{name} exists: {gates:?}"
        );
    }
}

/// Bad `[sandbox]` values, and a repository trying to set its own, stop the binary with
/// exit 2 and the file, line and key.
#[test]
fn bad_sandbox_config_exits_2_naming_file_line_and_key() {
    use crate::support::runs::{conclave, config_error, usage_error};
    let dir = tempfile::tempdir().unwrap();
    let err = config_error(
        dir.path(),
        "user.toml",
        "[sandbox]\nenv = [\"DB_PASSWORD\"]\n",
    );
    assert!(err.contains("user.toml:2: sandbox.env[0]"), "{err}");
    std::fs::write(
        dir.path().join(".conclave.toml"),
        "[sandbox]\nmode = \"off\"\n",
    )
    .unwrap();
    let mut runs = conclave(dir.path());
    runs.arg("runs");
    let err = usage_error(runs);
    assert!(err.contains(".conclave.toml:1: sandbox"), "{err}");
}
