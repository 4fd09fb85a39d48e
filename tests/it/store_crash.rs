//! kill -9 at random moments while a child process appends events; the log must reopen with
//! no gap, no duplicate, and every event the child had reported durable (design §13).

use conclave::model::RunId;
use conclave::store::Store;
use conclave::testkit::synthetic::realistic_run;
use rand::{Rng, SeedableRng};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_DIR: &str = "CONCLAVE_CRASH_CHILD_DIR";
const CHILD_RUN: &str = "CONCLAVE_CRASH_CHILD_RUN";
const CHILD_SEED: &str = "CONCLAVE_CRASH_CHILD_SEED";
const TOTAL: u64 = 100_000;
/// The child's test, by its full path in the one test binary.
const CHILD_TEST: &str = "store_crash::crash_child";

fn planned(run: RunId) -> Vec<conclave::model::Event> {
    realistic_run(run, TOTAL, 42)
}

/// The child: continues the run's log with the planned events, flushing at random moments
/// and reporting `durable N` after each flush, until it is killed.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let run: RunId = std::env::var(CHILD_RUN).unwrap().parse().unwrap();
    let seed: u64 = std::env::var(CHILD_SEED).unwrap().parse().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let events = planned(run);
    let store = Store::open(std::path::Path::new(&dir)).unwrap();
    let mut w = if store.has_run(run).unwrap() {
        store.open_writer(run).unwrap()
    } else {
        store.create_run(run).unwrap()
    };
    loop {
        let from = w.next_seq() as usize;
        let to = (from + rng.gen_range(1..200)).min(events.len());
        if from == to {
            std::thread::sleep(Duration::from_secs(60));
        }
        w.append_events(events[from..to].to_vec()).unwrap();
        if rng.gen_bool(0.3) {
            w.flush().unwrap();
            println!("durable {}", w.durable_upto().unwrap());
        }
    }
}

#[test]
fn sigkill_at_random_moments_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let run = RunId::new_at(1_700_000_000_000);
    let events = planned(run);
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut acknowledged: Option<u64> = None;
    for round in 0..24 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR, dir.path())
            .env(CHILD_RUN, run.to_string())
            .env(CHILD_SEED, round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (durable_tx, durable) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut max = None;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(n) = line
                    .strip_prefix("durable ")
                    .and_then(|n| n.parse::<u64>().ok())
                {
                    max = max.max(Some(n));
                    let _ = durable_tx.send(n);
                }
            }
            max
        });
        // The random moment starts once the child has made this round's first flush: on a
        // loaded machine the child can take seconds to get going, and a kill before any
        // progress would test nothing.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let n = durable
                .recv_timeout(left)
                .expect("the child reported nothing durable in 120 s");
            if Some(n) > acknowledged {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..200)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        acknowledged = acknowledged.max(reader.join().unwrap());

        let store = Store::open(dir.path()).unwrap();
        let Some(ack) = acknowledged else { continue };
        assert!(store.has_run(run).unwrap(), "round {round}: run vanished");
        let back = store.all_events(run).unwrap();
        assert!(
            back.len() as u64 > ack,
            "round {round}: {} events on disk, {ack} acknowledged",
            back.len()
        );
        for (i, e) in back.iter().enumerate() {
            assert_eq!(
                e, &events[i],
                "round {round}: event {i} differs (gap or duplicate)"
            );
        }
        let state = store.state_at(run, None).unwrap();
        assert_eq!(state.next_seq, back.len() as u64);
        assert_eq!(
            state.anomaly_count, 0,
            "round {round}: {:?}",
            state.anomalies
        );
    }
    assert!(
        acknowledged.unwrap_or(0) > 100,
        "the child wrote too little to mean anything"
    );
}

/// Issue 14: a run killed (SIGKILL) right after it printed its first event, its id: the run
/// is listed as interrupted, `resume` takes it to its end, and no branch or worktree exists
/// that does not belong to it.
#[test]
fn a_run_killed_right_after_its_id_is_printed_resumes_and_leaves_nothing_stray() {
    let w = crate::support::served::demo();
    let out = w.dir.path().join("first.jsonl");
    let (mut child, run) = w.start_waiting(&out);
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let _ = child.wait();

    let listed = w.conclave().args(["runs", "--json"]).output().unwrap();
    assert!(listed.status.success());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["id"], run.as_str());
    assert_eq!(rows[0]["status"], "interrupted");

    let repo = git2::Repository::open(&w.repo).unwrap();
    let ours = format!("conclave/{run}/");
    for b in repo.branches(Some(git2::BranchType::Local)).unwrap() {
        let name = b.unwrap().0.name().unwrap().unwrap().to_string();
        assert!(
            name == "main" || name.starts_with(&ours),
            "a branch nobody lists: {name}"
        );
    }
    for wt in repo.worktrees().unwrap().iter().flatten() {
        assert!(
            wt.starts_with(&format!("conclave-{run}")),
            "a stray worktree: {wt}"
        );
    }

    let resumed = w
        .conclave()
        .args(["resume", &run, "--headless", "--on-approval", "approve"])
        .output()
        .unwrap();
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let last = String::from_utf8_lossy(&resumed.stdout)
        .lines()
        .last()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .unwrap();
    assert_eq!(last["kind"], "RunFinished", "{last}");
}
