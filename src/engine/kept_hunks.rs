//! A diff approved in part: the task's branch is rewritten to exactly the hunks the person
//! kept before anything is merged, and the smaller diff is logged, so the log, the screen and
//! `main` agree on what went in.
//!
//! Owns applying a decision's `keep_hunks` and the diff events of a task. Must not decide
//! anything: the desk records the decision, this only carries it out. Idempotent, so a
//! resumed or forked run that meets the same decision again changes nothing twice.

use super::context::Ctx;
use crate::git::{task_diff, TaskDiff, TaskWorktree};
use crate::model::EventKind;
use crate::providers::EventSink;

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

/// Rewrites the task's branch to the kept hunks and logs the result as diff `id`. Err says
/// why it could not; then nothing may be merged, since the person did not approve the whole.
pub fn keep_only(
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
