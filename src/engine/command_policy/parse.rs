//! A shell-aware lexer: splits a command line into the simple commands a shell would run.
//!
//! Owns the syntax only: quotes, escapes, the separators `;` `&&` `||` `|` `&` and newline,
//! subshells `( )` and groups `{ }`, command and process substitution (`$(…)`, backticks,
//! `<(…)`, `>(…)`, also inside double quotes and unquoted here-docs), redirections and
//! here-docs. The words of each simple command are unquoted by the `shlex` crate (already a
//! build dependency of ours through `cc`, and the well-kept POSIX word splitter). Must not
//! judge anything: `grade.rs` and `table.rs` do. What this cannot read is an error, and the
//! grader treats an error as destructive, never as read-only.

use thiserror::Error;

/// What a substitution's place in a word reads as once it is cut out: it contains `$`, so
/// whatever looks at the word sees a value nobody can know before the command runs.
pub const SUBSTITUTED: &str = "$(...)";

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ParseError {
    #[error("a {0} quote is not closed")]
    UnclosedQuote(char),
    #[error("a `(` is not closed")]
    UnclosedParen,
    #[error("a `)` closes nothing")]
    StrayParen,
    #[error("a backtick is not closed")]
    UnclosedBacktick,
    #[error("the redirection `{0}` has no target")]
    NoTarget(String),
    #[error("the here-doc ending in `{0}` has no end line")]
    UnclosedHereDoc(String),
    #[error("the words `{0}` do not split")]
    Words(String),
    #[error("the line ends in a backslash")]
    TrailingEscape,
    #[error("{0} is not read here")]
    Unsupported(&'static str),
}

/// How a redirection uses its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectKind {
    /// `>`, `>>`, `>|`, `&>`, `&>>`, `<>`, `>&file`: the target file is written.
    Write,
    /// `<`: the target file is read.
    Read,
    /// `N>&M`, `<&M`, `>&-`: a descriptor copied or closed, no file.
    Dup,
    /// `<<`, `<<-`, `<<<`: text given on standard input, no file.
    Text,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    pub kind: RedirectKind,
    /// The operator as written, with its descriptor (`2>`, `&>>`).
    pub op: String,
    /// The unquoted target (a file, a descriptor, a here-doc delimiter).
    pub target: String,
}

/// One command a shell would run, with its words unquoted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Simple {
    pub words: Vec<String>,
    pub redirects: Vec<Redirect>,
    /// A word of it holds a command or process substitution (shown as [`SUBSTITUTED`]).
    pub substituted: bool,
    /// It runs inside another command's substitution.
    pub nested: bool,
}

/// Every simple command of a line, substitutions' contents included, in source order.
pub fn parse(line: &str) -> Result<Vec<Simple>, ParseError> {
    let mut lx = Lexer::new(line, false);
    lx.list(false)?;
    Ok(lx.out)
}

struct HereDoc {
    delim: String,
    quoted: bool,
    strip_tabs: bool,
}

struct Lexer {
    s: Vec<char>,
    i: usize,
    out: Vec<Simple>,
    nested: bool,
    /// The words of the command being read, raw (quotes kept) for shlex.
    text: String,
    redirects: Vec<Redirect>,
    substituted: bool,
    heredocs: Vec<HereDoc>,
}

fn is_separator(c: char) -> bool {
    matches!(c, ';' | '&' | '|' | '(' | ')' | '<' | '>' | '\n')
}

impl Lexer {
    fn new(s: &str, nested: bool) -> Lexer {
        Lexer {
            s: s.chars().collect(),
            i: 0,
            out: Vec::new(),
            nested,
            text: String::new(),
            redirects: Vec::new(),
            substituted: false,
            heredocs: Vec::new(),
        }
    }

