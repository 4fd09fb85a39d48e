//! Reading keymap files: the shipped ones (`keymaps/*.toml`, compiled in) and a user's, by
//! name from the config dir or by path; `inherits` chains (found and followed by
//! `tui::inherits`); merging over the default.
//!
//! Owns the file format and its checks: unknown tables or actions, bad key names, an action
//! in a mode where it does nothing, and a key bound twice in one mode are reported with path,
//! line and column. A file with any problem is not used: the default is, and the problems are
//! shown on screen. Must not know what an action does.

use super::{Key, Keymap, Mode};
use crate::tui::action::Action;
use crate::tui::inherits::{self, builtin_path, in_file_order, Inheritable, Layer, Parent};
use crate::tui::problem::{did_you_mean, LoadProblem, Loaded};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// The keymaps shipped with conclave, by name.
pub const BUILTIN_KEYMAPS: &[(&str, &str)] = &[
    ("default", include_str!("../../../keymaps/default.toml")),
    ("vim", include_str!("../../../keymaps/vim.toml")),
    ("emacs", include_str!("../../../keymaps/emacs.toml")),
];

type Table = BTreeMap<Spanned<String>, Spanned<String>>;

/// A keymap file as written: `inherits` and one table per mode, `"key" = "action"`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeymapFile {
    /// The keymap these bindings go over: a shipped or user keymap name. Files other than the
    /// shipped default inherit `default` unless they say otherwise.
    pub inherits: Option<Spanned<String>>,
    global: Option<Table>,
    tasks: Option<Table>,
    transcript: Option<Table>,
    approvals: Option<Table>,
    diff: Option<Table>,
    metrics: Option<Table>,
    dialog: Option<Table>,
    editor: Option<Table>,
    confirm: Option<Table>,
    help: Option<Table>,
    rules: Option<Table>,
    replay: Option<Table>,
}

/// One checked binding: `None` unbinds the key (written `"x" = "none"`).
pub type Binding = (Mode, Key, Option<Action>);

/// A checked file: what it inherits (with where that is written) and its bindings.
type Checked = (Option<Spanned<String>>, Vec<Binding>);

impl KeymapFile {
    fn table(&self, mode: Mode) -> Option<&Table> {
        match mode {
            Mode::Global => self.global.as_ref(),
            Mode::Tasks => self.tasks.as_ref(),
            Mode::Transcript => self.transcript.as_ref(),
            Mode::Approvals => self.approvals.as_ref(),
            Mode::Diff => self.diff.as_ref(),
            Mode::Metrics => self.metrics.as_ref(),
            Mode::Dialog => self.dialog.as_ref(),
            Mode::Editor => self.editor.as_ref(),
            Mode::Confirm => self.confirm.as_ref(),
            Mode::Help => self.help.as_ref(),
            Mode::Rules => self.rules.as_ref(),
            Mode::Replay => self.replay.as_ref(),
        }
    }
}

/// Parses and checks one file. Returns its `inherits` and bindings, or every problem found.
pub fn parse_keymap_file(
    path: &Path,
    text: &str,
) -> Result<(Option<String>, Vec<Binding>), Vec<LoadProblem>> {
    parse_spanned(path, text).map(|(i, b)| (i.map(|s| s.into_inner()), b))
}

fn parse_spanned(path: &Path, text: &str) -> Result<Checked, Vec<LoadProblem>> {
    let file: KeymapFile =
        toml::from_str(text).map_err(|e| vec![LoadProblem::from_toml(path, text, &e)])?;
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for mode in Mode::ALL {
        let Some(table) = file.table(mode) else {
            continue;
        };
        // Normalised key -> where it was first written, to catch `ctrl-c` and `C-c` together.
        let mut seen: BTreeMap<Key, (String, usize)> = BTreeMap::new();
        // In file order, so "bound twice" points at the second one written.
        for (k, a) in in_file_order(table) {
            let at = |span: std::ops::Range<usize>, msg: String| {
                LoadProblem::at(path, text, Some(span), msg)
            };
            let key = match Key::parse(k.get_ref()) {
                Ok(key) => key,
                Err(msg) => {
                    problems.push(at(k.span(), msg));
                    continue;
                }
            };
            let line = crate::tui::problem::line_col(text, k.span().start).0;
            if let Some((first, first_line)) = seen.get(&key) {
                problems.push(at(
                    k.span(),
                    format!(
                        "`{}` is bound twice in [{}]: it is the same key as `{first}` on line {first_line}",
                        k.get_ref(),
                        mode.name()
                    ),
                ));
                continue;
            }
            seen.insert(key, (k.get_ref().clone(), line));
            let name = a.get_ref().as_str();
            if name == "none" {
                out.push((mode, key, None));
                continue;
            }
            let Some(action) = Action::from_name(name) else {
                let hint = did_you_mean(Action::closest(name).map(Action::name));
                problems.push(at(a.span(), format!("unknown action `{name}`{hint}")));
                continue;
            };
            if !action.modes().contains(&mode) {
                let homes: Vec<String> = action
                    .modes()
                    .iter()
                    .map(|m| format!("[{}]", m.name()))
                    .collect();
                problems.push(at(
                    a.span(),
                    format!(
                        "action `{name}` does nothing in [{}]; it belongs in {}",
                        mode.name(),
                        homes.join(" or ")
                    ),
                ));
                continue;
            }
            out.push((mode, key, Some(action)));
        }
    }
    if problems.is_empty() {
        Ok((file.inherits, out))
    } else {
        Err(problems)
    }
}

impl Inheritable for Keymap {
    const KIND: &'static str = "keymap";
    const DIR: &'static str = "keymaps";
    const BUILTIN: &'static [(&'static str, &'static str)] = BUILTIN_KEYMAPS;
    const INHERIT_HINTS_PATH: bool = true;
    const CYCLE_AT_INHERITS: bool = false;
    type File = Checked;

    /// Each file is checked on its own, before its parent is looked at.
    fn parse(path: &Path, text: &str) -> Result<Checked, Vec<LoadProblem>> {
        parse_spanned(path, text)
    }

    /// The shipped default is the root; everything else goes over `default` by default.
    fn parent(path: &Path, (inherits, _): &Checked) -> Option<Parent> {
        match inherits {
            Some(p) => Some(Parent::named(p)),
            None if path == builtin_path::<Keymap>("default") => None,
            None => Some(Parent {
                name: "default".to_string(),
                span: None,
            }),
        }
    }

    fn merge(name: &str, chain: &[Layer<Checked>]) -> Result<Keymap, Vec<LoadProblem>> {
        let mut map = Keymap::empty(name);
        for (mode, key, action) in chain.iter().flat_map(|l| &l.file.1) {
            match action {
                Some(a) => map.bind(*mode, *key, *a),
                None => map.unbind(*mode, *key),
            }
        }
        Ok(map)
    }
}

impl Keymap {
    /// The keymap a config names: a user keymap in `<user_dir>/keymaps/`, a shipped one, or a
    /// path to a file. Any problem gives the default keymap and the problems to show.
    pub fn load(spec: &str, user_dir: Option<&Path>) -> Loaded<Keymap> {
        inherits::load(spec, user_dir)
    }

    /// A keymap file at a path, merged over what it inherits (the default unless it says).
    pub fn from_file(path: &Path, user_dir: Option<&Path>) -> Loaded<Keymap> {
        inherits::from_file(path, user_dir)
    }

    /// A keymap from text already read (`path` is only for messages).
    pub fn from_text(path: &Path, text: &str, user_dir: Option<&Path>) -> Loaded<Keymap> {
        inherits::from_text(path, text, user_dir)
    }
}
