//! The task graph: one row per task with its status glyph, id, title, agent and retries,
//! dependency edges drawn in lanes on the right, and the selected task's details below.
//!
//! Owns the drawing of tasks and the task selection. Must not change tasks: cancelling one is
//! a global action that asks first.

use super::{framed, moved, scroll_to_show, Pane};
use crate::model::{RunState, TaskState, TaskStatus};
use crate::tui::action::Action;
use crate::tui::text::{ellipsize, put};
use crate::tui::theme::Theme;
use crate::tui::view::{DiffSource, PaneId, ViewState};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use std::cell::Cell;

#[derive(Default)]
pub struct TasksPane {
    /// Rows shown at the last draw, so paging moves by what the person saw.
    rows: Cell<u16>,
    /// Where the last draw put the task rows, and the index of the first: what a click hits.
    list: Cell<Option<(Rect, usize)>>,
}

/// The glyph, theme key and name of a status.
pub fn status_look(s: TaskStatus) -> (&'static str, &'static str, &'static str) {
    match s {
        TaskStatus::Pending => ("○", "task.pending", "pending"),
        TaskStatus::Ready => ("◎", "task.ready", "ready"),
        TaskStatus::Running => ("◐", "task.running", "running"),
        TaskStatus::Gates => ("◑", "task.gates", "gates"),
        TaskStatus::Review => ("◒", "task.review", "review"),
        TaskStatus::AwaitingApproval => ("◆", "task.awaiting_approval", "awaiting approval"),
        TaskStatus::Merging => ("◓", "task.merging", "merging"),
        TaskStatus::Done => ("●", "task.done", "done"),
        TaskStatus::Failed => ("✗", "task.failed", "failed"),
        TaskStatus::Cancelled => ("⊘", "task.cancelled", "cancelled"),
    }
}

/// Box-drawing bits of one cell of the edge gutter.
const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;

fn box_char(bits: u8) -> &'static str {
    match bits {
        b if b == UP | DOWN => "│",
        b if b == LEFT | RIGHT || b == LEFT || b == RIGHT => "─",
        b if b == LEFT | DOWN => "┐",
        b if b == LEFT | UP => "┘",
        b if b == RIGHT | DOWN => "┌",
        b if b == RIGHT | UP => "└",
        b if b == UP | DOWN | LEFT => "┤",
        b if b == UP | DOWN | RIGHT => "├",
        b if b == LEFT | RIGHT | DOWN => "┬",
        b if b == LEFT | RIGHT | UP => "┴",
        b if b == UP | DOWN | LEFT | RIGHT => "┼",
        b if b == UP || b == DOWN => "│",
        _ => " ",
    }
}

/// The edge gutter: `lanes + 1` columns per row; column 0 holds arrows into dependents.
struct Edges {
    lanes: usize,
    cells: Vec<u8>,
    arrows: Vec<bool>,
}

impl Edges {
    /// Assigns each dependency edge a lane (interval colouring, first fit); edges that find
    /// no lane are left out (the details line still lists every dependency).
    fn build(tasks: &[TaskState], max_lanes: usize) -> Edges {
        let n = tasks.len();
        let rows: std::collections::HashMap<&str, usize> = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.as_str(), i))
            .collect();
        let row_of = |id: &str| rows.get(id).copied();
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for (j, t) in tasks.iter().enumerate() {
            for d in &t.deps {
                if let Some(i) = row_of(d) {
                    if i != j {
                        spans.push((i, j));
                    }
                }
            }
        }
        spans.sort_by_key(|&(i, j)| (i.min(j), i.max(j)));
        let mut lane_end: Vec<usize> = Vec::new();
        let mut placed: Vec<(usize, usize, usize)> = Vec::new();
        for (i, j) in spans {
            let (lo, hi) = (i.min(j), i.max(j));
            let lane = lane_end.iter().position(|&end| end < lo);
            let lane = match lane {
                Some(l) => l,
                None if lane_end.len() < max_lanes => {
                    lane_end.push(0);
                    lane_end.len() - 1
                }
                None => continue,
            };
            lane_end[lane] = hi;
            placed.push((i, j, lane));
        }
        let lanes = lane_end.len();
        let w = lanes + 1;
        let mut e = Edges {
            lanes,
            cells: vec![0; n * w],
            arrows: vec![false; n],
        };
        for (dep, dependent, lane) in placed {
            let col = lane + 1;
            let (lo, hi) = (dep.min(dependent), dep.max(dependent));
            for row in [dep, dependent] {
                for c in 0..col {
                    e.cells[row * w + c] |= LEFT | RIGHT;
                }
                e.cells[row * w + col] |= LEFT;
            }
            e.cells[lo * w + col] |= DOWN;
            e.cells[hi * w + col] |= UP;
            for r in lo + 1..hi {
                e.cells[r * w + col] |= UP | DOWN;
            }
            e.arrows[dependent] = true;
        }
        e
    }

    fn draw(&self, buf: &mut Buffer, x: u16, y: u16, row: usize, style: Style) {
        let w = self.lanes + 1;
        for c in 0..w {
            let bits = self.cells[row * w + c];
            let sym = if c == 0 && self.arrows[row] {
                "◀"
            } else {
                box_char(bits)
            };
            if bits != 0 || (c == 0 && self.arrows[row]) {
                put(buf, x + c as u16, y, sym, 1, style);
            }
        }
    }
}

