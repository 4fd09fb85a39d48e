//! Themes as data: a palette, semantic style keys (`ui.statusline`, `diff.plus`,
//! `task.done`...) and the syntect theme for code (design §10, helix-style).
//!
//! Owns the list of semantic keys, the resolved `Theme` and the scope fallback
//! (`diff.plus.gutter` → `diff.plus` → `diff`). `load` reads files; `color` parses colours.
//! Must not draw anything.

mod color;
mod load;

pub use load::{ThemeFile, BUILTIN_THEMES};

use ratatui::style::Style;
use std::collections::HashMap;

/// Every semantic key a theme can set, with what it colours. A file may also set a prefix
/// (`task`, `diff.plus`) as the default of the keys under it.
pub const STYLE_KEYS: &[(&str, &str)] = &[
    ("ui.background", "the whole screen behind everything"),
    ("ui.text", "ordinary text"),
    ("ui.text.dim", "secondary text"),
    ("ui.border", "pane separators and title rules"),
    ("ui.border.focused", "the focused pane's title rule"),
    ("ui.title", "a pane title"),
    ("ui.title.focused", "the focused pane's title"),
    ("ui.selection", "the selected row"),
    ("ui.tab", "an agent tab"),
    ("ui.tab.active", "the shown agent's tab"),
    ("ui.statusline", "the status bar"),
    (
        "ui.statusline.level",
        "the autonomy level in the status bar",
    ),
    ("ui.statusline.level.high", "the level when it is L4 or L5"),
    ("ui.statusline.hint", "key hints in the status bar"),
    ("ui.statusline.flash", "a short message in the status bar"),
    ("ui.dialog", "a dialog's body"),
    ("ui.dialog.border", "a dialog's frame"),
    ("ui.dialog.title", "a dialog's title"),
    ("ui.dialog.warning", "a warning inside a dialog"),
    (
        "ui.dialog.error_line",
        "the line a problem is on, in the plan editor",
    ),
    ("ui.help.key", "keys in the help overlay"),
    ("ui.help.section", "section names in the help overlay"),
    ("ui.notice", "problems found loading a theme or keymap"),
    ("ui.timeline", "a replay's timeline: what is still to come"),
    (
        "ui.timeline.played",
        "the part of the timeline already shown",
    ),
    (
        "ui.timeline.cursor",
        "where the replay stands on its timeline",
    ),
    ("ui.timeline.mark", "an approval on the timeline"),
    ("ui.timeline.mark.level", "a level change on the timeline"),
    ("ui.timeline.mark.gate", "a gate result on the timeline"),
    (
        "ui.timeline.mark.merge",
        "a merge or a landing on the timeline",
    ),
    ("task.pending", "a task waiting for its dependencies"),
    ("task.ready", "a task ready to start"),
    ("task.running", "a task an agent works on"),
    ("task.gates", "a task whose gates run"),
    ("task.review", "a task under review"),
    ("task.awaiting_approval", "a task waiting for a person"),
    ("task.merging", "a task being merged"),
    ("task.done", "a finished task"),
    ("task.failed", "a failed task"),
    ("task.cancelled", "a cancelled task"),
    ("task.edge", "dependency edges"),
    ("task.agent", "the agent on a task"),
    ("task.retries", "the retry count"),
    ("task.detail", "details of the selected task"),
    ("transcript.text", "an agent's answer"),
    ("transcript.thinking", "an agent's thinking"),
    ("transcript.system", "system notes"),
    ("transcript.task", "the task header between turns"),
    ("transcript.tool", "a tool call"),
    ("transcript.tool.ok", "a tool call that succeeded"),
    ("transcript.tool.error", "a tool call that failed"),
    ("transcript.tool.output", "a tool's output"),
    ("transcript.selected", "the selected tool call"),
    ("diff.file", "a file header"),
    ("diff.hunk", "a hunk header"),
    ("diff.context", "unchanged lines"),
    ("diff.plus", "added lines"),
    ("diff.minus", "removed lines"),
    ("diff.plus.line", "the background of added lines"),
    ("diff.minus.line", "the background of removed lines"),
    ("diff.gutter", "line numbers"),
    ("diff.plus.gutter", "line numbers of added lines"),
    ("diff.minus.gutter", "line numbers of removed lines"),
    ("diff.current", "the current hunk's marker"),
    ("diff.dropped", "a hunk dropped from the approval"),
    ("diff.meta", "mode changes, renames, binary files"),
    ("approval.what", "the kind of a waiting item"),
    ("approval.subject", "what is asked"),
    ("approval.why", "why the policy asks"),
    ("approval.approved", "an approved item"),
    ("approval.rejected", "a rejected item"),
    ("metric.label", "metric names"),
    ("metric.value", "metric values"),
    ("metric.good", "a KPI at its target"),
    ("metric.bad", "a KPI below its target"),
    ("metric.none", "a KPI with nothing measured yet"),
    ("metric.sparkline", "tokens/s sparklines"),
    ("metric.cost", "costs"),
];

/// A resolved theme: every style already has its colours.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: String,
    /// The syntect theme for code in diffs; `None` shows code in the diff colours only.
    pub syntax: Option<String>,
    /// Styles as set by the file chain, by key.
    set: HashMap<String, Style>,
    /// Every `STYLE_KEYS` entry after fallback, so a lookup is one hash.
    resolved: HashMap<&'static str, Style>,
}

impl Theme {
    fn new(name: String, syntax: Option<String>, set: HashMap<String, Style>) -> Theme {
        let mut t = Theme {
            name,
            syntax,
            set,
            resolved: HashMap::new(),
        };
        t.resolved = STYLE_KEYS
            .iter()
            .map(|(k, _)| (*k, t.fallback(k)))
            .collect();
        t
    }

    /// The style of a semantic key; unset keys fall back to their parent scope, then to no
    /// style at all (the background's).
    pub fn style(&self, key: &str) -> Style {
        match self.resolved.get(key) {
            Some(s) => *s,
            None => self.fallback(key),
        }
    }

    fn fallback(&self, key: &str) -> Style {
        let mut k = key;
        loop {
            if let Some(s) = self.set.get(k) {
                return *s;
            }
            match k.rfind('.') {
                Some(i) => k = &k[..i],
                None => return Style::default(),
            }
        }
    }

    /// Whether a key (or a scope above it) is known.
    pub fn is_known_key(key: &str) -> bool {
        STYLE_KEYS.iter().any(|(k, _)| {
            *k == key || (k.starts_with(key) && k.as_bytes().get(key.len()) == Some(&b'.'))
        })
    }
}

impl Default for Theme {
    /// The shipped dark theme.
    fn default() -> Self {
        super::inherits::builtin("default")
            .unwrap_or_else(|| Theme::new("default".into(), None, HashMap::new()))
    }
}
