//! The binary's commands: parse (args.rs), then one file per command family.
//!
//! Owns exit codes (design §2: 0 ok, 1 failed, 2 bad usage/config/input, 3 approval needed)
//! and the shared context (paths, config, store). Commands print results on stdout and
//! problems on stderr; nothing here draws a TUI.

pub mod args;
mod attach;
mod demo;
mod detach;
mod doctor;
mod doctor_screen;
mod doctor_store;
mod fork;
mod history;
mod live;
mod logging;
mod metrics;
mod rules;
mod runs;
mod runs_show;
mod screen;

use crate::config::{self, ConfigError, ConfigSources, Paths};
use crate::store::{Store, StoreError};
use args::{Cli, Command};
use std::path::PathBuf;

/// A command's failure with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }

    pub fn failed(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Failure {
        Failure::usage(format!("config: {e}"))
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        let code = match e {
            StoreError::UnknownRun(_)
            | StoreError::AmbiguousRun { .. }
            | StoreError::Import(_)
            | StoreError::FutureVersion { .. }
            | StoreError::RunExists(_)
            | StoreError::Live { .. }
            | StoreError::Io { .. } => 2,
            _ => 1,
        };
        Failure {
            code,
            message: e.to_string(),
        }
    }
}

pub type Outcome = Result<u8, Failure>;

/// What every command may need, opened lazily so `--help` and `runs` stay cheap.
pub struct Context {
    pub paths: Paths,
    pub config_file: Option<PathBuf>,
    pub repo: Option<PathBuf>,
}

impl Context {
    pub fn new(cli: &Cli) -> Context {
        Context {
            paths: Paths::resolve(cli.data_dir.clone()),
            config_file: cli.config.clone(),
            repo: cli.repo.clone(),
        }
    }

    /// The repo named by `--repo`, else the current directory.
    pub fn repo_dir(&self) -> PathBuf {
        self.repo
            .clone()
            .unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))
    }

    pub fn config_sources(&self) -> ConfigSources {
        ConfigSources {
            user_file: self
                .config_file
                .clone()
                .or_else(|| self.paths.user_config_file()),
            user_file_required: self.config_file.is_some(),
            repo: Some(self.repo_dir()),
        }
    }

    pub fn load_config(&self) -> Result<config::Loaded, Failure> {
        Ok(config::load(&self.config_sources())?)
    }

    /// Opens the store, scrubbing the values of every secret variable the config names. A bad
    /// config stops here (exit 2) rather than being half-used.
    pub fn open_store(&self) -> Result<Store, Failure> {
        let vars = self.load_config()?.config.secret_vars();
        let mut store = Store::open(&self.paths.data_dir)?;
        // Also the values of variables only named like secrets (`DB_PASSWORD`).
        let vars = crate::runner::scrubbed_env(&vars);
        store.set_redactor(crate::secrets::Redactor::from_env(vars));
        Ok(store)
    }
}

pub use crate::util::now_ms;

/// Writes the completion script of `a.shell` to stdout.
fn completions(a: &args::CompletionsArgs) -> Outcome {
    use clap::CommandFactory;
    clap_complete::generate(
        a.shell,
        &mut Cli::command(),
        "conclave",
        &mut std::io::stdout(),
    );
    Ok(0)
}

/// Runs the parsed command line; returns the exit code.
pub fn dispatch(cli: Cli) -> Outcome {
    // Needs no data dir, config or log: a shell's start-up file may run it.
    if let Some(Command::Completions(a)) = &cli.command {
        return completions(a);
    }
    let ctx = Context::new(&cli);
    let _log = logging::init(&ctx.paths, cli.verbose);
    match cli.command {
        Some(Command::Runs(a)) => runs::list(&ctx, &a),
        Some(Command::Replay(a)) => history::replay(&ctx, &a),
        Some(Command::Export(a)) => history::export(&ctx, &a),
        Some(Command::Import(a)) => history::import(&ctx, &a),
        Some(Command::Doctor(a)) => doctor::run(&ctx, &a),
        Some(Command::Run(a)) => live::run(&ctx, &a),
        Some(Command::Resume(a)) => live::resume(&ctx, &a),
        Some(Command::Attach(a)) => attach::run(&ctx, &a),
        Some(Command::Fork(a)) => fork::run(&ctx, &a),
        Some(Command::Demo(a)) => demo::run(&ctx, &a),
        Some(Command::Rules(a)) => rules::run(&ctx, &a),
        Some(Command::Completions(a)) => completions(&a),
        None => screen::home(&ctx, cli.all),
    }
}
