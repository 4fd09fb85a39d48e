//! `conclave demo`: creates the sample repo and runs the recorded session.

use super::args::DemoArgs;
use super::{Context, Failure, Outcome};
use crate::config;
use crate::engine::{self, RunOptions, Stand};
use tokio::sync::mpsc::unbounded_channel;

/// Milliseconds between streamed pieces (24 characters) at speed 1: about 500 characters a
/// second, the pace of a fast hosted model.
const PACE_MS_AT_1X: f64 = 48.0;

pub fn run(ctx: &Context, a: &DemoArgs) -> Outcome {
    let pace_ms = pace_ms(a)?;
    // Before the sample repo exists: a refused or taken address leaves nothing behind.
    let metrics = super::metrics::listen(&a.metrics)?;
    let stamp = crate::util::now_ms();
    let dir = match &a.dir {
        Some(d) => d.clone(),
        None => ctx
            .paths
            .data_dir
            .join("demos")
            .join(format!("calc-{stamp}")),
    };
    crate::demo::sample::create(&dir).map_err(Failure::usage)?;
    let cassette = ctx
        .paths
        .data_dir
        .join("demos")
        .join(format!("calc-{stamp}.cassette.jsonl"));
    if let Some(parent) = cassette.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::failed(format!("{}: {e}", parent.display())))?;
    }
    crate::demo::write_cassette(&cassette)
        .map_err(|e| Failure::failed(format!("{}: {e}", cassette.display())))?;
    // The person's config counts for the screen (theme, keymap); the demo brings its own
    // agents and profiles.
    let mut sources = ctx.config_sources();
    sources.repo = Some(dir.clone());
    let base = config::load(&sources)?.config;
    let config = crate::demo::config(base, &cassette, pace_ms);
    eprintln!("demo repository: {}", dir.display());
    if !a.headless {
        super::screen::needs_terminal("the demo's live screen")?;
    }
    let store = ctx.open_store()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(e.to_string()))?;
    let exporter = {
        let _in_runtime = rt.enter();
        super::metrics::serve(metrics)?
    };
    let (tx, rx) = unbounded_channel();
    // In the TUI the person answers where the level says; headless, the demo approves.
    let stand = if a.headless {
        Stand::Approve
    } else {
        Stand::Person
    };
    let opts = RunOptions {
        config: config.clone(),
        data_dir: ctx.paths.data_dir.clone(),
        stand,
        watcher: Some(tx),
    };
    rt.block_on(async {
        let handle = engine::start(&store, &dir, crate::demo::GOAL, opts)
            .map_err(|e| Failure::failed(e.to_string()))?;
        if let Some(x) = &exporter {
            x.follow(&handle.log);
        }
        if a.headless {
            super::live::headless(ctx, &store, handle, rx).await
        } else {
            super::screen::live(
                ctx,
                &config,
                &store,
                handle,
                rx,
                crate::model::RunState::default(),
            )
            .await
        }
    })
}

/// The scripted profiles' pace for `--speed` (none when headless without it).
fn pace_ms(a: &DemoArgs) -> Result<Option<u64>, Failure> {
    let speed = match a.speed {
        None if a.headless => return Ok(None),
        None => 1.0,
        Some(x) if x > 0.0 && x.is_finite() => x,
        Some(x) => {
            return Err(Failure::usage(format!(
                "--speed {x}: give a positive number (1 is a model's pace, 2 twice as fast)"
            )))
        }
    };
    Ok(Some((PACE_MS_AT_1X / speed).round() as u64).filter(|&ms| ms > 0))
}
