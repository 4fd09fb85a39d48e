//! The level-5 router's scores (design §5, §8): candidates ranked by how well they did on this
//! kind of task for the cost and time, with a little exploration, each with a reason a person
//! can read.
//!
//! Owns the scoring rule. Must not assign anything: the engine picks the first candidate the
//! policy allows and records `TaskAssigned { why: router }` with the reason.
//!
//! The rule, per candidate:
//! - quality = 0.40 · done rate + 0.35 · first-pass gate rate + 0.25 · review approval rate,
//!   each rate smoothed towards `OPTIMISTIC_PRIOR` by `PRIOR_WEIGHT` pseudo-attempts, so an
//!   agent with no history starts near 0.8 and gets tried, and a few lucky tasks do not make
//!   an agent the favourite for ever;
//! - minus `COST_WEIGHT` · its mean cost per task relative to the dearest candidate, and
//!   `TIME_WEIGHT` · its mean time relative to the slowest (an agent without history counts
//!   as the average of those with one);
//! - plus `explore` · u · 1/√(1 + attempts), u uniform in [0, 1) drawn from `rng`, once per
//!   candidate in the order given, so a seeded rng gives the same ranking every time and
//!   little-known agents get most of the exploration.

use super::outcomes::OutcomeStats;
use crate::model::TaskKind;
use crate::store::Memory;
use crate::store::Result;
use rand::Rng;

/// The success rate assumed for an agent without history: optimistic, so it gets a chance.
pub const OPTIMISTIC_PRIOR: f64 = 0.8;
/// How many attempts the prior is worth.
const PRIOR_WEIGHT: f64 = 2.0;
const COST_WEIGHT: f64 = 0.15;
const TIME_WEIGHT: f64 = 0.10;

/// `candidates` (duplicates dropped) ranked best first for a task of `kind`, as
/// `(agent, score, why)`. `explore` in [0, 1]: 0 is greedy; 0.1 is a sensible level-5 setting.
pub fn score_agents<R: Rng + ?Sized>(
    memory: &Memory,
    candidates: &[&str],
    kind: TaskKind,
    explore: f64,
    rng: &mut R,
) -> Result<Vec<(String, f64, String)>> {
    let mut stats: Vec<(&str, OutcomeStats)> = Vec::new();
    for &c in candidates {
        if !stats.iter().any(|(n, _)| *n == c) {
            stats.push((c, OutcomeStats::load(memory, c, kind)?));
        }
    }
    Ok(score_stats(&stats, kind, explore, rng))
}

fn smoothed(num: u64, den: u64) -> f64 {
    (num as f64 + PRIOR_WEIGHT * OPTIMISTIC_PRIOR) / (den as f64 + PRIOR_WEIGHT)
}

fn quality(s: &OutcomeStats) -> f64 {
    0.40 * smoothed(s.done, s.attempts)
        + 0.35 * smoothed(s.first_pass, s.attempts)
        + 0.25 * smoothed(s.approvals, s.approvals + s.change_requests)
}

/// Each candidate's value relative to the largest (0..=1); candidates without one get the
/// average of the others, or 0 when nobody has one.
fn relative(values: &[Option<f64>]) -> Vec<f64> {
    let known: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .collect();
    let max = known.iter().copied().fold(0.0_f64, f64::max);
    if max <= 0.0 {
        return vec![0.0; values.len()];
    }
    let avg = known.iter().sum::<f64>() / known.len() as f64 / max;
    values
        .iter()
        .map(|v| match v {
            Some(v) if v.is_finite() && *v >= 0.0 => v / max,
            _ => avg,
        })
        .collect()
}

