//! What an agent is told: its role's instructions (from `prompts/*.md`, so they can be read and
//! improved without touching code), the task, a compact map of the repository, lessons from
//! earlier runs, and feedback from gates and reviews.

use crate::model::Role;

pub const STRATEGIST: &str = include_str!("prompts/strategist.md");
pub const IMPLEMENTER: &str = include_str!("prompts/implementer.md");
pub const REVIEWER: &str = include_str!("prompts/reviewer.md");

/// Files listed in the repo map at most.
const MAP_FILES: usize = 200;

pub fn system_prompt(role: Role) -> &'static str {
    match role {
        Role::Strategist => STRATEGIST,
        Role::Implementer => IMPLEMENTER,
        Role::Reviewer => REVIEWER,
    }
}

/// The task as an agent sees it.
#[derive(Clone, Debug, Default)]
pub struct Brief {
    pub goal: String,
    /// `id: title` and the description, for implementers and reviewers.
    pub task: Option<(String, String, String)>,
    pub lessons: Vec<String>,
    /// Gate output and review comments from earlier attempts, newest last.
    pub feedback: Vec<String>,
    /// For the reviewer: the diff and gate results.
    pub material: Option<String>,
}

/// The worktree's files in path order, gitignore respected, hidden files included, `.git`
/// never entered.
pub fn walk(root: &std::path::Path) -> ignore::Walk {
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_path(|a, b| a.cmp(b))
        .build()
}

/// A compact listing of the worktree's files (gitignore respected).
pub fn repo_map(root: &std::path::Path) -> String {
    let files: Vec<String> = walk(root)
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| {
            e.path()
                .strip_prefix(root)
                .unwrap_or(e.path())
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    let mut out = files
        .iter()
        .take(MAP_FILES)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    if files.len() > MAP_FILES {
        out.push_str(&format!("\n(… {} more files)", files.len() - MAP_FILES));
    }
    out
}

/// The first user message of an agent's session.
pub fn first_message(b: &Brief, map: &str) -> String {
    let mut s = format!("Goal: {}\n", b.goal);
    if let Some((id, title, description)) = &b.task {
        s.push_str(&format!("\nYour task {id}: {title}\n{description}\n"));
    }
    s.push_str(&format!("\nFiles in the repository:\n{map}\n"));
    if !b.lessons.is_empty() {
        s.push_str("\nLessons from earlier runs on this repository:\n");
        for l in &b.lessons {
            s.push_str(&format!("- {l}\n"));
        }
    }
    if !b.feedback.is_empty() {
        s.push_str("\nYour previous attempt was sent back. Fix what follows:\n");
        for f in &b.feedback {
            s.push_str(&format!("---\n{f}\n"));
        }
    }
    if let Some(m) = &b.material {
        s.push_str(&format!("\n{m}\n"));
    }
    s
}
