//! The repository's own instructions for agents, read the way Codex documents it for
//! AGENTS.md: in the project root the first non-empty of `AGENTS.override.md`, `AGENTS.md`,
//! then `CLAUDE.md` (what Claude Code users keep), capped at 32 KiB. Files in deeper
//! directories apply to the files under them (the nearest wins); they are listed so the agent
//! reads the one that governs what it edits. A repo can also replace a role's built-in prompt
//! with `.conclave/prompts/ROLE.md`.
//!
//! Owns reading those files from a worktree and composing the system prompt. Must not write
//! anything, and reads only inside the worktree it is given (its committed content).

use crate::model::Role;
use std::path::Path;

/// Bytes of instructions kept (Codex's `project_doc_max_bytes` default).
pub const CAP: usize = 32 * 1024;
/// Bytes of a role prompt override kept.
const PROMPT_CAP: usize = 64 * 1024;
/// Lines of the instructions repeated in the transcript's first turn.
const SHOWN_LINES: usize = 12;
/// Nested instruction files listed at most.
const NESTED_LISTED: usize = 20;

const NAMES: [&str; 3] = ["AGENTS.override.md", "AGENTS.md", "CLAUDE.md"];

/// What a session is told besides its task, and what the person is shown of it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Composed {
    pub system: String,
    /// A note for the transcript's first turn: which files shaped the prompt, and how.
    pub note: Option<String>,
}

fn read_capped(path: &Path, cap: usize) -> Option<(String, usize, bool)> {
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let total = trimmed.len();
    if total <= cap {
        return Some((trimmed.to_string(), total, false));
    }
    let mut end = cap;
    while !trimmed.is_char_boundary(end) {
        end -= 1;
    }
    Some((trimmed[..end].to_string(), total, true))
}

/// Instruction files below the root, nearest-wins for the files under them.
fn nested(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in super::prompt::walk(root).flatten() {
        let Some(parent) = e.path().parent() else {
            continue;
        };
        if parent == root || !e.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let name = e.file_name().to_string_lossy();
        if name != "AGENTS.md" && name != "AGENTS.override.md" {
            continue;
        }
        let rel = e
            .path()
            .strip_prefix(root)
            .unwrap_or(e.path())
            .to_string_lossy()
            .replace('\\', "/");
        out.push(rel);
        if out.len() >= NESTED_LISTED {
            break;
        }
    }
    out
}

/// The role's prompt (the repo's override if it has one) followed by the repo's instructions.
pub fn compose(role: Role, base: &str, root: &Path) -> Composed {
    let mut notes: Vec<String> = Vec::new();
    let role_file = format!(".conclave/prompts/{}.md", role_name(role));
    let mut system = match read_capped(&root.join(&role_file), PROMPT_CAP) {
        Some((text, bytes, cut)) => {
            notes.push(format!(
                "role prompt from {role_file} ({bytes} bytes{}) instead of the built-in one",
                if cut { ", cut to 64 KiB" } else { "" }
            ));
            text
        }
        None => base.to_string(),
    };
    let found = NAMES
        .iter()
        .find_map(|n| read_capped(&root.join(n), CAP).map(|r| (*n, r)));
    let nested = nested(root);
    if let Some((name, (text, bytes, cut))) = &found {
        system.push_str(&format!(
            "\n\n# Project instructions ({name})\n\nThe repository's own instructions. Follow \
             them unless your task says otherwise.\n\n{text}\n"
        ));
        if *cut {
            system.push_str(&format!(
                "\n[… {name} is {bytes} bytes; only the first {CAP} are shown …]\n"
            ));
        }
        let lines: Vec<&str> = text.lines().collect();
        let mut shown = lines
            .iter()
            .take(SHOWN_LINES)
            .copied()
            .collect::<Vec<_>>()
            .join("\n");
        if lines.len() > SHOWN_LINES {
            shown.push_str(&format!("\n… ({} more lines)", lines.len() - SHOWN_LINES));
        }
        notes.push(format!(
            "project instructions from {name} ({bytes} bytes{}):\n{shown}",
            if *cut { ", cut to 32 KiB" } else { "" }
        ));
    }
    if !nested.is_empty() {
        system.push_str(&format!(
            "\n\nThese directories have their own AGENTS.md; before you change a file under \
             one, read it: the file nearest to what you edit wins.\n{}\n",
            nested
                .iter()
                .map(|p| format!("- {p}"))
                .collect::<Vec<_>>()
                .join("\n")
        ));
        notes.push(format!("nested instructions listed: {}", nested.join(", ")));
    }
    Composed {
        system,
        note: (!notes.is_empty()).then(|| format!("[{}]\n", notes.join("\n"))),
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Strategist => "strategist",
        Role::Implementer => "implementer",
        Role::Reviewer => "reviewer",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn agents_md_wins_over_claude_md_and_the_override_over_both() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "CLAUDE.md", "claude rules");
        let c = compose(Role::Implementer, "BASE", d.path());
        assert!(c.system.starts_with("BASE") && c.system.contains("claude rules"));
        write(d.path(), "AGENTS.md", "agents rules");
        let c = compose(Role::Implementer, "BASE", d.path());
        assert!(c.system.contains("agents rules") && !c.system.contains("claude rules"));
        assert!(c
            .note
            .unwrap()
            .contains("project instructions from AGENTS.md"));
        write(d.path(), "AGENTS.override.md", "override rules");
        let c = compose(Role::Implementer, "BASE", d.path());
        assert!(c.system.contains("override rules") && !c.system.contains("agents rules"));
        // An empty file does not count.
        write(d.path(), "AGENTS.override.md", "  \n");
        assert!(compose(Role::Implementer, "BASE", d.path())
            .system
            .contains("agents rules"));
    }

    #[test]
    fn big_instructions_are_capped_and_nested_ones_listed() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "AGENTS.md", &"é rule\n".repeat(10_000));
        write(d.path(), "src/api/AGENTS.md", "api rules");
        let c = compose(Role::Reviewer, "BASE", d.path());
        assert!(c.system.len() < CAP + 2_000, "{}", c.system.len());
        assert!(c.system.contains("only the first 32768 are shown"));
        assert!(c.system.contains("- src/api/AGENTS.md"));
        let note = c.note.unwrap();
        assert!(
            note.contains("cut to 32 KiB") && note.contains("more lines"),
            "{note}"
        );
    }

    #[test]
    fn a_repo_prompt_replaces_the_roles_built_in_one() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), ".conclave/prompts/reviewer.md", "Be terse.");
        let c = compose(Role::Reviewer, "BASE", d.path());
        assert_eq!(c.system, "Be terse.");
        assert!(c.note.unwrap().contains(".conclave/prompts/reviewer.md"));
        assert_eq!(compose(Role::Implementer, "BASE", d.path()).system, "BASE");
        assert_eq!(compose(Role::Implementer, "BASE", d.path()).note, None);
    }
}
