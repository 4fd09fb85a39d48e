//! Turns streamed deltas into Transcript events: one event per agent and part for every
//! ≤ 50 ms or 4 KB of text, and at every part change (design §4), so a 5000-line answer makes
//! a few hundred events and a replay shows the same text in the same order.

use crate::model::{EventKind, TranscriptPart};
use std::time::{Duration, Instant};

pub const MAX_WAIT: Duration = Duration::from_millis(50);
pub const MAX_BYTES: usize = 4096;

pub struct Coalescer {
    agent: String,
    task: Option<String>,
    part: TranscriptPart,
    buf: String,
    since: Option<Instant>,
}

impl Coalescer {
    pub fn new(agent: &str, task: Option<String>) -> Coalescer {
        Coalescer {
            agent: agent.to_string(),
            task,
            part: TranscriptPart::Text,
            buf: String::new(),
            since: None,
        }
    }

    /// Adds text; returns the events that are due (a part change flushes the old part first).
    pub fn push(&mut self, part: TranscriptPart, text: &str, now: Instant) -> Vec<EventKind> {
        let mut out = Vec::new();
        if text.is_empty() {
            return out;
        }
        if part != self.part {
            out.extend(self.flush());
            self.part = part;
        }
        if self.buf.is_empty() {
            self.since = Some(now);
        }
        self.buf.push_str(text);
        if self.buf.len() >= MAX_BYTES || self.deadline().is_some_and(|d| now >= d) {
            out.extend(self.flush());
        }
        out
    }

    /// When the buffered text is due even if nothing else arrives.
    pub fn deadline(&self) -> Option<Instant> {
        self.since.map(|s| s + MAX_WAIT)
    }

    pub fn flush(&mut self) -> Option<EventKind> {
        self.since = None;
        if self.buf.is_empty() {
            return None;
        }
        Some(EventKind::Transcript {
            agent: self.agent.clone(),
            task: self.task.clone(),
            part: self.part,
            text: std::mem::take(&mut self.buf),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_small_deltas_make_few_events_and_keep_the_text() {
        let mut c = Coalescer::new("impl-1", None);
        let t0 = Instant::now();
        let mut events = Vec::new();
        let line = "a line of a long answer that goes on\n";
        for i in 0..5000u64 {
            // 5000 deltas within one second.
            events.extend(c.push(
                TranscriptPart::Text,
                line,
                t0 + Duration::from_micros(i * 200),
            ));
        }
        events.extend(c.flush());
        assert!(events.len() < 200, "{} events", events.len());
        let text: String = events
            .iter()
            .map(|e| match e {
                EventKind::Transcript { text, .. } => text.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(text, line.repeat(5000));
    }

    #[test]
    fn a_part_change_flushes() {
        let mut c = Coalescer::new("a", None);
        let t = Instant::now();
        assert!(c.push(TranscriptPart::Thinking, "hmm", t).is_empty());
        let e = c.push(TranscriptPart::Text, "ok", t);
        assert!(
            matches!(&e[..], [EventKind::Transcript { part: TranscriptPart::Thinking, text, .. }] if text == "hmm")
        );
        assert!(matches!(
            c.flush(),
            Some(EventKind::Transcript {
                part: TranscriptPart::Text,
                ..
            })
        ));
        assert!(c.flush().is_none());
    }
}
