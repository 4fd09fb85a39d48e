//! The plan editor's own part of the text dialog: checking the edited plan before it goes,
//! putting the cursor on a problem's line and column, and keeping that line highlighted while
//! lines come and go above it.
//!
//! Owns the problem shown in the editor. Must not decide what a valid plan is
//! (`plan_text::check`) nor send anything itself: it says what the dialog returns.

use crate::model::{Command, PlannedTask, RunState};
use crate::tui::plan_text;
use crate::tui::ui::Effect;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use tui_textarea::{CursorMove, TextArea};

/// A plan that could not go: what is wrong, and the row (0-based) of the line it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanProblemShown {
    pub row: usize,
    pub message: String,
}

/// Checks the edited plan: the command that approves it, or the problem (the cursor is put
/// at it).
pub(super) fn submit(
    input: &mut TextArea<'static>,
    approval: &str,
    before: &[PlannedTask],
    state: &RunState,
) -> Result<Effect, PlanProblemShown> {
    // Tasks already started stay out of the text; the edited plan may still depend on them.
    let existing: Vec<String> = state
        .tasks
        .iter()
        .filter(|t| t.attempts > 0 || t.status.is_terminal())
        .map(|t| t.id.clone())
        .collect();
    match plan_text::check(&input.lines().join("\n"), before, &existing) {
        Ok(tasks) => Ok(Effect::Command(Command::EditPlan {
            approval: approval.to_string(),
            tasks,
        })),
        Err(e) => {
            let row = (e.line - 1).min(input.lines().len().saturating_sub(1));
            let col = e.column.unwrap_or(0);
            input.move_cursor(CursorMove::Jump(clamp16(row), clamp16(col)));
            Err(PlanProblemShown {
                row,
                message: e.to_string(),
            })
        }
    }
}

fn clamp16(n: usize) -> u16 {
    n.min(u16::MAX as usize) as u16
}

/// Where the cursor was and how many lines there were, before a key edited the text.
pub(super) struct Before {
    lines: usize,
    cursor: (usize, usize),
}

impl Before {
    pub fn of(input: &TextArea) -> Before {
        Before {
            lines: input.lines().len(),
            cursor: input.cursor(),
        }
    }
}

impl PlanProblemShown {
    /// Follows the problem's line through an edit: lines added or removed above it (or a
    /// line break typed at its start) move it.
    pub(super) fn follow(&mut self, before: Before, input: &TextArea) {
        let delta = input.lines().len() as isize - before.lines as isize;
        if delta == 0 {
            return;
        }
        let (r0, c0) = before.cursor;
        if r0 < self.row || (r0 == self.row && c0 == 0) {
            let row = (self.row as isize + delta).max(r0.min(input.cursor().0) as isize);
            self.row = (row.max(0) as usize).min(input.lines().len().saturating_sub(1));
        }
    }

    /// Paints the problem's line, once the text area is drawn in `area`. tui-textarea keeps
    /// its scroll position to itself; the cursor cell it drew (reversed) says which line is
    /// at the top.
    pub(super) fn highlight(&self, input: &TextArea, area: Rect, buf: &mut Buffer, style: Style) {
        let cursor_row = input.cursor().0;
        let on_screen = (area.top()..area.bottom()).find(|&y| {
            (area.left()..area.right()).any(|x| {
                buf.cell((x, y))
                    .is_some_and(|c| c.modifier.contains(Modifier::REVERSED))
            })
        });
        let Some(y) = on_screen else {
            return;
        };
        let Some(top) = cursor_row.checked_sub((y - area.y) as usize) else {
            return;
        };
        let Some(offset) = self.row.checked_sub(top) else {
            return;
        };
        if offset < area.height as usize {
            let row = Rect::new(area.x, area.y + offset as u16, area.width, 1);
            crate::tui::text::paint(buf, row, style);
        }
    }
}
