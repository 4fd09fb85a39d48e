//! The seed's success metrics (design §9): counters the reducer keeps and the ratios made
//! from them.
//!
//! Owns the definitions, so every view (TUI, `runs --json`, metrics) shows the same numbers.
//! Definitions:
//! - routing: share of task assignments made by the router, not a person;
//! - conflicts: share of merge conflicts later merged cleanly with no person deciding in between;
//! - gate first pass: share of gated tasks whose first gate round passed entirely;
//! - coordination: share of tasks that ended (done or failed) that ended done;
//! - recovery: share of provider-error episodes (per agent) followed by a successful call;
//! - task-time variation: coefficient of variation (σ/μ) of done tasks' durations, relative to
//!   their estimates when the plan gave estimates;
//! - lessons persisted: share of lessons written to the memory store.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KpiCounters {
    pub assignments: u64,
    pub router_assignments: u64,
    pub conflicts: u64,
    pub conflicts_auto: u64,
    /// Merge attempts (clean or not), for the conflict rate level 5 tunes from.
    #[serde(default)]
    pub merges: u64,
    pub gated_tasks: u64,
    pub first_pass_tasks: u64,
    pub ended_tasks: u64,
    pub done_tasks: u64,
    pub error_episodes: u64,
    pub recovered_episodes: u64,
    pub lessons: u64,
    pub lessons_persisted: u64,
    pub time: Spread,
    pub time_vs_estimate: Spread,
}

/// Running mean and variance (Welford), so no list of durations is kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub n: u64,
    pub mean: f64,
    pub m2: f64,
}

impl Spread {
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// σ/μ, once there are two samples and a positive mean.
    pub fn variation(&self) -> Option<f64> {
        if self.n < 2 || self.mean <= 0.0 {
            return None;
        }
        Some((self.m2 / self.n as f64).sqrt() / self.mean)
    }
}

/// One metric with its target; `None` until there is something to measure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    pub routing: Option<f64>,
    pub conflicts_auto: Option<f64>,
    pub gate_first_pass: Option<f64>,
    pub coordination: Option<f64>,
    pub recovery: Option<f64>,
    pub task_time_variation: Option<f64>,
    pub lessons_persisted: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    AtLeast(f64),
    Below(f64),
}

/// The KPIs as (key, label, value, target), in the order the screen shows them.
pub fn kpi_rows(k: &Kpis) -> [(&'static str, &'static str, Option<f64>, Target); 7] {
    [
        ("routing", "routing", k.routing, Target::AtLeast(0.80)),
        (
            "conflicts_auto",
            "conflicts auto",
            k.conflicts_auto,
            Target::AtLeast(0.95),
        ),
        (
            "gate_first_pass",
            "gates 1st-pass",
            k.gate_first_pass,
            Target::AtLeast(0.90),
        ),
        (
            "coordination",
            "coordination",
            k.coordination,
            Target::AtLeast(0.99),
        ),
        ("recovery", "recovery", k.recovery, Target::AtLeast(0.95)),
        (
            "task_time_variation",
            "time var",
            k.task_time_variation,
            Target::Below(0.10),
        ),
        (
            "lessons_persisted",
            "lessons kept",
            k.lessons_persisted,
            Target::AtLeast(1.0),
        ),
    ]
}

impl Target {
    pub fn met(self, v: f64) -> bool {
        match self {
            Target::AtLeast(t) => v + 1e-9 >= t,
            Target::Below(t) => v < t,
        }
    }

    /// How `v` stands against the target, in words: a "lower is better" metric that misses
    /// is above its target, not below.
    pub fn verdict(self, v: f64) -> &'static str {
        match self {
            _ if self.met(v) => "✓ met",
            Target::AtLeast(_) => "✗ below target",
            Target::Below(_) => "✗ above target",
        }
    }
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

impl KpiCounters {
    pub fn kpis(&self) -> Kpis {
        Kpis {
            routing: ratio(self.router_assignments, self.assignments),
            conflicts_auto: ratio(self.conflicts_auto, self.conflicts),
            gate_first_pass: ratio(self.first_pass_tasks, self.gated_tasks),
            coordination: ratio(self.done_tasks, self.ended_tasks),
            recovery: ratio(self.recovered_episodes, self.error_episodes),
            task_time_variation: self
                .time_vs_estimate
                .variation()
                .or_else(|| self.time.variation()),
            lessons_persisted: ratio(self.lessons_persisted, self.lessons),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_matches_the_textbook() {
        let mut s = Spread::default();
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            s.push(x);
        }
        // mean 5, population σ 2
        assert!((s.variation().unwrap() - 0.4).abs() < 1e-12);
        assert_eq!(Spread::default().variation(), None);
    }

    #[test]
    fn targets() {
        assert!(Target::AtLeast(0.8).met(0.8));
        assert!(!Target::AtLeast(0.8).met(0.79));
        assert!(Target::Below(0.1).met(0.05));
        assert!(!Target::Below(0.1).met(0.1));
    }

    #[test]
    fn a_missed_lower_is_better_target_is_above_it() {
        assert_eq!(Target::Below(0.10).verdict(0.94), "✗ above target");
        assert_eq!(Target::Below(0.10).verdict(0.05), "✓ met");
        assert_eq!(Target::AtLeast(0.80).verdict(0.50), "✗ below target");
        assert_eq!(Target::AtLeast(0.80).verdict(0.90), "✓ met");
    }
}
