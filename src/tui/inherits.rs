//! Data files that may say `inherits = "other"`: themes and keymaps. Finding a file by name
//! (a user's `<config dir>/<dir>/<name>.toml` over a shipped one), following the chain to its
//! root, catching a cycle, and loading by name or by path with the default as fallback.
//!
//! Owns the chain and its messages (unknown name, cycle, unreadable file). Must not know what
//! a file holds beyond the parent it names: parsing, checking and merging are the kind's
//! (`Inheritable`), so each keeps its own messages.

use super::problem::{LoadProblem, Loaded};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// One parsed file of a chain, kept with its text for error positions.
pub struct Layer<F> {
    pub path: PathBuf,
    pub text: String,
    pub file: F,
}

/// The file a file goes over, by name.
pub struct Parent {
    pub name: String,
    /// Where `inherits` says it; `None` for a parent the kind implies.
    pub span: Option<Range<usize>>,
}

impl Parent {
    /// The parent an `inherits` value names.
    pub fn named(inherits: &Spanned<String>) -> Parent {
        Parent {
            name: inherits.get_ref().clone(),
            span: Some(inherits.span()),
        }
    }
}

/// A value loaded from a chain of files (a theme, a keymap); its `Default` is what a file with
/// problems falls back to.
pub trait Inheritable: Default {
    /// What a file is called in messages: "theme".
    const KIND: &'static str;
    /// The folder of user files under the config dir: "themes".
    const DIR: &'static str;
    /// The shipped files, by name.
    const BUILTIN: &'static [(&'static str, &'static str)];
    /// Whether "no ... to inherit" also says a path may be given (keymaps have always said
    /// it, themes not; kept so neither message changes).
    const INHERIT_HINTS_PATH: bool;
    /// Whether a cycle is reported at the `inherits` value (themes) or on the whole file
    /// (keymaps), as each did before they shared this loader.
    const CYCLE_AT_INHERITS: bool;

    /// One file as parsed (and, if the kind wants, checked on its own).
    type File;

    fn parse(path: &Path, text: &str) -> Result<Self::File, Vec<LoadProblem>>;

    /// The file `file` goes over, if any.
    fn parent(path: &Path, file: &Self::File) -> Option<Parent>;

    /// The value of a whole chain, root first, named `name`.
    fn merge(name: &str, chain: &[Layer<Self::File>]) -> Result<Self, Vec<LoadProblem>>;
}

/// How a shipped file is named in messages.
pub fn builtin_path<T: Inheritable>(name: &str) -> PathBuf {
    PathBuf::from(format!("{}/{name}.toml (built in)", T::DIR))
}

/// Where a name is found: a user file in `<user_dir>/<DIR>/<name>.toml` overrides a shipped
/// one. Files in `skip` (those already in the chain) are passed over, so a user's
/// `default.toml` that inherits `default` goes over the shipped default instead of itself.
fn find<T: Inheritable>(
    name: &str,
    user_dir: Option<&Path>,
    skip: &[PathBuf],
) -> Option<(PathBuf, String)> {
    if let Some(dir) = user_dir {
        let p = dir.join(T::DIR).join(format!("{name}.toml"));
        if !skip.contains(&p) {
            if let Ok(text) = std::fs::read_to_string(&p) {
                return Some((p, text));
            }
        }
    }
    let p = builtin_path::<T>(name);
    T::BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .filter(|_| !skip.contains(&p))
        .map(|(_, t)| (p, t.to_string()))
}

/// `known: a, b, c`: the shipped names and the user's.
fn known_names<T: Inheritable>(user_dir: Option<&Path>) -> String {
    let mut names: Vec<String> = T::BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
    if let Some(rd) = user_dir.and_then(|d| std::fs::read_dir(d.join(T::DIR)).ok()) {
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "toml") {
                if let Some(stem) = p.file_stem() {
                    names.push(stem.to_string_lossy().into_owned());
                }
            }
        }
    }
    names.sort();
    names.dedup();
    format!("known: {}", names.join(", "))
}

const OR_A_PATH: &str = "; or give a path to a .toml file";

/// Why `parent`, named in the file at `path` (after the files of `stack`), cannot be used.
fn unusable_parent<T: Inheritable>(
    path: &Path,
    text: &str,
    parent: &Parent,
    stack: &[PathBuf],
    user_dir: Option<&Path>,
) -> LoadProblem {
    let name = &parent.name;
    let (msg, span) = if find::<T>(name, user_dir, &[]).is_some() {
        let chain: Vec<String> = stack.iter().map(|p| p.display().to_string()).collect();
        let msg = format!(
            "{} `{name}` cannot be inherited from here: {} already uses it",
            T::KIND,
            chain.join(" -> ")
        );
        (msg, parent.span.clone().filter(|_| T::CYCLE_AT_INHERITS))
    } else {
        let hint = if T::INHERIT_HINTS_PATH { OR_A_PATH } else { "" };
        let msg = format!(
            "no {} named `{name}` to inherit ({}{hint})",
            T::KIND,
            known_names::<T>(user_dir)
        );
        (msg, parent.span.clone())
    };
    LoadProblem::at(path, text, span, msg)
}

/// Parses `path` and its ancestors; returns the chain root first.
fn chain<T: Inheritable>(
    path: PathBuf,
    text: String,
    user_dir: Option<&Path>,
) -> Result<Vec<Layer<T::File>>, Vec<LoadProblem>> {
    let mut layers: Vec<Layer<T::File>> = Vec::new();
    let mut next = Some((path, text));
    while let Some((path, text)) = next.take() {
        let file = T::parse(&path, &text)?;
        if let Some(parent) = T::parent(&path, &file) {
            let stack: Vec<PathBuf> = layers
                .iter()
                .map(|l| l.path.clone())
                .chain([path.clone()])
                .collect();
            match find::<T>(&parent.name, user_dir, &stack) {
                Some(found) => next = Some(found),
                None => {
                    let p = unusable_parent::<T>(&path, &text, &parent, &stack, user_dir);
                    return Err(vec![p]);
                }
            }
        }
        layers.push(Layer { path, text, file });
    }
    layers.reverse();
    Ok(layers)
}

