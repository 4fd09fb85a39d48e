//! The run's anomalies (`RunState.anomalies`): events the reducer could not fold and skipped,
//! listed so the `⚠` badge in the status bar can be looked into. Read from the state at each
//! frame, so the list follows a live run.
//!
//! Owns the list's scrolling and layout. Must not judge or repair the log: `conclave doctor`
//! does that.

use super::{dialog_box, key_hints, put_wrapped, LayerCtx, LayerOutcome};
use crate::model::RunState;
use crate::tui::action::Action;
use crate::tui::keymap::Mode;
use crate::tui::text::put;
use crate::tui::ui::Effect;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnomaliesOverlay {
    pub scroll: usize,
}

/// `1 anomaly`, `3 anomalies`.
pub fn anomaly_count(n: u64) -> String {
    if n == 1 {
        "1 anomaly".into()
    } else {
        format!("{n} anomalies")
    }
}

/// The lines the list shows: each anomaly kept, then how many more were only counted.
fn lines(s: &RunState) -> Vec<String> {
    let mut out = s.anomalies.clone();
    let unkept = s.anomaly_count.saturating_sub(s.anomalies.len() as u64);
    if unkept > 0 {
        out.push(format!("… and {unkept} more, counted but not kept"));
    }
    out
}

impl AnomaliesOverlay {
    pub(super) fn handle(&mut self, action: Option<Action>, state: &RunState) -> LayerOutcome {
        let last = lines(state).len().saturating_sub(1);
        match action {
            Some(Action::Cancel) => return LayerOutcome::Close(Effect::None),
            Some(Action::Down) => self.scroll = (self.scroll + 1).min(last),
            Some(Action::Up) => self.scroll = self.scroll.saturating_sub(1),
            Some(Action::PageDown) => self.scroll = (self.scroll + 10).min(last),
            Some(Action::PageUp) => self.scroll = self.scroll.saturating_sub(10),
            Some(Action::Top) => self.scroll = 0,
            Some(Action::Bottom) => self.scroll = last,
            _ => {}
        }
        LayerOutcome::Keep(Effect::None)
    }

    pub(super) fn render(&self, area: Rect, buf: &mut Buffer, ctx: &LayerCtx) {
        let s = ctx.state;
        let all = lines(s);
        let h = (all.len() as u16).saturating_add(5);
        let title = format!("Anomalies · {}", anomaly_count(s.anomaly_count));
        let inner = dialog_box(area, buf, 96, h, &title, ctx.theme);
        if inner.height < 3 {
            return;
        }
        let body = ctx.theme.style("ui.dialog");
        let dim = super::text_dialog::dim_on(ctx.theme, body);
        let intro = if all.is_empty() {
            "None: every event of the run fitted."
        } else {
            "Events that did not fit the run, skipped when the state was folded; the rest of \
             the run shows as usual."
        };
        let list = Rect {
            height: inner.height - 1,
            ..inner
        };
        let mut y = put_wrapped(buf, list, list.y, intro, dim, 2);
        for l in all
            .iter()
            .skip(self.scroll.min(all.len().saturating_sub(1)))
        {
            if y >= list.bottom() {
                break;
            }
            y = put_wrapped(buf, list, y, l, ctx.theme.style("ui.notice"), 2);
        }
        let hint = key_hints(
            ctx.keymap,
            Mode::Help,
            &[(Action::Down, "scroll"), (Action::Cancel, "close")],
        );
        put(buf, inner.x, inner.bottom() - 1, &hint, inner.width, dim);
    }
}
