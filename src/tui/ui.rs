//! `Ui`: the view side of conclave in one value. It draws a `RunState` and turns keys and
//! mouse events into view changes and `Command`s, never touching the run itself.
//!
//! Owns key routing (layers first, then the focused pane's mode, then global), the global
//! actions (approve, reject, level, goal, pause, cancel, quit) and when they ask first; the
//! mouse is `mouse`'s. Must not do I/O: the app loop sends the commands it returns.

use super::action::Action;
use super::keymap::{Key, Keymap, Mode};
use super::layout::ScreenLayout;
use super::overlays::{
    AnomaliesOverlay, Ask, ConfirmDialog, HelpOverlay, Layer, LayerOutcome, NoticeOverlay,
    RulesOverlay, TextDialog, TextPurpose,
};
use super::panes::Panes;
use super::problem::LoadProblem;
use super::screen::Screen;
use super::theme::Theme;
use super::view::{PaneId, ViewState};
use crate::model::replay::{ReplayControl, ReplayStatus};
use crate::model::{ApprovalWhat, AutonomyLevel, Command, RuleEffect, RunState, RunStatus};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::Frame;
use std::cell::RefCell;

mod mouse;

/// Actions that ask the engine of a live run for something.
fn acts_on_run(a: Action) -> bool {
    matches!(
        a,
        Action::Approve
            | Action::Reject
            | Action::EditPlan
            | Action::ApproveAlways
            | Action::RejectNever
            | Action::LevelUp
            | Action::LevelDown
            | Action::AddGoal
            | Action::PauseResume
            | Action::CancelTask
            | Action::CancelRun
    )
}

/// What handling an input asks of the app loop.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    None,
    /// Send this to the engine.
    Command(Command),
    /// Leave the UI.
    Quit,
    /// Show a short message in the status bar (handled inside `Ui`; never returned).
    Flash(String),
    /// Ask the replay player for something (replays only).
    Replay(ReplayControl),
}

pub struct Ui {
    pub view: ViewState,
    panes: Panes,
    keymap: Keymap,
    theme: Theme,
    /// The layout the last frame drew, to find what a click hits (`None`: nothing drawn
    /// yet, or too small for panes).
    drawn: RefCell<Option<ScreenLayout>>,
}

impl Ui {
    pub fn new(theme: Theme, keymap: Keymap) -> Ui {
        Ui {
            view: ViewState::default(),
            panes: Panes::default(),
            keymap,
            theme,
            drawn: RefCell::new(None),
        }
    }

    /// Shows problems met loading the theme or keymap, over everything, until dismissed.
    pub fn show_problems(&mut self, problems: &[LoadProblem]) {
        if problems.is_empty() {
            return;
        }
        let lines = problems.iter().map(|p| p.to_string()).collect();
        self.view.layers.push(Layer::Notice(NoticeOverlay::new(
            "Settings problems (defaults used)",
            lines,
        )));
    }

    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    /// Drops every cache (layouts, parsed diffs, highlighting): the state was replaced.
    pub fn forget_caches(&mut self) {
        self.panes = Panes::default();
    }

    #[doc(hidden)]
    pub fn panes(&self) -> &Panes {
        &self.panes
    }

    fn screen<'a>(&'a self, state: &'a RunState) -> Screen<'a> {
        Screen {
            state,
            view: &self.view,
            panes: &self.panes,
            theme: &self.theme,
            keymap: &self.keymap,
        }
    }

    /// Draws everything into `buf` (a pure function of state, view and theme).
    pub fn render(&self, area: Rect, buf: &mut Buffer, state: &RunState) {
        let drawn = self.screen(state).render(area, buf);
        self.drawn.replace(drawn);
    }

    pub fn draw(&self, frame: &mut Frame, state: &RunState) {
        let area = frame.area();
        self.render(area, frame.buffer_mut(), state);
    }

    /// A key: the top layer first, then the focused pane's bindings, then global ones.
    pub fn handle_key(&mut self, ev: KeyEvent, state: &RunState) -> Effect {
        self.view.flash = None;
        let Some(key) = Key::from_event(&ev) else {
            return Effect::None;
        };
        for i in (0..self.view.layers.len()).rev() {
            let action = self.keymap.lookup(self.view.layers[i].mode(), key);
            match self.view.layers[i].handle(&ev, action, state) {
                LayerOutcome::Keep(e) => return self.apply(e),
                LayerOutcome::Close(e) => {
                    self.view.layers.remove(i);
                    return self.apply(e);
                }
                LayerOutcome::Pass => continue,
            }
        }
        let mode = self.view.focus.mode();
        let action = if self.view.replay.is_some() {
            self.keymap.lookup_replay(mode, key)
        } else {
            self.keymap.lookup(mode, key)
        };
        match action {
            Some(action) => self.handle_action(action, state),
            None => Effect::None,
        }
    }

