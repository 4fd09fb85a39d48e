//! Colour and modifier names as theme files write them.
//!
//! Owns the spellings: `#rrggbb`, `#rgb`, the 16 terminal colours by name, `reset`, and names
//! from the theme's palette. Must not read files.

use ratatui::style::{Color, Modifier};
use std::collections::HashMap;

const NAMED: &[(&str, Color)] = &[
    ("reset", Color::Reset),
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("darkgray", Color::DarkGray),
    ("lightred", Color::LightRed),
    ("lightgreen", Color::LightGreen),
    ("lightyellow", Color::LightYellow),
    ("lightblue", Color::LightBlue),
    ("lightmagenta", Color::LightMagenta),
    ("lightcyan", Color::LightCyan),
    ("white", Color::White),
];

const MODIFIERS: &[(&str, Modifier)] = &[
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("slow_blink", Modifier::SLOW_BLINK),
    ("rapid_blink", Modifier::RAPID_BLINK),
    ("reversed", Modifier::REVERSED),
    ("hidden", Modifier::HIDDEN),
    ("crossed_out", Modifier::CROSSED_OUT),
];

/// A literal colour (hex or terminal name), without the palette.
pub fn literal(s: &str) -> Option<Color> {
    if let Some(hex) = s.strip_prefix('#') {
        return hex_color(hex);
    }
    let lower = s.to_ascii_lowercase();
    NAMED.iter().find(|(n, _)| *n == lower).map(|(_, c)| *c)
}

fn hex_color(hex: &str) -> Option<Color> {
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    let nibble = |i: usize| {
        u8::from_str_radix(hex.get(i..i + 1)?, 16)
            .ok()
            .map(|n| n * 17)
    };
    match hex.len() {
        6 => Some(Color::Rgb(byte(0)?, byte(2)?, byte(4)?)),
        3 => Some(Color::Rgb(nibble(0)?, nibble(1)?, nibble(2)?)),
        _ => None,
    }
}

/// A colour a style names: a palette entry first (so a palette may redefine `green`), then a
/// literal. The error says what would have been accepted.
pub fn resolve(s: &str, palette: &HashMap<String, Color>) -> Result<Color, String> {
    if let Some(c) = palette.get(s) {
        return Ok(*c);
    }
    literal(s).ok_or_else(|| {
        let mut names: Vec<&str> = palette.keys().map(String::as_str).collect();
        names.sort_unstable();
        let pal = if names.is_empty() {
            String::new()
        } else {
            format!(", or a palette name ({})", names.join(", "))
        };
        format!("unknown colour `{s}` (use #rrggbb, a terminal colour like red or lightblue{pal})")
    })
}

pub fn modifier(s: &str) -> Result<Modifier, String> {
    MODIFIERS
        .iter()
        .find(|(n, _)| *n == s)
        .map(|(_, m)| *m)
        .ok_or_else(|| {
            let names: Vec<&str> = MODIFIERS.iter().map(|(n, _)| *n).collect();
            format!("unknown modifier `{s}` (known: {})", names.join(", "))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse() {
        assert_eq!(literal("#ff8000"), Some(Color::Rgb(255, 128, 0)));
        assert_eq!(literal("#fff"), Some(Color::Rgb(255, 255, 255)));
        assert_eq!(literal("LightBlue"), Some(Color::LightBlue));
        assert_eq!(literal("#ggg"), None);
        assert_eq!(literal("#12345"), None);
        let mut p = HashMap::new();
        p.insert("green".to_string(), Color::Rgb(1, 2, 3));
        assert_eq!(resolve("green", &p), Ok(Color::Rgb(1, 2, 3)));
        assert!(resolve("grene", &p)
            .unwrap_err()
            .contains("palette name (green)"));
        assert!(modifier("bold").is_ok());
        assert!(modifier("blod").is_err());
    }
}
