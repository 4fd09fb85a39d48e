//! A diff approved in part: the task's branch is rewritten to exactly the hunks the person
//! kept before anything is merged, and the smaller diff is logged, so the log, the screen and
//! `main` agree on what went in.
//!
//! Owns applying a decision's `keep_hunks` and the diff events of a task. Must not decide
//! anything: the desk records the decision, this only carries it out. Idempotent, so a
//! resumed or forked run that meets the same decision again changes nothing twice.

use super::approvals::Verdict;
use super::context::Ctx;
use crate::git::{task_diff, TaskDiff, TaskWorktree};
use crate::model::EventKind;
use crate::model::EventSink;

/// The `DiffProposed` event for `d`, under the diff id `id`.
pub fn diff_event(task: &str, id: String, d: &TaskDiff) -> EventKind {
    EventKind::DiffProposed {
        task: task.to_string(),
        diff: id,
        files: d.files.clone(),
        added: d.added,
        removed: d.removed,
        patch: d.patch.clone(),
        hunks: d.hunks.clone(),
    }
}

/// Carries out an approval `v` of the task's diff: when it kept only some hunks, the branch
/// is rewritten to them (logged as diff `id`). Err says why that could not be done; then
/// nothing of the task may be merged.
pub fn carry_out(
    ctx: &Ctx,
    task: &str,
    wt: &TaskWorktree,
    id: String,
    v: &Verdict,
) -> Result<(), String> {
    match kept_of(ctx, wt, v)? {
        Some(keep) => keep_only(ctx, task, wt, id, &keep),
        None => Ok(()),
    }
}

/// The ids of the hunks `v` kept, if it kept only some. Logs written before decisions
/// carried ids said it in prose ("approved keeping hunks [0, 2]", numbered in patch order):
/// those numbers are read back against the task's diff as it stands, which is the diff that
/// was approved (a resume meets the decision before anything else moves the branch).
fn kept_of(ctx: &Ctx, wt: &TaskWorktree, v: &Verdict) -> Result<Option<Vec<String>>, String> {
    if let Some(keep) = &v.keep_hunks {
        return Ok(Some(keep.clone()));
    }
    let Some(numbers) = legacy_numbers(&v.reason) else {
        return Ok(None);
    };
    let tip = wt.tip().map_err(|e| e.to_string())?;
    let d = task_diff(&ctx.repo.root, wt.base, tip).map_err(|e| e.to_string())?;
    numbers
        .iter()
        .map(|&n| {
            d.hunks.get(n).map(|h| h.id.clone()).ok_or_else(|| {
                format!(
                    "the decision keeps hunk {n}, but the diff has {}",
                    d.hunks.len()
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// "approved keeping hunks [0, 2]" → [0, 2].
fn legacy_numbers(reason: &str) -> Option<Vec<usize>> {
    let list = reason
        .strip_prefix("approved keeping hunks [")?
        .strip_suffix(']')?;
    list.split(',').map(|n| n.trim().parse().ok()).collect()
}

/// Rewrites the task's branch to the kept hunks and logs the result as diff `id`. Err says
/// why it could not; then nothing may be merged, since the person did not approve the whole.
fn keep_only(
    ctx: &Ctx,
    task: &str,
    wt: &TaskWorktree,
    id: String,
    keep: &[String],
) -> Result<(), String> {
    if ctx.log.with_state(|s| s.diff(&id).is_some()) {
        return Ok(());
    }
    let tip = crate::git::keep_only_hunks(wt, keep).map_err(|e| e.to_string())?;
    ctx.record_commit(task, tip);
    let d = task_diff(&ctx.repo.root, wt.base, tip).map_err(|e| e.to_string())?;
    if d.is_empty() {
        return Err("no change is left once the dropped hunks are gone".into());
    }
    ctx.log.emit(diff_event(task, id, &d));
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_old_prose_is_read_back_and_nothing_else_is() {
        assert_eq!(
            super::legacy_numbers("approved keeping hunks [0, 2]"),
            Some(vec![0, 2])
        );
        for other in [
            "",
            "approved keeping 2 hunks: ab, cd",
            "approved keeping hunks [x]",
        ] {
            assert_eq!(super::legacy_numbers(other), None, "{other}");
        }
    }
}
