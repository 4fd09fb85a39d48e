//! A dialog with a text area (tui-textarea): the reason for a rejection (it goes back to the
//! agent as feedback), a new goal for the run, or a waiting plan to edit before approving.
//!
//! Owns typing and submitting. Keys bound in the `dialog` mode (submit, newline, cancel) act;
//! every other key is text. The run keeps changing while it is open: a rejection whose
//! approval got decided meanwhile says so instead of sending a stale command.

use super::{dialog_box, key_hints, put_wrapped, LayerCtx, LayerOutcome};
use crate::model::validate_plan;
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
        };
        d.style_input(theme);
        d
    }

    fn style_input(&mut self, theme: &Theme) {
        let body = theme.style("ui.dialog");
        self.input.set_cursor_line_style(Style::default());
        self.input
            .set_style(body.add_modifier(Modifier::UNDERLINED));
        self.input
            .set_cursor_style(body.add_modifier(Modifier::REVERSED));
        self.input.set_placeholder_style(dim_on(theme, body));
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
                self.input.insert_newline();
                LayerOutcome::Keep(Effect::None)
            }
            Some(Action::Submit) => self.submit(state),
            _ => {
                self.hint = None;
                self.input.input(*key);
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
                let tasks = match plan_text::parse(&self.input.lines().join("\n"), before) {
                    Ok(t) => t,
                    Err(e) => {
                        self.input
                            .move_cursor(CursorMove::Jump((e.line - 1) as u16, 0));
                        self.hint = Some(e.to_string());
                        return LayerOutcome::Keep(Effect::None);
                    }
                };
                // The engine checks the same way; checking here keeps the text for fixing.
                let existing: Vec<String> = state
                    .tasks
                    .iter()
                    .filter(|t| t.attempts > 0 || t.status.is_terminal())
                    .map(|t| t.id.clone())
                    .collect();
                if let Err(e) = validate_plan(&tasks, &existing) {
                    self.hint = Some(e);
                    return LayerOutcome::Keep(Effect::None);
                }
                LayerOutcome::Close(Effect::Command(Command::EditPlan {
                    approval: approval.clone(),
                    tasks,
                }))
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
                let line = "Submitting approves the plan as edited.".to_string();
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
        // The text area takes what is left above the hint row.
        let hint_row = inner.bottom().saturating_sub(1);
        let text_h = hint_row.saturating_sub(y).clamp(1, max_text.max(1));
        let text_area = Rect::new(
            inner.x,
            y.min(hint_row.saturating_sub(1)),
            inner.width,
            text_h,
        );
        (&self.input).render(text_area, buf);
        let hint = match &self.hint {
            Some(h) => h.clone(),
            None => key_hints(
                ctx.keymap,
                Mode::Dialog,
                &[
                    (Action::Submit, "send"),
                    (Action::Newline, "new line"),
                    (Action::Cancel, "cancel"),
                ],
            ),
        };
        let style = if self.hint.is_some() {
            theme.style("ui.dialog.warning")
        } else {
            dim_on(theme, body)
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