    fn apply(&mut self, e: Effect) -> Effect {
        match e {
            Effect::Flash(msg) => {
                self.view.flash = Some(msg);
                Effect::None
            }
            e => e,
        }
    }

    fn flash(&mut self, msg: impl Into<String>) -> Effect {
        self.view.flash = Some(msg.into());
        Effect::None
    }

    fn open(&mut self, layer: Layer) -> Effect {
        self.view.layers.push(layer);
        Effect::None
    }

    /// What an action does with no layer open.
    pub fn handle_action(&mut self, action: Action, state: &RunState) -> Effect {
        if let Some(r) = &self.view.replay {
            if let Some(e) = self.replay_action(action, state, r.clone()) {
                return e;
            }
        } else if super::replay::is_replay_action(action) {
            return self.flash("only in a replay");
        }
        let over = state.status.is_over() || state.status == RunStatus::Empty;
        if acts_on_run(action) && over {
            let what = if state.status == RunStatus::Empty {
                "no run is open"
            } else {
                "the run is over"
            };
            return self.flash(format!(
                "{what}: nothing to {}",
                action.name().replace('_', " ")
            ));
        }
        match action {
            Action::Quit => {
                // An attached screen leaves the run going: nothing to confirm.
                let working = !self.view.attached
                    && state.status == RunStatus::Running
                    && state.active_tasks() > 0;
                if working {
                    self.open(Layer::Confirm(ConfirmDialog::new(Ask::Quit)))
                } else {
                    Effect::Quit
                }
            }
            Action::Help => self.open(Layer::Help(HelpOverlay::default())),
            Action::FocusNext => self.focus(self.view.focus.next()),
            Action::FocusPrev => self.focus(self.view.focus.prev()),
            Action::FocusTasks => self.focus(PaneId::Tasks),
            Action::FocusTranscript => self.focus(PaneId::Transcript),
            Action::FocusApprovals => self.focus(PaneId::Approvals),
            Action::FocusDiff => self.focus(PaneId::Diff),
            Action::FocusMetrics => self.focus(PaneId::Metrics),
            Action::Zoom => {
                self.view.zoomed = !self.view.zoomed;
                Effect::None
            }
            Action::Approve => self.approve(state),
            Action::Reject => match self.view.current_approval(state) {
                Some(a) => {
                    let d = TextDialog::new(
                        TextPurpose::Reject {
                            approval: a.id.clone(),
                        },
                        &self.theme,
                    );
                    self.open(Layer::Text(Box::new(d)))
                }
                None => self.flash("nothing waits for a decision"),
            },
            Action::EditPlan => match self.view.current_approval(state) {
                Some(a) if a.what == ApprovalWhat::Plan => {
                    let d = TextDialog::edit_plan(a.id.clone(), state, &self.theme);
                    self.open(Layer::Text(Box::new(d)))
                }
                Some(_) => self.flash("the selected item is not a plan: only plans can be edited"),
                None => self.flash("no plan waits for a decision"),
            },
            Action::ApproveAlways => self.remember(state, RuleEffect::Allow),
            Action::RejectNever => self.remember(state, RuleEffect::Deny),
            Action::ShowRules => {
                let replay = self.view.replay.is_some();
                self.open(Layer::Rules(RulesOverlay::new(replay)))
            }
            Action::ShowAnomalies => self.open(Layer::Anomalies(AnomaliesOverlay::default())),
            Action::LevelUp => {
                let now = state.level_or_default();
                let to = now.raised();
                if to == now {
                    self.flash(format!("already at {}", now.label()))
                } else if to >= AutonomyLevel::Full {
                    self.open(Layer::Confirm(ConfirmDialog::new(Ask::SetLevel(to))))
                } else {
                    Effect::Command(Command::SetLevel(to))
                }
            }
            Action::LevelDown => {
                let now = state.level_or_default();
                let to = now.lowered();
                if to == now {
                    self.flash(format!("already at {}", now.label()))
                } else {
                    Effect::Command(Command::SetLevel(to))
                }
            }
            Action::AddGoal => self.open(Layer::Text(Box::new(TextDialog::new(
                TextPurpose::AddGoal,
                &self.theme,
            )))),
            Action::PauseResume => match state.status {
                RunStatus::Paused => Effect::Command(Command::Resume),
                _ => Effect::Command(Command::Pause),
            },
            Action::CancelTask => match self.view.current_task(state) {
                Some(t) if t.status.is_terminal() => {
                    let (_, _, name) = super::panes::tasks::status_look(t.status);
                    self.flash(format!("{} is already {name}", t.id))
                }
                Some(t) => self.open(Layer::Confirm(ConfirmDialog::new(Ask::CancelTask(
                    t.id.clone(),
                )))),
                None => self.flash("no task to cancel"),
            },
            Action::CancelRun => self.open(Layer::Confirm(ConfirmDialog::new(Ask::CancelRun))),
            other => {
                let focus = self.view.focus;
                self.panes.get(focus).handle(other, state, &mut self.view);
                Effect::None
            }
        }
    }

