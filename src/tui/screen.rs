//! The whole frame as a pure function of (RunState, ViewState, Theme, Keymap): background,
//! panes, the divider between columns, the status bar and the open layers on top.
//!
//! Owns composition only. Calling it twice with the same inputs draws the same cells; the
//! panes' caches change how fast, never what.

use super::keymap::Keymap;
use super::layout::{layout, ScreenLayout, MIN_HEIGHT, MIN_WIDTH};
use super::overlays::LayerCtx;
use super::panes::status::StatusBar;
use super::panes::timeline::Timeline;
use super::panes::Panes;
use super::text::{paint, put};
use super::theme::Theme;
use super::view::{PaneId, ViewState};
use crate::model::RunState;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

pub struct Screen<'a> {
    pub state: &'a RunState,
    pub view: &'a ViewState,
    pub panes: &'a Panes,
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
}

impl Screen<'_> {
    pub fn layout(&self, area: Rect) -> Option<ScreenLayout> {
        layout(
            area,
            self.view.zoomed.then_some(self.view.focus),
            self.state.agents.len(),
            self.view.replay.is_some(),
        )
    }

    /// Draws the frame; returns the layout drawn (`None`: too small to show panes).
    pub fn render(&self, area: Rect, buf: &mut Buffer) -> Option<ScreenLayout> {
        paint(buf, area, self.theme.style("ui.background"));
        let Some(l) = self.layout(area) else {
            let msg = format!("terminal too small (need {MIN_WIDTH}x{MIN_HEIGHT})");
            let y = area.y + area.height / 2;
            let w = msg.chars().count() as u16;
            let x = area.x + area.width.saturating_sub(w) / 2;
            put(buf, x, y, &msg, area.width, self.theme.style("ui.text"));
            return None;
        };
        for (id, r) in &l.panes {
            self.panes
                .get(*id)
                .render(*r, buf, self.state, self.view, self.theme);
        }
        if let Some(d) = l.divider {
            self.draw_divider(buf, &l, d);
        }
        if let (Some(r), Some(replay)) = (l.timeline, &self.view.replay) {
            Timeline.render(r, buf, replay, self.theme);
        }
        StatusBar.render(
            l.status,
            buf,
            self.state,
            self.view,
            self.theme,
            self.keymap,
        );
        let ctx = LayerCtx {
            state: self.state,
            keymap: self.keymap,
            theme: self.theme,
            focus: self.view.focus,
            replay: self.view.replay.as_ref(),
            run_id_len: self.view.run_id_len,
        };
        let over = Rect {
            height: area.height - 1,
            ..area
        };
        for layer in &self.view.layers {
            layer.render(over, buf, &ctx);
        }
        Some(l)
    }

    /// `│` between the columns, joined to the title rules it meets.
    fn draw_divider(&self, buf: &mut Buffer, l: &ScreenLayout, d: Rect) {
        let title_row =
            |ids: [PaneId; 2], y: u16| ids.iter().any(|id| l.rect(*id).is_some_and(|r| r.y == y));
        let focused = self.view.focus;
        for y in d.top()..d.bottom() {
            let left = title_row([PaneId::Tasks, PaneId::Approvals], y);
            let right = title_row([PaneId::Transcript, PaneId::Diff], y);
            let sym = match (left, right) {
                (true, true) if y == d.y => "┬",
                (true, true) => "┼",
                (true, false) => "┤",
                (false, true) => "├",
                (false, false) => "│",
            };
            // The divider takes the focused colour next to the focused pane's title.
            let near_focus = [
                PaneId::Tasks,
                PaneId::Approvals,
                PaneId::Transcript,
                PaneId::Diff,
            ]
            .iter()
            .any(|p| *p == focused && l.rect(*p).is_some_and(|r| r.y == y));
            let style = if near_focus {
                self.theme.style("ui.border.focused")
            } else {
                self.theme.style("ui.border")
            };
            put(buf, d.x, y, sym, 1, style);
        }
        if let Some(m) = l.rect(PaneId::Metrics) {
            let style = if focused == PaneId::Metrics {
                "ui.border.focused"
            } else {
                "ui.border"
            };
            put(buf, d.x, m.y, "┴", 1, self.theme.style(style));
        }
    }
}
