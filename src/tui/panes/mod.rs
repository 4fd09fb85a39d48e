//! The panes of the screen (design §10), one file each, and what they share.
//!
//! A pane is a small struct that draws a `RunState` under a `ViewState` with a `Theme`, and
//! handles the actions of its keymap mode by changing view state. Panes may keep caches
//! (layouts, parsed diffs, highlighting) behind `RefCell`, since drawing is `&self`; caches
//! are keyed by content so they never show stale text. A pane also remembers where its last
//! draw put things (rows, tabs), so a click picks what the person saw there. Panes must not do I/O or send
//! commands: commands come from global actions in `ui`.

pub mod approvals;
pub mod diff;
pub mod metrics;
pub mod status;
pub mod tasks;
pub mod timeline;
pub mod transcript;

use super::action::Action;
use super::text::title_rule;
use super::theme::Theme;
use super::view::{PaneId, ViewState};
use crate::model::RunState;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

pub trait Pane {
    fn id(&self) -> PaneId;

    /// Draws the pane, its title rule included, into `area`.
    fn render(
        &self,
        area: Rect,
        buf: &mut Buffer,
        state: &RunState,
        view: &ViewState,
        theme: &Theme,
    );

    /// Handles an action of its mode (or a movement); returns whether it used it.
    fn handle(&self, action: Action, state: &RunState, view: &mut ViewState) -> bool;

    /// A left click on the screen cell (`x`, `y`) inside the pane: picks what the last draw
    /// put there (a task row, a tab, a hunk). Returns whether it picked something.
    fn click(&self, _x: u16, _y: u16, _state: &RunState, _view: &mut ViewState) -> bool {
        false
    }
}

/// Every pane, each owning its caches.
#[derive(Default)]
pub struct Panes {
    pub tasks: tasks::TasksPane,
    pub transcript: transcript::TranscriptPane,
    pub approvals: approvals::ApprovalsPane,
    pub diff: diff::DiffPane,
    pub metrics: metrics::MetricsPane,
}

impl Panes {
    pub fn get(&self, id: PaneId) -> &dyn Pane {
        match id {
            PaneId::Tasks => &self.tasks,
            PaneId::Transcript => &self.transcript,
            PaneId::Approvals => &self.approvals,
            PaneId::Diff => &self.diff,
            PaneId::Metrics => &self.metrics,
        }
    }
}

/// Draws a pane's title rule (focused or not) and returns the area below it.
pub(crate) fn framed(
    area: Rect,
    buf: &mut Buffer,
    id: PaneId,
    title: &str,
    extra: Vec<Span>,
    view: &ViewState,
    theme: &Theme,
) -> Rect {
    let focused = view.focus == id;
    let (rule, title_style) = if focused {
        (
            theme.style("ui.border.focused"),
            theme.style("ui.title.focused"),
        )
    } else {
        (theme.style("ui.border"), theme.style("ui.title"))
    };
    let mut spans = vec![Span::styled(title.to_string(), title_style)];
    spans.extend(extra);
    title_rule(buf, Rect { height: 1, ..area }, &spans, rule);
    Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    }
}

/// The first row to show so `selected` is visible in `height` rows, moving as little as
/// possible from `top`.
pub(crate) fn scroll_to_show(top: usize, selected: usize, height: usize) -> usize {
    if height == 0 {
        return selected;
    }
    if selected < top {
        selected
    } else if selected >= top + height {
        selected + 1 - height
    } else {
        top
    }
}

/// A selection moved by a movement action over `len` items, `page` at a time.
pub(crate) fn moved(index: usize, len: usize, action: Action, page: usize) -> Option<usize> {
    if len == 0 {
        return None;
    }
    let last = len - 1;
    let page = page.max(1);
    Some(match action {
        Action::Up => index.saturating_sub(1),
        Action::Down => (index + 1).min(last),
        Action::PageUp => index.saturating_sub(page),
        Action::PageDown => (index + page).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => return None,
    })
}
