//! The decision points of a stored run (approvals, level changes, gates, merges), for the
//! replay's timeline marks and its jump keys.
//!
//! Owns reading them from the store by kind name only (no full decode) and finding the next
//! or previous one from a position, with or without the full index. Must not write anything.

use crate::model::replay::MarkKind;
use crate::model::RunId;
use crate::store::{EventHead, Store};
use std::sync::atomic::{AtomicBool, Ordering};

/// The mark an event kind makes on the timeline, if it is a decision point
/// (`EventKind::is_decision_point`, by name).
pub fn mark_of(kind: &str) -> Option<MarkKind> {
    Some(match kind {
        "ApprovalRequested" | "ApprovalDecided" => MarkKind::Approval,
        "LevelChanged" => MarkKind::Level,
        "GateResult" => MarkKind::Gate,
        "MergeResult" | "Landed" => MarkKind::Merge,
        _ => return None,
    })
}

/// Decision points: (seq, kind), in order.
pub type Marks = Vec<(u64, MarkKind)>;

/// Every decision point of the run, in order; `None` when `stop` was set before the end (the
/// replay closed: its process should not wait for this).
pub fn index(store: &Store, run: RunId, stop: &AtomicBool) -> crate::store::Result<Option<Marks>> {
    let mut marks = Vec::new();
    for h in store.event_heads(run, 0, None, false)? {
        let h = h?;
        if h.seq % 4096 == 0 && stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        if let Some(k) = mark_of(&h.kind) {
            marks.push((h.seq, k));
        }
    }
    Ok(Some(marks))
}

/// The position that shows the next (`forward`) or previous decision from `position` (the
/// state after events `0..position`): showing decision `seq` means standing at `seq + 1`.
pub fn jump_in(marks: &[(u64, MarkKind)], position: u64, forward: bool) -> Option<u64> {
    if forward {
        let i = marks.partition_point(|(s, _)| *s < position);
        marks.get(i).map(|(s, _)| s + 1)
    } else {
        let i = marks.partition_point(|(s, _)| s + 1 < position);
        i.checked_sub(1).map(|i| marks[i].0 + 1)
    }
}

/// As `jump_in`, scanning the store while the index is not built yet.
pub fn jump_scan(
    store: &Store,
    run: RunId,
    position: u64,
    forward: bool,
) -> crate::store::Result<Option<u64>> {
    let found = |h: &EventHead| mark_of(&h.kind).is_some();
    let heads = if forward {
        store.event_heads(run, position, None, false)?
    } else {
        store.event_heads(run, 0, Some(position.saturating_sub(1)), true)?
    };
    for h in heads {
        let h = h?;
        if found(&h) {
            return Ok(Some(h.seq + 1));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EventKind;
    use crate::testkit::synthetic::realistic_run;

    #[test]
    fn names_cover_exactly_the_decision_points() {
        let run = RunId::new_at(1_700_000_000_000);
        for e in realistic_run(run, 3000, 3) {
            assert_eq!(
                mark_of(e.kind.name()).is_some(),
                e.kind.is_decision_point(),
                "{}",
                e.kind.name()
            );
        }
        let landed = EventKind::Landed {
            branch: "main".into(),
            commit: "c".into(),
            fast_forward: true,
        };
        assert_eq!(mark_of(landed.name()), Some(MarkKind::Merge));
    }

    #[test]
    fn jumps_from_the_index_and_from_the_store_agree() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let run = RunId::new_at(1_700_000_000_000);
        let events = realistic_run(run, 2000, 9);
        let mut w = store.create_run(run).unwrap();
        w.append_events(events).unwrap();
        w.flush().unwrap();
        let marks = index(&store, run, &AtomicBool::new(false))
            .unwrap()
            .unwrap();
        assert!(marks.len() > 10);
        for p in (0..=2000).step_by(37).chain([0, 1, 1999, 2000]) {
            for fwd in [true, false] {
                let a = jump_in(&marks, p, fwd);
                let b = jump_scan(&store, run, p, fwd).unwrap();
                assert_eq!(a, b, "position {p} forward {fwd}");
                if let Some(to) = a {
                    assert!(if fwd { to > p } else { to < p });
                }
            }
        }
    }
}
