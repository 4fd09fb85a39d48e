//! Drawing one row of the diff pane (a file header, a hunk header, a line with its numbers
//! and syntax colours) and the file list beside the hunks.
//!
//! Owns how a row looks. Must not move the view: `diff` does.

use super::DiffPane;
use crate::model::{DiffState, FileChange};
use crate::tui::patch::{LineKind, Patch, RowKind};
use crate::tui::text::{ellipsize, put};
use crate::tui::theme::Theme;
use crate::tui::view::ViewState;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

fn change_glyph(d: &DiffState, path: &str) -> &'static str {
    match d.files.iter().find(|f| f.path == path).map(|f| f.change) {
        Some(FileChange::Added) => "A",
        Some(FileChange::Deleted) => "D",
        Some(FileChange::Renamed) => "R",
        _ => "M",
    }
}

impl DiffPane {
    pub(super) fn draw_files(
        &self,
        area: Rect,
        buf: &mut Buffer,
        d: &DiffState,
        patch: &Patch,
        current: usize,
        theme: &Theme,
    ) {
        for (i, f) in patch.files.iter().enumerate().take(area.height as usize) {
            let y = area.y + i as u16;
            if i == current {
                crate::tui::text::paint(
                    buf,
                    Rect::new(area.x, y, area.width, 1),
                    theme.style("ui.selection"),
                );
            }
            let counts = format!(" +{} −{}", f.added, f.removed);
            let x = put(
                buf,
                area.x,
                y,
                change_glyph(d, &f.path),
                1,
                theme.style("diff.meta"),
            ) + 1;
            let room = area
                .right()
                .saturating_sub(x + counts.chars().count() as u16);
            let x = put(
                buf,
                x,
                y,
                &ellipsize(&f.path, room as usize),
                room,
                theme.style("ui.text"),
            );
            put(
                buf,
                x,
                y,
                &counts,
                area.right().saturating_sub(x),
                theme.style("ui.text.dim"),
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn draw_row(
        &self,
        buf: &mut Buffer,
        area: Rect,
        y: u16,
        d: &DiffState,
        patch: &Patch,
        row: usize,
        current: usize,
        view: &ViewState,
        theme: &Theme,
    ) {
        let r = &patch.rows[row];
        let dropped = |h: usize| view.dropped(&d.id).is_some_and(|s| s.contains(&h));
        let gw = patch.max_line.max(1).to_string().len();
        match r.kind {
            RowKind::File(f) => {
                let file = &patch.files[f];
                let text = format!("▌{}  +{} −{}", file.path, file.added, file.removed);
                put(buf, area.x, y, &text, area.width, theme.style("diff.file"));
            }
            RowKind::Hunk(h) => {
                let marker = if h == current { "▶ " } else { "  " };
                let x = put(buf, area.x, y, marker, 2, theme.style("diff.current"));
                let style = if dropped(h) {
                    theme.style("diff.dropped")
                } else {
                    theme.style("diff.hunk")
                };
                let x = put(
                    buf,
                    x,
                    y,
                    patch.text(&d.patch, r),
                    area.right().saturating_sub(x),
                    style,
                );
                if dropped(h) {
                    put(
                        buf,
                        x + 1,
                        y,
                        "✗ dropped",
                        area.right().saturating_sub(x + 1),
                        theme.style("diff.current"),
                    );
                }
            }
            RowKind::Line {
                kind,
                old,
                new,
                hunk,
            } => {
                let (sign, line_key, gutter_key, fg_key) = match kind {
                    LineKind::Plus => ("+", "diff.plus.line", "diff.plus.gutter", "diff.plus"),
                    LineKind::Minus => ("-", "diff.minus.line", "diff.minus.gutter", "diff.minus"),
                    LineKind::Context => (" ", "diff.context", "diff.gutter", "diff.context"),
                    LineKind::NoNewline => (" ", "diff.meta", "diff.gutter", "diff.meta"),
                };
                let is_dropped = dropped(hunk);
                let line_style = if is_dropped {
                    theme.style("diff.dropped")
                } else {
                    theme.style(line_key)
                };
                let num = |n: u32| {
                    if n == 0 {
                        " ".repeat(gw)
                    } else {
                        format!("{n:>gw$}")
                    }
                };
                let marker = if hunk == current { "▎" } else { " " };
                let gutter = format!("{} {} ", num(old), num(new));
                let mut x = put(buf, area.x, y, marker, 1, theme.style("diff.current"));
                x = put(
                    buf,
                    x,
                    y,
                    &gutter,
                    area.right().saturating_sub(x),
                    theme.style(gutter_key),
                );
                let code_area = Rect::new(x, y, area.right().saturating_sub(x), 1);
                crate::tui::text::paint(buf, code_area, line_style);
                x = put(buf, x, y, sign, 1, line_style.patch(theme.style(fg_key)));
                let text = patch.text(&d.patch, r);
                let room = area.right().saturating_sub(x);
                let spans = if is_dropped || kind == LineKind::NoNewline {
                    None
                } else {
                    self.cache
                        .borrow_mut()
                        .line_spans(d, patch, theme.syntax.as_deref(), hunk, row)
                };
                match spans.as_ref().and_then(|(chunk, i)| chunk.get(*i)) {
                    Some(parts) if !parts.is_empty() => {
                        for &(color, s, e) in parts {
                            let piece = text.get(s as usize..e as usize).unwrap_or("");
                            x = put(
                                buf,
                                x,
                                y,
                                piece,
                                area.right().saturating_sub(x),
                                line_style.fg(color),
                            );
                        }
                    }
                    _ => {
                        let style = if is_dropped {
                            line_style
                        } else {
                            line_style.patch(theme.style(fg_key))
                        };
                        put(buf, x, y, text, room, style);
                    }
                }
            }
            RowKind::Meta => {
                put(
                    buf,
                    area.x + 2,
                    y,
                    patch.text(&d.patch, r),
                    area.width.saturating_sub(2),
                    theme.style("diff.meta"),
                );
            }
        }
    }
}
