//! A dialog with a text area (tui-textarea): the reason for a rejection (it goes back to the
//! agent as feedback), a new goal for the run, or a waiting plan to edit before approving.
//!
//! Owns typing and submitting. Keys bound in the `dialog` mode (submit, newline, cancel) act,
//! in the `editor` mode for the plan (Enter starts a line there); every other key is text.
//! The run keeps changing while it is open: a rejection whose approval got decided meanwhile
//! says so instead of sending a stale command. The plan's checks and its problem line are
//! `plan_editor`'s.

use super::plan_editor::{self, PlanProblemShown};
use super::{dialog_box, key_hints, put_wrapped, LayerCtx, LayerOutcome};
use crate::model::{Command, PlannedTask, RunState};
use crate::tui::action::Action;
use crate::tui::keymap::Mode;
use crate::tui::plan_text;
use crate::tui::theme::Theme;
use crate::tui::ui::Effect;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Widget;
use tui_textarea::{CursorMove, TextArea};

/// Most rows under the text for a problem with the plan.
const PROBLEM_ROWS: u16 = 3;

#[derive(Clone, Debug, PartialEq)]
pub enum TextPurpose {
    Reject {
        approval: String,
    },
    AddGoal,
    /// The plan as text (`plan_text`); `before` is the plan as proposed, for the fields the
    /// text does not show.
    EditPlan {
        approval: String,
        before: Vec<PlannedTask>,
    },
}

#[derive(Clone, Debug)]
pub struct TextDialog {
    pub purpose: TextPurpose,
    pub input: TextArea<'static>,
    /// Shown under the text after a submit that could not go (empty text).
    pub hint: Option<String>,
    /// Why the edited plan could not go, on which line; kept until the next submit.
    pub problem: Option<PlanProblemShown>,
}

impl TextDialog {
    /// A dialog styled by `theme` (the text area keeps its styles, so drawing does not copy
    /// it each frame).
    pub fn new(purpose: TextPurpose, theme: &Theme) -> Self {
        let mut input = TextArea::default();
        input.set_placeholder_text(match purpose {
            TextPurpose::Reject { .. } => "why? (the reason is kept with the decision)",
            TextPurpose::AddGoal => "what should the agents do next?",
            TextPurpose::EditPlan { .. } => "one task per line: ID KIND [p1-p3] [after IDS] TITLE",
        });
        let mut d = TextDialog {
            purpose,
            input,
            hint: None,
            problem: None,
        };
        d.style_input(theme);
        d
    }

    fn style_input(&mut self, theme: &Theme) {
        let body = theme.style("ui.dialog");
        // tui-textarea underlines the cursor's line unless told otherwise; nothing is.
        self.input.set_cursor_line_style(Style::default());
        self.input.set_style(body);
        self.input
            .set_cursor_style(body.add_modifier(Modifier::REVERSED));
        self.input.set_placeholder_style(dim_on(theme, body));
        if self.is_plan() {
            // Problems name lines by number.
            self.input.set_line_number_style(dim_on(theme, body));
        }
    }

    fn is_plan(&self) -> bool {
        matches!(self.purpose, TextPurpose::EditPlan { .. })
    }

    /// The keymap mode its keys are read in: a plan is edited line by line.
    pub fn mode(&self) -> Mode {
        if self.is_plan() {
            Mode::Editor
        } else {
            Mode::Dialog
        }
    }

    /// The waiting plan `approval` as editable text.
    pub fn edit_plan(approval: String, state: &RunState, theme: &Theme) -> Self {
        let before = plan_text::planned(state);
        let text = plan_text::to_text(&before);
        let mut d = TextDialog::new(TextPurpose::EditPlan { approval, before }, theme);
        d.input = TextArea::from(text.lines());
        // Ready to add a task under the last one.
        d.input.move_cursor(CursorMove::Bottom);
        d.input.move_cursor(CursorMove::End);
        d.style_input(theme);
        d
    }

