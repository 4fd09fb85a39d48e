//! `ViewState`: what the person is looking at (focus, zoom, selections, scroll positions,
//! dropped hunks, open dialogs), kept apart from `RunState` so any run (live or replayed) can
//! be shown with any view (style: state, reducer, rendering).
//!
//! Owns the shape of view state and the lookups every pane agrees on: which approval is
//! selected, which diff is shown, which task is selected. Must not change `RunState` or send
//! commands.

use super::keymap::Mode;
use super::overlays::Layer;
use crate::model::replay::ReplayStatus;
use crate::model::{ApprovalState, ApprovalWhat, DiffState, RunId, RunState, RunStatus, TaskState};
use std::collections::{BTreeSet, HashMap, HashSet};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PaneId {
    #[default]
    Tasks,
    Transcript,
    Approvals,
    Diff,
    Metrics,
}

impl PaneId {
    /// Focus order for Tab: reading order of the screen.
    pub const ORDER: [PaneId; 5] = [
        PaneId::Tasks,
        PaneId::Transcript,
        PaneId::Approvals,
        PaneId::Diff,
        PaneId::Metrics,
    ];

    pub fn mode(self) -> Mode {
        match self {
            PaneId::Tasks => Mode::Tasks,
            PaneId::Transcript => Mode::Transcript,
            PaneId::Approvals => Mode::Approvals,
            PaneId::Diff => Mode::Diff,
            PaneId::Metrics => Mode::Metrics,
        }
    }

    pub fn next(self) -> PaneId {
        let i = Self::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        Self::ORDER[(i + 1) % Self::ORDER.len()]
    }

    pub fn prev(self) -> PaneId {
        let i = Self::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        Self::ORDER[(i + Self::ORDER.len() - 1) % Self::ORDER.len()]
    }
}

#[derive(Clone, Debug, Default)]
pub struct TasksView {
    /// The selected task's id; `None` selects the first.
    pub selected: Option<String>,
    /// First row shown.
    pub top: usize,
}

/// Where a transcript is scrolled to when it does not follow the tail: the top row of the
/// view is `line` rows after the start of entry `entry` (`line` may be out of the entry's
/// range; drawing walks to the right entry). Anchored to content, so text arriving below
/// does not move what the person reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Anchor {
    pub entry: usize,
    pub line: isize,
}

#[derive(Clone, Debug, Default)]
pub struct TranscriptView {
    /// Index of the shown agent in `RunState::agents`; `None` shows whoever spoke last,
    /// until the person picks a tab.
    pub tab: Option<usize>,
    /// Per agent index: `None` (or absent) follows the tail.
    pub anchors: HashMap<usize, Anchor>,
    /// Tool calls are folded unless `expand_all` differs from their entry in `toggled`.
    pub expand_all: bool,
    pub toggled: HashSet<String>,
    pub selected_call: Option<String>,
}

impl TranscriptView {
    pub fn is_expanded(&self, call: &str) -> bool {
        self.expand_all ^ self.toggled.contains(call)
    }

    /// The agent whose transcript shows: the picked tab, else the latest speaker.
    pub fn shown_agent(&self, s: &RunState) -> Option<usize> {
        // Transcripts parallel agents (a reducer invariant); a state that breaks it shows less.
        let n = s.agents.len().min(s.transcripts.len());
        if n == 0 {
            return None;
        }
        match self.tab {
            Some(t) => Some(t.min(n - 1)),
            None => {
                let latest = (0..n).max_by_key(|&i| {
                    (
                        s.transcripts[i].last().map(|e| e.first_seq),
                        std::cmp::Reverse(i),
                    )
                });
                latest.or(Some(0))
            }
        }
    }

    /// Picks the next (or previous) agent's tab.
    pub fn step_tab(&mut self, s: &RunState, forward: bool) {
        let n = s.agents.len().min(s.transcripts.len());
        if let Some(cur) = self.shown_agent(s) {
            self.tab = Some(if forward {
                (cur + 1) % n
            } else {
                (cur + n - 1) % n
            });
            self.selected_call = None;
        }
    }

    pub fn anchor(&self, agent: usize) -> Option<Anchor> {
        self.anchors.get(&agent).copied()
    }
}

#[derive(Clone, Debug, Default)]
pub struct ApprovalsView {
    /// The selected approval's id; `None` (or one no longer waiting) selects the oldest.
    pub selected: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct DiffView {
    /// The diff `top` and `hunk` refer to; another diff shown starts at its top.
    pub diff: Option<String>,
    pub top: usize,
    pub hunk: usize,
    /// Hunks the person dropped, per diff id; every other hunk is kept.
    pub dropped: HashMap<String, BTreeSet<usize>>,
}

#[derive(Clone, Debug, Default)]
pub struct MetricsView {
    pub top: usize,
}

/// Which selection decides the diff shown: the last one the person moved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DiffSource {
    #[default]
    Approval,
    Task,
}

