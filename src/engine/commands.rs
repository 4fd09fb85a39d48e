//! The person's commands (from the TUI or a script) turned into answers and events.

use super::context::Ctx;
use crate::model::{Command, DecidedBy, EventKind, RunOutcome, RunStatus, TaskStatus};
use crate::providers::EventSink;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::watch;

pub async fn serve(ctx: Arc<Ctx>, mut rx: UnboundedReceiver<Command>, paused: watch::Sender<bool>) {
    while let Some(cmd) = rx.recv().await {
        match cmd {
            Command::Approve {
                approval,
                keep_hunks,
            } => {
                let reason = match &keep_hunks {
                    Some(h) => format!("approved keeping hunks {h:?}"),
                    None => String::new(),
                };
                if let Err(e) = ctx
                    .desk
                    .answer_keeping(&approval, true, &reason, keep_hunks)
                {
                    tracing::warn!("{e}");
                }
            }
            Command::Reject { approval, reason } => {
                if let Err(e) = ctx.desk.answer(&approval, false, &reason) {
                    tracing::warn!("{e}");
                }
            }
            Command::SetLevel(to) => {
                let from = ctx.log.with_state(|s| s.level_or_default());
                if from != to {
                    ctx.log.emit(EventKind::LevelChanged {
                        from,
                        to,
                        by: DecidedBy::Person,
                    });
                    ctx.desk.redecide();
                }
            }
            Command::AddGoal(text) => ctx.log.emit(super::goal_event(&text)),
            Command::Pause => {
                if ctx.log.with_state(|s| s.status == RunStatus::Running) {
                    ctx.log.emit(EventKind::RunPaused {});
                    let _ = paused.send(true);
                }
            }
            Command::Resume => {
                if ctx.log.with_state(|s| s.status == RunStatus::Paused) {
                    ctx.log.emit(EventKind::RunResumed {});
                    let _ = paused.send(false);
                }
            }
            Command::CancelTask(task) => {
                let (state, waiting): (Option<TaskStatus>, Vec<String>) = ctx.log.with_state(|s| {
                    let pending = s
                        .pending()
                        .filter(|a| a.task.as_deref() == Some(task.as_str()))
                        .map(|a| a.id.clone())
                        .collect();
                    (s.task(&task).map(|t| t.status), pending)
                });
                match state {
                    Some(TaskStatus::Pending | TaskStatus::Ready) => {
                        ctx.log.emit(EventKind::TaskStatus {
                            task,
                            status: TaskStatus::Cancelled,
                        })
                    }
                    Some(s) if !s.is_terminal() => {
                        // Stop its agent, gates and commands; what it waits on is refused.
                        ctx.token_for(Some(&task)).cancel();
                        for id in waiting {
                            let _ = ctx.desk.answer(&id, false, "the task was cancelled");
                        }
                    }
                    _ => {}
                }
            }
            Command::CancelRun => {
                if !ctx.log.with_state(|s| s.status.is_over()) {
                    ctx.log.emit(EventKind::RunFinished {
                        status: RunOutcome::Cancelled,
                    });
                }
                ctx.cancel.cancel();
            }
        }
    }
}
