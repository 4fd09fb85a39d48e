//! Stores with runs in them, and the `conclave` binary pointed at them.

use conclave::model::synthetic::realistic_run;
use conclave::model::{Event, RunId};
use conclave::store::Store;
use std::path::Path;
use std::process::{Command, Output};

/// Writes a synthetic run of `n` events into the store under `data_dir`.
pub fn write_run(data_dir: &Path, n: u64, seed: u64) -> (RunId, Vec<Event>) {
    let store = Store::open(data_dir).expect("store opens");
    let run = RunId::new_at(1_700_000_000_000 + seed);
    let events = realistic_run(run, n, seed);
    let mut w = store.create_run(run).expect("run is new");
    for chunk in events.chunks(64) {
        w.append_events(chunk.to_vec()).expect("append");
    }
    w.flush().expect("flush");
    (run, events)
}

/// The binary with a private data dir and no user config.
pub fn conclave(data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_conclave"));
    c.env("CONCLAVE_DATA_DIR", data_dir)
        .env("XDG_CONFIG_HOME", data_dir.join("no-config"))
        .env("HOME", data_dir.join("home"))
        .current_dir(data_dir);
    c
}

pub fn run_ok(mut c: Command) -> Output {
    let out = c.output().expect("binary runs");
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