    /// The typed text, lines joined, trimmed.
    pub fn text(&self) -> String {
        self.input.lines().join("\n").trim().to_string()
    }

    pub(super) fn handle(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        state: &RunState,
    ) -> LayerOutcome {
        match action {
            Some(Action::Cancel) => LayerOutcome::Close(Effect::None),
            Some(Action::Newline) => {
                let before = plan_editor::Before::of(&self.input);
                self.input.insert_newline();
                if let Some(p) = &mut self.problem {
                    p.follow(before, &self.input);
                }
                LayerOutcome::Keep(Effect::None)
            }
            Some(Action::Submit) => self.submit(state),
            _ => {
                self.hint = None;
                let before = plan_editor::Before::of(&self.input);
                self.input.input(*key);
                if let Some(p) = &mut self.problem {
                    p.follow(before, &self.input);
                }
                LayerOutcome::Keep(Effect::None)
            }
        }
    }

    fn submit(&mut self, state: &RunState) -> LayerOutcome {
        let text = self.text();
        match &self.purpose {
            TextPurpose::Reject { approval } => {
                if !state.approval(approval).is_some_and(|a| a.is_pending()) {
                    // Decided while the person typed: nothing left to reject.
                    return LayerOutcome::Close(Effect::Flash(format!(
                        "{approval} was already decided"
                    )));
                }
                if text.is_empty() {
                    self.hint = Some("type a reason: the agent learns from it".into());
                    return LayerOutcome::Keep(Effect::None);
                }
                LayerOutcome::Close(Effect::Command(Command::Reject {
                    approval: approval.clone(),
                    reason: text,
                }))
            }
            TextPurpose::AddGoal => {
                if text.is_empty() {
                    self.hint = Some("type the goal first".into());
                    return LayerOutcome::Keep(Effect::None);
                }
                LayerOutcome::Close(Effect::Command(Command::AddGoal(text)))
            }
            TextPurpose::EditPlan { approval, before } => {
                if !state.approval(approval).is_some_and(|a| a.is_pending()) {
                    return LayerOutcome::Close(Effect::Flash(format!(
                        "{approval} was already decided; the edit was not sent"
                    )));
                }
                match plan_editor::submit(&mut self.input, approval, before, state) {
                    Ok(effect) => {
                        self.problem = None;
                        LayerOutcome::Close(effect)
                    }
                    Err(p) => {
                        self.problem = Some(p);
                        LayerOutcome::Keep(Effect::None)
                    }
                }
            }
        }
    }

