//! Forks of the recorded demo: from several points (after the plan's approval, mid-task, mid
//! conflict resolution, after a merge, at the very end through `conclave fork`) each fork
//! finishes, its log begins with the parent's events up to the fork point, and the parent's
//! log, index entry and branches are exactly as before. A fork at level 1 with another
//! implementer profile asks a person what the parent's policy decided. A fork whose branches
//! cannot be restored, and bad `conclave fork` input, change nothing.

use crate::support::engine::{fork_to_end, run_demo, Forked};
use crate::support::runs::{conclave, run_ok, text, write_run};
use conclave::engine::{DriveEnd, EngineError, ForkChanges, ForkError, Stand};
use conclave::model::{
    fold, ApprovalWhat, AutonomyLevel, DecidedBy, Event, EventKind, ForkOrigin, Role, RunId,
    RunOutcome,
};
use conclave::store::{export_run, RunSummary, Store};
use std::collections::BTreeMap;
use std::path::Path;

/// Everything of a run that must not change: its log byte for byte, its index entry, and
/// its branches.
#[derive(Debug, PartialEq)]
struct Fingerprint {
    log: Vec<u8>,
    summary: RunSummary,
    branches: BTreeMap<String, String>,
}

fn fingerprint(data: &Path, repo: &Path, run: RunId) -> Fingerprint {
    let store = Store::open(data).unwrap();
    let mut log = Vec::new();
    export_run(&store, run, 0, &mut log).unwrap();
    Fingerprint {
        log,
        summary: store.summary(run).unwrap(),
        branches: branches(repo, run),
    }
}

/// The run's branches and where they point.
fn branches(repo: &Path, run: RunId) -> BTreeMap<String, String> {
    let repo = git2::Repository::open(repo).unwrap();
    let prefix = format!("conclave/{run}/");
    let mut out = BTreeMap::new();
    for b in repo.branches(Some(git2::BranchType::Local)).unwrap() {
        let (b, _) = b.unwrap();
        let name = b.name().unwrap().unwrap_or_default().to_string();
        if name.starts_with(&prefix) {
            out.insert(name, b.get().target().unwrap().to_string());
        }
    }
    out
}

/// The first event of `events` that `pick` likes.
fn seq_of(events: &[Event], what: &str, pick: impl Fn(&EventKind) -> bool) -> u64 {
    events
        .iter()
        .find(|e| pick(&e.kind))
        .unwrap_or_else(|| panic!("the demo has no {what}"))
        .seq
}

/// The fork finished, its log is whole and folds to what its engine held, and it begins with
/// the parent's events up to `at`, rewritten to the fork's id.
fn check_fork(parent: &[Event], f: &Forked, at: u64, data: &Path) {
    assert_eq!(
        f.end,
        DriveEnd::Finished(RunOutcome::Finished),
        "fork at {at}"
    );
    let store = Store::open(data).unwrap();
    let log = store.all_events(f.run).unwrap();
    assert_eq!(
        log, f.watched,
        "the watcher saw the fork from its first event"
    );
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e.seq, i as u64, "fork at {at}: gap or duplicate");
        assert_eq!(e.run, f.run);
    }
    assert_eq!(
        fold(&log),
        f.live,
        "fork at {at}: the log folds to the live state"
    );
    assert!(matches!(
        log.last().unwrap().kind,
        EventKind::RunFinished {
            status: RunOutcome::Finished,
            ..
        }
    ));
    let EventKind::RunStarted { parent: origin, .. } = &log[0].kind else {
        panic!("fork at {at}: no RunStarted")
    };
    let want_origin = ForkOrigin {
        run: parent[0].run,
        seq: at,
    };
    assert_eq!(origin.as_ref(), Some(&want_origin), "fork at {at}");
    assert_eq!(
        store.summary(f.run).unwrap().parent,
        Some(want_origin.clone())
    );
    let mut started = parent[0].clone();
    started.run = f.run;
    if let EventKind::RunStarted { parent: p, .. } = &mut started.kind {
        *p = Some(want_origin.clone());
    }
    assert_eq!(
        log[0], started,
        "fork at {at}: its RunStarted is the parent's plus where from"
    );
    for (p, c) in parent[1..=at as usize].iter().zip(&log[1..]) {
        let mut p = p.clone();
        p.run = f.run;
        assert_eq!(&p, c, "fork at {at}: copied event {}", p.seq);
    }
    // What comes after the fork point is the fork's own, starting with its resume mark.
    assert!(matches!(
        log[at as usize + 1].kind,
        EventKind::RunResumed {} | EventKind::LevelChanged { .. }
    ));
}

