//! `conclave demo`: creates the sample repo and runs the recorded session.

use super::args::DemoArgs;
use super::{Context, Failure, Outcome};
use crate::config::{self, ConfigSources};
use crate::engine::{self, RunOptions, Stand};
use tokio::sync::mpsc::unbounded_channel;

pub fn run(ctx: &Context, a: &DemoArgs) -> Outcome {
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
    let base = config::load(&ConfigSources {
        user_file: None,
        user_file_required: false,
        repo: Some(dir.clone()),
    })?
    .config;
    let config = crate::demo::config(base, &cassette);
    eprintln!("demo repository: {}", dir.display());
    if !a.headless {
        return super::pending(
            "the demo's live screen",
            "the TUI (issue #7); `conclave demo --headless` runs it without",
        );
    }
    let store = ctx.open_store()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(e.to_string()))?;
    let (tx, rx) = unbounded_channel();
    let opts = RunOptions {
        config,
        data_dir: ctx.paths.data_dir.clone(),
        stand: Stand::Approve,
        watcher: Some(tx),
    };
    rt.block_on(async {
        let handle = engine::start(&store, &dir, crate::demo::GOAL, opts)
            .map_err(|e| Failure::failed(e.to_string()))?;
        super::live::headless(handle, rx).await
    })
}