/// A shipped value merged over its parents; `None` for an unknown name or a bad file.
pub fn builtin<T: Inheritable>(name: &str) -> Option<T> {
    let (path, text) = find::<T>(name, None, &[])?;
    chain::<T>(path, text, None)
        .and_then(|layers| T::merge(name, &layers))
        .ok()
}

fn fallback<T: Inheritable>(problems: Vec<LoadProblem>) -> Loaded<T> {
    Loaded {
        value: T::default(),
        problems,
    }
}

/// What a config names: a user file in `<user_dir>/<DIR>/`, a shipped one, or a path to a
/// file. Any problem gives the default and the problems to show.
pub fn load<T: Inheritable>(spec: &str, user_dir: Option<&Path>) -> Loaded<T> {
    if spec.contains('/') || spec.ends_with(".toml") {
        return from_file(Path::new(spec), user_dir);
    }
    match find::<T>(spec, user_dir, &[]) {
        Some((path, text)) => from_text_named(spec, &path, &text, user_dir),
        None => fallback(vec![LoadProblem::whole_file(
            Path::new(spec),
            format!(
                "no {} named `{spec}` ({}{OR_A_PATH})",
                T::KIND,
                known_names::<T>(user_dir)
            ),
        )]),
    }
}

/// A file at a path, merged over what it inherits.
pub fn from_file<T: Inheritable>(path: &Path, user_dir: Option<&Path>) -> Loaded<T> {
    match std::fs::read_to_string(path) {
        Ok(text) => from_text(path, &text, user_dir),
        Err(e) => fallback(vec![LoadProblem::whole_file(
            path,
            format!("cannot read {}: {e}", T::KIND),
        )]),
    }
}

/// A file from text already read (`path` names it and is used in messages).
pub fn from_text<T: Inheritable>(path: &Path, text: &str, user_dir: Option<&Path>) -> Loaded<T> {
    let name = path
        .file_stem()
        .map_or("user".into(), |s| s.to_string_lossy().into_owned());
    from_text_named(&name, path, text, user_dir)
}

fn from_text_named<T: Inheritable>(
    name: &str,
    path: &Path,
    text: &str,
    user_dir: Option<&Path>,
) -> Loaded<T> {
    match chain::<T>(path.to_path_buf(), text.to_string(), user_dir)
        .and_then(|layers| T::merge(name, &layers))
    {
        Ok(value) => Loaded {
            value,
            problems: vec![],
        },
        Err(p) => fallback(p),
    }
}

/// A table's entries in the order the file writes them (a `BTreeMap` sorts by key), so
/// problems come in file order and "bound twice" points at the second one written.
pub fn in_file_order<V>(
    table: &std::collections::BTreeMap<Spanned<String>, V>,
) -> Vec<(&Spanned<String>, &V)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kind whose file is one line: `inherits = "x"` or nothing; its value is the chain.
    #[derive(Debug, Default, PartialEq)]
    struct Names(Vec<String>);

    #[derive(serde::Deserialize)]
    struct NamesFile {
        inherits: Option<Spanned<String>>,
    }

    impl Inheritable for Names {
        const KIND: &'static str = "list";
        const DIR: &'static str = "lists";
        const BUILTIN: &'static [(&'static str, &'static str)] =
            &[("root", ""), ("mid", "inherits = \"root\"\n")];
        const INHERIT_HINTS_PATH: bool = false;
        const CYCLE_AT_INHERITS: bool = true;
        type File = NamesFile;

        fn parse(path: &Path, text: &str) -> Result<NamesFile, Vec<LoadProblem>> {
            toml::from_str(text).map_err(|e| vec![LoadProblem::from_toml(path, text, &e)])
        }

        fn parent(_: &Path, file: &NamesFile) -> Option<Parent> {
            file.inherits.as_ref().map(Parent::named)
        }

        fn merge(_: &str, chain: &[Layer<NamesFile>]) -> Result<Names, Vec<LoadProblem>> {
            Ok(Names(
                chain.iter().map(|l| l.path.display().to_string()).collect(),
            ))
        }
    }

    #[test]
    fn a_chain_is_merged_root_first_and_a_cycle_is_caught() {
        assert_eq!(
            builtin::<Names>("mid"),
            Some(Names(vec![
                "lists/root.toml (built in)".into(),
                "lists/mid.toml (built in)".into()
            ]))
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lists")).unwrap();
        let a = dir.path().join("lists/a.toml");
        std::fs::write(&a, "inherits = \"b\"\n").unwrap();
        std::fs::write(dir.path().join("lists/b.toml"), "inherits = \"a\"\n").unwrap();
        let l = load::<Names>("a", Some(dir.path()));
        assert_eq!(l.value, Names::default());
        assert_eq!(l.problems.len(), 1);
        assert_eq!(l.problems[0].line, 1);
        assert!(
            l.problems[0].message.starts_with(&format!(
                "list `a` cannot be inherited from here: {} -> ",
                a.display()
            )),
            "{}",
            l.problems[0]
        );
        let u = load::<Names>("nope", Some(dir.path()));
        assert_eq!(
            u.problems[0].to_string(),
            "nope: no list named `nope` (known: a, b, mid, root; or give a path to a .toml file)"
        );
    }
}
