//! The home screen: a browser of past runs, newest first: this repository's, or every one.
//! Open one as a replay, resume an unfinished one, export one, delete one (after a yes), or
//! start a new run with a goal typed in a text area.
//!
//! Owns choosing what to do; it runs nothing itself (the caller starts the replay, the resume
//! or the run, deletes or exports, then shows home again). Keys go through the keymap like
//! everywhere else. `Home` is pure (keys in, choice out; drawing from its fields, in
//! `home_draw.rs`) so tests drive it without a terminal; `home` is the terminal loop around
//! it.

#[path = "home_draw.rs"]
mod draw;

use super::keymap::{Key, Mode};
use super::terminal;
use super::{Action, AppOptions};
use crate::model::RunId;
use crate::store::RunSummary;
use crossterm::event::{Event as TermEvent, EventStream, KeyEvent, KeyEventKind};
use futures::StreamExt;
use std::path::{Path, PathBuf};
use tui_textarea::TextArea;

#[derive(Clone, Debug, PartialEq)]
pub enum HomeChoice {
    Replay(RunId),
    Resume(RunId),
    NewRun(String),
    /// The person said yes to deleting it.
    Delete(RunId),
    /// Write the run's JSONL to `path` (relative to where conclave was started).
    Export {
        run: RunId,
        path: PathBuf,
    },
    Quit,
}

/// What the home screen shows.
pub struct HomeInput {
    /// Every run in the store.
    pub runs: Vec<RunSummary>,
    /// This repository's root (`None` outside a repository: every run is shown).
    pub repo: Option<PathBuf>,
    /// How the header names where conclave runs.
    pub label: String,
    /// Every repository's runs, not only this one's.
    pub show_all: bool,
    /// A line about what just happened (an export written, a run deleted).
    pub note: String,
    /// The run to select, e.g. the one just replayed.
    pub selected: Option<RunId>,
}

