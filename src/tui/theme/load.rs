//! Reading theme files: the shipped ones (`themes/*.toml`, compiled in) and a user's, by
//! name from `<config dir>/themes/` or by path; `inherits` chains merged root first.
//!
//! Owns the file format and its checks (unknown fields, unknown style keys, colours,
//! modifiers, syntect theme names), each reported with path, line and column. A file with any
//! problem is not used: the default theme is, and the problems are shown on screen.

use super::color;
use super::{Theme, STYLE_KEYS};
use crate::tui::highlight::SYNTAX_THEMES;
use crate::tui::problem::{closest, did_you_mean, LoadProblem, Loaded};
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The themes shipped with conclave, by name.
pub const BUILTIN_THEMES: &[(&str, &str)] = &[
    ("default", include_str!("../../../themes/default.toml")),
    ("light", include_str!("../../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../../themes/high-contrast.toml"),
    ),
];

/// A theme file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeFile {
    /// The theme this one changes; its palette and styles apply unless this file sets them.
    pub inherits: Option<Spanned<String>>,
    /// A syntect theme name, or "none" for code without syntax colours.
    pub syntax: Option<Spanned<String>>,
    #[serde(default)]
    palette: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    styles: BTreeMap<Spanned<String>, toml::Value>,
}

/// `"green"` (a foreground) or `{ fg = "...", bg = "...", modifiers = ["bold"] }`.
#[derive(Debug, Default)]
struct StyleValue {
    fg: Option<String>,
    bg: Option<String>,
    modifiers: Vec<String>,
}

impl StyleValue {
    /// Read from a plain toml value: toml gives no spans inside implicit (dotted-key) tables,
    /// so problems are reported at the style's key.
    fn from_toml(v: &toml::Value) -> Result<StyleValue, String> {
        let string = |field: &str, x: &toml::Value| {
            x.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("`{field}` of a style must be a colour name in quotes"))
        };
        match v {
            toml::Value::String(s) => Ok(StyleValue {
                fg: Some(s.clone()),
                ..StyleValue::default()
            }),
            toml::Value::Table(t) => {
                let mut out = StyleValue::default();
                for (k, x) in t {
                    match k.as_str() {
                        "fg" => out.fg = Some(string("fg", x)?),
                        "bg" => out.bg = Some(string("bg", x)?),
                        "modifiers" => {
                            let list = x
                                .as_array()
                                .ok_or("`modifiers` must be a list, like [\"bold\"]")?;
                            for m in list {
                                out.modifiers.push(string("modifiers", m)?);
                            }
                        }
                        other => {
                            return Err(format!(
                                "unknown field `{other}` in a style (fields: fg, bg, modifiers; \
                                 quote dotted keys, like \"diff.plus\" = ...)"
                            ))
                        }
                    }
                }
                Ok(out)
            }
            _ => Err("a style is a colour, or a table with fg, bg and modifiers".to_string()),
        }
    }
}

/// One parsed file of a chain, kept with its text for error positions.
struct Layer {
    path: PathBuf,
    text: String,
    file: ThemeFile,
}

fn builtin_path(name: &str) -> PathBuf {
    PathBuf::from(format!("themes/{name}.toml (built in)"))
}

fn find(name: &str, user_dir: Option<&Path>, stack: &[PathBuf]) -> Option<(PathBuf, String)> {
    if let Some(dir) = user_dir {
        let p = dir.join("themes").join(format!("{name}.toml"));
        if !stack.contains(&p) {
            if let Ok(text) = std::fs::read_to_string(&p) {
                return Some((p, text));
            }
        }
    }
    let p = builtin_path(name);
    BUILTIN_THEMES
        .iter()
        .find(|(n, _)| *n == name)
        .filter(|_| !stack.contains(&p))
        .map(|(_, t)| (p, t.to_string()))
}

/// Parses `path` and its ancestors; returns the chain root first.
fn chain(
    path: PathBuf,
    text: String,
    user_dir: Option<&Path>,
) -> Result<Vec<Layer>, Vec<LoadProblem>> {
    let mut layers: Vec<Layer> = Vec::new();
    let mut next = Some((path, text));
    while let Some((path, text)) = next.take() {
        let file: ThemeFile =
            toml::from_str(&text).map_err(|e| vec![LoadProblem::from_toml(&path, &text, &e)])?;
        if let Some(parent) = &file.inherits {
            let stack: Vec<PathBuf> = layers
                .iter()
                .map(|l| l.path.clone())
                .chain([path.clone()])
                .collect();
            match find(parent.get_ref(), user_dir, &stack) {
                Some(found) => next = Some(found),
                None => {
                    let msg = if find(parent.get_ref(), user_dir, &[]).is_some() {
                        let chain: Vec<String> =
                            stack.iter().map(|p| p.display().to_string()).collect();
                        format!(
                            "theme `{}` cannot be inherited from here: {} already uses it",
                            parent.get_ref(),
                            chain.join(" -> ")
                        )
                    } else {
                        format!(
                            "no theme named `{}` to inherit ({})",
                            parent.get_ref(),
                            known_names(user_dir)
                        )
                    };
                    return Err(vec![LoadProblem::at(
                        &path,
                        &text,
                        Some(parent.span()),
                        msg,
                    )]);
                }
            }
        }
        layers.push(Layer { path, text, file });
    }
    layers.reverse();
    Ok(layers)
}

