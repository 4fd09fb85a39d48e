//! Drawing the home screen from `Home`'s fields, one function per region: the header, the
//! runs table, the key hints, and an open prompt over them.
//!
//! Owns the look only; what a key does is `Home::handle_key`'s.

use super::{Home, Prompt};
use crate::model::{unique_prefix_len, RunId, SHORT_LEN, TIGHT_LEN};
use crate::store::RunSummary;
use crate::tui::keymap::Mode;
use crate::tui::{Action, AppOptions};
use crate::util::words::count;
use crate::util::{format_duration_ms, format_utc, shorten};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;
use std::path::Path;
use tui_textarea::TextArea;

/// The key the keymap gives `a` in `mode`, as a hint shows it.
fn hint(opts: &AppOptions, mode: Mode, a: Action) -> String {
    opts.keymap
        .hint_key(mode, a)
        .map(|k| k.to_string())
        .unwrap_or_else(|| "?".into())
}

impl Home {
    pub fn draw(&self, f: &mut Frame, opts: &AppOptions) {
        let [head, body, foot] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(f.area());
        self.draw_header(f, head, opts);
        self.draw_runs(f, body, opts);
        self.draw_footer(f, foot, opts);
        self.draw_prompt(f, opts);
    }

    /// Where conclave runs, and how many runs of which repositories are listed.
    fn draw_header(&self, f: &mut Frame, area: Rect, opts: &AppOptions) {
        let t = &opts.theme;
        let whose = if self.show_all || !self.has_repo {
            "every repository"
        } else {
            "this repository"
        };
        let mut sub = format!(" {} of {whose}", count(self.shown().len() as u64, "run"));
        if self.has_repo {
            let other = if self.show_all {
                "this one's"
            } else {
                "every one's"
            };
            sub.push_str(&format!(
                " · {} shows {other}",
                hint(opts, Mode::Global, Action::AllRuns)
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
            area,
        );
    }

    /// Characters of an id, at least `min`, that tell every run in the store apart.
    fn id_len(&self, min: usize) -> usize {
        unique_prefix_len(self.runs.iter().map(|r| r.id), min)
    }

    /// The runs, newest first, with the selected one highlighted; a line on how to start one
    /// when there is none.
    fn draw_runs(&self, f: &mut Frame, area: Rect, opts: &AppOptions) {
        let t = &opts.theme;
        let shown = self.shown();
        let with_repo = self.show_all || !self.has_repo;
        let lens = (self.id_len(SHORT_LEN), self.id_len(TIGHT_LEN));
        let rows: Vec<Row> = shown.iter().map(|r| row(r, with_repo, lens)).collect();
        let mut widths = vec![
            Constraint::Length(lens.0 as u16),
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
        f.render_stateful_widget(table, area, &mut state);
        if shown.is_empty() {
            let [_, msg] =
                Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
            f.render_widget(
                Paragraph::new(format!(
                    "  No runs yet. Press {} to start one.",
                    hint(opts, Mode::Global, Action::NewRun)
                )),
                msg,
            );
        }
    }

    /// The key hints, or what just happened (it replaces them until the next key). Every
    /// choice the home screen takes is hinted (moving aside, which the help lists); when the
    /// line is too narrow, the later hints give way, the help's last.
    fn draw_footer(&self, f: &mut Frame, area: Rect, opts: &AppOptions) {
        let t = &opts.theme;
        let (help, style) = if self.note.is_empty() {
            let shown = footer_hints(opts, self.has_repo, self.show_all, area.width as usize);
            (shown, t.style("ui.statusline"))
        } else {
            (self.note.clone(), t.style("ui.statusline.flash"))
        };
        f.render_widget(Block::default().style(style), area);
        f.render_widget(Paragraph::new(format!(" {help}")).style(style), area);
    }

    /// The open prompt, if any, over everything else.
    fn draw_prompt(&self, f: &mut Frame, opts: &AppOptions) {
        let dialog = |a| hint(opts, Mode::Dialog, a);
        match &self.prompt {
            None => {}
            Some(Prompt::Goal(ta)) => {
                let title = format!(
                    " New run: the goal ({} start · {} cancel) ",
                    dialog(Action::Submit),
                    dialog(Action::Cancel)
                );
                text_popup(f, ta, title, 7);
            }
            Some(Prompt::ExportPath(run, ta)) => {
                let title = format!(
                    " Export run {} to ({} write · {} cancel) ",
                    run.prefix(self.id_len(SHORT_LEN)),
                    dialog(Action::Submit),
                    dialog(Action::Cancel)
                );
                text_popup(f, ta, title, 3);
            }
            Some(Prompt::Delete(id)) => self.draw_delete(f, *id, opts),
            Some(Prompt::Help) => self.draw_help(f, opts),
        }
    }

    /// The home screen's keys over the list.
    fn draw_help(&self, f: &mut Frame, opts: &AppOptions) {
        let t = &opts.theme;
        let rows = help_lines(opts, self.has_repo);
        let key_w = rows
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0)
            + 2;
        let mut lines: Vec<Line> = rows
            .iter()
            .map(|(k, doc)| {
                Line::from(vec![
                    Span::styled(format!(" {k:<key_w$}"), t.style("ui.help.key")),
                    Span::raw(*doc),
                ])
            })
            .collect();
        let close = opts
            .keymap
            .hint_key(Mode::Help, Action::Cancel)
            .map_or(String::new(), |k| format!("{k} close"));
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!(" {close}"),
            t.style("ui.text.dim"),
        )));
        let mut area = popup(f.area(), 80, lines.len() as u16 + 2);
        // Tall: centred, so it never runs off the bottom of a short terminal.
        area.y = f.area().y + f.area().height.saturating_sub(area.height) / 2;
        f.render_widget(Clear, area);
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .style(t.style("ui.dialog"))
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(t.style("ui.dialog.border"))
                        .title(" Keys on the home screen "),
                ),
            area,
        );
    }

    /// The question before deleting a run.
    fn draw_delete(&self, f: &mut Frame, id: RunId, opts: &AppOptions) {
        let t = &opts.theme;
        let r = self.runs.iter().find(|r| r.id == id);
        let what = r.map_or(String::new(), |r| {
            format!(" “{}” ({})", shorten(&r.goal, 40), count(r.events, "event"))
        });
        let text = format!(
            "Delete run {}{what}?\n\nIts log leaves the store and its worktrees are removed; \
             its git branches stay.\n\n{} yes · {} no",
            id.prefix(self.id_len(SHORT_LEN)),
            hint(opts, Mode::Confirm, Action::Confirm),
            hint(opts, Mode::Confirm, Action::Cancel)
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

/// The footer's hints within `width` columns: in order, dropping from the end but keeping
/// help and quit for as long as anything fits.
fn footer_hints(opts: &AppOptions, has_repo: bool, show_all: bool, width: usize) -> String {
    let all_runs = if show_all { "this repo" } else { "every repo" };
    let mut keys = vec![
        (Action::OpenRun, "replay"),
        (Action::ResumeRun, "resume"),
        (Action::NewRun, "new run"),
        (Action::ExportRun, "export"),
        (Action::DeleteRun, "delete"),
    ];
    if has_repo {
        keys.push((Action::AllRuns, all_runs));
    }
    let last = [(Action::Help, "help"), (Action::Quit, "quit")];
    let text = |keys: &[(Action, &str)]| {
        keys.iter()
            .chain(&last)
            .filter_map(|(a, l)| {
                opts.keymap
                    .hint_key(Mode::Global, *a)
                    .map(|k| format!("{k} {l}"))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    while keys.len() > 1 && text(&keys).chars().count() + 1 > width {
        keys.pop();
    }
    text(&keys)
}

/// The home screen's keys with what each does, generated from the keymap like the run
/// screen's help.
pub(super) fn help_lines(opts: &AppOptions, has_repo: bool) -> Vec<(String, &'static str)> {
    super::home_actions(has_repo)
        .into_iter()
        .filter_map(|(a, doc)| {
            let keys = opts.keymap.keys_for(Mode::Global, a);
            if keys.is_empty() {
                return None;
            }
            let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
            Some((keys.join(", "), doc))
        })
        .collect()
}

/// `lens`: the characters of the run's id shown, and of its parent's.
fn row(r: &RunSummary, with_repo: bool, lens: (usize, usize)) -> Row<'static> {
    let goal = match &r.parent {
        Some(p) => format!("↳{}@{} {}", p.run.prefix(lens.1), p.seq, r.goal),
        None => r.goal.clone(),
    };
    let took = format_duration_ms(r.last_at_ms.saturating_sub(r.started_at_ms));
    let mut cells = vec![
        r.id.prefix(lens.0),
        format_utc(r.started_at_ms)[..16].to_string(),
        shorten(&goal, 200),
        r.level.map(|l| format!("L{l}")).unwrap_or_default(),
        r.status_shown().to_string(),
        took,
        format!("{}/{}", r.tasks_done, r.tasks_total),
        crate::util::cost_short(r.cost_usd, r.unpriced),
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
