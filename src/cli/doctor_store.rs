//! `conclave doctor`'s store lines: the store itself, then every run whose log is damaged,
//! and with `--repair` the salvage of each (design §13: a damaged store is never a dead end).
//!
//! Owns what doctor says about the store; reading and repairing belong to `store`.

use super::doctor::Report;
use crate::store::{RunHealth, Store};
use crate::util::words::count;

pub(super) fn check(r: &mut Report, store: &Store, repair: bool) {
    let ids = match store.run_ids() {
        Ok(ids) => ids,
        Err(e) => return r.bad("store", e.to_string()),
    };
    let mut live = 0;
    let mut damaged = Vec::new();
    for run in &ids {
        match store.check(*run) {
            Ok(RunHealth::Ok { .. }) => {}
            Ok(RunHealth::Live { .. }) => live += 1,
            Ok(RunHealth::Damaged { readable, reason }) => damaged.push((*run, readable, reason)),
            Err(e) => damaged.push((*run, 0, e.to_string())),
        }
    }
    r.ok(
        "store",
        format!(
            "{} ({}, {live} live now)",
            store.path().display(),
            count(ids.len() as u64, "run")
        ),
    );
    for (run, readable, reason) in damaged {
        if !repair {
            r.bad(
                "run",
                format!(
                    "{run} is damaged: {reason}; {} from the start {} readable; `conclave doctor --repair` keeps those in a fresh log",
                    count(readable, "event"),
                    if readable == 1 { "is" } else { "are" }
                ),
            );
            continue;
        }
        match store.repair(run) {
            Ok(done) => {
                let of = done
                    .expected
                    .map(|n| format!(" of the {n} it had"))
                    .unwrap_or_default();
                if done.kept == 0 {
                    r.bad(
                        "run",
                        format!(
                            "{run}: nothing of its log could be read{of}; its files are in {}",
                            done.moved_to.display()
                        ),
                    );
                } else {
                    r.ok(
                        "repaired",
                        format!(
                            "{run}: kept {}{of} (everything before the damage); the damaged files are in {}",
                            count(done.kept, "event"),
                            done.moved_to.display()
                        ),
                    );
                }
            }
            Err(e) => r.bad("run", format!("{run} could not be repaired: {e}")),
        }
    }
}
