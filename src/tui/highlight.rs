//! Syntax highlighting of diff lines with syntect, lazily and in small chunks.
//!
//! Owns the process-wide syntax and theme sets (loaded once, on first use or by `warm_up` on
//! a background thread) and `ChunkHighlighter`, which highlights one chunk of consecutive
//! lines from a fresh parser state. Chunks keep the cost of showing any screen of a huge
//! diff bounded (design §11: only visible lines are highlighted); the price is that a
//! multi-line construct (a block comment) crossing a chunk boundary may lose its colour after
//! the boundary. Must not know about panes or caching policy: the diff pane caches results.

use ratatui::style::Color;
use std::sync::OnceLock;
use syntect::easy::HighlightLines;
use syntect::highlighting::ThemeSet;
use syntect::parsing::{SyntaxReference, SyntaxSet};

/// The syntect themes a conclave theme may name (syntect's bundled ones).
pub const SYNTAX_THEMES: &[&str] = &[
    "InspiredGitHub",
    "Solarized (dark)",
    "Solarized (light)",
    "base16-eighties.dark",
    "base16-mocha.dark",
    "base16-ocean.dark",
    "base16-ocean.light",
];

/// Lines per chunk: a screen touches at most a few chunks, and a chunk takes about a
/// millisecond to highlight.
pub const CHUNK_LINES: usize = 48;

static SYNTAXES: OnceLock<SyntaxSet> = OnceLock::new();
static THEMES: OnceLock<ThemeSet> = OnceLock::new();

pub fn syntaxes() -> &'static SyntaxSet {
    SYNTAXES.get_or_init(SyntaxSet::load_defaults_nonewlines)
}

pub fn themes() -> &'static ThemeSet {
    THEMES.get_or_init(ThemeSet::load_defaults)
}

/// Loads the syntax and theme sets (tens of milliseconds) and compiles the regexes of common
/// languages (syntect compiles them on first use: ~60 ms for Rust), so the first diff shows
/// at once. Meant for a background thread at start.
pub fn warm_up() {
    syntaxes();
    for path in ["a.rs", "a.py", "a.ts", "a.js", "a.go", "a.toml", "a.md"] {
        if let Some(h) = ChunkHighlighter::new(Some("base16-ocean.dark"), path) {
            h.chunk(
                [
                    "fn f(x: u32) -> &'static str { \"s\" } // c",
                    "x = [1, 'a'] # c",
                ]
                .into_iter(),
            );
        }
    }
}

/// Foreground colours of one line as (colour, byte start, byte end) runs.
pub type LineSpans = Vec<(Color, u32, u32)>;

/// The syntax for a path, by extension or file name; `None` for plain text.
pub fn syntax_for_path(path: &str) -> Option<&'static SyntaxReference> {
    let ss = syntaxes();
    let name = path.rsplit('/').next().unwrap_or(path);
    let by_ext = name
        .rsplit_once('.')
        .and_then(|(_, ext)| ss.find_syntax_by_extension(ext));
    by_ext
        .or_else(|| ss.find_syntax_by_extension(name))
        .filter(|s| s.name != "Plain Text")
}

/// Highlights chunks of lines with one syntax and theme.
pub struct ChunkHighlighter {
    syntax: &'static SyntaxReference,
    theme: &'static syntect::highlighting::Theme,
}

impl ChunkHighlighter {
    /// `None` when there is nothing to colour: no syntect theme, or a plain-text file.
    pub fn new(theme_name: Option<&str>, path: &str) -> Option<Self> {
        let theme = themes().themes.get(theme_name?)?;
        let syntax = syntax_for_path(path)?;
        Some(ChunkHighlighter { syntax, theme })
    }

    /// Highlights consecutive lines from a fresh state. A line syntect cannot parse keeps
    /// no colour rather than failing the chunk.
    pub fn chunk<'a>(&self, lines: impl Iterator<Item = &'a str>) -> Vec<LineSpans> {
        let ss = syntaxes();
        let mut h = HighlightLines::new(self.syntax, self.theme);
        lines
            .map(|line| match h.highlight_line(line, ss) {
                Ok(parts) => {
                    let mut at = 0u32;
                    parts
                        .into_iter()
                        .map(|(style, text)| {
                            let start = at;
                            at += text.len() as u32;
                            let c = style.foreground;
                            (Color::Rgb(c.r, c.g, c.b), start, at)
                        })
                        .collect()
                }
                Err(_) => Vec::new(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_theme_names_are_the_ones_we_list() {
        let mut names: Vec<&str> = themes().themes.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut ours = SYNTAX_THEMES.to_vec();
        ours.sort_unstable();
        assert_eq!(names, ours);
    }

    #[test]
    fn rust_lines_get_colours_and_plain_text_none() {
        let h =
            ChunkHighlighter::new(Some("base16-ocean.dark"), "src/http.rs").expect("rust syntax");
        let lines = ["fn main() {", "    let x = 1; // one"];
        let spans = h.chunk(lines.into_iter());
        assert_eq!(spans.len(), 2);
        assert!(spans[0].len() > 1);
        // Runs cover the line end to end.
        assert_eq!(spans[1].first().map(|s| s.1), Some(0));
        assert_eq!(spans[1].last().map(|s| s.2 as usize), Some(lines[1].len()));
        assert!(ChunkHighlighter::new(Some("base16-ocean.dark"), "notes.txt").is_none());
        assert!(ChunkHighlighter::new(None, "src/http.rs").is_none());
    }
}
