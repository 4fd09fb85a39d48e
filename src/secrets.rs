//! Keeps secrets out of everything conclave writes (design §4, §13).
//!
//! Owns `Redactor`: it replaces known secret values (the contents of the variables the config
//! names as keys or secrets) and anything shaped like a well-known API key with `[redacted]`.
//! The store runs every event through it before writing, so no caller can forget. Must not
//! read files or log what it finds.

use aho_corasick::AhoCorasick;

pub const REDACTED: &str = "[redacted]";

/// Prefixes of key shapes that are never legitimate content of an event.
const KEY_PREFIXES: &[&str] = &[
    "sk-",
    "sk_live_",
    "sk_test_",
    "AIza",
    "ghp_",
    "gho_",
    "ghs_",
    "github_pat_",
    "xoxb-",
    "xoxp-",
    "AKIA",
    "glpat-",
    "hf_",
];

/// A shaped key must be at least this long to count (so `sk-1` in prose survives).
const MIN_SHAPED_LEN: usize = 20;

/// Environment variables that hold provider keys even when no config names them.
pub const DEFAULT_SECRET_VARS: &[&str] = &[
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
];

/// Whether a variable's name says it holds a secret (`*_API_KEY`, `*_TOKEN`, `*_SECRET*`,
/// `*PASSWORD*`, `*_KEY`, ...): such a variable never reaches a command, and its value is
/// redacted wherever it shows.
pub fn looks_secret(name: &str) -> bool {
    let up = name.to_ascii_uppercase();
    [
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "TOKEN",
        "CREDENTIAL",
        "PRIVATE_KEY",
    ]
    .iter()
    .any(|w| up.contains(w))
        || up.ends_with("_KEY")
        || up.ends_with("_PAT")
        || DEFAULT_SECRET_VARS.contains(&up.as_str())
}

#[derive(Clone)]
pub struct Redactor {
    matcher: AhoCorasick,
    /// Patterns `0..literals` are exact secret values; the rest are key-shape prefixes.
    literals: usize,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the values it holds.
        write!(f, "Redactor({} secret values)", self.literals)
    }
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new(Vec::<String>::new())
    }
}

fn is_key_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

impl Redactor {
    /// A redactor for these exact values (values shorter than 8 bytes are ignored: they would
    /// redact ordinary words) plus the known key shapes.
    pub fn new<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Self {
        let mut pats: Vec<String> = values
            .into_iter()
            .map(|v| v.as_ref().trim().to_string())
            .filter(|v| v.len() >= 8)
            .collect();
        pats.sort();
        pats.dedup();
        let literals = pats.len();
        pats.extend(KEY_PREFIXES.iter().map(|p| p.to_string()));
        let matcher = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&pats)
            .unwrap_or_else(|_| AhoCorasick::new(KEY_PREFIXES).expect("static patterns build"));
        Redactor { matcher, literals }
    }

    /// A redactor for the values of these environment variables and of the default key
    /// variables, read now.
    pub fn from_env<S: AsRef<str>>(vars: impl IntoIterator<Item = S>) -> Self {
        let names: Vec<String> = vars
            .into_iter()
            .map(|v| v.as_ref().to_string())
            .chain(DEFAULT_SECRET_VARS.iter().map(|s| s.to_string()))
            .collect();
        Redactor::new(names.iter().filter_map(|n| std::env::var(n).ok()))
    }

    /// The text with every secret replaced; borrowed back unchanged when there was none.
    pub fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        let bytes = text.as_bytes();
        let mut out: Option<String> = None;
        let mut copied = 0;
        for m in self.matcher.find_iter(text) {
            let (start, mut end) = (m.start(), m.end());
            if start < copied {
                continue;
            }
            if m.pattern().as_usize() >= self.literals {
                if start > 0 && is_key_char(bytes[start - 1]) {
                    continue;
                }
                while end < bytes.len() && is_key_char(bytes[end]) {
                    end += 1;
                }
                if end - start < MIN_SHAPED_LEN {
                    continue;
                }
            }
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..start]);
            o.push_str(REDACTED);
            copied = end;
        }
        match out {
            None => std::borrow::Cow::Borrowed(text),
            Some(mut o) => {
                o.push_str(&text[copied..]);
                std::borrow::Cow::Owned(o)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_values_and_key_shapes_are_replaced() {
        let r = Redactor::new(["marker-secret-value-123"]);
        let s = r#"{"text":"key=marker-secret-value-123 and sk-proj-ABCDEFGHIJKLMNOPQRSTUV ok"}"#;
        let out = r.redact(s);
        assert_eq!(out, r#"{"text":"key=[redacted] and [redacted] ok"}"#);
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let r = Redactor::new(["short"]);
        for s in [
            "disk-space is low",
            "task-sk-1",
            "sk-1 is a name",
            "short words",
        ] {
            assert!(matches!(r.redact(s), std::borrow::Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn secret_names_are_recognised() {
        for n in [
            "AWS_SECRET_ACCESS_KEY",
            "DB_PASSWORD",
            "GITHUB_TOKEN",
            "OPENAI_API_KEY",
            "my_client_secret",
            "SIGNING_KEY",
        ] {
            assert!(looks_secret(n), "{n}");
        }
        for n in ["PATH", "HOME", "LANG", "CARGO_HOME", "RUST_LOG", "KEYMAP"] {
            assert!(!looks_secret(n), "{n}");
        }
    }

    #[test]
    fn debug_never_shows_values() {
        let r = Redactor::new(["marker-secret-value-123"]);
        assert!(!format!("{r:?}").contains("marker"));
    }
}
