//! Reading theme files: the shipped ones (`themes/*.toml`, compiled in) and a user's, by
//! name from `<config dir>/themes/` or by path; `inherits` chains (found and followed by
//! `tui::inherits`) merged root first.
//!
//! Owns the file format and its checks (unknown fields, unknown style keys, colours,
//! modifiers, syntect theme names), each reported with path, line and column. A file with any
//! problem is not used: the default theme is, and the problems are shown on screen.

use super::color;
use super::{Theme, STYLE_KEYS};
use crate::tui::highlight::SYNTAX_THEMES;
use crate::tui::inherits::{self, in_file_order, Inheritable, Layer, Parent};
use crate::tui::problem::{closest, did_you_mean, LoadProblem, Loaded};
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
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

impl Inheritable for Theme {
    const KIND: &'static str = "theme";
    const DIR: &'static str = "themes";
    const BUILTIN: &'static [(&'static str, &'static str)] = BUILTIN_THEMES;
    const INHERIT_HINTS_PATH: bool = false;
    const CYCLE_AT_INHERITS: bool = true;
    type File = ThemeFile;

    /// The shape only: values are checked once the chain is merged, against its palette.
    fn parse(path: &Path, text: &str) -> Result<ThemeFile, Vec<LoadProblem>> {
        toml::from_str(text).map_err(|e| vec![LoadProblem::from_toml(path, text, &e)])
    }

    fn parent(_: &Path, file: &ThemeFile) -> Option<Parent> {
        file.inherits.as_ref().map(Parent::named)
    }

    fn merge(name: &str, chain: &[Layer<ThemeFile>]) -> Result<Theme, Vec<LoadProblem>> {
        resolve(name, chain)
    }
}

/// Merges a chain (root first) into a theme, checking every value.
fn resolve(name: &str, layers: &[Layer<ThemeFile>]) -> Result<Theme, Vec<LoadProblem>> {
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
        for (k, v) in in_file_order(&l.file.styles) {
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

impl Theme {
    /// The theme a config names: a user theme in `<user_dir>/themes/`, a shipped one, or a
    /// path to a file. Any problem gives the default theme and the problems to show.
    pub fn load(spec: &str, user_dir: Option<&Path>) -> Loaded<Theme> {
        inherits::load(spec, user_dir)
    }

    pub fn from_file(path: &Path, user_dir: Option<&Path>) -> Loaded<Theme> {
        inherits::from_file(path, user_dir)
    }

    /// A theme from text already read (`path` names it and is used in messages).
    pub fn from_text(path: &Path, text: &str, user_dir: Option<&Path>) -> Loaded<Theme> {
        inherits::from_text(path, text, user_dir)
    }
}