impl TasksPane {
    fn selected_index(state: &RunState, view: &ViewState) -> usize {
        view.tasks
            .selected
            .as_deref()
            .and_then(|id| state.tasks.iter().position(|t| t.id == id))
            .unwrap_or(0)
    }

    fn detail_lines(t: &TaskState, state: &RunState) -> [String; 2] {
        let (_, _, status) = status_look(t.status);
        let agent = t.agent.as_deref().unwrap_or("unassigned");
        let mut first = format!("{} · {status} · {agent}", t.id);
        if t.attempts > 1 {
            first.push_str(&format!(" · try {}", t.attempts));
        }
        if !t.deps.is_empty() {
            first.push_str(&format!(" · after {}", t.deps.join(", ")));
        }
        let mut second = Vec::new();
        let gates: Vec<String> = t
            .latest_gates()
            .map(|g| format!("{}{}", if g.passed { "✓" } else { "✗" }, g.gate))
            .collect();
        if !gates.is_empty() {
            second.push(format!("gates {}", gates.join(" ")));
        }
        if let Some(r) = t.reviews.last() {
            let v = match r.verdict {
                crate::model::Verdict::Approve => "approved",
                crate::model::Verdict::RequestChanges => "changes asked",
            };
            second.push(format!("review {v}"));
        }
        if let Some(d) = state.latest_diff(&t.id) {
            second.push(format!("+{} −{}", d.added, d.removed));
        }
        if t.usage.cost_usd > 0.0 {
            second.push(crate::util::cost_short(t.usage.cost_usd, t.usage.unpriced));
        } else if t.usage.unpriced > 0 {
            second.push(crate::util::cost_long(0.0, t.usage.unpriced));
        }
        if second.is_empty() {
            second.push(ellipsize(&t.description, 200).into_owned());
        }
        [first, second.join(" · ")]
    }
}

impl Pane for TasksPane {
    fn id(&self) -> PaneId {
        PaneId::Tasks
    }

