//! Level-5 tuning of the retry budget and the parallelism (design §5: "retry budget tuned from
//! outcomes"). Each rule returns the new value with a sentence saying why, which the engine
//! records as an event so a person sees every adaptation.
//!
//! Owns the rules and their thresholds. Must not apply the value, and changes one step at a
//! time so a single bad stretch cannot swing the run.
//!
//! Retry budget (over the outcomes of one task kind, all agents):
//! - fewer than `MIN_RETRY_SAMPLES` tasks needed a retry: keep (not enough evidence);
//! - retries rescued ≥ 50% of the tasks that failed their first round, and some tasks still
//!   failed: one more retry (up to `MAX_RETRY_BUDGET`), since the next one likely rescues too;
//! - retries rescued < 20%: one fewer (down to `MIN_RETRY_BUDGET`), they mostly spend money;
//! - otherwise keep.
//!
//! Parallelism (from the run's merge conflict rate and task failure rate, each in [0, 1]):
//! - conflict rate > 25%: one fewer, parallel tasks are editing the same code;
//! - else failure rate > 50%: one fewer, so failures cost less and retries get the slots;
//! - conflict rate < 5% and failure rate < 20%: one more (up to `MAX_PARALLELISM`);
//! - otherwise, or when a rate is not a number: keep.

use super::outcomes::OutcomeStats;
use crate::util::words::count;

pub const MIN_RETRY_BUDGET: u32 = 1;
pub const MAX_RETRY_BUDGET: u32 = 5;
/// Tasks that needed a retry before the retry budget is judged.
pub const MIN_RETRY_SAMPLES: u64 = 5;
const RAISE_RESCUE: f64 = 0.5;
const LOWER_RESCUE: f64 = 0.2;

pub const MIN_PARALLELISM: u32 = 1;
pub const MAX_PARALLELISM: u32 = 8;
const HIGH_CONFLICT: f64 = 0.25;
const HIGH_FAILURE: f64 = 0.5;
const LOW_CONFLICT: f64 = 0.05;
const LOW_FAILURE: f64 = 0.2;

/// A tuned value, the one it replaces and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Tuning<T> {
    pub value: T,
    pub previous: T,
    pub reason: String,
}

impl<T: PartialEq> Tuning<T> {
    pub fn changed(&self) -> bool {
        self.value != self.previous
    }
}

/// `1 task needed`, `3 tasks needed`.
fn tasks_needed(n: u64) -> String {
    format!("{} needed", count(n, "task"))
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// The retry budget for the next task, from the outcomes in `stats` and the `current` budget.
pub fn tune_retry_budget(stats: &OutcomeStats, current: u32) -> Tuning<u32> {
    let start = current.clamp(MIN_RETRY_BUDGET, MAX_RETRY_BUDGET);
    let keep = |why: String| Tuning {
        value: start,
        previous: current,
        reason: if start == current {
            format!("retry budget stays {start}: {why}")
        } else {
            format!(
                "retry budget {current} → {start}: outside {MIN_RETRY_BUDGET}..={MAX_RETRY_BUDGET}; {why}"
            )
        },
    };
    let needed = stats.attempts.saturating_sub(stats.first_pass);
    if needed < MIN_RETRY_SAMPLES {
        return keep(format!(
            "only {} a retry so far; {MIN_RETRY_SAMPLES} are needed to judge",
            tasks_needed(needed)
        ));
    }
    let rescued = stats.done.saturating_sub(stats.first_pass).min(needed);
    let rescue = rescued as f64 / needed as f64;
    let failed = stats.attempts.saturating_sub(stats.done);
    let evidence = format!(
        "retries rescued {rescued} of {} that failed their first round ({})",
        count(needed, "task"),
        pct(rescue)
    );
    if rescue >= RAISE_RESCUE && failed > 0 {
        if start >= MAX_RETRY_BUDGET {
            return keep(format!(
                "{evidence}, but {MAX_RETRY_BUDGET} is the most allowed"
            ));
        }
        return Tuning {
            value: start + 1,
            previous: current,
            reason: format!(
                "retry budget {current} → {}: {evidence}, at least {}, and {} still failed, so one more retry is likely to rescue more",
                start + 1,
                pct(RAISE_RESCUE),
                count(failed, "task")
            ),
        };
    }
    if rescue < LOWER_RESCUE {
        if start <= MIN_RETRY_BUDGET {
            return keep(format!(
                "{evidence}, but {MIN_RETRY_BUDGET} is the least allowed"
            ));
        }
        return Tuning {
            value: start - 1,
            previous: current,
            reason: format!(
                "retry budget {current} → {}: {evidence}, under {}, so retries mostly spend money",
                start - 1,
                pct(LOWER_RESCUE)
            ),
        };
    }
    if failed == 0 {
        return keep(format!("{evidence} and no task failed"));
    }
    keep(format!(
        "{evidence}, between {} and {}",
        pct(LOWER_RESCUE),
        pct(RAISE_RESCUE)
    ))
}

/// The number of tasks to run at once, from the run's merge `conflict_rate` and task
/// `failure_rate` (shares in [0, 1]) and the `current` number.
pub fn tune_parallelism(conflict_rate: f64, failure_rate: f64, current: u32) -> Tuning<u32> {
    let start = current.clamp(MIN_PARALLELISM, MAX_PARALLELISM);
    let keep = |why: String| Tuning {
        value: start,
        previous: current,
        reason: if start == current {
            format!("parallelism stays {start}: {why}")
        } else {
            format!("parallelism {current} → {start}: outside {MIN_PARALLELISM}..={MAX_PARALLELISM}; {why}")
        },
    };
    if !conflict_rate.is_finite() || !failure_rate.is_finite() {
        return keep("no conflict or failure rate measured yet".into());
    }
    let (c, f) = (conflict_rate.clamp(0.0, 1.0), failure_rate.clamp(0.0, 1.0));
    let lower = |why: String| {
        if start <= MIN_PARALLELISM {
            keep(format!("{why}, but {MIN_PARALLELISM} is the least allowed"))
        } else {
            Tuning {
                value: start - 1,
                previous: current,
                reason: format!("parallelism {current} → {}: {why}", start - 1),
            }
        }
    };
    if c > HIGH_CONFLICT {
        return lower(format!(
            "{} of merges conflicted (over {}), so parallel tasks are editing the same code",
            pct(c),
            pct(HIGH_CONFLICT)
        ));
    }
    if f > HIGH_FAILURE {
        return lower(format!(
            "{} of tasks failed (over {}), so fewer at once makes failures cheaper and leaves room for retries",
            pct(f),
            pct(HIGH_FAILURE)
        ));
    }
    if c < LOW_CONFLICT && f < LOW_FAILURE {
        let why = format!(
            "{} of merges conflicted and {} of tasks failed (under {} and {})",
            pct(c),
            pct(f),
            pct(LOW_CONFLICT),
            pct(LOW_FAILURE)
        );
        if start >= MAX_PARALLELISM {
            return keep(format!("{why}, but {MAX_PARALLELISM} is the most allowed"));
        }
        return Tuning {
            value: start + 1,
            previous: current,
            reason: format!(
                "parallelism {current} → {}: {why}, so one more can run at once",
                start + 1
            ),
        };
    }
    keep(format!(
        "{} of merges conflicted and {} of tasks failed, within the bands that keep it",
        pct(c),
        pct(f)
    ))
}
