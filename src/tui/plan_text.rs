//! A plan as editable text, and back: what the person edits before approving a plan.
//!
//! Owns the text form only. One task per line, `ID KIND [pN] [after DEP,DEP] TITLE`, with its
//! description on the indented lines below it; `#` lines are comments. Parsing reports the
//! line and what to write instead; whether the graph makes sense (unknown deps, cycles) is
//! `agents::tools::validate_plan`'s call, the same check the strategist's plans pass. Fields
//! the text does not show (estimate, risk) are carried over from the task with the same id.

use crate::model::{PlannedTask, RunState, TaskKind};

/// The lines at the top of an edited plan, saying how to write it.
const HEADER: &str = "\
# One task per line: ID KIND [p1-p3] [after ID,ID] TITLE
# Indented lines under a task are its description. Lines starting with # are ignored.
# Kinds: feature bugfix test refactor docs perf security";

const KINDS: &[(&str, TaskKind)] = &[
    ("feature", TaskKind::Feature),
    ("bugfix", TaskKind::Bugfix),
    ("test", TaskKind::Test),
    ("refactor", TaskKind::Refactor),
    ("docs", TaskKind::Docs),
    ("perf", TaskKind::Perf),
    ("security", TaskKind::Security),
];

/// The tasks a plan approval is about, as the strategist's plan would list them: every task
/// not yet started (conflict tasks are conclave's own and stay out).
pub fn planned(state: &RunState) -> Vec<PlannedTask> {
    state
        .tasks
        .iter()
        .filter(|t| t.kind != TaskKind::Conflict && t.attempts == 0 && !t.status.is_terminal())
        .map(|t| PlannedTask {
            id: t.id.clone(),
            title: t.title.clone(),
            description: t.description.clone(),
            kind: t.kind,
            deps: t.deps.clone(),
            priority: t.priority,
            estimate_min: t.estimate_min,
            risk: t.risk,
        })
        .collect()
}

/// The plan as text, header first.
pub fn to_text(tasks: &[PlannedTask]) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for t in tasks {
        out.push_str(&format!("{} {} p{}", t.id, t.kind.name(), t.priority));
        if !t.deps.is_empty() {
            out.push_str(&format!(" after {}", t.deps.join(",")));
        }
        out.push(' ');
        out.push_str(one_line(&t.title).trim());
        out.push('\n');
        for l in t.description.lines() {
            out.push_str("    ");
            out.push_str(l.trim_end());
            out.push('\n');
        }
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A problem in the text, with its 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanTextError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for PlanTextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Reads tasks back; `before` supplies estimate and risk for ids it already had.
pub fn parse(text: &str, before: &[PlannedTask]) -> Result<Vec<PlannedTask>, PlanTextError> {
    let mut tasks: Vec<PlannedTask> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let err = |message: String| PlanTextError { line, message };
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            let Some(t) = tasks.last_mut() else {
                return Err(err(
                    "an indented line is a description, but no task line comes before it".into(),
                ));
            };
            if !t.description.is_empty() {
                t.description.push('\n');
            }
            t.description.push_str(raw.trim());
            continue;
        }
        let mut words = raw.split_whitespace().peekable();
        let id = words.next().unwrap_or_default().to_string();
        let kind_word = words.next().ok_or_else(|| {
            err(format!(
                "task `{id}` needs a kind and a title, e.g. `{id} feature p2 Add the parser`"
            ))
        })?;
        let kind = KINDS
            .iter()
            .find(|(n, _)| *n == kind_word)
            .map(|(_, k)| *k)
            .ok_or_else(|| {
                err(format!(
                    "`{kind_word}` is not a task kind; use one of: {}",
                    KINDS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ))
            })?;
        let mut priority = 2;
        if let Some(p) = words.peek().and_then(|w| priority_of(w)) {
            priority = p.map_err(err)?;
            words.next();
        }
        let mut deps = Vec::new();
        if words.peek() == Some(&"after") {
            words.next();
            let list = words
                .next()
                .ok_or_else(|| err("`after` needs task ids, e.g. `after t1,t2`".into()))?;
            deps = list
                .split(',')
                .filter(|d| !d.is_empty())
                .map(str::to_string)
                .collect();
        }
        let title = words.collect::<Vec<_>>().join(" ");
        if title.is_empty() {
            return Err(err(format!("task `{id}` has no title after its kind")));
        }
        let old = before.iter().find(|b| b.id == id);
        tasks.push(PlannedTask {
            id,
            title,
            description: String::new(),
            kind,
            deps,
            priority,
            estimate_min: old.and_then(|o| o.estimate_min),
            risk: old.and_then(|o| o.risk),
        });
    }
    Ok(tasks)
}

