//! The agent tabs on the transcript's title rule: as many as fit, the shown one always among
//! them, `‹` / `›` where some are left out; and where each landed, for clicks.
//!
//! Owns the tab bar's spans and hit boxes. Must not change the view: the pane does, on a click.

use crate::model::RunState;
use crate::tui::text::wrap::str_width;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::Span;

pub(super) struct TabBar {
    pub spans: Vec<Span<'static>>,
    /// Per agent shown (or reached through a marker): its columns from the bar's start.
    cols: Vec<(usize, usize, usize)>,
}

impl TabBar {
    /// Agent tabs that fit `width`, keeping the shown one (`active`) visible.
    pub fn new(state: &RunState, active: usize, width: usize, theme: &Theme) -> TabBar {
        let names: Vec<&str> = state.agents.iter().map(|a| a.name.as_str()).collect();
        let sep = " │ ";
        let (mut lo, mut hi) = (0, names.len());
        let fits = |lo: usize, hi: usize| {
            let names_w: usize = names[lo..hi].iter().map(|n| str_width(n)).sum();
            let markers = if lo > 0 { 2 } else { 0 } + if hi < names.len() { 2 } else { 0 };
            1 + names_w + 3 * (hi - lo - 1) + markers <= width
        };
        while hi - lo > 1 && !fits(lo, hi) {
            if active + 1 < hi {
                hi -= 1;
            } else {
                lo += 1;
            }
        }
        let mut bar = TabBar {
            spans: Vec::new(),
            cols: Vec::new(),
        };
        bar.push(Span::raw(" "), None);
        // A marker picks the nearest agent it stands for.
        if lo > 0 {
            bar.push(Span::styled("‹ ", theme.style("ui.tab")), Some(lo - 1));
        }
        for (i, n) in names.iter().enumerate().take(hi).skip(lo) {
            if i > lo {
                bar.push(Span::styled(sep, theme.style("ui.border")), None);
            }
            let style = if i == active {
                theme.style("ui.tab.active")
            } else {
                theme.style("ui.tab")
            };
            bar.push(Span::styled(n.to_string(), style), Some(i));
        }
        if hi < names.len() {
            bar.push(Span::styled(" ›", theme.style("ui.tab")), Some(hi));
        }
        bar
    }

    fn push(&mut self, span: Span<'static>, agent: Option<usize>) {
        let start: usize = self.spans.iter().map(|s| str_width(&s.content)).sum();
        let end = start + str_width(&span.content);
        if let Some(a) = agent {
            self.cols.push((start, end, a));
        }
        self.spans.push(span);
    }

    /// The tabs' boxes on the title row `row`, the bar drawn from column `x` (cut where the
    /// title rule cuts it, one cell before the row's end).
    pub fn hits(&self, row: Rect, x: u16) -> Vec<(Rect, usize)> {
        let right = row.right().saturating_sub(1);
        self.cols
            .iter()
            .filter_map(|&(a, b, agent)| {
                let x0 = x.saturating_add(a as u16);
                let x1 = x.saturating_add(b as u16).min(right);
                (x0 < x1).then(|| (Rect::new(x0, row.y, x1 - x0, 1), agent))
            })
            .collect()
    }
}