    fn render(
        &self,
        area: Rect,
        buf: &mut Buffer,
        state: &RunState,
        view: &ViewState,
        theme: &Theme,
    ) {
        let done = state.count(TaskStatus::Done);
        let counts = if state.tasks.is_empty() {
            String::new()
        } else {
            format!(" {done}/{}", state.tasks.len())
        };
        let extra = vec![Span::styled(counts, theme.style("ui.text.dim"))];
        self.list.set(None);
        let inner = framed(area, buf, PaneId::Tasks, "Tasks", extra, view, theme);
        if inner.height == 0 || inner.width < 4 {
            return;
        }
        if state.tasks.is_empty() {
            let msg = if state.run.is_none() {
                "no run yet"
            } else if state.status.is_over() {
                "no plan was made"
            } else {
                "waiting for a plan…"
            };
            put(
                buf,
                inner.x + 1,
                inner.y,
                msg,
                inner.width - 1,
                theme.style("ui.text.dim"),
            );
            return;
        }
        let details = inner.height >= 8;
        let list_h = if details {
            inner.height - 3
        } else {
            inner.height
        } as usize;
        self.rows.set(list_h as u16);
        let sel = Self::selected_index(state, view);
        let top = scroll_to_show(view.tasks.top.min(sel), sel, list_h);
        let shown = state.tasks.len().saturating_sub(top).min(list_h) as u16;
        self.list
            .set(Some((Rect::new(inner.x, inner.y, inner.width, shown), top)));
        let max_lanes = if inner.width >= 40 { 4 } else { 2 };
        let edges = Edges::build(&state.tasks, max_lanes);
        let gutter = (edges.lanes + 1) as u16;
        let text_right = inner.right().saturating_sub(gutter);
        let edge_style = theme.style("task.edge");
        for (row, t) in state.tasks.iter().enumerate().skip(top).take(list_h) {
            let y = inner.y + (row - top) as u16;
            let (glyph, key, _) = status_look(t.status);
            let style = theme.style(key);
            if row == sel {
                crate::tui::text::paint(
                    buf,
                    Rect::new(inner.x, y, inner.width, 1),
                    theme.style("ui.selection"),
                );
            }
            let mut x = put(buf, inner.x, y, glyph, 1, style) + 1;
            x = put(
                buf,
                x,
                y,
                &t.id,
                text_right.saturating_sub(x),
                theme.style("ui.text.dim"),
            ) + 1;
            // Agent and retries on the right, when there is room for them.
            let mut tail = String::new();
            if inner.width >= 44 {
                if let Some(a) = &t.agent {
                    tail.push_str(a);
                }
            }
            if t.retries() > 0 {
                tail.push_str(&format!(" ↻{}", t.retries()));
            }
            let tail_w = crate::tui::text::wrap::str_width(&tail) as u16;
            let title_w = text_right.saturating_sub(x + tail_w + 1);
            put(
                buf,
                x,
                y,
                &ellipsize(&t.title, title_w as usize),
                title_w,
                style,
            );
            if tail_w > 0 && text_right > tail_w + 1 {
                let tx = text_right - tail_w - 1;
                let (agent_part, retry_part) = tail
                    .split_once(" ↻")
                    .map_or((tail.as_str(), None), |(a, r)| (a, Some(r)));
                let ax = put(buf, tx, y, agent_part, tail_w, theme.style("task.agent"));
                if let Some(r) = retry_part {
                    put(
                        buf,
                        ax,
                        y,
                        &format!(" ↻{r}"),
                        text_right - ax,
                        theme.style("task.retries"),
                    );
                }
            }
            edges.draw(buf, text_right, y, row, edge_style);
        }
        if details {
            if let Some(t) = state.tasks.get(sel) {
                let y = inner.bottom() - 2;
                let rule_style = theme.style("ui.border");
                for x in inner.left()..inner.right() {
                    put(buf, x, y - 1, "╌", 1, rule_style);
                }
                let [a, b] = Self::detail_lines(t, state);
                put(
                    buf,
                    inner.x,
                    y,
                    &ellipsize(&a, inner.width as usize),
                    inner.width,
                    theme.style("task.detail"),
                );
                put(
                    buf,
                    inner.x,
                    y + 1,
                    &ellipsize(&b, inner.width as usize),
                    inner.width,
                    theme.style("task.detail"),
                );
            }
        }
    }

    fn handle(&self, action: Action, state: &RunState, view: &mut ViewState) -> bool {
        let sel = Self::selected_index(state, view);
        let page = self.rows.get() as usize;
        let Some(next) = moved(sel, state.tasks.len(), action, page) else {
            return false;
        };
        view.tasks.selected = state.tasks.get(next).map(|t| t.id.clone());
        view.tasks.top = scroll_to_show(view.tasks.top, next, page.max(1));
        view.diff_source = DiffSource::Task;
        true
    }

    /// Selects the task on the clicked row, as drawn.
    fn click(&self, x: u16, y: u16, state: &RunState, view: &mut ViewState) -> bool {
        let Some((rows, top)) = self.list.get() else {
            return false;
        };
        if !rows.contains(ratatui::layout::Position { x, y }) {
            return false;
        }
        let Some(t) = state.tasks.get(top + (y - rows.y) as usize) else {
            return false;
        };
        view.tasks.selected = Some(t.id.clone());
        view.tasks.top = top;
        view.diff_source = DiffSource::Task;
        true
    }
}