#[derive(Clone, Debug, Default)]
pub struct ViewState {
    pub focus: PaneId,
    pub zoomed: bool,
    pub tasks: TasksView,
    pub transcript: TranscriptView,
    pub approvals: ApprovalsView,
    pub diff: DiffView,
    pub metrics: MetricsView,
    pub diff_source: DiffSource,
    /// Dialogs and overlays, bottom first; the last one gets keys first.
    pub layers: Vec<Layer>,
    /// A one-line message in the status bar until the next key.
    pub flash: Option<String>,
    /// Where a replay stands; `None` for a live run.
    pub replay: Option<ReplayStatus>,
    /// The live run belongs to another process (`conclave attach`): quitting leaves it going.
    pub attached: bool,
    /// The wall clock (ms since the epoch) as of this frame, for a live screen: the app loop
    /// sets it before each draw, so the run's clock counts while nothing happens (a person
    /// deciding). `None` (tests, snapshots): the clock stands at the last event. The reducer
    /// never reads a clock; only the view does, here.
    pub now_ms: Option<u64>,
    /// Characters of a run id that tell it from every run in the store, as whoever opened
    /// the screen counted them (the UI never reads the store); each place shows at least its
    /// own minimum (`run_prefix`).
    pub run_id_len: usize,
}

impl ViewState {
    /// A run's id as short as the store's runs allow, `min` characters at least.
    pub fn run_prefix(&self, run: RunId, min: usize) -> String {
        run.prefix(self.run_id_len.max(min))
    }

    /// The approval `approve`/`reject` act on: the selected one while it waits, else the
    /// oldest waiting one.
    pub fn current_approval<'a>(&self, s: &'a RunState) -> Option<&'a ApprovalState> {
        self.approvals
            .selected
            .as_deref()
            .and_then(|id| s.approval(id))
            .filter(|a| a.is_pending())
            .or_else(|| s.pending().next())
    }

    /// The selected task, or the first one.
    pub fn current_task<'a>(&self, s: &'a RunState) -> Option<&'a TaskState> {
        self.tasks
            .selected
            .as_deref()
            .and_then(|id| s.task(id))
            .or_else(|| s.tasks.first())
    }

    /// The diff the Diff pane shows: the one the selected approval asks about or the selected
    /// task's newest (whichever the person chose last), else the run's newest.
    pub fn shown_diff<'a>(&self, s: &'a RunState) -> Option<&'a DiffState> {
        let from_approval = || {
            let a = self.current_approval(s)?;
            if !matches!(
                a.what,
                ApprovalWhat::Diff | ApprovalWhat::Merge | ApprovalWhat::Land
            ) {
                return None;
            }
            a.diff
                .as_deref()
                .and_then(|d| s.diff(d))
                .or_else(|| a.task.as_deref().and_then(|t| s.latest_diff(t)))
        };
        let from_task = || {
            self.tasks
                .selected
                .as_deref()
                .and_then(|t| s.latest_diff(t))
        };
        let chosen = match self.diff_source {
            DiffSource::Approval => from_approval().or_else(from_task),
            DiffSource::Task => from_task().or_else(from_approval),
        };
        chosen.or_else(|| s.diffs.last())
    }

    /// Hunks dropped from a diff.
    pub fn dropped(&self, diff: &str) -> Option<&BTreeSet<usize>> {
        self.diff.dropped.get(diff).filter(|d| !d.is_empty())
    }

    /// Whether the run's clock counts on its own: a live run (started, not over) on a live
    /// screen that has a clock. A replay shows the replayed time instead.
    pub fn clock_runs(&self, s: &RunState) -> bool {
        self.now_ms.is_some()
            && self.replay.is_none()
            && s.status != RunStatus::Empty
            && !s.status.is_over()
    }

    /// How long the run has gone: up to now while its clock runs, else up to its last event
    /// shown (the replayed time in a replay, the end of a finished run).
    pub fn run_elapsed_ms(&self, s: &RunState) -> u64 {
        let recorded = s.last_at_ms.saturating_sub(s.started_at_ms);
        match self.now_ms {
            Some(now) if self.clock_runs(s) => now.saturating_sub(s.started_at_ms).max(recorded),
            _ => recorded,
        }
    }

    /// How long until the run's clock shows another second, while it runs; `None` when it
    /// stands (nothing to redraw for).
    pub fn clock_wait(&self, s: &RunState) -> Option<std::time::Duration> {
        self.clock_runs(s).then(|| {
            let into_second = self.run_elapsed_ms(s) % 1000;
            // A few ms late rather than early, so the frame shows the new second.
            std::time::Duration::from_millis(1000 - into_second + 5)
        })
    }

    /// The top layer's keymap mode, or the focused pane's.
    pub fn mode(&self) -> Mode {
        match self.layers.last() {
            Some(l) => l.mode(),
            None => self.focus.mode(),
        }
    }
}
