//! Word sets for lesson relevance: which stored lessons share words with a task.
//!
//! Owns nothing stateful; every function is pure.

use std::collections::BTreeSet;

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
    fn words_overlap_across_plurals() {
        let a = word_set("Run the tests before finishing");
        let b = word_set("a test failed");
        assert!(a.contains("test") && b.contains("test"));
        assert!(overlap(&a, &b) > 0.0);
        assert_eq!(overlap(&a, &word_set("")), 0.0);
        assert!((overlap(&a, &a) - 1.0).abs() < 1e-12);
    }
}
