//! A plan as editable text, and back: what the person edits before approving a plan.
//!
//! Owns the text form only. One task per line, `ID KIND [pN] [after DEP,DEP] TITLE`, with its
//! description on the indented lines below it; `#` lines are comments. Parsing reports the
//! line (and column) and what to write instead; whether the graph makes sense (unknown deps,
//! cycles) is `model::check_plan`'s call, the same check the strategist's plans pass, and
//! `check` points its answer at the task's line (`locate`). A task line indented by mistake
//! is refused rather than read as the previous task's description: the task would vanish
//! from the plan without a word. Fields the text does not show (estimate, risk) are carried
//! over from the task with the same id.

mod locate;

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

/// A problem in the text: its 1-based line, the 0-based column (in characters) where it is
/// when that is known, and what to write instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanTextError {
    pub line: usize,
    pub column: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for PlanTextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Tasks read from text, each with where it was written.
pub(crate) struct Read {
    pub tasks: Vec<PlannedTask>,
    pub at: Vec<Written>,
}

/// Where a task was written: its 1-based line, and the character column its `after` list
/// starts at, if it has one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Written {
    pub line: usize,
    pub deps_col: Option<usize>,
}

/// Reads tasks back; `before` supplies estimate and risk for ids it already had.
pub fn parse(text: &str, before: &[PlannedTask]) -> Result<Vec<PlannedTask>, PlanTextError> {
    read(text, before).map(|r| r.tasks)
}

/// Reads tasks back and checks them as a plan (`model::check_plan`): a problem with a task
/// names the line it is written on. `existing` are ids of tasks already started, which the
/// plan's tasks may depend on.
pub fn check(
    text: &str,
    before: &[PlannedTask],
    existing: &[String],
) -> Result<Vec<PlannedTask>, PlanTextError> {
    let r = read(text, before)?;
    match crate::model::check_plan(&r.tasks, existing) {
        Ok(()) => Ok(r.tasks),
        Err(p) => Err(locate::located(&p, &r, text, existing)),
    }
}

/// Words of a line with the character column each starts at.
fn words(raw: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<(usize, usize)> = None;
    for (col, (byte, c)) in raw.char_indices().enumerate() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some((col, byte)),
            (true, Some((scol, sbyte))) => {
                out.push((scol, &raw[sbyte..byte]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some((scol, sbyte)) = start {
        out.push((scol, &raw[sbyte..]));
    }
    out
}

fn kind_of(word: &str) -> Option<TaskKind> {
    KINDS.iter().find(|(n, _)| *n == word).map(|(_, k)| *k)
}

/// Whether an indented line reads as a task line a person meant (`t6 test p2 Check it`):
/// an id and a kind, then more, where the id looks like one (a digit in it, or an id the plan
/// knows) or a priority or `after` follows. A description sentence like "a feature flag for
/// retries" does not.
fn reads_as_task(trimmed: &str, known: &[&str]) -> bool {
    let w = words(trimmed);
    let [(_, id), (_, kind), (_, third), ..] = w.as_slice() else {
        return false;
    };
    if !crate::model::valid_task_id(id) || kind_of(kind).is_none() {
        return false;
    }
    id.chars().any(|c| c.is_ascii_digit())
        || known.contains(id)
        || *third == "after"
        || priority_of(third).is_some()
}

fn read(text: &str, before: &[PlannedTask]) -> Result<Read, PlanTextError> {
    let mut tasks: Vec<PlannedTask> = Vec::new();
    let mut at: Vec<Written> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let err = |column: usize, message: String| PlanTextError {
            line,
            column: Some(column),
            message,
        };
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            let line_text = raw.trim();
            let indent = raw.chars().count() - raw.trim_start().chars().count();
            let known: Vec<&str> = before
                .iter()
                .map(|b| b.id.as_str())
                .chain(tasks.iter().map(|t| t.id.as_str()))
                .collect();
            let Some(t) = tasks.last() else {
                return Err(err(
                    indent,
                    "an indented line is a description, but no task line comes before it: \
                     remove the spaces before it to make it a task, or write a task line above it"
                        .into(),
                ));
            };
            // A task line indented by mistake would silently become description text (and
            // the task vanish from the plan). Lines the plan had as description stay.
            let had = before
                .iter()
                .find(|b| b.id == t.id)
                .is_some_and(|b| b.description.lines().any(|l| l.trim() == line_text));
            if !had && reads_as_task(line_text, &known) {
                return Err(err(
                    0,
                    format!(
                        "`{}` is indented, so it reads as part of `{}`'s description, not as \
                         a task: remove the spaces before it to make it a task, or start it with \
                         `-` to keep it as description",
                        crate::tui::text::ellipsize(line_text, 30),
                        t.id
                    ),
                ));
            }
            if let Some(t) = tasks.last_mut() {
                if !t.description.is_empty() {
                    t.description.push('\n');
                }
                t.description.push_str(line_text);
            }
            continue;
        }
        let w = words(raw);
        let id = w.first().map_or("", |(_, s)| *s).to_string();
        let end = raw.chars().count();
        let Some(&(kind_col, kind_word)) = w.get(1) else {
            return Err(err(
                end,
                format!(
                    "task `{id}` needs a kind and a title, e.g. `{id} feature p2 Add the parser`"
                ),
            ));
        };
        let kind = kind_of(kind_word).ok_or_else(|| {
            err(
                kind_col,
                format!(
                    "`{kind_word}` is not a task kind; use one of: {}",
                    KINDS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ),
            )
        })?;
        let mut next = 2;
        let mut priority = 2;
        if let Some(&(col, word)) = w.get(next) {
            if let Some(p) = priority_of(word) {
                priority = p.map_err(|m| err(col, m))?;
                next += 1;
            }
        }
        let mut deps = Vec::new();
        let mut deps_col = None;
        if let Some(&(col, "after")) = w.get(next) {
            let &(list_col, list) = w.get(next + 1).ok_or_else(|| {
                err(
                    col + "after".len(),
                    format!("`after` needs task ids, e.g. `{id} {kind_word} after t1,t2 Title`"),
                )
            })?;
            deps = list
                .split(',')
                .filter(|d| !d.is_empty())
                .map(str::to_string)
                .collect();
            deps_col = Some(list_col);
            next += 2;
        }
        let title = w[next.min(w.len())..]
            .iter()
            .map(|(_, s)| *s)
            .collect::<Vec<_>>()
            .join(" ");
        if title.is_empty() {
            return Err(err(
                end,
                format!("task `{id}` has no title: write one after its kind, e.g. `{id} {kind_word} p2 Add the parser`"),
            ));
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
        at.push(Written { line, deps_col });
    }
    Ok(Read { tasks, at })
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
mod tests;