enum Prompt {
    Goal(TextArea<'static>),
    ExportPath(RunId, TextArea<'static>),
    Delete(RunId),
    /// The home screen's keys, each with what it does.
    Help,
}

/// What the home screen takes a key for and what it does here, in the order its help lists
/// them (the keys come from the keymap); `AllRuns` only inside a repository (outside one
/// every run is shown already).
pub(crate) fn home_actions(has_repo: bool) -> Vec<(Action, &'static str)> {
    let mut v = vec![
        (Action::OpenRun, "Replay the selected run"),
        (
            Action::ResumeRun,
            "Resume the selected run (an unfinished one)",
        ),
        (Action::NewRun, "Start a new run on this repository"),
        (
            Action::ExportRun,
            "Export the selected run as JSONL (asks where)",
        ),
        (Action::DeleteRun, "Delete the selected run (asks first)"),
    ];
    if has_repo {
        v.push((
            Action::AllRuns,
            "Show every repository's runs, or this one's again",
        ));
    }
    v.extend([
        (Action::Up, "Select the run above"),
        (Action::Down, "Select the run below"),
        (Action::Top, "Select the newest run"),
        (Action::Bottom, "Select the oldest run"),
        (Action::Help, "Show these keys"),
        (Action::Quit, "Leave conclave"),
    ]);
    v
}

pub struct Home {
    runs: Vec<RunSummary>,
    /// Per run: whether it belongs to this repository.
    mine: Vec<bool>,
    has_repo: bool,
    label: String,
    pub show_all: bool,
    selected: usize,
    prompt: Option<Prompt>,
    note: String,
}

fn canon(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

impl Home {
    pub fn new(input: HomeInput) -> Home {
        let mut runs = input.runs;
        runs.sort_by_key(|r| std::cmp::Reverse(r.id));
        let want = input.repo.as_deref().map(canon);
        let mine = runs
            .iter()
            .map(|r| {
                want.as_ref()
                    .is_none_or(|w| canon(Path::new(&r.repo)) == *w)
            })
            .collect();
        let mut h = Home {
            runs,
            mine,
            has_repo: input.repo.is_some(),
            label: input.label,
            show_all: input.show_all,
            selected: 0,
            prompt: None,
            note: input.note,
        };
        if let Some(id) = input.selected {
            h.selected = h.shown().iter().position(|r| r.id == id).unwrap_or(0);
        }
        h
    }

    /// The runs listed, newest first.
    pub fn shown(&self) -> Vec<&RunSummary> {
        self.runs
            .iter()
            .zip(&self.mine)
            .filter(|(_, m)| self.show_all || **m)
            .map(|(r, _)| r)
            .collect()
    }

    pub fn selected(&self) -> Option<&RunSummary> {
        self.shown().get(self.selected).copied()
    }

    /// Whether the home help is open.
    pub fn help_open(&self) -> bool {
        matches!(self.prompt, Some(Prompt::Help))
    }

    /// A key; `Some` when the person chose something.
    pub fn handle_key(&mut self, k: KeyEvent, opts: &AppOptions) -> Option<HomeChoice> {
        let key = Key::from_event(&k);
        let in_mode = |m: Mode| key.and_then(|k| opts.keymap.lookup(m, k));
        if matches!(self.prompt, Some(Prompt::Help)) {
            // Its own keys close it, and so does the key that opened it.
            if matches!(in_mode(Mode::Help), Some(Action::Cancel))
                || matches!(in_mode(Mode::Global), Some(Action::Help))
            {
                self.prompt = None;
            }
            return None;
        }
        if self.prompt.is_some() {
            return self.prompt_key(k, in_mode(Mode::Dialog), in_mode(Mode::Confirm));
        }
        let n = self.shown().len();
        let selected = self.selected().cloned();
        self.note.clear();
        match in_mode(Mode::Global) {
            Some(Action::Quit) => return Some(HomeChoice::Quit),
            Some(Action::Help) => self.prompt = Some(Prompt::Help),
            Some(Action::Up) => self.selected = self.selected.saturating_sub(1),
            Some(Action::Down) => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Some(Action::Top) => self.selected = 0,
            Some(Action::Bottom) => self.selected = n.saturating_sub(1),
            Some(Action::OpenRun) => return selected.map(|r| HomeChoice::Replay(r.id)),
            Some(Action::ResumeRun) => match selected {
                Some(r) if !matches!(r.status.as_str(), "finished" | "failed" | "cancelled") => {
                    return Some(HomeChoice::Resume(r.id))
                }
                Some(r) => {
                    let status = r.status_shown();
                    self.note = format!("run {} is {status}: nothing to resume", r.id.short())
                }
                None => {}
            },
            Some(Action::NewRun) => {
                let mut ta = TextArea::default();
                ta.set_placeholder_text("what should the agents achieve?");
                self.prompt = Some(Prompt::Goal(ta));
            }
            Some(Action::DeleteRun) => {
                if let Some(r) = selected {
                    self.prompt = Some(Prompt::Delete(r.id));
                }
            }
            Some(Action::ExportRun) => {
                if let Some(r) = selected {
                    let mut ta = TextArea::from([format!("conclave-{}.jsonl", r.id.short())]);
                    ta.move_cursor(tui_textarea::CursorMove::End);
                    self.prompt = Some(Prompt::ExportPath(r.id, ta));
                }
            }
            Some(Action::AllRuns) if self.has_repo => {
                let keep = selected.map(|r| r.id);
                self.show_all = !self.show_all;
                let shown = self.shown();
                self.selected = keep
                    .and_then(|id| shown.iter().position(|r| r.id == id))
                    .unwrap_or(0);
            }
            _ => {}
        }
        None
    }

    /// A key while a prompt is open: `dialog` and `confirm` are what it means in those modes.
    fn prompt_key(
        &mut self,
        k: KeyEvent,
        dialog: Option<Action>,
        confirm: Option<Action>,
    ) -> Option<HomeChoice> {
        let p = self.prompt.as_mut()?;
        let export = match p {
            Prompt::Delete(id) => {
                let id = *id;
                match confirm {
                    Some(Action::Confirm) => return Some(HomeChoice::Delete(id)),
                    Some(Action::Cancel) => self.prompt = None,
                    _ => {}
                }
                return None;
            }
            Prompt::ExportPath(run, _) => Some(*run),
            Prompt::Goal(_) | Prompt::Help => None,
        };
        let (Prompt::Goal(ta) | Prompt::ExportPath(_, ta)) = p else {
            return None;
        };
        match dialog {
            Some(Action::Submit) => {
                let text = ta.lines().join("\n").trim().to_string();
                if text.is_empty() {
                    return None;
                }
                return Some(match export {
                    Some(run) => HomeChoice::Export {
                        run,
                        path: PathBuf::from(text),
                    },
                    None => HomeChoice::NewRun(text),
                });
            }
            Some(Action::Cancel) => self.prompt = None,
            // A path is one line.
            Some(Action::Newline) if export.is_none() => ta.insert_newline(),
            Some(Action::Newline) => {}
            _ => {
                ta.input(k);
            }
        }
        None
    }
}

/// Shows the home screen until the person chooses; returns the choice and whether every
/// repository's runs were shown (the next home keeps it).
pub async fn home(input: HomeInput, opts: &AppOptions) -> std::io::Result<(HomeChoice, bool)> {
    let (mut term, _guard) = terminal::enter()?;
    let mut h = Home::new(input);
    let mut events = EventStream::new();
    let shutdown = super::app::shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        term.draw(|f| h.draw(f, opts))?;
        let ev = tokio::select! {
            ev = events.next() => ev,
            _ = &mut shutdown => None,
        };
        let Some(Ok(ev)) = ev else {
            return Ok((HomeChoice::Quit, h.show_all));
        };
        let TermEvent::Key(k) = ev else { continue };
        if k.kind == KeyEventKind::Release {
            continue;
        }
        if let Some(choice) = h.handle_key(k, opts) {
            return Ok((choice, h.show_all));
        }
    }
}
