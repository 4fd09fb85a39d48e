//! `conclave fork RUN --at SEQ`: a new run from a past run's events up to SEQ, optionally at
//! another level or with another provider profile for one role, going on live headless or in
//! the TUI exactly as `resume` does. Owns the command line's reading of it only; the fork
//! itself is `engine::fork`.

use super::args::ForkArgs;
use super::{Context, Failure, Outcome};
use crate::engine::{self, ForkChanges};
use crate::model::{AutonomyLevel, RunState};

pub fn run(ctx: &Context, a: &ForkArgs) -> Outcome {
    if a.headless.detach {
        return super::detach::spawn(ctx, &a.headless);
    }
    let config = ctx.load_config()?.config;
    if !a.headless.headless {
        super::screen::needs_terminal("the live run screen")?;
    }
    let metrics = super::metrics::listen(&a.metrics)?;
    let store = ctx.open_store()?;
    let parent = store.resolve(&a.run)?;
    let at = match a.at {
        Some(at) => at,
        None => store
            .event_count(parent)?
            .checked_sub(1)
            .ok_or_else(|| Failure::usage(format!("run {parent} has no events to fork")))?,
    };
    let level = a
        .level
        .map(AutonomyLevel::try_from)
        .transpose()
        .map_err(|e| Failure::usage(format!("--level: {e}")))?;
    let changes = ForkChanges {
        level,
        profiles: a.profiles.clone(),
    };
    // The engine sends the fork's every event from its first, the copied ones included.
    super::live::go(
        ctx,
        &config,
        &store,
        &a.headless,
        metrics,
        RunState::default(),
        |opts| {
            let handle = engine::fork(&store, parent, at, changes, opts)?;
            // The copy may stop before `at`: a fork never copies the parent's RunFinished.
            let from = handle
                .log
                .with_state(|s| s.parent.as_ref().map_or(at, |p| p.seq));
            eprintln!(
                "run {} forked from run {parent} after its event {from}",
                handle.run
            );
            Ok(handle)
        },
    )
}
