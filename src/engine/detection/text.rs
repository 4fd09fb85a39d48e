//! Small text helpers for detection and lessons: capping, whitespace and ANSI colours.
//!
//! Owns nothing stateful; every function is pure.

use regex::Regex;
use std::sync::OnceLock;

/// At most `max` characters, whitespace collapsed, with `…` when cut.
pub(crate) fn compact(s: &str, max: usize) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    cap_chars(&joined, max)
}

/// At most `max` characters, with `…` when cut (never splits a character).
pub(crate) fn cap_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The last `max` characters, with `…` in front when cut: output tails keep their end, where
/// the error usually is.
pub(crate) fn tail_chars(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let mut out = String::from("…");
    out.extend(s.chars().skip(n - max.saturating_sub(1)));
    out
}

/// Removes terminal colour and cursor sequences: gates run with forced colours still parse.
pub(crate) fn strip_ansi(s: &str) -> std::borrow::Cow<'_, str> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07").expect("ANSI pattern compiles")
    });
    re.replace_all(s, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_keep_characters_whole() {
        assert_eq!(cap_chars("héllo", 5), "héllo");
        assert_eq!(cap_chars("héllo wörld", 5), "héll…");
        assert_eq!(tail_chars("abcdef", 4), "…def");
        assert_eq!(compact("  a \n\t b  ", 10), "a b");
    }

    #[test]
    fn ansi_is_stripped() {
        assert_eq!(strip_ansi("\x1b[1m\x1b[33mwarning\x1b[0m: x"), "warning: x");
    }
}
