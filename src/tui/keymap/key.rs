//! A key as keymap files write it (`a`, `ctrl-c`, `C-x`, `alt-enter`, `space`, `shift-tab`)
//! and as the terminal reports it.
//!
//! Owns parsing, display and normalisation, so `ctrl-c` and `C-c` are the same key and a
//! terminal that reports `+` with or without SHIFT still matches `+`. Must not know actions.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::fmt;

/// A normalised key: a code plus the modifiers that matter for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    code: KeyCodeOrd,
    mods: u8,
}

/// `KeyCode` has no `Ord`; this is the subset keymaps can name, ordered for stable listings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyCodeOrd {
    Char(char),
    F(u8),
    Named(Named),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Named {
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
}

const CTRL: u8 = 1;
const ALT: u8 = 2;
const SHIFT: u8 = 4;

const NAMES: &[(&str, Named)] = &[
    ("enter", Named::Enter),
    ("ret", Named::Enter),
    ("esc", Named::Esc),
    ("escape", Named::Esc),
    ("tab", Named::Tab),
    ("backtab", Named::BackTab),
    ("backspace", Named::Backspace),
    ("del", Named::Delete),
    ("delete", Named::Delete),
    ("ins", Named::Insert),
    ("insert", Named::Insert),
    ("up", Named::Up),
    ("down", Named::Down),
    ("left", Named::Left),
    ("right", Named::Right),
    ("pageup", Named::PageUp),
    ("pgup", Named::PageUp),
    ("pagedown", Named::PageDown),
    ("pgdn", Named::PageDown),
    ("home", Named::Home),
    ("end", Named::End),
];

impl Key {
    /// Parses `ctrl-alt-x`, `C-x`, `M-x`, `S-tab`, `space`, `minus`, `f5`, `+`, `-`, `A`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut rest = text;
        let mut mods = 0u8;
        while let Some((head, tail)) = rest.split_once('-') {
            if tail.is_empty() {
                break; // `-` itself, or `ctrl--`
            }
            let m = match head.to_ascii_lowercase().as_str() {
                "ctrl" | "c" => CTRL,
                "alt" | "m" | "meta" => ALT,
                "shift" | "s" => SHIFT,
                _ => {
                    return Err(format!(
                        "unknown modifier `{head}` in `{text}` (use ctrl, alt or shift)"
                    ))
                }
            };
            mods |= m;
            rest = tail;
        }
        let code = parse_code(rest).ok_or_else(|| {
            format!("unknown key `{rest}` in `{text}` (a character, or space, enter, esc, tab, up, pageup, f1...)")
        })?;
        Ok(Key::normalised(code, mods))
    }

    /// The key a terminal event means, or `None` for releases and keys no keymap can name.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Named(Named::Enter),
            KeyCode::Esc => KeyCodeOrd::Named(Named::Esc),
            KeyCode::Tab => KeyCodeOrd::Named(Named::Tab),
            KeyCode::BackTab => KeyCodeOrd::Named(Named::BackTab),
            KeyCode::Backspace => KeyCodeOrd::Named(Named::Backspace),
            KeyCode::Delete => KeyCodeOrd::Named(Named::Delete),
            KeyCode::Insert => KeyCodeOrd::Named(Named::Insert),
            KeyCode::Up => KeyCodeOrd::Named(Named::Up),
            KeyCode::Down => KeyCodeOrd::Named(Named::Down),
            KeyCode::Left => KeyCodeOrd::Named(Named::Left),
            KeyCode::Right => KeyCodeOrd::Named(Named::Right),
            KeyCode::PageUp => KeyCodeOrd::Named(Named::PageUp),
            KeyCode::PageDown => KeyCodeOrd::Named(Named::PageDown),
            KeyCode::Home => KeyCodeOrd::Named(Named::Home),
            KeyCode::End => KeyCodeOrd::Named(Named::End),
            _ => return None,
        };
        let mut mods = 0;
        if ev.modifiers.contains(KeyModifiers::CONTROL) {
            mods |= CTRL;
        }
        if ev.modifiers.contains(KeyModifiers::ALT) {
            mods |= ALT;
        }
        if ev.modifiers.contains(KeyModifiers::SHIFT) {
            mods |= SHIFT;
        }
        Some(Key::normalised(code, mods))
    }

    /// The terminal event this key stands for (used by tests and to replay keys).
    pub fn to_event(self) -> KeyEvent {
        let code = match self.code {
            KeyCodeOrd::Char(c) => KeyCode::Char(c),
            KeyCodeOrd::F(n) => KeyCode::F(n),
            KeyCodeOrd::Named(n) => match n {
                Named::Enter => KeyCode::Enter,
                Named::Esc => KeyCode::Esc,
                Named::Tab => KeyCode::Tab,
                Named::BackTab => KeyCode::BackTab,
                Named::Backspace => KeyCode::Backspace,
                Named::Delete => KeyCode::Delete,
                Named::Insert => KeyCode::Insert,
                Named::Up => KeyCode::Up,
                Named::Down => KeyCode::Down,
                Named::Left => KeyCode::Left,
                Named::Right => KeyCode::Right,
                Named::PageUp => KeyCode::PageUp,
                Named::PageDown => KeyCode::PageDown,
                Named::Home => KeyCode::Home,
                Named::End => KeyCode::End,
            },
        };
        let mut m = KeyModifiers::NONE;
        if self.mods & CTRL != 0 {
            m |= KeyModifiers::CONTROL;
        }
        if self.mods & ALT != 0 {
            m |= KeyModifiers::ALT;
        }
        if self.mods & SHIFT != 0 {
            m |= KeyModifiers::SHIFT;
        }
        KeyEvent::new(code, m)
    }

    /// Terminals disagree on SHIFT for printable characters (`+` comes with or without it);
    /// the character already says what was typed, so SHIFT is dropped for it. `shift-tab` is
    /// what most terminals send as BackTab.
    fn normalised(code: KeyCodeOrd, mut mods: u8) -> Key {
        let code = match code {
            KeyCodeOrd::Char(c) if mods & CTRL != 0 && c.is_ascii_uppercase() => {
                mods |= SHIFT;
                KeyCodeOrd::Char(c.to_ascii_lowercase())
            }
            KeyCodeOrd::Named(Named::Tab) if mods & SHIFT != 0 => KeyCodeOrd::Named(Named::BackTab),
            c => c,
        };
        match code {
            KeyCodeOrd::Char(_) if mods & CTRL == 0 => mods &= !SHIFT,
            KeyCodeOrd::Named(Named::BackTab) => mods &= !SHIFT,
            _ => {}
        }
        Key { code, mods }
    }
}

