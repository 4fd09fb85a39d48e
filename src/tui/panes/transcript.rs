//! Transcripts: a tab per agent, following the tail until the person scrolls, tool calls
//! folded to one line and unfoldable.
//!
//! Owns drawing and scrolling of one agent's entries. Only the visible entries are asked for
//! their layout (see `transcript_layout`), so drawing costs the same for 100 lines or 100k.
//! Scrolling keeps an anchor in content (`view::Anchor`), so text streaming in below does not
//! move what the person reads. Must not change the transcript.

mod tabs;

use super::{framed, Pane};
use crate::model::{RunState, TranscriptEntry};
use crate::tui::action::Action;
use crate::tui::text::{ellipsize, put, spans_width};
use crate::tui::theme::Theme;
use crate::tui::transcript_layout::{RowStyle, TranscriptLayout};
use crate::tui::view::{Anchor, PaneId, TranscriptView, ViewState};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use std::cell::{Cell, RefCell};

#[derive(Default)]
pub struct TranscriptPane {
    /// Where the last draw put each agent's tab: what a click on the tab bar picks.
    tab_hits: RefCell<Vec<(Rect, usize)>>,
    cache: RefCell<TranscriptLayout>,
    /// Text area size at the last draw: scrolling moves by what the person saw.
    size: Cell<(u16, u16)>,
    /// First and last entry visible at the last draw.
    visible: Cell<(usize, usize)>,
}

/// Entries of one agent seen through the cache at one width.
struct Walk<'a> {
    cache: &'a mut TranscriptLayout,
    state: &'a RunState,
    entries: &'a [TranscriptEntry],
    agent: usize,
    width: u16,
    view: &'a TranscriptView,
}

impl Walk<'_> {
    fn expanded(&self, i: usize) -> bool {
        self.entries[i]
            .call
            .as_ref()
            .is_some_and(|c| self.view.is_expanded(&c.call))
    }

    fn height(&mut self, i: usize) -> usize {
        let expanded = self.expanded(i);
        let (state, entries) = (self.state, self.entries);
        self.cache
            .entry(self.agent, i, entries, self.width, expanded, || {
                task_header(state, entries, i)
            })
            .height()
    }

    /// The top of a view of `h` rows that ends at the last row.
    fn bottom_top(&mut self, h: usize) -> Anchor {
        let mut acc = 0usize;
        for i in (0..self.entries.len()).rev() {
            acc += self.height(i);
            if acc >= h {
                return Anchor {
                    entry: i,
                    line: (acc - h) as isize,
                };
            }
        }
        Anchor::default()
    }

    /// Moves an anchor into its entry's range (walking over entries) and clamps it to the top.
    fn normalise(&mut self, mut a: Anchor) -> Anchor {
        let n = self.entries.len();
        if n == 0 {
            return Anchor::default();
        }
        a.entry = a.entry.min(n - 1);
        while a.line < 0 {
            if a.entry == 0 {
                a.line = 0;
                break;
            }
            a.entry -= 1;
            a.line += self.height(a.entry) as isize;
        }
        while a.entry + 1 < n && a.line >= self.height(a.entry) as isize {
            a.line -= self.height(a.entry) as isize;
            a.entry += 1;
        }
        a
    }

    /// Whether fewer than `h` rows remain from `a` to the end: the view is at the bottom.
    fn at_bottom(&mut self, a: Anchor, h: usize) -> bool {
        let mut rows = 0usize;
        for i in a.entry..self.entries.len() {
            rows += self.height(i);
            if i == a.entry {
                rows = rows.saturating_sub(a.line.max(0) as usize);
            }
            if rows > h {
                return false;
            }
        }
        true
    }

    /// The top row of the view: the anchor's, or the tail's when following or at the end.
    fn top(&mut self, anchor: Option<Anchor>, h: usize) -> (Anchor, bool) {
        match anchor {
            Some(a) => {
                let a = self.normalise(a);
                if self.at_bottom(a, h) {
                    (self.bottom_top(h), true)
                } else {
                    (a, false)
                }
            }
            None => (self.bottom_top(h), true),
        }
    }
}

const TITLE: &str = "Transcript";

fn task_header(state: &RunState, entries: &[TranscriptEntry], i: usize) -> Option<String> {
    let task = entries[i].task.as_deref()?;
    let prev = i.checked_sub(1).and_then(|p| entries[p].task.as_deref());
    if prev == Some(task) {
        return None;
    }
    let title = state.task(task).map_or("", |t| t.title.as_str());
    Some(format!("── {task} {title}"))
}