    /// In a replay: the replay's own actions, quitting without a question, and a word for
    /// what only a live run takes. `None`: the action means what it means anywhere.
    fn replay_action(
        &mut self,
        action: Action,
        state: &RunState,
        r: ReplayStatus,
    ) -> Option<Effect> {
        let twentieth = (r.total / 20).max(1);
        let control = match action {
            Action::ReplayPlay | Action::PauseResume => ReplayControl::TogglePlay,
            Action::ReplayFaster => ReplayControl::Faster,
            Action::ReplaySlower => ReplayControl::Slower,
            Action::ReplayStepForward => ReplayControl::Step(1),
            Action::ReplayStepBack => ReplayControl::Step(-1),
            Action::ReplayNextDecision => ReplayControl::Decision(1),
            Action::ReplayPrevDecision => ReplayControl::Decision(-1),
            Action::ReplaySeekForward => ReplayControl::Seek((r.position + twentieth).min(r.total)),
            Action::ReplaySeekBack => ReplayControl::Seek(r.position.saturating_sub(twentieth)),
            Action::ReplayStart => ReplayControl::Seek(0),
            Action::ReplayEnd => ReplayControl::Seek(r.total),
            Action::Fork => {
                if state.status == RunStatus::Empty {
                    return Some(self.flash("nothing to fork yet: step past the run's start"));
                }
                let ask = Ask::Fork {
                    at: r.position,
                    after: r.fork_seq(),
                    level: state.level_or_default(),
                };
                return Some(self.open(Layer::Confirm(ConfirmDialog::new(ask))));
            }
            Action::Quit => return Some(Effect::Quit),
            a if acts_on_run(a) => {
                let fork = self
                    .keymap
                    .hint_key(Mode::Replay, Action::Fork)
                    .map_or(String::new(), |k| format!(": {k} forks it into a live run"));
                return Some(self.flash(format!("a replay shows what happened{fork}")));
            }
            _ => return None,
        };
        Some(Effect::Replay(control))
    }

    fn focus(&mut self, p: PaneId) -> Effect {
        self.view.focus = p;
        Effect::None
    }

    /// Answers the current command approval and asks the engine to remember the answer for
    /// the command's prefix in this repo.
    fn remember(&mut self, state: &RunState, effect: RuleEffect) -> Effect {
        match self.view.current_approval(state) {
            Some(a) if a.what == ApprovalWhat::Command => Effect::Command(Command::Remember {
                approval: a.id.clone(),
                effect,
            }),
            Some(_) => self.flash("only a command's answer can be remembered as a rule"),
            None => self.flash("no command waits for a decision"),
        }
    }

    /// Approves the current approval; a diff or a merge goes with the hunks the person kept.
    fn approve(&mut self, state: &RunState) -> Effect {
        let Some(a) = self.view.current_approval(state) else {
            return self.flash("nothing waits for approval");
        };
        let diff = a
            .diff
            .as_deref()
            .and_then(|d| state.diff(d))
            .or_else(|| a.task.as_deref().and_then(|t| state.latest_diff(t)));
        let keep_hunks = match a.what {
            ApprovalWhat::Diff | ApprovalWhat::Merge => {
                match diff.map(|d| self.panes.diff.kept_hunks(d, &self.view)) {
                    Some(Err(e)) => return self.flash(e),
                    Some(Ok(k)) => k,
                    None => None,
                }
            }
            // Hunks are chosen on a task's diff or merge; nothing else can keep part of one.
            _ if self
                .view
                .shown_diff(state)
                .is_some_and(|d| self.view.dropped(&d.id).is_some()) =>
            {
                let keep_all = self
                    .keymap
                    .hint_key(Mode::Diff, Action::KeepAllHunks)
                    .map_or(String::new(), |k| format!(" ({k} in the Diff pane)"));
                return self.flash(format!(
                    "hunks are dropped from a task's diff or merge approval, not this one: keep all{keep_all} first"
                ));
            }
            _ => None,
        };
        if keep_hunks.as_ref().is_some_and(|k| k.is_empty()) {
            return self.flash("every hunk is dropped: keep one, or reject instead");
        }
        Effect::Command(Command::Approve {
            approval: a.id.clone(),
            keep_hunks,
        })
    }
}
