//! The home screen: a browser of past runs, newest first: this repository's, or every one.
//! Open one as a replay, resume an unfinished one, export one, delete one (after a yes), or
//! start a new run with a goal typed in a text area.
//!
//! Owns choosing what to do; it runs nothing itself (the caller starts the replay, the resume
//! or the run, deletes or exports, then shows home again). Keys go through the keymap like
//! everywhere else. `Home` is pure (keys in, choice out; drawing from its fields) so tests
//! drive it without a terminal; `home` is the terminal loop around it.

use super::keymap::{Key, Mode};
use super::terminal;
use super::{Action, AppOptions};
use crate::model::RunId;
use crate::store::RunSummary;
use crate::util::{format_duration_ms, format_utc, shorten};
use crossterm::event::{Event as TermEvent, EventStream, KeyEvent, KeyEventKind};
use futures::StreamExt;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;
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

    /// A key; `Some` when the person chose something.
    pub fn handle_key(&mut self, k: KeyEvent, opts: &AppOptions) -> Option<HomeChoice> {
        let key = Key::from_event(&k);
        let in_mode = |m: Mode| key.and_then(|k| opts.keymap.lookup(m, k));
        if self.prompt.is_some() {
            return self.prompt_key(k, in_mode(Mode::Dialog), in_mode(Mode::Confirm));
        }
        let n = self.shown().len();
        let selected = self.selected().cloned();
        self.note.clear();
        match in_mode(Mode::Global) {
            Some(Action::Quit) => return Some(HomeChoice::Quit),
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
                    self.note = format!("run {} is {}: nothing to resume", r.id.short(), r.status)
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
            Prompt::Goal(_) => None,
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

    pub fn draw(&self, f: &mut Frame, opts: &AppOptions) {
        let t = &opts.theme;
        let hint = |mode: Mode, a: Action| {
            opts.keymap
                .hint_key(mode, a)
                .map(|k| k.to_string())
                .unwrap_or_else(|| "?".into())
        };
        let [head, body, foot] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(f.area());
        let shown = self.shown();
        let whose = if self.show_all || !self.has_repo {
            "every repository"
        } else {
            "this repository"
        };
        let mut sub = format!(" {} run(s) of {whose}", shown.len());
        if self.has_repo {
            let other = if self.show_all {
                "this one's"
            } else {
                "every one's"
            };
            sub.push_str(&format!(
                " · {} shows {other}",
                hint(Mode::Global, Action::AllRuns)
            ));
        }
        f.render_widget(
            Paragraph::new(vec![
                Line::from(vec![
                    Span::styled(" conclave ", t.style("ui.statusline.level")),
                    Span::raw(format!("  {}", self.label)),
                ]),
                Line::from(Span::styled(sub, t.style("ui.text.dim"))),
            ]),
            head,
        );
        let with_repo = self.show_all || !self.has_repo;
        let rows: Vec<Row> = shown.iter().map(|r| row(r, with_repo)).collect();
        let mut widths = vec![
            Constraint::Length(10),
            Constraint::Length(16),
            Constraint::Min(20),
            Constraint::Length(2),
            Constraint::Length(11),
            Constraint::Length(8),
            Constraint::Length(5),
            Constraint::Length(7),
        ];
        let mut header = vec![
            "run",
            "started (UTC)",
            "goal",
            "L",
            "status",
            "took",
            "tasks",
            "cost",
        ];
        if with_repo {
            widths.insert(2, Constraint::Length(12));
            header.insert(2, "repo");
        }
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(t.style("ui.text.dim")))
            .row_highlight_style(t.style("ui.selection"))
            .block(Block::default().borders(Borders::TOP).title(" Runs "));
        let mut state =
            TableState::default().with_selected((!shown.is_empty()).then_some(self.selected));
        f.render_stateful_widget(table, body, &mut state);
        if shown.is_empty() {
            let [_, msg] =
                Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(body);
            f.render_widget(
                Paragraph::new(format!(
                    "  No runs yet. Press {} to start one.",
                    hint(Mode::Global, Action::NewRun)
                )),
                msg,
            );
        }
        let keys = [
            (Action::OpenRun, "replay"),
            (Action::ResumeRun, "resume"),
            (Action::NewRun, "new run"),
            (Action::ExportRun, "export"),
            (Action::DeleteRun, "delete"),
            (Action::Quit, "quit"),
        ];
        // What just happened replaces the key hints until the next key.
        let (help, style) = if self.note.is_empty() {
            let help: Vec<String> = keys
                .iter()
                .map(|(a, l)| format!("{} {l}", hint(Mode::Global, *a)))
                .collect();
            (help.join(" · "), t.style("ui.statusline"))
        } else {
            (self.note.clone(), t.style("ui.statusline.flash"))
        };
        f.render_widget(Block::default().style(style), foot);
        f.render_widget(Paragraph::new(format!(" {help}")).style(style), foot);
        match &self.prompt {
            None => {}
            Some(Prompt::Goal(ta)) => {
                let title = format!(
                    " New run: the goal ({} start · {} cancel) ",
                    hint(Mode::Dialog, Action::Submit),
                    hint(Mode::Dialog, Action::Cancel)
                );
                text_popup(f, ta, title, 7);
            }
            Some(Prompt::ExportPath(run, ta)) => {
                let title = format!(
                    " Export run {} to ({} write · {} cancel) ",
                    run.short(),
                    hint(Mode::Dialog, Action::Submit),
                    hint(Mode::Dialog, Action::Cancel)
                );
                text_popup(f, ta, title, 3);
            }
            Some(Prompt::Delete(id)) => {
                let r = self.runs.iter().find(|r| r.id == *id);
                let what = r.map_or(String::new(), |r| {
                    format!(" “{}” ({} events)", shorten(&r.goal, 40), r.events)
                });
                let text = format!(
                    "Delete run {}{what}?\n\nIts log leaves the store and its worktrees are removed; \
                     its git branches stay.\n\n{} yes · {} no",
                    id.short(),
                    hint(Mode::Confirm, Action::Confirm),
                    hint(Mode::Confirm, Action::Cancel)
                );
                let area = popup(f.area(), 70, 8);
                f.render_widget(Clear, area);
                f.render_widget(
                    Paragraph::new(text)
                        .wrap(Wrap { trim: false })
                        .style(t.style("ui.dialog"))
                        .block(
                            Block::default()
                                .borders(Borders::ALL)
                                .border_style(t.style("ui.dialog.border"))
                                .title(" Confirm "),
                        ),
                    area,
                );
            }
        }
    }
}