fn row_style(theme: &Theme, s: RowStyle) -> Style {
    theme.style(match s {
        RowStyle::TaskHeader => "transcript.task",
        RowStyle::Text => "transcript.text",
        RowStyle::Thinking => "transcript.thinking",
        RowStyle::System => "transcript.system",
        RowStyle::Tool { ok: Some(false) } => "transcript.tool.error",
        RowStyle::Tool { .. } => "transcript.tool",
        RowStyle::ToolOutput => "transcript.tool.output",
    })
}

impl TranscriptPane {
    fn agent(state: &RunState, view: &ViewState) -> Option<usize> {
        view.transcript.shown_agent(state)
    }

    fn scroll(&self, action: Action, state: &RunState, view: &mut ViewState) -> bool {
        let Some(agent) = Self::agent(state, view) else {
            return false;
        };
        let (w, h) = self.size.get();
        let h = h.max(1) as usize;
        let step = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -(h as isize - 1).max(1),
            Action::PageDown => (h as isize - 1).max(1),
            Action::Top => {
                view.transcript.anchors.insert(agent, Anchor::default());
                return true;
            }
            Action::Bottom => {
                view.transcript.anchors.remove(&agent);
                return true;
            }
            _ => return false,
        };
        let mut cache = self.cache.borrow_mut();
        let anchor = view.transcript.anchor(agent);
        let mut walk = Walk {
            cache: &mut cache,
            state,
            entries: &state.transcripts[agent],
            agent,
            width: w,
            view: &view.transcript,
        };
        let (mut top, following) = walk.top(anchor, h);
        if following && step > 0 {
            return true;
        }
        top.line += step;
        let top = walk.normalise(top);
        if step > 0 && walk.at_bottom(top, h) {
            view.transcript.anchors.remove(&agent);
        } else {
            view.transcript.anchors.insert(agent, top);
        }
        true
    }

    /// Moves the call selection and scrolls it into view.
    fn select_call(&self, forward: bool, state: &RunState, view: &mut ViewState) -> bool {
        let Some(agent) = Self::agent(state, view) else {
            return false;
        };
        let entries = &state.transcripts[agent];
        let calls: Vec<usize> = (0..entries.len())
            .filter(|&i| entries[i].call.is_some())
            .collect();
        if calls.is_empty() {
            return true;
        }
        let current = view.transcript.selected_call.as_deref().and_then(|id| {
            calls
                .iter()
                .position(|&i| entries[i].call.as_ref().is_some_and(|c| c.call == id))
        });
        let pick = match (current, forward) {
            (Some(c), true) => (c + 1).min(calls.len() - 1),
            (Some(c), false) => c.saturating_sub(1),
            (None, true) => calls
                .iter()
                .position(|&i| i >= self.visible.get().0)
                .unwrap_or(calls.len() - 1),
            (None, false) => calls
                .iter()
                .rposition(|&i| i <= self.visible.get().1)
                .unwrap_or(0),
        };
        let entry = calls[pick];
        view.transcript.selected_call = entries[entry].call.as_ref().map(|c| c.call.clone());
        let (first, last) = self.visible.get();
        if entry < first || entry > last {
            let h = self.size.get().1 as isize;
            view.transcript.anchors.insert(
                agent,
                Anchor {
                    entry,
                    line: -(h / 3),
                },
            );
        }
        true
    }

    fn toggle_fold(&self, state: &RunState, view: &mut ViewState) -> bool {
        let Some(agent) = Self::agent(state, view) else {
            return false;
        };
        let entries = &state.transcripts[agent];
        let target = view.transcript.selected_call.clone().or_else(|| {
            let (first, last) = self.visible.get();
            let last = last.min(entries.len().saturating_sub(1));
            (first..=last)
                .rev()
                .find_map(|i| entries.get(i)?.call.as_ref().map(|c| c.call.clone()))
        });
        if let Some(id) = target {
            if !view.transcript.toggled.remove(&id) {
                view.transcript.toggled.insert(id.clone());
            }
            view.transcript.selected_call = Some(id);
        }
        true
    }
}

impl Pane for TranscriptPane {
    fn id(&self) -> PaneId {
        PaneId::Transcript
    }

