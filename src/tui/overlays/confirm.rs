//! A yes/no question before something hard to undo: raising the level to L4 or L5, quitting
//! while agents work, cancelling a task or the run, forking a replay into a live run (whose
//! level the person can pick in the question).
//!
//! Owns the questions' wording and what a yes sends. Must not decide when to ask: the global
//! actions in `ui` do.

use super::{dialog_box, key_hints, put_wrapped, LayerCtx, LayerOutcome};
use crate::model::replay::ReplayControl;
use crate::model::{AutonomyLevel, Command};
use crate::tui::action::Action;
use crate::tui::keymap::Mode;
use crate::tui::ui::Effect;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// What a yes does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ask {
    SetLevel(AutonomyLevel),
    Quit,
    CancelTask(String),
    CancelRun,
    /// A new live run from the state after `at` events of the replayed run; `after` is the
    /// seq of the last event it copies, as the home list shows the fork (`@after`).
    Fork {
        at: u64,
        after: u64,
        level: AutonomyLevel,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmDialog {
    pub ask: Ask,
}

impl ConfirmDialog {
    pub fn new(ask: Ask) -> Self {
        ConfirmDialog { ask }
    }

    /// What a yes sends or does.
    pub fn effect(&self) -> Effect {
        match &self.ask {
            Ask::SetLevel(l) => Effect::Command(Command::SetLevel(*l)),
            Ask::Quit => Effect::Quit,
            Ask::CancelTask(t) => Effect::Command(Command::CancelTask(t.clone())),
            Ask::CancelRun => Effect::Command(Command::CancelRun),
            Ask::Fork { at, level, .. } => Effect::Replay(ReplayControl::Fork {
                at: *at,
                level: *level,
            }),
        }
    }

    pub(super) fn handle(&mut self, action: Option<Action>) -> LayerOutcome {
        match action {
            Some(Action::Confirm) => LayerOutcome::Close(self.effect()),
            Some(Action::Cancel) => LayerOutcome::Close(Effect::None),
            Some(a @ (Action::LevelUp | Action::LevelDown)) => {
                if let Ask::Fork { level, .. } = &mut self.ask {
                    *level = if a == Action::LevelUp {
                        level.raised()
                    } else {
                        level.lowered()
                    };
                }
                LayerOutcome::Keep(Effect::None)
            }
            // Modal: other keys do nothing rather than act on the screen behind.
            _ => LayerOutcome::Keep(Effect::None),
        }
    }

    fn wording(&self, ctx: &LayerCtx) -> (String, String) {
        let s = ctx.state;
        match &self.ask {
            Ask::SetLevel(l) => {
                let what = match l {
                    AutonomyLevel::Full => {
                        "Agents merge, resolve conflicts and land on your branch without asking when gates pass."
                    }
                    AutonomyLevel::Evolutionary => {
                        "As L4, and conclave proposes its own goals and tunes routing and retries from outcomes."
                    }
                    _ => "The policy decides more without asking.",
                };
                (
                    format!("Raise autonomy to {}?", l.label()),
                    what.to_string(),
                )
            }
            Ask::Quit => {
                let n = s.active_tasks();
                let run = s.run.map_or(String::new(), |_| {
                    format!(
                        " with `conclave resume {}`",
                        ctx.run_prefix(crate::model::TIGHT_LEN)
                    )
                });
                (
                    "Quit while agents work?".to_string(),
                    format!(
                        "{n} task{} in progress. The run can be resumed later{run}.",
                        if n == 1 { " is" } else { "s are" }
                    ),
                )
            }
            Ask::CancelTask(t) => {
                let title = s
                    .task(t)
                    .map_or(String::new(), |t| format!(" “{}”", t.title));
                (
                    format!("Abandon task {t}{title}?"),
                    "The agent working on it stops, nothing of it is merged, and the task ends cancelled (so do the tasks that need it).".to_string(),
                )
            }
            Ask::CancelRun => (
                "Cancel the whole run?".to_string(),
                "Every agent stops and the run ends as cancelled.".to_string(),
            ),
            Ask::Fork { after, level, .. } => {
                let run = ctx.run_prefix(crate::model::SHORT_LEN);
                let keys = key_hints(
                    ctx.keymap,
                    Mode::Confirm,
                    &[(Action::LevelUp, "raise"), (Action::LevelDown, "lower")],
                );
                (
                    format!("Fork run {run} after event {after} at {}?", level.label()),
                    format!(
                        "A new run starts from this point and goes on live; agents work on \
                         new branches and run {run} stays as it is. Level: {keys}."
                    ),
                )
            }
        }
    }

    pub(super) fn render(&self, area: Rect, buf: &mut Buffer, ctx: &LayerCtx) {
        let (title, body) = self.wording(ctx);
        let inner = dialog_box(area, buf, 60, 7, "Confirm", ctx.theme);
        if inner.height == 0 {
            return;
        }
        let mut y = put_wrapped(
            buf,
            inner,
            inner.y,
            &title,
            ctx.theme.style("ui.dialog.warning"),
            2,
        );
        y = put_wrapped(buf, inner, y, &body, ctx.theme.style("ui.dialog"), 3);
        let hints = key_hints(
            ctx.keymap,
            Mode::Confirm,
            &[(Action::Confirm, "yes"), (Action::Cancel, "no")],
        );
        let row = inner
            .bottom()
            .saturating_sub(1)
            .max(y.min(inner.bottom().saturating_sub(1)));
        let style = super::text_dialog::dim_on(ctx.theme, ctx.theme.style("ui.dialog"));
        crate::tui::text::put(buf, inner.x, row, &hints, inner.width, style);
    }
}
