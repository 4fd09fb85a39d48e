//! A replay's timeline bar: play state and speed, the run as a track with its decision points
//! marked, where the replay stands, and the event count and recorded time.
//!
//! Owns the bar's geometry (`Timeline::track`), which the mouse shares to turn a click into a
//! position, and its drawing. Must not move the replay: clicks become `ReplayControl::Seek`
//! in `ui`.

use crate::model::replay::{MarkKind, ReplayStatus};
use crate::tui::text::{paint, put};
use crate::tui::theme::Theme;
use crate::util::format_duration_ms;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

pub struct Timeline;

/// Columns of the left label (`❚❚ instant `).
const LEFT: u16 = 11;

impl Timeline {
    /// The counter and clock on the right: as wide at the start as at the end, so the track
    /// keeps its width while the replay plays.
    fn right_text(r: &ReplayStatus) -> String {
        let w = r.total.to_string().len();
        let at = format_duration_ms(r.at_ms.saturating_sub(r.start_ms));
        let end = format_duration_ms(r.end_ms.saturating_sub(r.start_ms));
        let at = format!("{at:>width$}", width = end.len());
        let idx = if r.indexing { " · indexing…" } else { "" };
        // Padded to the longest kind name, so the track does not twitch.
        let kind = format!("{:<17}", r.last_kind);
        format!(" {kind} {:>w$}/{} · {at}/{end}{idx} ", r.position, r.total)
    }

    /// The columns of the track inside `area` (x, width); width 0 when there is no room.
    pub fn track(area: Rect, r: &ReplayStatus) -> (u16, u16) {
        let right = Self::right_text(r).chars().count() as u16;
        let x = area.x + LEFT.min(area.width);
        (x, area.width.saturating_sub(LEFT + right))
    }

    /// The position a click at column `x` asks for, if it is on the track.
    pub fn position_at(area: Rect, r: &ReplayStatus, x: u16) -> Option<u64> {
        let (tx, w) = Self::track(area, r);
        if w == 0 || x < tx || x >= tx + w {
            return None;
        }
        // The last column is the end, the first the start.
        let f = if w == 1 {
            1.0
        } else {
            (x - tx) as f64 / (w - 1) as f64
        };
        Some(r.position_at(f))
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, r: &ReplayStatus, theme: &Theme) {
        if area.height == 0 {
            return;
        }
        let base = theme.style("ui.timeline");
        paint(buf, area, base);
        let glyph = if r.playing && r.position < r.total {
            "▶"
        } else {
            "❚❚"
        };
        let label = format!(" {glyph} {}", r.speed.label());
        put(
            buf,
            area.x,
            area.y,
            &label,
            LEFT.min(area.width),
            theme.style("ui.timeline.cursor"),
        );
        let (tx, w) = Self::track(area, r);
        if w > 0 {
            let cell = |seq: u64| -> u16 {
                if r.total <= 1 {
                    return 0;
                }
                ((seq as f64 / r.total as f64) * (w - 1) as f64).round() as u16
            };
            let cursor = cell(r.position);
            let played = theme.style("ui.timeline.played");
            for i in 0..w {
                let (s, st) = if i < cursor {
                    ("━", played)
                } else {
                    ("─", base)
                };
                put(buf, tx + i, area.y, s, 1, st);
            }
            // Several marks in one column: the most consequential kind wins.
            let mut cols: Vec<Option<MarkKind>> = vec![None; w as usize];
            for &(seq, kind) in r.marks.iter() {
                let c = &mut cols[cell(seq).min(w - 1) as usize];
                if c.is_none_or(|k| rank(kind) > rank(k)) {
                    *c = Some(kind);
                }
            }
            for (i, k) in cols.iter().enumerate() {
                if let Some(k) = k {
                    let (s, key) = match k {
                        MarkKind::Approval => ("◆", "ui.timeline.mark"),
                        MarkKind::Level => ("▲", "ui.timeline.mark.level"),
                        MarkKind::Gate => ("┃", "ui.timeline.mark.gate"),
                        MarkKind::Merge => ("●", "ui.timeline.mark.merge"),
                    };
                    put(buf, tx + i as u16, area.y, s, 1, theme.style(key));
                }
            }
            put(
                buf,
                tx + cursor.min(w - 1),
                area.y,
                "█",
                1,
                theme.style("ui.timeline.cursor"),
            );
        }
        let right = Self::right_text(r);
        put(
            buf,
            tx + w,
            area.y,
            &right,
            area.right().saturating_sub(tx + w),
            theme.style("ui.text.dim").bg(base.bg.unwrap_or_default()),
        );
    }
}

fn rank(k: MarkKind) -> u8 {
    match k {
        MarkKind::Gate => 0,
        MarkKind::Approval => 1,
        MarkKind::Merge => 2,
        MarkKind::Level => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn status(position: u64, total: u64) -> ReplayStatus {
        ReplayStatus {
            position,
            marks: Arc::new(vec![(10, MarkKind::Approval), (50, MarkKind::Merge)]),
            indexing: false,
            start_ms: 1_000,
            at_ms: 31_000,
            end_ms: 61_000,
            ..ReplayStatus::new(total)
        }
    }

    #[test]
    fn clicks_map_onto_the_track_ends_included() {
        let area = Rect::new(0, 0, 80, 1);
        let r = status(25, 100);
        let (x, w) = Timeline::track(area, &r);
        assert!(w > 20);
        assert_eq!(Timeline::position_at(area, &r, x), Some(0));
        assert_eq!(Timeline::position_at(area, &r, x + w - 1), Some(100));
        assert_eq!(Timeline::position_at(area, &r, x + w), None);
        assert_eq!(Timeline::position_at(area, &r, 0), None);
    }

    #[test]
    fn draws_marks_cursor_and_counters() {
        let area = Rect::new(0, 0, 80, 1);
        let mut buf = Buffer::empty(area);
        Timeline.render(area, &mut buf, &status(25, 100), &Theme::default());
        let row: String = (0..80).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert!(row.starts_with(" ❚❚ 1×"), "{row}");
        assert!(
            row.contains('◆') && row.contains('●') && row.contains('█'),
            "{row}"
        );
        assert!(row.contains(" 25/100 · 0:30/1:00"), "{row}");
    }
}
