//! `conclave demo`: creates the sample repo and runs the recorded session.

use super::args::DemoArgs;
use super::{Context, Failure, Outcome};
use crate::config;
use crate::engine::{self, RunOptions, Stand};
use tokio::sync::mpsc::unbounded_channel;

pub fn run(ctx: &Context, a: &DemoArgs) -> Outcome {
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
    let config = crate::demo::config(base, &cassette);
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
