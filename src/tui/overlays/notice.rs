//! The problems found loading the person's theme or keymap, shown once at start so a typo is
//! never silently ignored (style: gitui only logs these).
//!
//! Owns the list's display. Must not retry loading.

use super::{dialog_box, key_hints, put_wrapped, LayerCtx, LayerOutcome};
use crate::tui::action::Action;
use crate::tui::keymap::Mode;
use crate::tui::ui::Effect;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeOverlay {
    pub title: String,
    pub lines: Vec<String>,
    pub scroll: usize,
}

impl NoticeOverlay {
    pub fn new(title: impl Into<String>, lines: Vec<String>) -> Self {
        NoticeOverlay {
            title: title.into(),
            lines,
            scroll: 0,
        }
    }

    pub(super) fn handle(&mut self, action: Option<Action>) -> LayerOutcome {
        match action {
            Some(Action::Cancel) => LayerOutcome::Close(Effect::None),
            Some(Action::Down) | Some(Action::PageDown) => {
                self.scroll = (self.scroll + 1).min(self.lines.len().saturating_sub(1));
                LayerOutcome::Keep(Effect::None)
            }
            Some(Action::Up) | Some(Action::PageUp) => {
                self.scroll = self.scroll.saturating_sub(1);
                LayerOutcome::Keep(Effect::None)
            }
            _ => LayerOutcome::Keep(Effect::None),
        }
    }

    pub(super) fn render(&self, area: Rect, buf: &mut Buffer, ctx: &LayerCtx) {
        let h = (self.lines.len() as u16)
            .saturating_mul(2)
            .saturating_add(4);
        let inner = dialog_box(area, buf, 96, h, &self.title, ctx.theme);
        if inner.height < 2 {
            return;
        }
        let list = Rect {
            height: inner.height - 1,
            ..inner
        };
        let mut y = list.y;
        for l in self.lines.iter().skip(self.scroll) {
            if y >= list.bottom() {
                break;
            }
            y = put_wrapped(buf, list, y, l, ctx.theme.style("ui.notice"), 3);
        }
        let hint = key_hints(ctx.keymap, Mode::Help, &[(Action::Cancel, "close")]);
        let style = super::text_dialog::dim_on(ctx.theme, ctx.theme.style("ui.dialog"));
        crate::tui::text::put(buf, inner.x, inner.bottom() - 1, &hint, inner.width, style);
    }
}
