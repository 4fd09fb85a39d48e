//! `conclave runs show RUN`: one run in words, for a person asking what happened: its status
//! and why it failed, each task, each agent with its cost and the last failure of its calls,
//! and the profiles whose circuit breaker opened.
//!
//! Owns the text only; the facts are the reducer's (the run's state folded from its log, or
//! from the process running it when it is live elsewhere).

use super::{Context, Outcome};
use crate::model::{fold, RunState};
use std::fmt::Write;

pub fn show(ctx: &Context, run: &str) -> Outcome {
    let store = ctx.open_store()?;
    let run = store.resolve(run)?;
    let state = match super::history::live_events(ctx, &store, run)? {
        Some(events) => fold(&events),
        None => store.state_at(run, None)?,
    };
    print!("{}", describe(&state));
    Ok(0)
}

fn describe(s: &RunState) -> String {
    let mut out = String::new();
    let run = s.run.map(|r| r.to_string()).unwrap_or_default();
    let _ = writeln!(out, "run     {run}");
    let _ = writeln!(out, "repo    {} ({})", s.repo, s.branch);
    let _ = writeln!(out, "goal    {}", s.goal);
    let level = s.level.map(|l| l.label()).unwrap_or_else(|| "-".into());
    let _ = writeln!(out, "level   {level}");
    match &s.failure {
        Some(why) => {
            let _ = writeln!(out, "status  {}: {why}", s.status.name());
        }
        None => {
            let _ = writeln!(out, "status  {}", s.status.name());
        }
    }
    let _ = writeln!(
        out,
        "spent   ${:.4} ({} in, {} out tokens)",
        s.usage.cost_usd, s.usage.input_tokens, s.usage.output_tokens
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
            "  {:<12} {:<14} ${:<8.4} {} calls, {} errors",
            a.name, a.provider, a.usage.cost_usd, a.usage.requests, a.errors
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
