//! `conclave runs show RUN`: one run in words, for a person asking what happened: its status
//! and why it failed, each task, each agent with its cost and the last failure of its calls,
//! and the profiles whose circuit breaker opened.
//!
//! Owns the text only; the facts are the reducer's (the run's state folded from its log, or
//! from the process running it when it is live elsewhere).

use super::{Context, Outcome};
use crate::model::{fold, RunState, UsageTotals};
use crate::store::shown_status;
use crate::util::words::count;
use std::fmt::Write;

pub fn show(ctx: &Context, run: &str) -> Outcome {
    let store = ctx.open_store()?;
    let run = store.resolve(run)?;
    let (state, live) = match super::history::live_events(ctx, &store, run)? {
        Some(events) => (fold(&events), true),
        None => (store.state_at(run, None)?, false),
    };
    print!("{}", describe(&state, live));
    Ok(0)
}

/// What the run cost: an unknown price is said as such, never as $0.
fn spent(u: &UsageTotals) -> String {
    match u.unpriced {
        0 => format!("${:.4}", u.cost_usd),
        _ if u.cost_usd <= 0.0 => "price unknown".into(),
        n => format!("${:.4} + {} of unknown price", u.cost_usd, count(n, "call")),
    }
}

/// The run in words; `live` when a process runs it now (else one that never ended was
/// interrupted).
fn describe(s: &RunState, live: bool) -> String {
    let mut out = String::new();
    let run = s.run.map(|r| r.to_string()).unwrap_or_default();
    let _ = writeln!(out, "run     {run}");
    let _ = writeln!(out, "repo    {} ({})", s.repo, s.branch);
    let _ = writeln!(out, "goal    {}", s.goal);
    let level = s.level.map(|l| l.label()).unwrap_or_else(|| "-".into());
    let _ = writeln!(out, "level   {level}");
    let status = shown_status(s.status.name(), live);
    match &s.failure {
        Some(why) => {
            let _ = writeln!(out, "status  {status}: {why}");
        }
        None if status == "interrupted" => {
            let short = s.run.map(|r| r.short()).unwrap_or_default();
            let _ = writeln!(
                out,
                "status  {status}: no process runs it; `conclave resume {short}` continues it"
            );
        }
        None => {
            let _ = writeln!(out, "status  {status}");
        }
    }
    let _ = writeln!(
        out,
        "spent   {} ({} in, {} out tokens)",
        spent(&s.usage),
        s.usage.input_tokens,
        s.usage.output_tokens
    );
    if !s.tasks.is_empty() {
        let _ = writeln!(out, "\ntasks");
        for t in &s.tasks {
            let _ = writeln!(
                out,
                "  {:<8} {:<10} {:<10} {}",
                t.id,
                t.status.name(),
                t.agent.as_deref().unwrap_or("-"),
                t.title
            );
        }
    }
    let _ = writeln!(out, "\nagents");
    for a in &s.agents {
        let _ = writeln!(
            out,
            "  {:<12} {:<14} {:<14} {}, {}",
            a.name,
            a.provider,
            spent(&a.usage),
            count(a.usage.requests, "call"),
            count(a.errors, "error")
        );
        if let Some(p) = &a.problem {
            let _ = writeln!(out, "    ✗ {p}");
        }
    }
    let opened: Vec<_> = s.circuits.iter().filter(|c| c.opened > 0).collect();
    if !opened.is_empty() {
        let _ = writeln!(out, "\ncircuit breakers");
        for c in opened {
            let _ = writeln!(
                out,
                "  {:<12} {} (opened {}×){}",
                c.provider,
                c.state.name(),
                c.opened,
                if c.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", c.reason)
                }
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{finished_run, live_run, state_of, with_unpriced};

    #[test]
    fn an_interrupted_run_says_so_and_an_unknown_price_is_not_zero() {
        let s = state_of(&with_unpriced(live_run(), "reviewer"));
        let text = describe(&s, false);
        assert!(
            text.contains("status  interrupted: no process runs it"),
            "{text}"
        );
        insta::assert_snapshot!("runs_show_interrupted_unpriced", text);
        assert!(describe(&s, true).contains("status  running\n"));
        let done = describe(&state_of(&finished_run()), false);
        assert!(done.contains("status  finished\n"), "{done}");
    }
}