fn parse_code(s: &str) -> Option<KeyCodeOrd> {
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(KeyCodeOrd::Char(c));
    }
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "space" => return Some(KeyCodeOrd::Char(' ')),
        "minus" => return Some(KeyCodeOrd::Char('-')),
        "plus" => return Some(KeyCodeOrd::Char('+')),
        _ => {}
    }
    if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
        return (1..=24).contains(&n).then_some(KeyCodeOrd::F(n));
    }
    NAMES
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, n)| KeyCodeOrd::Named(*n))
}

impl fmt::Display for Key {
    /// The canonical spelling: `ctrl-c`, `alt-enter`, `shift-tab`, `space`, `a`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods & CTRL != 0 {
            f.write_str("ctrl-")?;
        }
        if self.mods & ALT != 0 {
            f.write_str("alt-")?;
        }
        if self.mods & SHIFT != 0 {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "f{n}"),
            KeyCodeOrd::Named(Named::BackTab) => f.write_str("shift-tab"),
            KeyCodeOrd::Named(n) => {
                let name = NAMES.iter().find(|(_, m)| *m == n).map_or("?", |(s, _)| *s);
                f.write_str(name)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Key {
        Key::parse(s).unwrap()
    }

    #[test]
    fn spellings_normalise_to_one_key() {
        assert_eq!(k("ctrl-c"), k("C-c"));
        assert_eq!(k("alt-x"), k("M-x"));
        assert_eq!(k("shift-tab"), k("backtab"));
        assert_eq!(k("S-tab").to_string(), "shift-tab");
        assert_eq!(k("space").to_string(), "space");
        assert_eq!(k("-"), k("minus"));
        assert_eq!(k("ctrl--").to_string(), "ctrl--");
        assert_eq!(k("PageUp").to_string(), "pageup");
        assert_eq!(k("ret"), k("enter"));
        assert_ne!(k("a"), k("A"));
        assert!(Key::parse("hyper-x").is_err());
        assert!(Key::parse("pgupp").is_err());
        assert!(Key::parse("f99").is_err());
    }

    #[test]
    fn terminal_events_match_parsed_keys() {
        let plus_shifted = KeyEvent::new(KeyCode::Char('+'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&plus_shifted), Some(k("+")));
        let backtab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&backtab), Some(k("shift-tab")));
        for s in ["ctrl-c", "alt-enter", "G", "?", "f5", "esc", "ctrl-shift-x"] {
            assert_eq!(Key::from_event(&k(s).to_event()), Some(k(s)), "{s}");
        }
    }
}
