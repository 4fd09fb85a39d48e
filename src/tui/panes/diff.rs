//! The diff: file list, hunks with line numbers and syntax colours, navigation by file and
//! hunk, and keeping or dropping hunks before approving.
//!
//! Owns drawing a window of a parsed patch and the diff view state (position, current hunk,
//! dropped hunks). Only visible rows are drawn and highlighted (`diff_cache`), so a 5k-line
//! diff draws as fast as a 5-line one. Must not approve: `approve` (a global action) reads
//! the kept hunks from here.

mod rows;

use super::{framed, Pane};
use crate::model::{DiffState, RunState};
use crate::tui::action::Action;
use crate::tui::diff_cache::DiffCache;
use crate::tui::patch::{Patch, RowKind};
use crate::tui::text::put;
use crate::tui::theme::Theme;
use crate::tui::view::{PaneId, ViewState};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use std::cell::{Cell, RefCell};

#[derive(Default)]
pub struct DiffPane {
    cache: RefCell<DiffCache>,
    /// Rows of the hunk area at the last draw.
    rows: Cell<u16>,
    /// Where the last draw put the diff's rows and its file list: what a click hits.
    drawn: RefCell<Option<Drawn>>,
}

/// The diff as last drawn.
struct Drawn {
    diff: String,
    /// The rows of the patch shown, from patch row `top`.
    hunks: Rect,
    top: usize,
    /// The file list beside them, one file a row, when there is one.
    files: Option<Rect>,
}

/// Where the view is in the shown diff: a position saved for another diff starts over.
fn position(view: &ViewState, d: &DiffState, patch: &Patch) -> (usize, usize) {
    if view.diff.diff.as_deref() != Some(d.id.as_str()) {
        return (0, 0);
    }
    let top = view.diff.top.min(patch.rows.len().saturating_sub(1));
    let hunk = view.diff.hunk.min(patch.hunks.len().saturating_sub(1));
    (top, hunk)
}

impl DiffPane {
    /// The ids of the hunks of a diff the person kept, for `Command::Approve`: `Ok(None)` when
    /// all are kept; Err (a message for the person) when some are dropped but the diff has no
    /// hunk ids to name them by, so the approval cannot say what it keeps.
    pub fn kept_hunks(
        &self,
        d: &DiffState,
        view: &ViewState,
    ) -> Result<Option<Vec<String>>, String> {
        let Some(dropped) = view.dropped(&d.id) else {
            return Ok(None);
        };
        let patch = self.cache.borrow_mut().patch(d);
        let mut kept = Vec::new();
        for (i, h) in patch.hunks.iter().enumerate() {
            let Some(id) = &h.id else {
                return Err(format!(
                    "diff {} has no hunk ids (logged by an older conclave): keep all hunks or reject it",
                    d.id
                ));
            };
            if !dropped.contains(&i) {
                kept.push(id.clone());
            }
        }
        Ok(Some(kept))
    }

    /// Lines highlighted since the last call (tests check highlighting stays lazy).
    #[doc(hidden)]
    pub fn highlight_work(&self) -> usize {
        self.cache.borrow_mut().take_highlighted()
    }

    /// Moves to `top`, making the hunk there (or the next one) current.
    fn go_to_row(view: &mut ViewState, patch: &Patch, top: usize) {
        let top = top.min(patch.rows.len().saturating_sub(1));
        view.diff.top = top;
        let hunk = patch
            .hunk_of_row(top)
            .or_else(|| patch.hunks.iter().position(|h| h.row >= top));
        if let Some(h) = hunk {
            view.diff.hunk = h;
        }
    }

    fn go_to_hunk(view: &mut ViewState, patch: &Patch, h: usize) {
        let Some(hunk) = patch.hunks.get(h) else {
            return;
        };
        view.diff.hunk = h;
        // The first hunk of a file shows its file header too.
        let file_row = patch.files.get(hunk.file).map(|f| f.row);
        view.diff.top = match file_row {
            Some(fr) if patch.files[hunk.file].hunks.start == h => fr,
            _ => hunk.row,
        };
    }
}

impl Pane for DiffPane {
    fn id(&self) -> PaneId {
        PaneId::Diff
    }

