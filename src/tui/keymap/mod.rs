//! Keymaps as data: which key triggers which `Action`, per mode (design §10, style: keymaps
//! and themes as data).
//!
//! Owns the `Keymap` table and lookups; `load` reads files and merges them, `key` parses key
//! names. Must not handle actions: panes and layers do. Nothing outside this module matches on
//! a literal key; the help overlay and status-bar hints read their keys from here, so they can
//! never disagree with what a key does.

mod key;
mod load;

pub use key::Key;
pub use load::{parse_keymap_file, KeymapFile, BUILTIN_KEYMAPS};

use super::action::Action;
use std::collections::BTreeMap;

/// Where a key is looked up. Panes have their own mode, looked up before `Global`, so a key
/// can mean something in one pane (space keeps a hunk in the diff) and something else in
/// another (space folds a tool call in a transcript).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Global,
    Tasks,
    Transcript,
    Approvals,
    Diff,
    Metrics,
    /// A text dialog (reject reason, new goal, export path); unbound keys type text.
    Dialog,
    /// A multi-line editor (the plan): Enter starts a line, so sending takes another key.
    /// Keys it does not bind mean what they mean in `Dialog`; unbound keys type text.
    Editor,
    /// A yes/no question.
    Confirm,
    /// The help overlay.
    Help,
    /// The list of sticky command rules.
    Rules,
    /// A replay: looked up before the focused pane's table and the global one.
    Replay,
}

impl Mode {
    pub const ALL: [Mode; 12] = [
        Mode::Global,
        Mode::Tasks,
        Mode::Transcript,
        Mode::Approvals,
        Mode::Diff,
        Mode::Metrics,
        Mode::Dialog,
        Mode::Editor,
        Mode::Confirm,
        Mode::Help,
        Mode::Rules,
        Mode::Replay,
    ];

    /// The table name in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Global => "global",
            Mode::Tasks => "tasks",
            Mode::Transcript => "transcript",
            Mode::Approvals => "approvals",
            Mode::Diff => "diff",
            Mode::Metrics => "metrics",
            Mode::Dialog => "dialog",
            Mode::Editor => "editor",
            Mode::Confirm => "confirm",
            Mode::Help => "help",
            Mode::Rules => "rules",
            Mode::Replay => "replay",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The table a key this mode does not bind is looked up in next: panes fall back to
    /// `Global`, the editor to `Dialog`.
    fn fallback(self) -> Option<Mode> {
        match self {
            Mode::Tasks | Mode::Transcript | Mode::Approvals | Mode::Diff | Mode::Metrics => {
                Some(Mode::Global)
            }
            Mode::Editor => Some(Mode::Dialog),
            _ => None,
        }
    }
}

/// Bindings of every mode; built by merging files over the shipped default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keymap {
    pub name: String,
    modes: Vec<BTreeMap<Key, Action>>,
}

impl Keymap {
    /// A keymap with no binding at all (the root files are merged onto).
    pub fn empty(name: &str) -> Self {
        Keymap {
            name: name.to_string(),
            modes: vec![BTreeMap::new(); Mode::ALL.len()],
        }
    }

    /// The action bound to `key` in exactly this mode.
    pub fn get(&self, mode: Mode, key: Key) -> Option<Action> {
        self.modes[mode.index()].get(&key).copied()
    }

    /// The action for a key pressed while `mode` is active: the mode's own binding first,
    /// then its fallback's (a pane's global one, the editor's dialog one).
    pub fn lookup(&self, mode: Mode, key: Key) -> Option<Action> {
        self.get(mode, key)
            .or_else(|| mode.fallback().and_then(|m| self.lookup(m, key)))
    }

    /// As `lookup`, in a replay: the replay table goes first.
    pub fn lookup_replay(&self, mode: Mode, key: Key) -> Option<Action> {
        self.get(Mode::Replay, key)
            .or_else(|| self.lookup(mode, key))
    }

    pub fn bind(&mut self, mode: Mode, key: Key, action: Action) {
        self.modes[mode.index()].insert(key, action);
    }

    pub fn unbind(&mut self, mode: Mode, key: Key) {
        self.modes[mode.index()].remove(&key);
    }

    /// Every binding of a mode, ordered by key.
    pub fn bindings(&self, mode: Mode) -> impl Iterator<Item = (Key, Action)> + '_ {
        self.modes[mode.index()].iter().map(|(k, a)| (*k, *a))
    }

    /// Keys that trigger `action` in `mode` (its own bindings only), shortest spelling first.
    pub fn keys_for(&self, mode: Mode, action: Action) -> Vec<Key> {
        let mut keys: Vec<Key> = self
            .bindings(mode)
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| k)
            .collect();
        keys.sort_by_key(|k| (k.to_string().chars().count(), *k));
        keys
    }

    /// The key that triggers `action` while `mode` is active, fallbacks included (what
    /// `lookup` would answer): the mode's own binding first, shortest spelling first.
    pub fn key_for(&self, mode: Mode, action: Action) -> Option<Key> {
        let mut m = Some(mode);
        while let Some(cur) = m {
            let found = self
                .keys_for(cur, action)
                .into_iter()
                .find(|k| self.lookup(mode, *k) == Some(action));
            if found.is_some() {
                return found;
            }
            m = cur.fallback();
        }
        None
    }

    /// The key a hint should show for `action` while `mode` is active: the mode's own binding
    /// (or its fallback's), else a global one that the mode does not shadow.
    pub fn hint_key(&self, mode: Mode, action: Action) -> Option<Key> {
        if let Some(k) = self.key_for(mode, action) {
            return Some(k);
        }
        if mode == Mode::Global {
            return None;
        }
        self.keys_for(Mode::Global, action)
            .into_iter()
            .find(|k| self.lookup(mode, *k).is_none())
    }
}

impl Default for Keymap {
    /// The shipped default keymap.
    fn default() -> Self {
        super::inherits::builtin("default").unwrap_or_else(|| Keymap::empty("default"))
    }
}
