//! Identifiers of runs and of the things inside a run.
//!
//! Owns: `RunId` (a ULID, so ids sort by start time) and the unique-prefix lookup that lets a
//! person type `01JD7` like a git commit. Must not touch the store or any I/O.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A run's id: a ULID rendered as 26 Crockford base32 characters.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunId(pub ulid::Ulid);

impl RunId {
    /// A new id whose time part is `at_ms`, so ids sort by start time.
    pub fn new_at(at_ms: u64) -> Self {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(at_ms);
        RunId(ulid::Ulid::from_datetime(at))
    }

    /// The first characters a person sees and types, where the other runs are not known
    /// (`prefix` with `unique_prefix_len` where they are).
    pub fn short(&self) -> String {
        self.prefix(SHORT_LEN)
    }

    /// The first `len` characters (the whole id at most).
    pub fn prefix(&self, len: usize) -> String {
        let s = self.to_string();
        s[..len.min(s.len())].to_string()
    }

    /// Milliseconds since the epoch encoded in the id.
    pub fn timestamp_ms(&self) -> u64 {
        self.0.timestamp_ms()
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RunId({})", self.0)
    }
}

impl FromStr for RunId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ulid::Ulid::from_string(s)
            .map(RunId)
            .map_err(|e| format!("`{s}` is not a run id ({e})"))
    }
}

impl Serialize for RunId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RunId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Characters of `RunId::short`: the id's time part, to the millisecond.
pub const SHORT_LEN: usize = 10;

/// Fewest characters of an id shown where room is short (status bar, dialogs). Five cover a
/// couple of hours of start times, so runs started close together need more.
pub const TIGHT_LEN: usize = 5;

/// The fewest characters, at least `min`, that tell each of `ids` from all the others, like
/// git's abbreviated hashes: what a person can type back to find the run.
pub fn unique_prefix_len(ids: impl IntoIterator<Item = RunId>, min: usize) -> usize {
    let mut texts: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
    texts.sort();
    texts.dedup();
    let shared = texts
        .windows(2)
        .map(|w| {
            w[0].bytes()
                .zip(w[1].bytes())
                .take_while(|(a, b)| a == b)
                .count()
        })
        .max()
        .unwrap_or(0);
    (shared + 1).max(min).min(26)
}

/// What a prefix lookup found.
#[derive(Debug, PartialEq, Eq)]
pub enum PrefixMatch {
    One(RunId),
    None,
    Many(Vec<RunId>),
}

/// Finds the run whose id starts with `prefix` (case-insensitive), like git's short hashes.
pub fn match_prefix(prefix: &str, ids: impl IntoIterator<Item = RunId>) -> PrefixMatch {
    let want = prefix.trim().to_ascii_uppercase();
    if want.is_empty() {
        return PrefixMatch::None;
    }
    let hits: Vec<RunId> = ids
        .into_iter()
        .filter(|id| id.to_string().starts_with(&want))
        .collect();
    match hits.len() {
        0 => PrefixMatch::None,
        1 => PrefixMatch::One(hits[0]),
        _ => PrefixMatch::Many(hits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_and_round_trip() {
        let a = RunId::new_at(1_000);
        let b = RunId::new_at(2_000);
        assert!(a < b);
        assert_eq!(a.to_string().parse::<RunId>().unwrap(), a);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<RunId>(&json).unwrap(), a);
        assert!("nope".parse::<RunId>().is_err());
    }

    #[test]
    fn prefix_lookup_is_unique_or_says_why() {
        let a: RunId = "01JD7AAAAAAAAAAAAAAAAAAAAA".parse().unwrap();
        let b: RunId = "01JD7BBBBBBBBBBBBBBBBBBBBB".parse().unwrap();
        assert_eq!(match_prefix("01jd7a", [a, b]), PrefixMatch::One(a));
        assert_eq!(match_prefix("01JD7", [a, b]), PrefixMatch::Many(vec![a, b]));
        assert_eq!(match_prefix("01JD8", [a, b]), PrefixMatch::None);
        assert_eq!(match_prefix("", [a, b]), PrefixMatch::None);
    }

    #[test]
    fn the_unique_prefix_is_as_long_as_the_closest_pair_needs() {
        let a: RunId = "01M8WAAAAAAAAAAAAAAAAAAAAA".parse().unwrap();
        let b: RunId = "01M8WAAAAAAABBBBBBBBBBBBBB".parse().unwrap();
        let c: RunId = "01M9XCCCCCCCCCCCCCCCCCCCCC".parse().unwrap();
        // a and b share 12 characters: 13 tell them apart, and each prefix finds one run.
        assert_eq!(unique_prefix_len([a, b, c], TIGHT_LEN), 13);
        for id in [a, b, c] {
            assert_eq!(
                match_prefix(&id.prefix(13), [a, b, c]),
                PrefixMatch::One(id)
            );
        }
        assert_eq!(
            match_prefix(&a.prefix(TIGHT_LEN), [a, b, c]),
            PrefixMatch::Many(vec![a, b])
        );
        // Never under the minimum; one run (or none) needs only that.
        assert_eq!(unique_prefix_len([a, c], TIGHT_LEN), TIGHT_LEN);
        assert_eq!(unique_prefix_len([a, c], SHORT_LEN), SHORT_LEN);
        assert_eq!(unique_prefix_len([a], TIGHT_LEN), TIGHT_LEN);
        assert_eq!(unique_prefix_len([a, a], TIGHT_LEN), TIGHT_LEN);
        assert_eq!(unique_prefix_len([], TIGHT_LEN), TIGHT_LEN);
        assert_eq!(a.prefix(40), a.to_string());
        assert_eq!(a.short(), "01M8WAAAAA");
    }
}
