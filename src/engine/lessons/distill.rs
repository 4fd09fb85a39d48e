//! The prompt asking the strategist to distil one short lesson from a task's gate output and
//! review comments, and the reading of its reply (design §6: the strategist "summarises
//! lessons").
//!
//! Owns the prompt's wording and caps. Must not call a provider: the engine sends the prompt
//! and passes the reply to `parse_distilled`, then to `LessonStore::add`. Gate output and
//! review text come from events, which the store has already scrubbed of secrets.

use super::MAX_LESSON_CHARS;
use crate::engine::detection::text::{cap_chars, compact, tail_chars};
use crate::model::{ReviewComment, TaskKind, Verdict};
use std::fmt::Write;

/// Characters of each gate's output tail put in the prompt (the end, where errors are).
const GATE_TAIL_CHARS: usize = 1500;
const MAX_GATES: usize = 6;
const MAX_COMMENTS: usize = 12;
const COMMENT_CHARS: usize = 300;
const MAX_KNOWN: usize = 12;
/// What the lesson may be at most, asked of the model (the store cuts at `MAX_LESSON_CHARS`).
const ASKED_CHARS: usize = 300;

/// One gate round's result.
#[derive(Clone, Copy, Debug)]
pub struct GateNote<'a> {
    pub gate: &'a str,
    pub passed: bool,
    pub output_tail: &'a str,
}

/// One review.
#[derive(Clone, Copy, Debug)]
pub struct ReviewNote<'a> {
    pub reviewer: &'a str,
    pub verdict: Verdict,
    pub summary: &'a str,
    pub comments: &'a [ReviewComment],
}

#[derive(Clone, Copy, Debug)]
pub struct DistillInput<'a> {
    pub task_title: &'a str,
    pub task_description: &'a str,
    pub kind: TaskKind,
    pub agent: &'a str,
    /// How the task ended, e.g. "done after 2 retries" or "failed after 3 retries".
    pub outcome: &'a str,
    pub gates: &'a [GateNote<'a>],
    pub reviews: &'a [ReviewNote<'a>],
    /// Lessons already stored, so the model does not repeat one.
    pub known_lessons: &'a [String],
}

/// The whole prompt text (the user message; the strategist's role prompt is the system one).
pub fn distill_prompt(input: &DistillInput<'_>) -> String {
    let kind = input.kind.name();
    let a_kind = crate::util::words::with_article(kind);
    let mut p = String::new();
    let _ = write!(
        p,
        "You keep this team's lessons. Agent `{agent}` worked on {a_kind} task; below are its \
         gate results and review comments. Write ONE short lesson that would have let an agent \
         get a task like this right the first time.\n\n\
         Rules:\n\
         - one or two sentences, at most {ASKED_CHARS} characters, as an instruction \
         (\"Run `cargo fmt` before finishing.\");\n\
         - general enough for other {kind} tasks in this repository: no task ids, no line \
         numbers, no long quotes of output;\n\
         - never include secrets, keys, tokens or personal data;\n\
         - do not repeat or rephrase a known lesson;\n\
         - if there is nothing worth learning, answer exactly NONE.\n\
         Answer with the lesson text only.\n\n",
        agent = input.agent,
    );
    let _ = writeln!(p, "Task ({kind}): {}", compact(input.task_title, 200));
    if !input.task_description.trim().is_empty() {
        let _ = writeln!(p, "{}", cap_chars(input.task_description.trim(), 1000));
    }
    let _ = writeln!(p, "Outcome: {}", compact(input.outcome, 200));
    if !input.gates.is_empty() {
        p.push_str("\nGate results:\n");
        // The last rounds say most about what finally went wrong or right.
        let skip = input.gates.len().saturating_sub(MAX_GATES);
        for g in &input.gates[skip..] {
            let verdict = if g.passed { "passed" } else { "failed" };
            let _ = writeln!(p, "- {}: {verdict}", g.gate);
            let tail = tail_chars(g.output_tail.trim_end(), GATE_TAIL_CHARS);
            // Indented rather than fenced: output may contain fences of its own.
            for line in tail.lines().filter(|l| !l.trim().is_empty()) {
                let _ = writeln!(p, "    {line}");
            }
        }
    }
    for r in input.reviews {
        let verdict = match r.verdict {
            Verdict::Approve => "approve",
            Verdict::RequestChanges => "request_changes",
        };
        let _ = writeln!(
            p,
            "\nReview by {} ({verdict}): {}",
            r.reviewer,
            compact(r.summary, 400)
        );
        for c in r.comments.iter().take(MAX_COMMENTS) {
            let at = if c.line > 0 {
                format!("{}:{}", c.path, c.line)
            } else {
                c.path.clone()
            };
            let _ = writeln!(p, "- {at}: {}", compact(&c.body, COMMENT_CHARS));
        }
        if r.comments.len() > MAX_COMMENTS {
            let _ = writeln!(p, "- … {} more comments", r.comments.len() - MAX_COMMENTS);
        }
    }
    if !input.known_lessons.is_empty() {
        p.push_str("\nKnown lessons (do not repeat):\n");
        for l in input.known_lessons.iter().take(MAX_KNOWN) {
            let _ = writeln!(p, "- {}", compact(l, MAX_LESSON_CHARS));
        }
    }
    p
}

/// The lesson in a model's reply, or None when it said there is none (or said nothing).
/// Tolerates a `Lesson:` label, a list bullet, quotes and code fences around the text.
pub fn parse_distilled(reply: &str) -> Option<String> {
    let body: Vec<&str> = reply
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("```"))
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect();
    let mut t = body.join(" ");
    for label in ["lesson:", "**lesson:**", "lesson -"] {
        if t.to_lowercase().starts_with(label) {
            t = t.get(label.len()..).unwrap_or("").trim().to_string();
        }
    }
    let t = unquote(t.trim_start_matches(['-', '*', '•']).trim());
    let none = t.trim_end_matches('.').eq_ignore_ascii_case("none");
    (!t.is_empty() && !none).then(|| compact(t, MAX_LESSON_CHARS))
}

/// `s` without one pair of surrounding quotes; a lone backtick at the end is code, kept.
fn unquote(s: &str) -> &str {
    for (open, close) in [('"', '"'), ('\'', '\''), ('`', '`'), ('“', '”')] {
        if let Some(inner) = s.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
            return inner.trim();
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read_leniently() {
        assert_eq!(parse_distilled("NONE"), None);
        assert_eq!(parse_distilled("  none.\n"), None);
        assert_eq!(parse_distilled(""), None);
        assert_eq!(
            parse_distilled("Lesson: Run `cargo fmt` before finishing."),
            Some("Run `cargo fmt` before finishing.".into())
        );
        assert_eq!(
            parse_distilled("```\n\"Check for None before unwrapping.\"\n```\n\nExtra chatter."),
            Some("Check for None before unwrapping.".into())
        );
        assert_eq!(
            parse_distilled("Always run `cargo fmt`"),
            Some("Always run `cargo fmt`".into())
        );
        assert_eq!(
            parse_distilled("- Keep tests\n  deterministic."),
            Some("Keep tests deterministic.".into())
        );
    }
}