    fn render(
        &self,
        area: Rect,
        buf: &mut Buffer,
        state: &RunState,
        view: &ViewState,
        theme: &Theme,
    ) {
        let agent = Self::agent(state, view);
        let bar = agent
            .map(|a| tabs::TabBar::new(state, a, area.width.saturating_sub(12) as usize, theme));
        // The tabs follow `─ Transcript` on the title rule (`text::title_rule`).
        let tabs_x = area.x + 2 + crate::tui::text::wrap::str_width(TITLE) as u16;
        self.tab_hits.replace(
            bar.as_ref()
                .map_or_else(Vec::new, |b| b.hits(Rect { height: 1, ..area }, tabs_x)),
        );
        let mut extra = bar.map_or_else(Vec::new, |b| b.spans);
        let following = match agent {
            Some(a) => view.transcript.anchor(a).is_none(),
            None => true,
        };
        if !following && spans_width(&extra) + 26 < area.width as usize {
            extra.push(Span::styled("  ⇣ scrolled", theme.style("ui.text.dim")));
        }
        let inner = framed(area, buf, PaneId::Transcript, TITLE, extra, view, theme);
        if inner.height == 0 || inner.width < 4 {
            return;
        }
        self.size.set((inner.width, inner.height));
        let Some(agent) = agent else {
            put(
                buf,
                inner.x + 1,
                inner.y,
                "no agents yet",
                inner.width - 1,
                theme.style("ui.text.dim"),
            );
            return;
        };
        let entries = &state.transcripts[agent];
        if entries.is_empty() {
            let who = &state.agents[agent].name;
            put(
                buf,
                inner.x + 1,
                inner.y,
                &format!("{who} has said nothing yet"),
                inner.width - 1,
                theme.style("ui.text.dim"),
            );
            self.visible.set((0, 0));
            return;
        }
        let mut cache = self.cache.borrow_mut();
        cache.forget_beyond(state.agents.len());
        let h = inner.height as usize;
        let mut walk = Walk {
            cache: &mut cache,
            state,
            entries,
            agent,
            width: inner.width,
            view: &view.transcript,
        };
        let (top, _) = walk.top(view.transcript.anchor(agent), h);
        let selected = view.transcript.selected_call.as_deref();
        let mut y = inner.y;
        let mut skip = top.line.max(0) as usize;
        let mut last = top.entry;
        for i in top.entry..entries.len() {
            if y >= inner.bottom() {
                break;
            }
            last = i;
            let expanded = walk.expanded(i);
            let e = &entries[i];
            let layout = walk
                .cache
                .entry(agent, i, entries, inner.width, expanded, || {
                    task_header(state, entries, i)
                });
            let is_selected =
                selected.is_some() && e.call.as_ref().map(|c| c.call.as_str()) == selected;
            for row in layout.rows.iter().skip(skip) {
                if y >= inner.bottom() {
                    break;
                }
                let style = row_style(theme, row.style);
                if is_selected {
                    crate::tui::text::paint(
                        buf,
                        Rect::new(inner.x, y, inner.width, 1),
                        theme.style("transcript.selected"),
                    );
                }
                let x = put(buf, inner.x, y, row.style.prefix(), inner.width, style);
                let text = layout.row_text(e, row);
                let room = inner.right().saturating_sub(x);
                if matches!(row.style, RowStyle::Tool { .. } | RowStyle::TaskHeader) {
                    put(buf, x, y, &ellipsize(text, room as usize), room, style);
                } else {
                    put(buf, x, y, text, room, style);
                }
                y += 1;
            }
            skip = 0;
        }
        self.visible.set((top.entry, last));
    }

    fn handle(&self, action: Action, state: &RunState, view: &mut ViewState) -> bool {
        match action {
            Action::NextTab | Action::PrevTab => {
                view.transcript.step_tab(state, action == Action::NextTab);
                true
            }
            Action::ToggleFold => self.toggle_fold(state, view),
            Action::ExpandAll => {
                view.transcript.expand_all = !view.transcript.expand_all;
                view.transcript.toggled.clear();
                true
            }
            Action::NextCall => self.select_call(true, state, view),
            Action::PrevCall => self.select_call(false, state, view),
            _ => self.scroll(action, state, view),
        }
    }

    /// A click on an agent's tab shows that agent's transcript.
    fn click(&self, x: u16, y: u16, _state: &RunState, view: &mut ViewState) -> bool {
        let pos = ratatui::layout::Position { x, y };
        let hit = self
            .tab_hits
            .borrow()
            .iter()
            .find(|(r, _)| r.contains(pos))
            .map(|(_, a)| *a);
        match hit {
            Some(agent) => {
                view.transcript.tab = Some(agent);
                view.transcript.selected_call = None;
                true
            }
            None => false,
        }
    }
}

impl TranscriptPane {
    /// Entries laid out since the last call (tests check drawing stays lazy).
    #[doc(hidden)]
    pub fn layout_work(&self) -> usize {
        self.cache.borrow_mut().take_work()
    }
}
