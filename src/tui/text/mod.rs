//! Small drawing helpers shared by panes and layers: writing clipped text into a buffer,
//! pane title rules, ellipsis, number formats.
//!
//! Owns how text meets cells (tabs become spaces, control characters vanish, nothing is drawn
//! outside the given width). Must not know about run state.

pub mod wrap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use std::borrow::Cow;
use wrap::{char_width, str_width, TAB};

/// Writes `s` at (x, y), at most `max` columns; returns the column after the last cell.
pub fn put(buf: &mut Buffer, x: u16, y: u16, s: &str, max: u16, style: Style) -> u16 {
    // Outside the buffer nothing is drawn (ratatui would panic on a row out of range).
    if max == 0 || y < buf.area.top() || y >= buf.area.bottom() || x < buf.area.left() {
        return x;
    }
    let printable_ascii = s.bytes().all(|b| (b' '..=b'~').contains(&b));
    if printable_ascii {
        // The common case: one cell per byte, no grapheme segmentation needed.
        let right = buf.area.right().min(x.saturating_add(max));
        let mut cx = x;
        for ch in s.chars() {
            if cx >= right {
                break;
            }
            if let Some(cell) = buf.cell_mut((cx, y)) {
                let mut tmp = [0u8; 4];
                cell.set_symbol(ch.encode_utf8(&mut tmp)).set_style(style);
            }
            cx += 1;
        }
        return cx;
    }
    let text: Cow<str> = if s.contains('\t') {
        Cow::Owned(s.replace('\t', &" ".repeat(TAB)))
    } else {
        Cow::Borrowed(s)
    };
    buf.set_stringn(x, y, text.as_ref(), max as usize, style).0
}

/// Writes spans one after another, clipped to `max` columns in all.
pub fn put_spans(buf: &mut Buffer, x: u16, y: u16, spans: &[Span], max: u16) -> u16 {
    let end = x.saturating_add(max);
    let mut cx = x;
    for s in spans {
        if cx >= end {
            break;
        }
        cx = put(buf, cx, y, &s.content, end - cx, s.style);
    }
    cx
}

/// Sets the style of every cell of `area` (keeps symbols).
pub fn paint(buf: &mut Buffer, area: Rect, style: Style) {
    buf.set_style(area.intersection(buf.area), style);
}

/// `s` cut to `width` columns, with `…` when something was cut.
pub fn ellipsize(s: &str, width: usize) -> Cow<'_, str> {
    if str_width(s) <= width {
        return Cow::Borrowed(s);
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let head = wrap::prefix_fitting(s, width - 1);
    Cow::Owned(format!("{head}…"))
}

/// Total width of spans.
pub fn spans_width(spans: &[Span]) -> usize {
    spans.iter().map(|s| str_width(&s.content)).sum()
}

/// A pane's title rule: `─ Title ─────`, drawn across the first row of `area`. The title
/// spans come from the pane; focus changes the rule's style.
pub fn title_rule(buf: &mut Buffer, area: Rect, title: &[Span], rule: Style) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let y = area.y;
    for x in area.left()..area.right() {
        if let Some(c) = buf.cell_mut((x, y)) {
            c.set_symbol("─").set_style(rule);
        }
    }
    let mut x = area.x + 1;
    if area.width > 4 {
        x = put(buf, x, y, " ", 1, rule);
        x = put_spans(buf, x, y, title, area.right().saturating_sub(x + 1));
        put(buf, x, y, " ", area.right().saturating_sub(x), rule);
    }
}

/// `12.3k`, `4.1M`: token counts at a glance.
pub fn human_count(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// `850ms`, `1.2s`, `3m 05s`.
pub fn human_ms(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms}ms"),
        1_000..=59_999 => format!("{:.1}s", ms as f64 / 1e3),
        _ => format!("{}m {:02}s", ms / 60_000, (ms / 1000) % 60),
    }
}

/// `$0.42`; small costs keep enough digits to not read as zero. An unknown price is not
/// zero: `util::cost_short` and `cost_long` say so.
pub use crate::util::dollars;

/// Width of one character (re-exported for panes that place glyphs).
pub fn glyph_width(c: char) -> usize {
    char_width(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_clips_and_expands_tabs() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 1));
        let end = put(&mut buf, 0, 0, "a\tb", 10, Style::default());
        assert_eq!(end, 6);
        assert_eq!(buf[(5, 0)].symbol(), "b");
        let end = put(&mut buf, 8, 0, "xyz", 10, Style::default());
        assert_eq!(end, 10);
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("abc", 4), "abc");
        assert_eq!(human_count(12_345), "12.3k");
        assert_eq!(human_ms(185_000), "3m 05s");
        assert_eq!(dollars(0.004), "$0.0040");
    }
}