    fn peek(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    fn flush(&mut self) -> Result<(), ParseError> {
        let text = std::mem::take(&mut self.text);
        let redirects = std::mem::take(&mut self.redirects);
        let substituted = std::mem::take(&mut self.substituted);
        let words = shlex::split(&text).ok_or_else(|| ParseError::Words(text.clone()))?;
        if words.is_empty() && redirects.is_empty() {
            return Ok(());
        }
        self.out.push(Simple {
            words,
            redirects,
            substituted,
            nested: self.nested,
        });
        Ok(())
    }

    /// Reads commands until the end, or until the `)` that closes a subshell or `$(`.
    fn list(&mut self, in_paren: bool) -> Result<(), ParseError> {
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' => self.i += 1,
                '\n' => {
                    self.i += 1;
                    self.flush()?;
                    self.read_heredocs()?;
                }
                ';' | '|' => {
                    self.i += 1;
                    self.flush()?;
                }
                '&' if self.peek(1) == Some('>') => self.redirect()?,
                '&' => {
                    self.i += 1;
                    self.flush()?;
                }
                '(' if !self.text.trim().is_empty() => {
                    return Err(ParseError::Unsupported("a function definition"))
                }
                '(' => {
                    // A subshell; its commands count like any others.
                    self.i += 1;
                    self.flush()?;
                    self.list(true)?;
                }
                ')' if in_paren => {
                    self.i += 1;
                    return self.flush();
                }
                ')' => return Err(ParseError::StrayParen),
                '<' | '>' if self.peek(1) == Some('(') => {
                    self.i += 2;
                    self.substitution()?;
                    self.text.push_str(SUBSTITUTED);
                    self.text.push(' ');
                }
                '<' | '>' => self.redirect()?,
                '#' => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.i += 1;
                    }
                }
                d if d.is_ascii_digit() && self.digits_then_redirect() => self.redirect()?,
                _ => {
                    let w = self.word()?;
                    self.text.push_str(&w);
                    self.text.push(' ');
                }
            }
        }
        if in_paren {
            return Err(ParseError::UnclosedParen);
        }
        self.flush()?;
        if let Some(h) = self.heredocs.first() {
            return Err(ParseError::UnclosedHereDoc(h.delim.clone()));
        }
        Ok(())
    }

    fn digits_then_redirect(&self) -> bool {
        let mut k = 0;
        while self.peek(k).is_some_and(|c| c.is_ascii_digit()) {
            k += 1;
        }
        matches!(self.peek(k), Some('<' | '>')) && self.peek(k + 1) != Some('(')
    }

    /// One word, raw: quotes and escapes kept for shlex, substitutions cut out and parsed.
    fn word(&mut self) -> Result<String, ParseError> {
        let mut w = String::new();
        while let Some(c) = self.peek(0) {
            if c == ' ' || c == '\t' || is_separator(c) {
                break;
            }
            match c {
                '\\' => {
                    let Some(n) = self.peek(1) else {
                        return Err(ParseError::TrailingEscape);
                    };
                    self.i += 2;
                    if n != '\n' {
                        w.push('\\');
                        w.push(n);
                    }
                }
                '\'' => {
                    self.i += 1;
                    w.push('\'');
                    loop {
                        let Some(c) = self.peek(0) else {
                            return Err(ParseError::UnclosedQuote('\''));
                        };
                        self.i += 1;
                        w.push(c);
                        if c == '\'' {
                            break;
                        }
                    }
                }
                '"' => {
                    self.i += 1;
                    w.push('"');
                    self.double_quoted(&mut w)?;
                    w.push('"');
                }
                '$' | '`' if self.command_substitution()? => w.push_str(SUBSTITUTED),
                _ => {
                    self.i += 1;
                    w.push(c);
                }
            }
        }
        Ok(w)
    }

    /// The inside of `"…"` up to its closing quote (consumed, not pushed).
    fn double_quoted(&mut self, w: &mut String) -> Result<(), ParseError> {
        loop {
            let Some(c) = self.peek(0) else {
                return Err(ParseError::UnclosedQuote('"'));
            };
            match c {
                '"' => {
                    self.i += 1;
                    return Ok(());
                }
                '\\' => {
                    let Some(n) = self.peek(1) else {
                        return Err(ParseError::UnclosedQuote('"'));
                    };
                    self.i += 2;
                    w.push('\\');
                    w.push(n);
                }
                '$' | '`' if self.command_substitution()? => w.push_str(SUBSTITUTED),
                _ => {
                    self.i += 1;
                    w.push(c);
                }
            }
        }
    }

    /// At `$(` or a backtick (bare or inside double quotes): the substitution is parsed and
    /// consumed, true; anything else is left alone, false.
    fn command_substitution(&mut self) -> Result<bool, ParseError> {
        match (self.peek(0), self.peek(1)) {
            (Some('$'), Some('(')) => {
                self.i += 2;
                self.substitution()?;
                Ok(true)
            }
            (Some('`'), _) => {
                self.backtick()?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// After `$(`, `<(` or `>(`: the commands up to the matching `)`, parsed on their own.
    fn substitution(&mut self) -> Result<(), ParseError> {
        let mut inner = Lexer::new("", true);
        inner.s = std::mem::take(&mut self.s);
        inner.i = self.i;
        let r = inner.list(true);
        self.s = std::mem::take(&mut inner.s);
        self.i = inner.i;
        r?;
        self.out.append(&mut inner.out);
        self.substituted = true;
        Ok(())
    }

    /// A backtick substitution: its text (with `\`` unescaped) parsed on its own.
    fn backtick(&mut self) -> Result<(), ParseError> {
        self.i += 1;
        let mut inner = String::new();
        loop {
            let Some(c) = self.peek(0) else {
                return Err(ParseError::UnclosedBacktick);
            };
            self.i += 1;
            match c {
                '`' => break,
                '\\' if matches!(self.peek(0), Some('`' | '\\' | '$')) => {
                    inner.push(self.s[self.i]);
                    self.i += 1;
                }
                _ => inner.push(c),
            }
        }
        let mut lx = Lexer::new(&inner, true);
        lx.list(false)?;
        self.out.append(&mut lx.out);
        self.substituted = true;
        Ok(())
    }

    fn redirect(&mut self) -> Result<(), ParseError> {
        let mut op = String::new();
        while let Some(c) = self.peek(0).filter(|c| c.is_ascii_digit()) {
            op.push(c);
            self.i += 1;
        }
        // The longest operator that fits, as a shell reads it.
        const OPS: [&str; 12] = [
            "&>>", "&>", "<<<", "<<-", "<<", "<>", "<&", ">>", ">&", ">|", "<", ">",
        ];
        let rest: String = self.s[self.i..].iter().take(3).collect();
        let Some(found) = OPS.iter().find(|o| rest.starts_with(*o)) else {
            return Err(ParseError::NoTarget(op));
        };
        op.push_str(found);
        self.i += found.chars().count();
        while matches!(self.peek(0), Some(' ' | '\t')) {
            self.i += 1;
        }
        let raw = self.word()?;
        if raw.is_empty() {
            return Err(ParseError::NoTarget(op));
        }
        let target = match shlex::split(&raw) {
            Some(mut v) if v.len() == 1 => v.remove(0),
            _ => return Err(ParseError::Words(raw)),
        };
        let bare = op.trim_start_matches(|c: char| c.is_ascii_digit());
        let kind = match bare {
            "<<" | "<<-" => {
                self.heredocs.push(HereDoc {
                    delim: target.clone(),
                    quoted: raw.contains(['\'', '"', '\\']),
                    strip_tabs: bare == "<<-",
                });
                RedirectKind::Text
            }
            "<<<" => RedirectKind::Text,
            "<" => RedirectKind::Read,
            ">&" | "<&" if target == "-" || target.chars().all(|c| c.is_ascii_digit()) => {
                RedirectKind::Dup
            }
            "<&" => RedirectKind::Read,
            _ => RedirectKind::Write,
        };
        self.redirects.push(Redirect { kind, op, target });
        Ok(())
    }

    /// After a newline: the bodies of the here-docs started on the line just read. An
    /// unquoted delimiter lets the body's substitutions run, so they are parsed.
    fn read_heredocs(&mut self) -> Result<(), ParseError> {
        for h in std::mem::take(&mut self.heredocs) {
            let mut body = String::new();
            loop {
                if self.i >= self.s.len() {
                    return Err(ParseError::UnclosedHereDoc(h.delim));
                }
                let start = self.i;
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
                let line: String = self.s[start..self.i].iter().collect();
                self.i = (self.i + 1).min(self.s.len());
                let cmp = if h.strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    &line
                };
                if cmp == h.delim {
                    break;
                }
                body.push_str(&line);
                body.push('\n');
            }
            if !h.quoted {
                // Scanned as the inside of double quotes, which is how the shell reads it.
                let mut lx = Lexer::new(&body.replace('"', "\\\""), true);
                let mut ignored = String::new();
                lx.s.push('"');
                lx.double_quoted(&mut ignored)?;
                self.out.append(&mut lx.out);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
