//! Small text helpers shared by the learning modules: capping, whitespace, ANSI colours and
//! the word sets used for overlap.
//!
//! Owns nothing stateful; every function is pure.

use regex::Regex;
use std::collections::BTreeSet;
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

/// Words too common to say anything about relevance.
const STOPWORDS: &[&str] = &[
    "the", "and", "for", "with", "that", "this", "from", "into", "when", "then", "than", "are",
    "was", "were", "not", "but", "all", "any", "can", "should", "must", "will", "has", "have",
    "had", "its", "use", "using", "before", "after", "each", "every", "only", "also", "you",
    "your", "our", "they", "them", "there", "their", "what", "which", "who", "how", "why", "out",
    "over", "under", "does", "did", "done", "make", "sure",
];

/// Lower-case words of three or more letters, stopwords dropped and a plural `s` cut, so
/// "tests" and "test" overlap.
pub(crate) fn word_set(s: &str) -> BTreeSet<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| w.chars().count() >= 3)
        .map(|w| w.to_lowercase())
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|w| {
            if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_string()
            } else {
                w
            }
        })
        .collect()
}

/// Overlap of two word sets in [0, 1]: shared words over the geometric mean of the sizes
/// (cosine of the set vectors), so a long lesson is not favoured for sharing more words.
pub(crate) fn overlap(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(b).count() as f64;
    shared / ((a.len() as f64) * (b.len() as f64)).sqrt()
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

    #[test]
    fn words_overlap_across_plurals() {
        let a = word_set("Run the tests before finishing");
        let b = word_set("a test failed");
        assert!(a.contains("test") && b.contains("test"));
        assert!(overlap(&a, &b) > 0.0);
        assert_eq!(overlap(&a, &word_set("")), 0.0);
        assert!((overlap(&a, &a) - 1.0).abs() < 1e-12);
    }
}
