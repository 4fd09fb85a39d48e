//! The mouse, on what the last frame drew: a click focuses the pane under the pointer and
//! picks what it shows there (a task row, a transcript tab, a hunk); the wheel scrolls the
//! pane under the pointer, whichever has the focus; on a replay's timeline a click or a drag
//! seeks.
//!
//! Owns mapping pointer events to panes. Must not guess at a layout the person has not seen:
//! positions come from the last draw (`Ui::drawn` and what each pane remembers).

use super::{Effect, Ui};
use crate::model::replay::ReplayControl;
use crate::model::RunState;
use crate::tui::action::Action;
use crate::tui::panes::timeline::Timeline;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

/// Lines a mouse wheel notch scrolls.
const WHEEL_LINES: usize = 3;

impl Ui {
    /// A mouse event; ignored while a layer is open (dialogs take keys only).
    pub fn handle_mouse(&mut self, ev: MouseEvent, state: &RunState) -> Effect {
        if !self.view.layers.is_empty() {
            return Effect::None;
        }
        let Some(l) = self.drawn.borrow().clone() else {
            return Effect::None;
        };
        if let (Some(bar), Some(r)) = (l.timeline, &self.view.replay) {
            let on_bar = ev.row == bar.y;
            let press = matches!(
                ev.kind,
                MouseEventKind::Down(MouseButton::Left) | MouseEventKind::Drag(MouseButton::Left)
            );
            if on_bar && press {
                return match Timeline::position_at(bar, r, ev.column) {
                    Some(p) => Effect::Replay(ReplayControl::Seek(p)),
                    None => Effect::None,
                };
            }
        }
        let Some(pane) = l.pane_at(ev.column, ev.row) else {
            return Effect::None;
        };
        match ev.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                self.view.focus = pane;
                self.panes
                    .get(pane)
                    .click(ev.column, ev.row, state, &mut self.view);
            }
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
                let a = if ev.kind == MouseEventKind::ScrollUp {
                    Action::Up
                } else {
                    Action::Down
                };
                for _ in 0..WHEEL_LINES {
                    self.panes.get(pane).handle(a, state, &mut self.view);
                }
            }
            _ => {}
        }
        Effect::None
    }
}