    pub(super) fn render(&self, area: Rect, buf: &mut Buffer, ctx: &LayerCtx) {
        let theme = ctx.theme;
        let (title, lines, warning) = match &self.purpose {
            TextPurpose::Reject { approval } => {
                let a = ctx.state.approval(approval);
                let what = a.map_or_else(String::new, |a| {
                    let task = a
                        .task
                        .as_deref()
                        .map_or(String::new(), |t| format!(" · {t}"));
                    format!(
                        "{}{task} · {}",
                        super::super::panes::approvals::what_name(a.what),
                        a.subject
                    )
                });
                let why = a.map_or_else(String::new, |a| format!("asked because: {}", a.why));
                let then = a.map_or_else(String::new, |a| {
                    format!(
                        "rejecting: {}",
                        super::super::panes::approvals::reject_outcome(a.what)
                    )
                });
                let warning = a.and_then(|a| a.decision.as_ref()).map(|d| {
                    let by = match d.by {
                        crate::model::DecidedBy::Person => "a person".to_string(),
                        crate::model::DecidedBy::Policy => {
                            d.level.map_or("the policy".to_string(), |l| {
                                format!("the policy at L{}", l.number())
                            })
                        }
                    };
                    let verb = match d.decision {
                        crate::model::Decision::Approved => "approved",
                        crate::model::Decision::Rejected => "rejected",
                    };
                    format!("⚠ already {verb} by {by} while this was open")
                });
                (format!("Reject {approval}"), vec![what, why, then], warning)
            }
            TextPurpose::AddGoal => {
                let lines = vec![format!("Goal now: {}", ctx.state.goal), String::new()];
                ("Add a goal".to_string(), lines, None)
            }
            TextPurpose::EditPlan { approval, .. } => {
                let warning = match ctx.state.approval(approval) {
                    Some(a) if a.is_pending() => None,
                    _ => Some(format!("⚠ {approval} was decided while this was open")),
                };
                let key = |a: Action| {
                    ctx.keymap
                        .key_for(Mode::Editor, a)
                        .map_or_else(|| a.name().to_string(), |k| k.to_string())
                };
                let line = format!(
                    "{} approves the plan as edited; {} closes without approving.",
                    key(Action::Submit),
                    key(Action::Cancel)
                );
                (format!("Edit plan {approval}"), vec![line], warning)
            }
        };
        // A plan needs room: most of the screen; a reason or a goal a small box.
        let (w, h, max_text) = match self.purpose {
            TextPurpose::EditPlan { .. } => (110, 40, u16::MAX),
            _ => (68, 12, 4),
        };
        let inner = dialog_box(area, buf, w, h, &title, theme);
        if inner.height == 0 {
            return;
        }
        let body = theme.style("ui.dialog");
        let mut y = inner.y;
        for l in lines.iter().filter(|l| !l.is_empty()) {
            y = put_wrapped(buf, inner, y, l, body, 2);
        }
        if let Some(w) = &warning {
            y = put_wrapped(buf, inner, y, w, theme.style("ui.dialog.warning"), 2);
        }
        // The text area takes what is left above the hint row (and a plan's problem).
        let hint_row = inner.bottom().saturating_sub(1);
        let problem_rows = self.problem.as_ref().map_or(0, |p| {
            let mut rows = Vec::new();
            crate::tui::text::wrap::wrap_line(&p.message, 0, inner.width as usize, &mut rows);
            (rows.len() as u16).clamp(1, PROBLEM_ROWS)
        });
        let text_bottom = hint_row.saturating_sub(problem_rows);
        let text_h = text_bottom.saturating_sub(y).clamp(1, max_text.max(1));
        let text_area = Rect::new(
            inner.x,
            y.min(text_bottom.saturating_sub(1)),
            inner.width,
            text_h,
        );
        (&self.input).render(text_area, buf);
        let warn = theme.style("ui.dialog.warning");
        if let Some(p) = &self.problem {
            p.highlight(
                &self.input,
                text_area,
                buf,
                theme.style("ui.dialog.error_line"),
            );
            let rows = Rect::new(inner.x, text_bottom, inner.width, problem_rows);
            put_wrapped(buf, rows, rows.y, &p.message, warn, problem_rows);
        }
        let (hint, style) = match &self.hint {
            Some(h) => (h.clone(), warn),
            None => {
                let keys: &[(Action, &str)] = if self.is_plan() {
                    &[
                        (Action::Submit, "approve as edited"),
                        (Action::Newline, "new line"),
                        (Action::Cancel, "cancel"),
                    ]
                } else {
                    &[
                        (Action::Submit, "send"),
                        (Action::Newline, "new line"),
                        (Action::Cancel, "cancel"),
                    ]
                };
                (
                    key_hints(ctx.keymap, self.mode(), keys),
                    dim_on(theme, body),
                )
            }
        };
        crate::tui::text::put(buf, inner.x, hint_row, &hint, inner.width, style);
    }
}

/// Dim text on the dialog's background.
pub(super) fn dim_on(theme: &Theme, body: Style) -> Style {
    let dim = theme.style("ui.text.dim");
    match body.bg {
        Some(bg) => dim.bg(bg),
        None => dim,
    }
}