fn known_names(user_dir: Option<&Path>) -> String {
    let mut names: Vec<String> = BUILTIN_THEMES.iter().map(|(n, _)| n.to_string()).collect();
    if let Some(rd) = user_dir.and_then(|d| std::fs::read_dir(d.join("themes")).ok()) {
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

/// Merges a chain (root first) into a theme, checking every value.
fn resolve(name: &str, layers: &[Layer]) -> Result<Theme, Vec<LoadProblem>> {
    let mut problems = Vec::new();
    let mut palette: HashMap<String, Color> = HashMap::new();
    let mut syntax: Option<String> = None;
    for l in layers {
        for (k, v) in &l.file.palette {
            match color::literal(v.get_ref()) {
                Some(c) => {
                    palette.insert(k.get_ref().clone(), c);
                }
                None => problems.push(LoadProblem::at(
                    &l.path,
                    &l.text,
                    Some(v.span()),
                    format!(
                        "palette colour `{}` is not #rrggbb or a terminal colour name",
                        v.get_ref()
                    ),
                )),
            }
        }
        if let Some(s) = &l.file.syntax {
            let v = s.get_ref();
            if v == "none" {
                syntax = None;
            } else if SYNTAX_THEMES.contains(&v.as_str()) {
                syntax = Some(v.clone());
            } else {
                let msg = format!(
                    "unknown syntax theme `{v}` (known: {}, or none)",
                    SYNTAX_THEMES.join(", ")
                );
                problems.push(LoadProblem::at(&l.path, &l.text, Some(s.span()), msg));
            }
        }
    }
    // Styles resolve against the final palette, so a theme can change only the palette.
    let mut set: HashMap<String, Style> = HashMap::new();
    for l in layers {
        let mut styles: Vec<_> = l.file.styles.iter().collect();
        styles.sort_by_key(|(k, _)| k.span().start);
        for (k, v) in styles {
            let at = |span, msg| LoadProblem::at(&l.path, &l.text, Some(span), msg);
            if !Theme::is_known_key(k.get_ref()) {
                let close = did_you_mean(closest(k.get_ref(), STYLE_KEYS.iter().map(|(k, _)| *k)));
                problems.push(at(
                    k.span(),
                    format!("unknown style key `{}`{close}", k.get_ref()),
                ));
                continue;
            }
            match StyleValue::from_toml(v).and_then(|sv| style_of(&sv, &palette)) {
                Ok(style) => {
                    set.insert(k.get_ref().clone(), style);
                }
                Err(msg) => problems.push(at(k.span(), msg)),
            }
        }
    }
    if problems.is_empty() {
        Ok(Theme::new(name.to_string(), syntax, set))
    } else {
        Err(problems)
    }
}

fn style_of(v: &StyleValue, palette: &HashMap<String, Color>) -> Result<Style, String> {
    let mut s = Style::default();
    if let Some(fg) = &v.fg {
        s = s.fg(color::resolve(fg, palette)?);
    }
    if let Some(bg) = &v.bg {
        s = s.bg(color::resolve(bg, palette)?);
    }
    let mut m = Modifier::empty();
    for name in &v.modifiers {
        m |= color::modifier(name)?;
    }
    Ok(s.add_modifier(m))
}

pub(super) fn builtin(name: &str) -> Option<Theme> {
    let (path, text) = find(name, None, &[])?;
    chain(path, text, None)
        .and_then(|layers| resolve(name, &layers))
        .ok()
}

fn fallback(problems: Vec<LoadProblem>) -> Loaded<Theme> {
    Loaded {
        value: Theme::default(),
        problems,
    }
}

impl Theme {
    /// The theme a config names: a user theme in `<user_dir>/themes/`, a shipped one, or a
    /// path to a file. Any problem gives the default theme and the problems to show.
    pub fn load(spec: &str, user_dir: Option<&Path>) -> Loaded<Theme> {
        if spec.contains('/') || spec.ends_with(".toml") {
            return Theme::from_file(Path::new(spec), user_dir);
        }
        match find(spec, user_dir, &[]) {
            Some((path, text)) => Theme::from_text_named(spec, &path, &text, user_dir),
            None => fallback(vec![LoadProblem::whole_file(
                Path::new(spec),
                format!(
                    "no theme named `{spec}` ({}; or give a path to a .toml file)",
                    known_names(user_dir)
                ),
            )]),
        }
    }

    pub fn from_file(path: &Path, user_dir: Option<&Path>) -> Loaded<Theme> {
        match std::fs::read_to_string(path) {
            Ok(text) => Theme::from_text(path, &text, user_dir),
            Err(e) => fallback(vec![LoadProblem::whole_file(
                path,
                format!("cannot read theme: {e}"),
            )]),
        }
    }

    /// A theme from text already read (`path` names it and is used in messages).
    pub fn from_text(path: &Path, text: &str, user_dir: Option<&Path>) -> Loaded<Theme> {
        let name = path
            .file_stem()
            .map_or("user".into(), |s| s.to_string_lossy().into_owned());
        Theme::from_text_named(&name, path, text, user_dir)
    }

    fn from_text_named(
        name: &str,
        path: &Path,
        text: &str,
        user_dir: Option<&Path>,
    ) -> Loaded<Theme> {
        match chain(path.to_path_buf(), text.to_string(), user_dir).and_then(|l| resolve(name, &l))
        {
            Ok(value) => Loaded {
                value,
                problems: vec![],
            },
            Err(p) => fallback(p),
        }
    }
}