/// The same ranking from statistics already loaded.
pub fn score_stats<R: Rng + ?Sized>(
    stats: &[(&str, OutcomeStats)],
    kind: TaskKind,
    explore: f64,
    rng: &mut R,
) -> Vec<(String, f64, String)> {
    let explore = if explore.is_finite() {
        explore.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let costs = relative(
        &stats
            .iter()
            .map(|(_, s)| s.mean_cost_usd())
            .collect::<Vec<_>>(),
    );
    let times = relative(&stats.iter().map(|(_, s)| s.mean_ms()).collect::<Vec<_>>());
    let mut out: Vec<(String, f64, String)> = stats
        .iter()
        .zip(costs.iter().zip(&times))
        .map(|((agent, s), (&cost, &time))| {
            // Drawn for every candidate, even when `explore` is 0, so the rng advances the
            // same way whatever the setting.
            let u: f64 = rng.gen();
            let q = quality(s);
            let bonus = explore * u / (1.0 + s.attempts as f64).sqrt();
            let score = q - COST_WEIGHT * cost - TIME_WEIGHT * time + bonus;
            let why = format!(
                "{agent} on {}: {}; quality {q:.2}, cost −{:.2}, time −{:.2}, exploration +{bonus:.2} = {score:.2}",
                kind.name(),
                record_text(s),
                COST_WEIGHT * cost,
                TIME_WEIGHT * time,
            );
            (agent.to_string(), score, why)
        })
        .collect();
    // Stable, so equal scores keep the caller's order (its preference among equals).
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

fn record_text(s: &OutcomeStats) -> String {
    if s.attempts == 0 {
        return format!("no history yet, optimistic prior {OPTIMISTIC_PRIOR:.2}");
    }
    let mut parts = vec![format!(
        "{} task{}, {} done, {} first-pass",
        s.attempts,
        if s.attempts == 1 { "" } else { "s" },
        s.done,
        s.first_pass
    )];
    let reviews = s.approvals + s.change_requests;
    if reviews > 0 {
        parts.push(format!("{}/{reviews} reviews approved", s.approvals));
    }
    if let Some(c) = s.mean_cost_usd().filter(|c| *c > 0.0) {
        parts.push(format!("${c:.3}/task"));
    }
    if let Some(ms) = s.mean_ms().filter(|m| *m > 0.0) {
        parts.push(format!("{:.1} s/task", ms / 1000.0));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn stats(attempts: u64, done: u64, first_pass: u64) -> OutcomeStats {
        OutcomeStats {
            attempts,
            done,
            first_pass,
            ..OutcomeStats::default()
        }
    }

    #[test]
    fn greedy_prefers_the_better_record_and_explains_it() {
        let mut rng = StdRng::seed_from_u64(1);
        let ranked = score_stats(
            &[("weak", stats(10, 4, 2)), ("strong", stats(10, 9, 8))],
            TaskKind::Bugfix,
            0.0,
            &mut rng,
        );
        assert_eq!(ranked[0].0, "strong");
        assert!(ranked[0]
            .2
            .starts_with("strong on bugfix: 10 tasks, 9 done, 8 first-pass"));
    }

    #[test]
    fn a_newcomer_beats_a_poor_record_but_not_a_good_one() {
        let mut rng = StdRng::seed_from_u64(1);
        let r = score_stats(
            &[("poor", stats(10, 3, 2)), ("new", stats(0, 0, 0))],
            TaskKind::Test,
            0.0,
            &mut rng,
        );
        assert_eq!(r[0].0, "new");
        assert!(r[0].2.contains("no history yet"));
        let r = score_stats(
            &[("new", stats(0, 0, 0)), ("good", stats(20, 20, 19))],
            TaskKind::Test,
            0.0,
            &mut rng,
        );
        assert_eq!(r[0].0, "good");
    }

    #[test]
    fn cheaper_wins_between_equals() {
        let mut a = stats(5, 5, 5);
        a.cost_usd = 5.0;
        let mut b = stats(5, 5, 5);
        b.cost_usd = 1.0;
        let mut rng = StdRng::seed_from_u64(3);
        let r = score_stats(
            &[("dear", a), ("cheap", b)],
            TaskKind::Feature,
            0.0,
            &mut rng,
        );
        assert_eq!(r[0].0, "cheap");
    }
}
