//! Reading keymap files: the shipped ones (`keymaps/*.toml`, compiled in) and a user's, by
//! name from the config dir or by path; `inherits` chains; merging over the default.
//!
//! Owns the file format and its checks: unknown tables or actions, bad key names, an action
//! in a mode where it does nothing, and a key bound twice in one mode are reported with path,
//! line and column. A file with any problem is not used: the default is, and the problems are
//! shown on screen. Must not know what an action does.

use super::{Key, Keymap, Mode};
use crate::tui::action::Action;
use crate::tui::problem::{did_you_mean, LoadProblem, Loaded};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        for (k, a) in entries {
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

fn apply(map: &mut Keymap, bindings: &[Binding]) {
    for (mode, key, action) in bindings {
        match action {
            Some(a) => map.bind(*mode, *key, *a),
            None => map.unbind(*mode, *key),
        }
    }
}

/// A shipped keymap, merged over its parents. `None` for an unknown name.
pub(super) fn builtin(name: &str) -> Option<Keymap> {
    let loaded = resolve_chain(name, None, &mut Vec::new()).ok()?;
    Some(loaded)
}

fn builtin_text(name: &str) -> Option<&'static str> {
    BUILTIN_KEYMAPS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}

/// Where a name is found: a user file in `<dir>/keymaps/<name>.toml` overrides a shipped
/// one. Files already being resolved are skipped, so a user's `default.toml` that inherits
/// `default` goes over the shipped default instead of over itself.
fn find(name: &str, user_dir: Option<&Path>, stack: &[PathBuf]) -> Option<(PathBuf, String)> {
    if let Some(dir) = user_dir {
        let p = dir.join("keymaps").join(format!("{name}.toml"));
        if !stack.contains(&p) {
            if let Ok(text) = std::fs::read_to_string(&p) {
                return Some((p, text));
            }
        }
    }
    let p = builtin_path(name);
    builtin_text(name)
        .filter(|_| !stack.contains(&p))
        .map(|t| (p, t.to_string()))
}

fn builtin_path(name: &str) -> PathBuf {
    PathBuf::from(format!("keymaps/{name}.toml (built in)"))
}

fn resolve_chain(
    name: &str,
    user_dir: Option<&Path>,
    stack: &mut Vec<PathBuf>,
) -> Result<Keymap, Vec<LoadProblem>> {
    let Some((path, text)) = find(name, user_dir, stack) else {
        let msg = if find(name, user_dir, &[]).is_none() {
            format!("no keymap named `{name}` ({})", known_names(user_dir))
        } else {
            let chain: Vec<String> = stack.iter().map(|p| p.display().to_string()).collect();
            format!(
                "keymap `{name}` cannot be inherited from here: {} already uses it",
                chain.join(" -> ")
            )
        };
        let at = stack.last().cloned().unwrap_or_else(|| PathBuf::from(name));
        return Err(vec![LoadProblem::whole_file(&at, msg)]);
    };
    resolve_text(name, &path, &text, user_dir, stack)
}

fn resolve_text(
    name: &str,
    path: &Path,
    text: &str,
    user_dir: Option<&Path>,
    stack: &mut Vec<PathBuf>,
) -> Result<Keymap, Vec<LoadProblem>> {
    let (inherits, bindings) = parse_spanned(path, text)?;
    if let Some(p) = &inherits {
        if find(p.get_ref(), user_dir, &[]).is_none() {
            let msg = format!(
                "no keymap named `{}` to inherit ({})",
                p.get_ref(),
                known_names(user_dir)
            );
            return Err(vec![LoadProblem::at(path, text, Some(p.span()), msg)]);
        }
    }
    // The shipped default is the root; everything else goes over `default` by default.
    let is_root = path == builtin_path("default");
    let parent = inherits
        .map(|s| s.into_inner())
        .or_else(|| (!is_root).then(|| "default".to_string()));
    stack.push(path.to_path_buf());
    let parent_map = match parent {
        Some(p) => resolve_chain(&p, user_dir, stack),
        None => Ok(Keymap::empty(name)),
    };
    stack.pop();
    let mut map = parent_map?;
    map.name = name.to_string();
    apply(&mut map, &bindings);
    Ok(map)
}

fn known_names(user_dir: Option<&Path>) -> String {
    let mut names: Vec<String> = BUILTIN_KEYMAPS.iter().map(|(n, _)| n.to_string()).collect();
    if let Some(dir) = user_dir {
        if let Ok(rd) = std::fs::read_dir(dir.join("keymaps")) {
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "toml") {
                    if let Some(stem) = p.file_stem() {
                        names.push(stem.to_string_lossy().into_owned());
                    }
                }
            }
        }
    }
    names.sort();
    names.dedup();
    format!(
        "known: {}; or give a path to a .toml file",
        names.join(", ")
    )
}

fn fallback(problems: Vec<LoadProblem>) -> Loaded<Keymap> {
    Loaded {
        value: Keymap::default(),
        problems,
    }
}

impl Keymap {
    /// The keymap a config names: a user keymap in `<user_dir>/keymaps/`, a shipped one, or a
    /// path to a file. Any problem gives the default keymap and the problems to show.
    pub fn load(spec: &str, user_dir: Option<&Path>) -> Loaded<Keymap> {
        let looks_like_path = spec.contains('/') || spec.ends_with(".toml");
        if looks_like_path {
            return Keymap::from_file(Path::new(spec), user_dir);
        }
        match resolve_chain(spec, user_dir, &mut Vec::new()) {
            Ok(value) => Loaded {
                value,
                problems: vec![],
            },
            Err(p) => fallback(p),
        }
    }

    /// A keymap file at a path, merged over what it inherits (the default unless it says).
    pub fn from_file(path: &Path, user_dir: Option<&Path>) -> Loaded<Keymap> {
        match std::fs::read_to_string(path) {
            Ok(text) => Keymap::from_text(path, &text, user_dir),
            Err(e) => fallback(vec![LoadProblem::whole_file(
                path,
                format!("cannot read keymap: {e}"),
            )]),
        }
    }

    /// A keymap from text already read (`path` is only for messages).
    pub fn from_text(path: &Path, text: &str, user_dir: Option<&Path>) -> Loaded<Keymap> {
        let name = path
            .file_stem()
            .map_or("user".into(), |s| s.to_string_lossy().into_owned());
        match resolve_text(&name, path, text, user_dir, &mut Vec::new()) {
            Ok(value) => Loaded {
                value,
                problems: vec![],
            },
            Err(p) => fallback(p),
        }
    }
}
