//! Lessons learned from failures, kept in the store's memory tree under `lesson/<ulid>` and
//! added to later prompts (design §5, §8): a lesson survives restarts and applies to later
//! runs of any repo opened with the same data dir.
//!
//! Owns the lesson record, its keys, the relevance ranking (`words`) and the prompt asking the
//! strategist to distil a lesson (`distill`). Must not call a provider, decide whether a
//! lesson is used (the policy matrix says: recorded from level 4, used at level 5) or emit
//! the `Lesson` event: the engine does, after `add` returned, with `persisted: true`.
//!
//! Entries the engine wrote itself as `{text, source, kind, agent, created_ms}` JSON under
//! `lesson/<ulid>` read as lessons too: the id comes from the key.

mod distill;
mod words;

pub use distill::{distill_prompt, parse_distilled, DistillInput, GateNote, ReviewNote};

use crate::engine::detection::text::compact;
use crate::model::TaskKind;
use crate::store::{Memory, StoreError};
use serde::{Deserialize, Serialize};
use words::{overlap, word_set};

#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("memory store: {0}")]
    Store(#[from] StoreError),
    #[error("a lesson needs some text; the distilled reply was empty")]
    Empty,
}

pub type Result<T> = std::result::Result<T, LessonError>;

/// A lesson is one or two sentences; longer text is cut.
pub const MAX_LESSON_CHARS: usize = 400;

const PREFIX: &str = "lesson/";
/// How much a matching task kind counts next to word overlap (which is in [0, 1]).
const KIND_WEIGHT: f64 = 0.5;
/// A lesson with no kind applies everywhere, a little.
const GENERAL_KIND_MATCH: f64 = 0.4;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredLesson {
    /// A ULID whose time part is `created_ms`, so key order is creation order. Taken from the
    /// key on reading.
    #[serde(default)]
    pub id: String,
    pub text: String,
    /// Where it came from, e.g. `task t3 gates` or `review of t2`.
    pub source: String,
    #[serde(default)]
    pub kind: Option<TaskKind>,
    #[serde(default)]
    pub agent: Option<String>,
    pub created_ms: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewLesson {
    pub text: String,
    pub source: String,
    pub kind: Option<TaskKind>,
    pub agent: Option<String>,
    /// From the event clock, not the wall clock, so a replayed run stores the same time.
    pub created_ms: u64,
}

pub struct LessonStore {
    memory: Memory,
}

fn normalised(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl LessonStore {
    pub fn new(memory: Memory) -> LessonStore {
        LessonStore { memory }
    }

    /// Stores `new` and returns it as stored; it is on disk when this returns. A lesson whose
    /// text (ignoring case and spacing) is already stored is not stored twice: the existing
    /// one is returned, so adding is safe to repeat after a crash.
    pub fn add(&self, new: NewLesson) -> Result<StoredLesson> {
        let text = compact(&new.text, MAX_LESSON_CHARS);
        if text.is_empty() {
            return Err(LessonError::Empty);
        }
        let key_text = normalised(&text);
        if let Some(existing) = self
            .list()?
            .into_iter()
            .find(|l| normalised(&l.text) == key_text)
        {
            return Ok(existing);
        }
        let id = ulid::Ulid::from_parts(new.created_ms, rand::random()).to_string();
        let lesson = StoredLesson {
            id: id.clone(),
            text,
            source: compact(&new.source, 200),
            kind: new.kind,
            agent: new.agent,
            created_ms: new.created_ms,
        };
        self.memory.put(&format!("{PREFIX}{id}"), &lesson)?;
        Ok(lesson)
    }

    /// Every stored lesson, oldest first. An entry that no longer decodes is skipped.
    pub fn list(&self) -> Result<Vec<StoredLesson>> {
        Ok(self
            .memory
            .scan::<StoredLesson>(PREFIX)?
            .into_iter()
            .map(|(key, mut l)| {
                l.id = key[PREFIX.len()..].to_string();
                l
            })
            .collect())
    }

    pub fn get(&self, id: &str) -> Result<Option<StoredLesson>> {
        let lesson: Option<StoredLesson> = self.memory.get(&format!("{PREFIX}{id}"))?;
        Ok(lesson.map(|mut l| {
            l.id = id.to_string();
            l
        }))
    }

    /// Forgets a lesson (a person revokes one that is wrong).
    pub fn remove(&self, id: &str) -> Result<()> {
        Ok(self.memory.remove(&format!("{PREFIX}{id}"))?)
    }

    /// The texts of at most `n` lessons most relevant to a task of `kind` described by
    /// `text_hint`, best first.
    pub fn relevant(&self, kind: TaskKind, text_hint: &str, n: usize) -> Result<Vec<String>> {
        Ok(self
            .relevant_lessons(kind, text_hint, n)?
            .into_iter()
            .map(|(l, _)| l.text)
            .collect())
    }

    /// As `relevant`, with each lesson's score: `KIND_WEIGHT` × kind match (1 same kind, 0.4 a
    /// lesson for any kind, 0 another kind) + word overlap with the hint (0..=1). Lessons
    /// scoring 0 (another kind, no shared word) are left out; ties go to the newer lesson.
    pub fn relevant_lessons(
        &self,
        kind: TaskKind,
        text_hint: &str,
        n: usize,
    ) -> Result<Vec<(StoredLesson, f64)>> {
        let hint = word_set(text_hint);
        let mut scored: Vec<(StoredLesson, f64)> = self
            .list()?
            .into_iter()
            .map(|l| {
                let kind_match = match l.kind {
                    Some(k) if k == kind => 1.0,
                    Some(_) => 0.0,
                    None => GENERAL_KIND_MATCH,
                };
                let score = KIND_WEIGHT * kind_match + overlap(&hint, &word_set(&l.text));
                (l, score)
            })
            .filter(|(_, s)| *s > 0.0)
            .collect();
        // `list` is oldest first; reversing before a stable sort puts the newer first on ties.
        scored.reverse();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored.truncate(n);
        Ok(scored)
    }
}