fn row(r: &RunSummary, with_repo: bool) -> Row<'static> {
    let goal = match &r.parent {
        Some(p) => format!("↳{}@{} {}", &p.run.to_string()[..5], p.seq, r.goal),
        None => r.goal.clone(),
    };
    let took = format_duration_ms(r.last_at_ms.saturating_sub(r.started_at_ms));
    let mut cells = vec![
        r.id.short(),
        format_utc(r.started_at_ms)[..16].to_string(),
        shorten(&goal, 200),
        r.level.map(|l| format!("L{l}")).unwrap_or_default(),
        r.status_shown().to_string(),
        took,
        format!("{}/{}", r.tasks_done, r.tasks_total),
        format!("${:.2}", r.cost_usd),
    ];
    if with_repo {
        let name = Path::new(&r.repo)
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        cells.insert(2, shorten(&name, 12));
    }
    Row::new(cells)
}

fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let w = area.width.saturating_sub(8).min(w);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + area.height / 3,
        width: w,
        height: h.min(area.height),
    }
}

fn text_popup(f: &mut Frame, ta: &TextArea<'static>, title: String, h: u16) {
    let area = popup(f.area(), 90, h);
    f.render_widget(Clear, area);
    let mut ta = ta.clone();
    ta.set_block(Block::default().borders(Borders::ALL).title(title));
    f.render_widget(&ta, area);
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
