//! The reducer's part for what model calls report: provider errors, circuit breakers and
//! compactions. Each also becomes a system line in the agent's transcript, so the person
//! reads why an agent went quiet where they look, and a replay shows the same.
//!
//! Owns nothing but these folds; like the rest of the reducer it is pure (no I/O, no clock).

use super::event::*;
use super::reducer::{agent_slot, Folded};
use super::state::*;

pub(super) fn fold(s: &mut RunState, e: &Event) -> Folded {
    match &e.kind {
        EventKind::ProviderError { .. } => provider_error(s, e),
        EventKind::Circuit { .. } => circuit(s, e),
        EventKind::Compacted { .. } => compacted(s, e),
        _ => {}
    }
    Some(())
}

fn provider_error(s: &mut RunState, e: &Event) {
    let EventKind::ProviderError {
        agent,
        provider,
        error,
        attempt,
        retry_in_ms,
        fallback,
        advice,
    } = &e.kind
    else {
        return;
    };
    let a = agent_slot(s, agent);
    let ag = &mut s.agents[a];
    ag.errors += 1;
    if !ag.error_open {
        ag.error_open = true;
        s.kpi_counters.error_episodes += 1;
    }
    let what = advice
        .clone()
        .unwrap_or_else(|| format!("{provider}: {error}"));
    let next = match (retry_in_ms, fallback) {
        (Some(ms), _) => format!("; retrying {provider} in {}", seconds(*ms)),
        (None, Some(f)) => format!("; trying {f} instead"),
        (None, None) => String::new(),
    };
    // Only a failure nothing follows is the agent's problem; a retry may still get through.
    if retry_in_ms.is_none() && fallback.is_none() {
        ag.problem = Some(what.clone());
    }
    let task = ag.current_task.clone();
    system_line(s, a, task, format!("✗ {what}{next}\n"), e);
    s.errors.push(ProviderErrorRecord {
        agent: agent.clone(),
        provider: provider.clone(),
        error: error.clone(),
        attempt: *attempt,
        retry_in_ms: *retry_in_ms,
        fallback: fallback.clone(),
        seq: e.seq,
    });
}

fn circuit(s: &mut RunState, e: &Event) {
    let EventKind::Circuit {
        provider,
        state,
        reason,
        ..
    } = &e.kind
    else {
        return;
    };
    let i = match s.circuits.iter().position(|c| &c.provider == provider) {
        Some(i) => i,
        None => {
            s.circuits.push(CircuitRecord {
                provider: provider.clone(),
                state: CircuitState::Closed,
                reason: String::new(),
                opened: 0,
                seq: e.seq,
            });
            s.circuits.len() - 1
        }
    };
    let rec = &mut s.circuits[i];
    if *state == CircuitState::Open && rec.state != CircuitState::Open {
        rec.opened += 1;
    }
    rec.state = *state;
    rec.reason = reason.clone();
    rec.seq = e.seq;
}

fn compacted(s: &mut RunState, e: &Event) {
    let EventKind::Compacted {
        agent,
        task,
        tokens_before,
        tokens_after,
        removed,
    } = &e.kind
    else {
        return;
    };
    let a = agent_slot(s, agent);
    let mut text = format!(
        "[context: ~{tokens_before} → ~{tokens_after} tokens; removed to fit the model's window:\n"
    );
    for r in removed {
        text.push_str(&format!("  - {r}\n"));
    }
    text.push_str("]\n");
    system_line(s, a, task.clone(), text, e);
}

fn system_line(s: &mut RunState, agent: usize, task: Option<String>, text: String, e: &Event) {
    s.transcripts[agent].push(TranscriptEntry {
        task,
        part: TranscriptPart::System,
        text,
        call: None,
        first_seq: e.seq,
        at_ms: e.at_ms,
    });
}

fn seconds(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}