    fn render(
        &self,
        area: Rect,
        buf: &mut Buffer,
        state: &RunState,
        view: &ViewState,
        theme: &Theme,
    ) {
        self.drawn.replace(None);
        let Some(d) = view.shown_diff(state) else {
            let inner = framed(area, buf, PaneId::Diff, "Diff", vec![], view, theme);
            if inner.height > 0 && inner.width > 2 {
                put(
                    buf,
                    inner.x + 1,
                    inner.y,
                    "no diff yet",
                    inner.width - 1,
                    theme.style("ui.text.dim"),
                );
            }
            return;
        };
        let patch = self.cache.borrow_mut().patch(d);
        let (top, current) = position(view, d, &patch);
        let file = patch.hunks.get(current).map_or(0, |h| h.file);
        let mut title = format!(" task {}", d.task);
        if let Some(f) = patch.files.get(file) {
            title.push_str(&format!(
                " · {} ({}/{})",
                f.path,
                file + 1,
                patch.files.len()
            ));
        }
        title.push_str(&format!(" · +{} −{}", d.added, d.removed));
        let mut extra = vec![Span::styled(title, theme.style("ui.text.dim"))];
        if let Some(dropped) = view.dropped(&d.id) {
            let n = dropped.len();
            extra.push(Span::styled(
                format!(" · {n} hunk{} dropped", if n == 1 { "" } else { "s" }),
                theme.style("diff.current"),
            ));
        }
        let inner = framed(area, buf, PaneId::Diff, "Diff", extra, view, theme);
        if inner.height == 0 || inner.width < 8 {
            return;
        }
        self.rows.set(inner.height);
        let mut hunks_area = inner;
        let mut files = None;
        if inner.width >= 100 && patch.files.len() > 1 {
            let list_w = (inner.width / 4).min(36);
            let list = Rect {
                width: list_w,
                ..inner
            };
            self.draw_files(list, buf, d, &patch, file, theme);
            files = Some(Rect {
                height: list.height.min(patch.files.len() as u16),
                ..list
            });
            for y in inner.top()..inner.bottom() {
                put(buf, inner.x + list_w, y, "│", 1, theme.style("ui.border"));
            }
            hunks_area = Rect {
                x: inner.x + list_w + 1,
                width: inner.width - list_w - 1,
                ..inner
            };
        }
        let shown = patch
            .rows
            .len()
            .saturating_sub(top)
            .min(inner.height as usize) as u16;
        self.drawn.replace(Some(Drawn {
            diff: d.id.clone(),
            hunks: Rect {
                height: shown,
                ..hunks_area
            },
            top,
            files,
        }));
        if patch.rows.is_empty() {
            put(
                buf,
                hunks_area.x + 1,
                hunks_area.y,
                "empty diff",
                hunks_area.width - 1,
                theme.style("ui.text.dim"),
            );
            return;
        }
        for (i, row) in (top..patch.rows.len())
            .take(inner.height as usize)
            .enumerate()
        {
            let y = hunks_area.y + i as u16;
            self.draw_row(buf, hunks_area, y, d, &patch, row, current, view, theme);
        }
    }

    fn handle(&self, action: Action, state: &RunState, view: &mut ViewState) -> bool {
        let Some(d) = view.shown_diff(state) else {
            return false;
        };
        let patch = self.cache.borrow_mut().patch(d);
        let (top, hunk) = position(view, d, &patch);
        view.diff.diff = Some(d.id.clone());
        view.diff.top = top;
        view.diff.hunk = hunk;
        let page = self.rows.get().max(2) as usize - 1;
        let last_row = patch.rows.len().saturating_sub(1);
        let file = patch.hunks.get(hunk).map_or(0, |h| h.file);
        match action {
            Action::Up => Self::go_to_row(view, &patch, top.saturating_sub(1)),
            Action::Down => Self::go_to_row(view, &patch, (top + 1).min(last_row)),
            Action::PageUp => Self::go_to_row(view, &patch, top.saturating_sub(page)),
            Action::PageDown => Self::go_to_row(view, &patch, (top + page).min(last_row)),
            Action::Top => Self::go_to_row(view, &patch, 0),
            Action::Bottom => Self::go_to_row(view, &patch, last_row.saturating_sub(page)),
            Action::NextHunk => Self::go_to_hunk(
                view,
                &patch,
                (hunk + 1).min(patch.hunks.len().saturating_sub(1)),
            ),
            Action::PrevHunk => Self::go_to_hunk(view, &patch, hunk.saturating_sub(1)),
            Action::NextFile | Action::PrevFile => {
                let f = if action == Action::NextFile {
                    (file + 1).min(patch.files.len().saturating_sub(1))
                } else {
                    file.saturating_sub(1)
                };
                if let Some(pf) = patch.files.get(f) {
                    view.diff.top = pf.row;
                    if !pf.hunks.is_empty() {
                        view.diff.hunk = pf.hunks.start;
                    }
                }
            }
            Action::ToggleHunk => {
                if patch.hunks.is_empty() {
                    return true;
                }
                let set = view.diff.dropped.entry(d.id.clone()).or_default();
                if !set.remove(&hunk) {
                    set.insert(hunk);
                }
            }
            Action::KeepAllHunks => {
                view.diff.dropped.remove(&d.id);
            }
            _ => return false,
        }
        true
    }

    /// A click on a hunk's row (its header or a line) makes it current; on a file header or a
    /// file in the list, that file's first hunk. The view stays where it was drawn.
    fn click(&self, x: u16, y: u16, state: &RunState, view: &mut ViewState) -> bool {
        let Some(d) = view.shown_diff(state) else {
            return false;
        };
        let pos = ratatui::layout::Position { x, y };
        let patch = self.cache.borrow_mut().patch(d);
        let picked = {
            let drawn = self.drawn.borrow();
            let Some(drawn) = drawn.as_ref().filter(|dr| dr.diff == d.id) else {
                return false;
            };
            let first_of = |f: usize| {
                patch
                    .files
                    .get(f)
                    .and_then(|pf| (!pf.hunks.is_empty()).then_some(pf.hunks.start))
            };
            if drawn.hunks.contains(pos) {
                let row = drawn.top + (y - drawn.hunks.y) as usize;
                let hunk = match patch.rows.get(row).map(|r| r.kind) {
                    Some(RowKind::File(f)) => first_of(f),
                    _ => patch.hunk_of_row(row),
                };
                hunk.map(|h| (h, drawn.top))
            } else if let Some(list) = drawn.files.filter(|r| r.contains(pos)) {
                let f = (y - list.y) as usize;
                first_of(f).zip(patch.files.get(f).map(|pf| pf.row))
            } else {
                None
            }
        };
        match picked {
            Some((hunk, top)) => {
                view.diff.diff = Some(d.id.clone());
                view.diff.hunk = hunk;
                view.diff.top = top;
                true
            }
            None => false,
        }
    }
}
