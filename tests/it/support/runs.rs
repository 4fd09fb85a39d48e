//! Stores with runs in them, and the `conclave` binary pointed at them.

use conclave::model::{Event, RunId};
use conclave::store::Store;
use conclave::testkit::synthetic::realistic_run;
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

/// Runs `c`, which must exit 2 (a usage or config error); its stderr.
pub fn usage_error(mut c: Command) -> String {
    let out = c.output().expect("binary runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    err
}

/// `conclave --config FILE runs` in `dir`, with `FILE` holding `toml`: the config error.
pub fn config_error(dir: &Path, file: &str, toml: &str) -> String {
    let cfg = dir.join(file);
    std::fs::write(&cfg, toml).expect("config file");
    let mut c = conclave(dir);
    c.arg("--config").arg(&cfg).arg("runs");
    usage_error(c)
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A config.toml in `dir` whose three roles (strategist, impl, reviewer) all use one OpenAI
/// profile `gpt` at `base_url`, its key in `key_env`, with `extra` lines added to the profile.
pub fn one_profile_config(
    dir: &Path,
    base_url: &str,
    key_env: &str,
    extra: &str,
) -> std::path::PathBuf {
    let mut cfg = format!(
        "[providers.gpt]\nkind = \"openai\"\nmodel = \"gpt-4o\"\nbase_url = \"{base_url}\"\n\
         api_key_env = \"{key_env}\"\n{extra}\n"
    );
    for (name, role) in [
        ("strategist", "strategist"),
        ("impl", "implementer"),
        ("reviewer", "reviewer"),
    ] {
        cfg.push_str(&format!(
            "[[agents]]\nname = \"{name}\"\nrole = \"{role}\"\nprovider = \"gpt\"\nfallback = []\n\n"
        ));
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, cfg).unwrap();
    path
}
