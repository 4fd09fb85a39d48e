//! The home screen: the runs of this repository, newest first; open one as a replay, resume
//! an unfinished one, or start a new run with a goal typed in a text area.
//!
//! Owns choosing what to do; it runs nothing itself (the caller starts the replay, the resume
//! or the run). Keys go through the keymap like everywhere else.

use super::keymap::{Key, Mode};
use super::terminal;
use super::{Action, AppOptions};
use crate::model::RunId;
use crate::store::RunSummary;
use crate::util::{format_utc, shorten};
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};
use ratatui::Frame;
use tui_textarea::TextArea;

#[derive(Clone, Debug, PartialEq)]
pub enum HomeChoice {
    Replay(RunId),
    Resume(RunId),
    NewRun(String),
    Quit,
}

struct Home<'a> {
    runs: Vec<RunSummary>,
    repo: String,
    selected: usize,
    goal: Option<TextArea<'a>>,
    note: String,
}

fn hint(opts: &AppOptions, mode: Mode, a: Action) -> String {
    opts.keymap
        .hint_key(mode, a)
        .map(|k| k.to_string())
        .unwrap_or_else(|| "?".into())
}

fn draw(f: &mut Frame, h: &Home, opts: &AppOptions) {
    let t = &opts.theme;
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(f.area());
    f.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(" conclave ", t.style("ui.statusline.level")),
                Span::raw(format!("  {}", h.repo)),
            ]),
            Line::from(Span::styled(
                format!(" {} run(s) of this repository", h.runs.len()),
                t.style("ui.text.dim"),
            )),
        ]),
        head,
    );
    let rows: Vec<Row> = h
        .runs
        .iter()
        .map(|r| {
            Row::new(vec![
                r.id.to_string()[..10].to_string(),
                format_utc(r.started_at_ms),
                shorten(&r.goal, 48),
                r.level.map(|l| format!("L{l}")).unwrap_or_default(),
                r.status.clone(),
                format!("{}/{}", r.tasks_done, r.tasks_total),
                format!("${:.2}", r.cost_usd),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(11),
        Constraint::Length(20),
        Constraint::Min(20),
        Constraint::Length(3),
        Constraint::Length(10),
        Constraint::Length(6),
        Constraint::Length(8),
    ];
    let table = Table::new(rows, widths)
        .header(
            Row::new([
                "run",
                "started (UTC)",
                "goal",
                "L",
                "status",
                "tasks",
                "cost",
            ])
            .style(t.style("ui.text.dim")),
        )
        .row_highlight_style(t.style("ui.selection"))
        .block(Block::default().borders(Borders::TOP).title(" Runs "));
    let mut state = TableState::default().with_selected((!h.runs.is_empty()).then_some(h.selected));
    f.render_stateful_widget(table, body, &mut state);
    if h.runs.is_empty() {
        let [_, msg] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(body);
        f.render_widget(
            Paragraph::new(format!(
                "  No runs yet. Press {} to start one.",
                hint(opts, Mode::Global, Action::NewRun)
            )),
            msg,
        );
    }
    let help = format!(
        " {} replay · {} resume · {} new run · {} quit  {}",
        hint(opts, Mode::Global, Action::OpenRun),
        hint(opts, Mode::Global, Action::ResumeRun),
        hint(opts, Mode::Global, Action::NewRun),
        hint(opts, Mode::Global, Action::Quit),
        h.note
    );
    f.render_widget(Paragraph::new(help).style(t.style("ui.statusline")), foot);
    if let Some(goal) = &h.goal {
        let area = f.area();
        let w = area.width.saturating_sub(8).min(90);
        let popup = ratatui::layout::Rect {
            x: area.x + (area.width - w) / 2,
            y: area.y + area.height / 3,
            width: w,
            height: 7.min(area.height),
        };
        f.render_widget(ratatui::widgets::Clear, popup);
        let mut ta = goal.clone();
        ta.set_block(Block::default().borders(Borders::ALL).title(format!(
            " New run: the goal ({} start · {} cancel) ",
            hint(opts, Mode::Dialog, Action::Submit),
            hint(opts, Mode::Dialog, Action::Cancel)
        )));
        f.render_widget(&ta, popup);
    }
}

/// Shows the home screen until the person chooses. `runs` are this repo's runs.
pub async fn home(
    mut runs: Vec<RunSummary>,
    repo: String,
    opts: &AppOptions,
) -> std::io::Result<HomeChoice> {
    runs.sort_by_key(|r| std::cmp::Reverse(r.id));
    let (mut term, _guard) = terminal::enter()?;
    let mut h = Home {
        runs,
        repo,
        selected: 0,
        goal: None,
        note: String::new(),
    };
    let mut input = EventStream::new();
    loop {
        term.draw(|f| draw(f, &h, opts))?;
        let Some(Ok(ev)) = input.next().await else {
            return Ok(HomeChoice::Quit);
        };
        let TermEvent::Key(k) = ev else { continue };
        if k.kind == KeyEventKind::Release {
            continue;
        }
        let key = Key::from_event(&k);
        if let Some(goal) = &mut h.goal {
            match key.and_then(|k| opts.keymap.lookup(Mode::Dialog, k)) {
                Some(Action::Submit) => {
                    let text = goal.lines().join("\n").trim().to_string();
                    if !text.is_empty() {
                        return Ok(HomeChoice::NewRun(text));
                    }
                }
                Some(Action::Cancel) => h.goal = None,
                Some(Action::Newline) => goal.insert_newline(),
                _ => {
                    goal.input(k);
                }
            }
            continue;
        }
        let selected = h.runs.get(h.selected);
        match key.and_then(|k| opts.keymap.lookup(Mode::Global, k)) {
            Some(Action::Quit) => return Ok(HomeChoice::Quit),
            Some(Action::Up) => h.selected = h.selected.saturating_sub(1),
            Some(Action::Down) => h.selected = (h.selected + 1).min(h.runs.len().saturating_sub(1)),
            Some(Action::Top) => h.selected = 0,
            Some(Action::Bottom) => h.selected = h.runs.len().saturating_sub(1),
            Some(Action::OpenRun) => {
                if let Some(r) = selected {
                    return Ok(HomeChoice::Replay(r.id));
                }
            }
            Some(Action::ResumeRun) => match selected {
                Some(r) if !matches!(r.status.as_str(), "finished" | "failed" | "cancelled") => {
                    return Ok(HomeChoice::Resume(r.id))
                }
                Some(r) => {
                    h.note = format!("run {} is {}: nothing to resume", r.id.short(), r.status)
                }
                None => {}
            },
            Some(Action::NewRun) => {
                let mut ta = TextArea::default();
                ta.set_placeholder_text("what should the agents achieve?");
                h.goal = Some(ta);
            }
            _ => {}
        }
    }
}
