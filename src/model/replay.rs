//! What a screen knows and asks of a replay: where the replay is (`ReplayStatus`, sent by
//! whoever plays the stored log) and what the person wants (`ReplayControl`).
//!
//! Owns the replay vocabulary shared by the UI and the player (`crate::replay`), and the
//! speed steps. Must not read the store or time: the player does, and tells the UI.

use crate::model::AutonomyLevel;
use std::sync::Arc;

/// Playback speeds, slowest first; the last step shows every remaining event at once.
pub const SPEEDS: [Speed; 10] = [
    Speed::Times(0.25),
    Speed::Times(0.5),
    Speed::Times(1.0),
    Speed::Times(2.0),
    Speed::Times(5.0),
    Speed::Times(10.0),
    Speed::Times(25.0),
    Speed::Times(50.0),
    Speed::Times(100.0),
    Speed::Instant,
];

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// Recorded pace times this factor.
    Times(f64),
    /// No waiting: the rest of the run at once.
    Instant,
}

impl Speed {
    /// The step closest to a factor on a log scale (`--speed 3` plays at 2×, `--speed 4` at
    /// 5×).
    pub fn nearest(factor: f64) -> Speed {
        let f = factor.clamp(0.25, 100.0).ln();
        SPEEDS[..SPEEDS.len() - 1]
            .iter()
            .copied()
            .min_by(|a, b| {
                let d = |s: &Speed| (s.factor().ln() - f).abs();
                d(a).total_cmp(&d(b))
            })
            .unwrap_or(Speed::Times(1.0))
    }

    /// The factor; `Instant` counts as infinitely fast.
    pub fn factor(self) -> f64 {
        match self {
            Speed::Times(f) => f,
            Speed::Instant => f64::INFINITY,
        }
    }

    fn index(self) -> usize {
        let at = |s: Speed| SPEEDS.iter().position(|x| *x == s);
        at(self)
            .or_else(|| at(Speed::nearest(self.factor())))
            .unwrap_or(2)
    }

    pub fn faster(self) -> Speed {
        SPEEDS[(self.index() + 1).min(SPEEDS.len() - 1)]
    }

    pub fn slower(self) -> Speed {
        SPEEDS[self.index().saturating_sub(1)]
    }

    pub fn label(self) -> String {
        match self {
            Speed::Times(f) if f < 1.0 => format!("{f}×"),
            Speed::Times(f) => format!("{}×", f as u64),
            Speed::Instant => "instant".into(),
        }
    }
}

/// What a decision mark on the timeline is, for its colour and the jump keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    Approval,
    Level,
    Gate,
    Merge,
}

/// Where a replay is. `position` counts the events shown (the state is the fold of events
/// `0..position`).
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayStatus {
    pub position: u64,
    pub total: u64,
    pub playing: bool,
    pub speed: Speed,
    /// Recorded time of the first event, the last shown one, and the last one.
    pub start_ms: u64,
    pub at_ms: u64,
    pub end_ms: u64,
    /// Decision points (seq, kind), in order; empty while the index is being built.
    pub marks: Arc<Vec<(u64, MarkKind)>>,
    /// True until `marks` holds every decision point of the run.
    pub indexing: bool,
    /// The kind of the last event shown (`ApprovalDecided`), empty at the start.
    pub last_kind: String,
}

impl ReplayStatus {
    /// A replay of `total` events standing at the start.
    pub fn new(total: u64) -> ReplayStatus {
        ReplayStatus {
            position: 0,
            total,
            playing: false,
            speed: Speed::Times(1.0),
            start_ms: 0,
            at_ms: 0,
            end_ms: 0,
            marks: Arc::new(Vec::new()),
            indexing: true,
            last_kind: String::new(),
        }
    }

    /// The `seq` of the last event a fork from here copies: the last one shown, or the one
    /// before it when that is the run's `RunFinished` (never copied). What the fork's
    /// question says ("after event N"), the home list (`@N`) and `conclave fork --at N` use.
    pub fn fork_seq(&self) -> u64 {
        let last = self.position.clamp(1, self.total.max(1)) - 1;
        if self.last_kind == "RunFinished" {
            last.saturating_sub(1)
        } else {
            last
        }
    }

    /// The position a fraction (0..=1) of the timeline stands for.
    pub fn position_at(&self, fraction: f64) -> u64 {
        (fraction.clamp(0.0, 1.0) * self.total as f64).round() as u64
    }
}

/// What the person asks of a replay.
#[derive(Clone, Debug, PartialEq)]
pub enum ReplayControl {
    TogglePlay,
    Faster,
    Slower,
    /// One event forward (+1) or back (-1).
    Step(i64),
    /// To the next (+1) or previous (-1) decision point.
    Decision(i64),
    /// Show the state after this many events.
    Seek(u64),
    /// Start a new live run from the state after `at` events, at `level`.
    Fork {
        at: u64,
        level: AutonomyLevel,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_step_and_stop_at_the_ends() {
        let mut s = Speed::Times(1.0);
        for _ in 0..20 {
            s = s.faster();
        }
        assert_eq!(s, Speed::Instant);
        for _ in 0..20 {
            s = s.slower();
        }
        assert_eq!(s, Speed::Times(0.25));
        assert_eq!(Speed::Times(1.0).faster(), Speed::Times(2.0));
        assert_eq!(Speed::nearest(3.0), Speed::Times(2.0));
        assert_eq!(Speed::nearest(4.0), Speed::Times(5.0));
        assert_eq!(Speed::nearest(1000.0), Speed::Times(100.0));
        assert_eq!(Speed::Times(7.0).faster(), Speed::Times(10.0));
        assert_eq!(Speed::Times(0.25).label(), "0.25×");
        assert_eq!(Speed::Times(25.0).label(), "25×");
    }

    #[test]
    fn fractions_map_to_positions() {
        let s = ReplayStatus::new(1000);
        assert_eq!(s.position_at(0.0), 0);
        assert_eq!(s.position_at(0.5), 500);
        assert_eq!(s.position_at(2.0), 1000);
    }
}
