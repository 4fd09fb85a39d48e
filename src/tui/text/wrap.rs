//! Word wrapping of one logical line into rows of a given width, as byte ranges.
//!
//! Owns the wrapping rule (greedy at spaces, hard breaks inside words longer than a row, tabs
//! as `TAB` columns) and character widths. Ranges rather than strings, so a cached layout
//! costs eight bytes a row and points back into the text it came from.

use unicode_width::UnicodeWidthChar;

/// Columns a tab takes when drawn.
pub const TAB: usize = 4;

/// Display width of a character: tabs are `TAB`, control characters nothing.
pub fn char_width(c: char) -> usize {
    match c {
        ' '..='~' => 1,
        '\t' => TAB,
        c if c.is_control() => 0,
        c => c.width().unwrap_or(0),
    }
}

/// Display width of a string.
pub fn str_width(s: &str) -> usize {
    if s.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return s.len();
    }
    s.chars().map(char_width).sum()
}

/// The longest prefix of `s` that fits in `width` columns.
pub fn prefix_fitting(s: &str, width: usize) -> &str {
    let mut col = 0;
    for (i, c) in s.char_indices() {
        col += char_width(c);
        if col > width {
            return &s[..i];
        }
    }
    s
}

/// Wraps `line` (which holds no newline) into rows of at most `width` columns; pushes each
/// row as a byte range offset by `base`. An empty line is one empty row.
pub fn wrap_line(line: &str, base: usize, width: usize, out: &mut Vec<(u32, u32)>) {
    let width = width.max(1);
    let r = |a: usize, b: usize| ((base + a) as u32, (base + b) as u32);
    let mut row_start = 0usize;
    let mut col = 0usize;
    // Where the row may break (just after a space) and the column there.
    let mut brk: Option<(usize, usize)> = None;
    for (i, ch) in line.char_indices() {
        let w = char_width(ch);
        if ch == ' ' && col + w > width {
            // A space that does not fit ends the row (invisibly) instead of starting the next.
            out.push(r(row_start, i + 1));
            row_start = i + 1;
            col = 0;
            brk = None;
            continue;
        }
        while col + w > width && col > 0 {
            match brk.take().filter(|&(b, _)| b > row_start) {
                Some((b, bcol)) => {
                    out.push(r(row_start, b));
                    row_start = b;
                    col -= bcol;
                }
                None => {
                    out.push(r(row_start, i));
                    row_start = i;
                    col = 0;
                }
            }
        }
        col += w;
        if ch == ' ' {
            brk = Some((i + 1, col));
        }
    }
    out.push(r(row_start, line.len()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(s: &str, w: usize) -> Vec<&str> {
        let mut out = Vec::new();
        wrap_line(s, 0, w, &mut out);
        out.iter()
            .map(|&(a, b)| &s[a as usize..b as usize])
            .collect()
    }

    #[test]
    fn wraps_at_spaces_and_breaks_long_words() {
        assert_eq!(rows("", 10), vec![""]);
        assert_eq!(rows("hello world", 20), vec!["hello world"]);
        assert_eq!(rows("hello world", 8), vec!["hello ", "world"]);
        assert_eq!(rows("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(rows("a bcdefghij", 4), vec!["a ", "bcde", "fghi", "j"]);
        assert_eq!(rows("aaaa bbbb cccc", 4), vec!["aaaa ", "bbbb ", "cccc"]);
        assert_eq!(
            rows("日本語テキスト", 5),
            vec!["日本", "語テ", "キス", "ト"]
        );
        for (s, w) in [
            ("the quick brown fox jumps", 7),
            ("x\ty\tz", 5),
            ("aaaa bbbb cccc", 4),
        ] {
            let mut out = Vec::new();
            wrap_line(s, 0, w, &mut out);
            for &(a, b) in &out {
                let row = s[a as usize..b as usize].trim_end_matches(' ');
                assert!(str_width(row) <= w, "{s:?} at {w}");
            }
            assert_eq!(out.first().map(|r| r.0), Some(0));
            assert_eq!(out.last().map(|r| r.1 as usize), Some(s.len()));
        }
    }

    #[test]
    fn widths() {
        assert_eq!(str_width("abc"), 3);
        assert_eq!(str_width("a\tb"), 2 + TAB);
        assert_eq!(str_width("日本"), 4);
        assert_eq!(prefix_fitting("日本語", 5), "日本");
    }
}
