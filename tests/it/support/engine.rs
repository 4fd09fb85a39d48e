//! Running the demo's recorded session through the real engine in-process, at any level.

use conclave::config::{self, ConfigSources};
use conclave::engine::{self, DriveEnd, RunOptions, Stand};
use conclave::model::{AutonomyLevel, Event, RunId};
use conclave::store::Store;
use std::path::{Path, PathBuf};

pub struct DemoRun {
    pub dir: tempfile::TempDir,
    pub repo: PathBuf,
    pub run: RunId,
    pub end: DriveEnd,
    pub events: Vec<Event>,
}

pub fn demo_config(repo: &Path, cassette: &Path, level: AutonomyLevel) -> conclave::config::Config {
    let base = config::load(&ConfigSources {
        user_file: None,
        user_file_required: false,
        repo: Some(repo.to_path_buf()),
    })
    .expect("config")
    .config;
    let mut c = conclave::demo::config(base, cassette, None);
    c.run.level = level;
    c
}

/// Creates the sample repo and runs the whole demo session headless at `level`.
pub fn run_demo(level: AutonomyLevel, stand: Stand) -> DemoRun {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("calc");
    conclave::demo::sample::create(&repo).expect("sample repo");
    let cassette = dir.path().join("demo.cassette.jsonl");
    conclave::demo::write_cassette(&cassette).expect("cassette");
    let data = dir.path().join("data");
    let store = Store::open(&data).expect("store");
    let opts = RunOptions {
        config: demo_config(&repo, &cassette, level),
        data_dir: data.clone(),
        stand,
        watcher: None,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (run, end) = rt.block_on(async {
        let h = engine::start(&store, &repo, conclave::demo::GOAL, opts).expect("start");
        let end = tokio::time::timeout(std::time::Duration::from_secs(120), h.driver)
            .await
            .expect("the run hung")
            .expect("driver");
        (h.run, end)
    });
    let events = store.all_events(run).expect("events");
    DemoRun {
        dir,
        repo,
        run,
        end,
        events,
    }
}

/// A demo run started (inside a tokio runtime) and still going: its store, its handle and
/// every event from the first.
pub struct Started {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub handle: engine::RunHandle,
    pub events: tokio::sync::mpsc::UnboundedReceiver<Event>,
}

/// Creates the sample repo and starts the demo session at `level`; call from a runtime.
pub fn start_demo(level: AutonomyLevel, stand: Stand) -> Started {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("calc");
    conclave::demo::sample::create(&repo).expect("sample repo");
    let cassette = dir.path().join("demo.cassette.jsonl");
    conclave::demo::write_cassette(&cassette).expect("cassette");
    let data = dir.path().join("data");
    let store = Store::open(&data).expect("store");
    let (tx, events) = tokio::sync::mpsc::unbounded_channel();
    let opts = RunOptions {
        config: demo_config(&repo, &cassette, level),
        data_dir: data,
        stand,
        watcher: Some(tx),
    };
    let handle = engine::start(&store, &repo, conclave::demo::GOAL, opts).expect("start");
    Started {
        dir,
        store,
        handle,
        events,
    }
}

/// Waits (at most two minutes) for a started run to end; returns how it ended and every
/// event its watcher got, in order.
pub async fn follow(
    handle: engine::RunHandle,
    mut watched: tokio::sync::mpsc::UnboundedReceiver<Event>,
) -> (DriveEnd, Vec<Event>) {
    let end = tokio::time::timeout(std::time::Duration::from_secs(120), handle.driver)
        .await
        .expect("the run hung")
        .expect("driver");
    let mut events = Vec::new();
    while let Ok(e) = watched.try_recv() {
        events.push(e);
    }
    (end, events)
}

/// A fork driven to its end.
pub struct Forked {
    pub run: RunId,
    pub end: DriveEnd,
    /// Every event the fork's watcher got (its whole log, the copied part first).
    pub watched: Vec<Event>,
    /// The fork's state as its engine last held it.
    pub live: conclave::model::RunState,
}

/// Forks `parent` (in the store under `data`) after its event `at` with `changes` and drives
/// the fork headless to its end, `stand` answering for the person.
pub fn fork_to_end(
    data: &Path,
    parent: RunId,
    at: u64,
    changes: engine::ForkChanges,
    stand: Stand,
) -> Result<Forked, engine::EngineError> {
    let store = Store::open(data).expect("store");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = RunOptions {
        // A fork runs with the agents its parent recorded; this is only the fallback.
        config: conclave::config::Config::default(),
        data_dir: data.to_path_buf(),
        stand,
        watcher: Some(tx),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let handle = engine::fork(&store, parent, at, changes, opts)?;
        let (run, log) = (handle.run, handle.log.clone());
        let (end, watched) = follow(handle, rx).await;
        Ok(Forked {
            run,
            end,
            watched,
            live: log.state(),
        })
    })
}

/// Takes events until one satisfies `want` (30 s at most per event).
pub async fn wait_for(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>,
    want: impl Fn(&conclave::model::EventKind) -> bool,
) -> Event {
    loop {
        let e = tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv())
            .await
            .expect("the run went quiet")
            .expect("the run ended");
        if want(&e.kind) {
            return e;
        }
    }
}

/// Waits until approval `id` is asked.
pub async fn wait_for_approval(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>, id: &str) {
    wait_for(rx, |k| {
        matches!(k, conclave::model::EventKind::ApprovalRequested { approval, .. } if approval == id)
    })
    .await;
}
