//! The reducer's part for what a model call cost: tokens, money and latency, per agent, per
//! task and for the run.
//!
//! Owns the `usage` totals and each agent's latency and throughput windows with their
//! percentiles; since a call got through, it also clears the agent's problem and closes its
//! error episode (the recovery counter of the KPIs). Must not touch transcripts or the error
//! records: `reducer_providers` writes those. Pure, like the rest of the reducer.

use super::event::*;
use super::reducer::{agent_slot, Folded};
use super::state::*;

pub(super) fn fold(s: &mut RunState, e: &Event) -> Folded {
    let EventKind::Usage {
        agent,
        task,
        input_tokens,
        output_tokens,
        cached_tokens,
        cost_usd,
        unpriced,
        ms,
        ..
    } = &e.kind
    else {
        return Some(());
    };
    let cost = (!unpriced).then_some(*cost_usd);
    let a = agent_slot(s, agent);
    let ag = &mut s.agents[a];
    ag.usage
        .add(*input_tokens, *output_tokens, *cached_tokens, cost);
    push_window(&mut ag.latencies_ms, *ms);
    push_window(
        &mut ag.tokens_per_s,
        output_tokens.saturating_mul(1000) / (*ms).max(1),
    );
    let (p50, p95) = percentiles(&ag.latencies_ms);
    ag.latency_p50_ms = p50;
    ag.latency_p95_ms = p95;
    ag.problem = None;
    if ag.error_open {
        ag.error_open = false;
        s.kpi_counters.recovered_episodes += 1;
    }
    s.usage
        .add(*input_tokens, *output_tokens, *cached_tokens, cost);
    if let Some(t) = task.as_deref().and_then(|t| s.index.tasks.get(t).copied()) {
        s.tasks[t]
            .usage
            .add(*input_tokens, *output_tokens, *cached_tokens, cost);
    }
    Some(())
}

fn push_window(v: &mut Vec<u64>, x: u64) {
    if v.len() == USAGE_WINDOW {
        v.remove(0);
    }
    v.push(x);
}

/// Nearest-rank p50 and p95 of a small window.
fn percentiles(v: &[u64]) -> (u64, u64) {
    if v.is_empty() {
        return (0, 0);
    }
    let mut sorted = v.to_vec();
    sorted.sort_unstable();
    let rank = |p: usize| sorted[((p * sorted.len()).div_ceil(100)).max(1) - 1];
    (rank(50), rank(95))
}