#[test]
fn forks_from_anywhere_finish_and_leave_the_parent_untouched() {
    let parent = run_demo(AutonomyLevel::Strategic, Stand::Approve);
    assert_eq!(parent.end, DriveEnd::Finished(RunOutcome::Finished));
    let data = parent.dir.path().join("data");
    let ev = &parent.events;
    let before = fingerprint(&data, &parent.repo, parent.run);
    assert!(before.branches.len() >= 5, "{:?}", before.branches);

    let plan_decided = seq_of(
        ev,
        "plan decision",
        |k| matches!(k, EventKind::ApprovalDecided { approval, .. } if approval == "plan-1"),
    );
    // One task's diff is proposed (its branch is restored) while another's session is cut.
    let first_diff = seq_of(ev, "diff", |k| matches!(k, EventKind::DiffProposed { .. }));
    let first_merge = seq_of(ev, "merge", |k| {
        matches!(k, EventKind::MergeResult { ok: true, .. })
    });
    // Two events into the agent's resolution of a conflict.
    let conflict = seq_of(ev, "conflict", |k| {
        matches!(k, EventKind::MergeResult { ok: false, .. })
    }) + 2;
    for at in [plan_decided, first_diff, conflict, first_merge] {
        let f = fork_to_end(
            &data,
            parent.run,
            at,
            ForkChanges::default(),
            Stand::Approve,
        )
        .unwrap_or_else(|e| panic!("fork at {at}: {e}"));
        check_fork(ev, &f, at, &data);
    }

    // At the end, through the binary: the default is the last event, and RunFinished is
    // never copied.
    let mut c = conclave(&data);
    c.args(["fork", &parent.run.to_string()[..12]]).args([
        "--headless",
        "--on-approval",
        "approve",
    ]);
    let out = run_ok(c);
    let lines: Vec<Event> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let last = ev.len() as u64 - 2;
    assert!(text(&out.stderr).contains(&format!("after its event {last}")));
    let store = Store::open(&data).unwrap();
    let live = store.state_at(lines[0].run, None).unwrap();
    drop(store);
    let f = Forked {
        run: lines[0].run,
        end: DriveEnd::Finished(RunOutcome::Finished),
        watched: lines,
        live,
    };
    check_fork(ev, &f, last, &data);

    assert_eq!(fingerprint(&data, &parent.repo, parent.run), before);
}

#[test]
fn a_fork_at_level_1_with_another_implementer_asks_a_person() {
    let parent = run_demo(AutonomyLevel::Strategic, Stand::Approve);
    let data = parent.dir.path().join("data");
    let ev = &parent.events;
    // Fork just before the plan is decided: the parent's policy approved it at level 3.
    let asked = seq_of(ev, "plan request", |k| {
        matches!(
            k,
            EventKind::ApprovalRequested {
                what: ApprovalWhat::Plan,
                ..
            }
        )
    });
    let changes = ForkChanges {
        level: Some(AutonomyLevel::Assisted),
        profiles: vec![(Role::Implementer, "demo-gpt".into())],
    };
    let f = fork_to_end(&data, parent.run, asked, changes, Stand::Approve).unwrap();
    assert_eq!(f.end, DriveEnd::Finished(RunOutcome::Finished));
    let EventKind::RunStarted { level, agents, .. } = &f.watched[0].kind else {
        panic!("no RunStarted")
    };
    assert_eq!(*level, AutonomyLevel::Assisted);
    for a in agents.iter().filter(|a| a.role == Role::Implementer) {
        assert_eq!(
            (a.provider.as_str(), a.model.as_str()),
            ("demo-gpt", "gpt-4o")
        );
    }
    let decided = |events: &[Event], id: &str| {
        events.iter().find_map(|e| match &e.kind {
            EventKind::ApprovalDecided { approval, by, .. } if approval == id => Some(*by),
            _ => None,
        })
    };
    assert_eq!(decided(ev, "plan-1"), Some(DecidedBy::Policy));
    assert_eq!(decided(&f.watched, "plan-1"), Some(DecidedBy::Person));
    let after = &f.watched[asked as usize + 1..];
    let by: Vec<DecidedBy> = after
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ApprovalDecided { by, .. } => Some(*by),
            _ => None,
        })
        .collect();
    assert!(
        by.len() > 10 && by.iter().all(|b| *b == DecidedBy::Person),
        "{by:?}"
    );
    // Level 1 asks a person to assign tasks; the parent's router did it alone.
    let assigned_by_person = |events: &[Event]| {
        events.iter().any(|e| {
            matches!(&e.kind, EventKind::ApprovalDecided { approval, by: DecidedBy::Person, .. }
                if approval.starts_with("assign-"))
        })
    };
    assert!(!assigned_by_person(ev) && assigned_by_person(&f.watched));
    // The implementers now speak through the other profile.
    let implementer_calls: Vec<(&str, &str)> = after
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Usage {
                agent,
                provider,
                model,
                ..
            } if agent.starts_with("impl-") => Some((provider.as_str(), model.as_str())),
            _ => None,
        })
        .collect();
    assert!(!implementer_calls.is_empty());
    assert!(
        implementer_calls
            .iter()
            .all(|c| *c == ("demo-gpt", "gpt-4o")),
        "{implementer_calls:?}"
    );
}