/// `p1`..`p3` as a priority; `None` when the word is not meant as one (a title word).
fn priority_of(word: &str) -> Option<Result<u8, String>> {
    let digits = word.strip_prefix('p')?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(match digits.parse::<u8>() {
        Ok(p @ 1..=3) => Ok(p),
        _ => Err(format!("priority `{word}` must be p1, p2 or p3")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn task(id: &str, deps: &[&str]) -> PlannedTask {
        PlannedTask {
            id: id.into(),
            title: format!("Do {id}"),
            description: String::new(),
            kind: TaskKind::Feature,
            deps: deps.iter().map(|d| d.to_string()).collect(),
            priority: 2,
            estimate_min: Some(15),
            risk: None,
        }
    }

    #[test]
    fn reads_what_a_person_writes() {
        let text = "# mine\nt1 bugfix p1 Fix the parser\n  it drops the last token\n\n  and the sign\nt2 test after t1 Cover it\n";
        let got = parse(text, &[task("t1", &[])]).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].kind, TaskKind::Bugfix);
        assert_eq!(got[0].priority, 1);
        assert_eq!(got[0].description, "it drops the last token\nand the sign");
        assert_eq!(
            got[0].estimate_min,
            Some(15),
            "carried over from the old t1"
        );
        assert_eq!(got[1].deps, vec!["t1"]);
        assert_eq!(got[1].priority, 2);
        assert_eq!(got[1].title, "Cover it");
    }

    #[test]
    fn a_title_word_like_p2p_is_not_a_priority() {
        let got = parse("t1 docs p2p notes", &[]).unwrap();
        assert_eq!((got[0].priority, got[0].title.as_str()), (2, "p2p notes"));
    }

    #[test]
    fn problems_name_the_line_and_the_fix() {
        let e = parse("\nt1 featur Add", &[]).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("`featur` is not a task kind"), "{e}");
        let e = parse("t1 feature p7 Add", &[]).unwrap_err();
        assert!(e.to_string().contains("line 1: priority `p7`"), "{e}");
        assert!(parse("  orphan", &[])
            .unwrap_err()
            .message
            .contains("no task line"));
        assert!(parse("t1 feature", &[])
            .unwrap_err()
            .message
            .contains("no title"));
        assert!(parse("t1", &[])
            .unwrap_err()
            .message
            .contains("needs a kind"));
        assert!(parse("t1 test after", &[])
            .unwrap_err()
            .message
            .contains("`after` needs"));
    }

    fn arb_task() -> impl Strategy<Value = PlannedTask> {
        (
            "[a-z][a-z0-9_-]{0,8}",
            "[A-Za-z][A-Za-z0-9 ,.]{0,30}",
            "([a-z ]{0,20}\n){0,3}",
            0usize..7,
            prop::collection::vec("[a-z][a-z0-9]{0,4}", 0..3),
            1u8..=3,
        )
            .prop_map(|(id, title, desc, k, deps, priority)| PlannedTask {
                id,
                title: one_line(&title),
                description: desc
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n"),
                kind: KINDS[k].1,
                deps,
                priority,
                estimate_min: None,
                risk: None,
            })
            // A title starting with `after` reads as a dependency list: the format's one
            // ambiguity, which the header's example makes plain.
            .prop_filter("a title is needed", |t| {
                !t.title.is_empty() && !t.title.starts_with("after")
            })
    }

    proptest! {
        #[test]
        fn text_round_trips(tasks in prop::collection::vec(arb_task(), 0..6)) {
            let back = parse(&to_text(&tasks), &tasks).unwrap();
            prop_assert_eq!(back, tasks);
        }

        #[test]
        fn any_text_parses_or_names_a_line(text in "[a-z0-9 #,\n\tp]{0,200}") {
            if let Err(e) = parse(&text, &[]) {
                prop_assert!(e.line >= 1 && e.line <= text.lines().count());
            }
        }
    }
}