/// Stores `kinds` (numbered from 0) as a new run beside the others under `data`.
fn store_edited(data: &Path, kinds: Vec<EventKind>, like: &[Event]) -> (RunId, Vec<Event>) {
    let store = Store::open(data).unwrap();
    let run = RunId::new_at(1_600_000_000_000);
    let events: Vec<Event> = kinds
        .into_iter()
        .zip(like.iter().map(|e| e.at_ms).chain(std::iter::repeat(0)))
        .enumerate()
        .map(|(i, (kind, at_ms))| Event {
            run,
            seq: i as u64,
            at_ms,
            kind,
        })
        .collect();
    let mut w = store.create_unlisted_run(run).unwrap();
    w.append_events(events.clone()).unwrap();
    w.publish().unwrap();
    (run, events)
}

#[test]
fn a_level_change_in_the_copied_part_gives_way_to_the_forks_level() {
    let parent = run_demo(AutonomyLevel::Strategic, Stand::Approve);
    let data = parent.dir.path().join("data");
    // The parent as if a person had raised it to level 4 right after it started.
    let mut kinds: Vec<EventKind> = parent.events.iter().map(|e| e.kind.clone()).collect();
    kinds.insert(
        1,
        EventKind::LevelChanged {
            from: AutonomyLevel::Strategic,
            to: AutonomyLevel::Full,
            by: DecidedBy::Person,
        },
    );
    let (raised, events) = store_edited(&data, kinds, &parent.events);
    let asked = seq_of(&events, "plan request", |k| {
        matches!(
            k,
            EventKind::ApprovalRequested {
                what: ApprovalWhat::Plan,
                ..
            }
        )
    });
    let changes = ForkChanges {
        level: Some(AutonomyLevel::Assisted),
        profiles: vec![],
    };
    let f = fork_to_end(&data, raised, asked, changes, Stand::Approve).unwrap();
    assert_eq!(f.end, DriveEnd::Finished(RunOutcome::Finished));
    assert!(matches!(
        f.watched[asked as usize + 1].kind,
        EventKind::LevelChanged {
            from: AutonomyLevel::Full,
            to: AutonomyLevel::Assisted,
            by: DecidedBy::Person
        }
    ));
    assert_eq!(f.live.level, Some(AutonomyLevel::Assisted));
    assert!(f.watched[asked as usize + 1..].iter().all(|e| !matches!(
        e.kind,
        EventKind::ApprovalDecided {
            by: DecidedBy::Policy,
            ..
        }
    )));
}

#[test]
fn a_fork_that_cannot_restore_a_branch_leaves_nothing_behind() {
    // A log from before task commits were recorded: the demo's, without its TaskCommitted.
    let parent = run_demo(AutonomyLevel::Strategic, Stand::Approve);
    let data = parent.dir.path().join("data");
    let kinds = parent
        .events
        .iter()
        .filter(|e| !matches!(e.kind, EventKind::TaskCommitted { .. }))
        .map(|e| e.kind.clone())
        .collect();
    let (old, events) = store_edited(&data, kinds, &parent.events);
    let runs_before = Store::open(&data).unwrap().run_ids().unwrap();
    let mid = seq_of(&events, "diff", |k| {
        matches!(k, EventKind::DiffProposed { .. })
    }) + 1;
    let err = match fork_to_end(&data, old, mid, ForkChanges::default(), Stand::Approve) {
        Err(EngineError::Fork(e @ ForkError::LostBranch { .. })) => e.to_string(),
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("a fork without task commits went ahead"),
    };
    assert!(err.contains("no commit"), "{err}");
    let store = Store::open(&data).unwrap();
    assert_eq!(store.run_ids().unwrap(), runs_before);
    let repo = git2::Repository::open(&parent.repo).unwrap();
    for b in repo.branches(None).unwrap() {
        let name = b.unwrap().0.name().unwrap().unwrap_or_default().to_string();
        let owner = name.split('/').nth(1).unwrap_or_default();
        assert!(
            !name.starts_with("conclave/")
                || owner == parent.run.to_string()
                || owner == old.to_string(),
            "a branch was left behind: {name}"
        );
    }
}

#[test]
fn conclave_fork_refuses_bad_input_with_exit_2_naming_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let (run, _) = write_run(dir.path(), 300, 3);
    let id = run.to_string();
    let listing = || {
        let mut c = conclave(dir.path());
        c.args(["runs", "--json"]);
        run_ok(c).stdout
    };
    let before = listing();
    let cases: [(&[&str], &str); 6] = [
        (&["fork", "01ZZZZ", "--headless"], "no run matches `01ZZZZ`"),
        (
            &["fork", &id, "--at", "300", "--headless"],
            "has no event 300; its log holds events 0 to 299",
        ),
        (&["fork", &id, "--at", "-1", "--headless"], "-1"),
        (
            &["fork", &id, "--headless", "--profile", "boss=x"],
            "`boss` is not a role",
        ),
        (
            &["fork", &id, "--headless", "--profile", "implementer"],
            "`implementer` is not ROLE=NAME",
        ),
        (
            &["fork", &id, "--headless", "--profile", "reviewer=nope"],
            "profile `nope` for the reviewer agents: no such provider profile",
        ),
    ];
    for (args, want) in cases {
        let out = conclave(dir.path()).args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(want),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    let out = conclave(dir.path())
        .args(["fork", &id, "--level", "7", "--headless"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("7"), "{}", text(&out.stderr));
    assert_eq!(listing(), before);
}
