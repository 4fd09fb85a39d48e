//! The command-line contract of design §2, as clap types.
//!
//! Owns names, flags and help texts only; what each command does lives beside it in `cli/`.

use crate::model::Role;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `0.1.0 (3f2a9c1e07b4)`: the version and the commit it was built from (build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("CONCLAVE_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "conclave",
    version = VERSION,
    about = "Several AI coding agents plan, implement and review work on a git repository while you supervise",
    after_help = "Run `conclave demo` for an offline tour (no keys, no network)."
)]
pub struct Cli {
    /// Where runs, logs and worktrees are kept [default: the platform's data dir]
    #[arg(long, global = true, env = "CONCLAVE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Use this config file instead of the one in the user's config dir
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// More detail in the log file (data dir/logs/conclave.log); repeat for more
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// The git repository to work on [default: the current directory]
    #[arg(long, global = true, value_name = "PATH")]
    pub repo: Option<PathBuf>,

    /// With no command: the home screen lists every repository's runs, not only this one's
    #[arg(long)]
    pub all: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a run on a goal
    Run(RunArgs),
    /// List past runs
    Runs(RunsArgs),
    /// Re-watch a run (a unique id prefix is enough)
    Replay(ReplayArgs),
    /// Continue an interrupted run from its last event
    Resume(ResumeArgs),
    /// Open the screen on a live run another conclave process is running (`run --detach`,
    /// a headless run, another terminal's screen); quitting leaves the run going
    Attach(AttachArgs),
    /// Start a new run from a past run's events up to one of them, optionally at another
    /// level or with another provider for one role
    Fork(ForkArgs),
    /// Write a run's events as JSONL
    Export(ExportArgs),
    /// Read a run exported with `conclave export`
    Import(ImportArgs),
    /// Create a sample repo and run a whole session offline with recorded agents
    Demo(DemoArgs),
    /// Check config, keys, git, the store and the terminal
    Doctor(DoctorArgs),
    /// The sticky command rules ("always allow `cargo test` in this repo"): list or remove
    Rules(RulesArgs),
    /// Print a completion script for SHELL (e.g. `conclave completions bash >
    /// ~/.local/share/bash-completion/completions/conclave`)
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnApproval {
    Approve,
    Reject,
    Fail,
    /// Leave it waiting until a person answers it from `conclave attach`
    Wait,
}

#[derive(Debug, Args)]
pub struct HeadlessArgs {
    /// No TUI: print one JSON event per line on stdout
    #[arg(long)]
    pub headless: bool,
    /// In headless mode, how to answer when a person is needed [default: fail; with
    /// --detach: wait]
    #[arg(long, value_enum, value_name = "ANSWER")]
    pub on_approval: Option<OnApproval>,
    /// Run in the background (headless, its output in the data dir's logs/): print the
    /// run's id and return; `conclave attach RUN` watches and answers it
    #[arg(long)]
    pub detach: bool,
}

impl HeadlessArgs {
    /// What answers for the person headless.
    pub fn on_approval(&self) -> OnApproval {
        self.on_approval.unwrap_or(OnApproval::Fail)
    }
}

/// `--metrics ADDR` of the commands that drive a live run.
#[derive(Debug, Default, Args)]
pub struct MetricsArgs {
    /// Serve the run's metrics for Prometheus at http://ADDR/metrics (HOST:PORT; port 0
    /// picks a free one; loopback addresses only, unless --metrics-public)
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<String>,
    /// Let --metrics listen on an address other machines can reach (the endpoint has no
    /// authentication)
    #[arg(long, requires = "metrics")]
    pub metrics_public: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// What the agents should achieve
    pub goal: Option<String>,
    /// Read the goal from a file
    #[arg(long, value_name = "FILE", conflicts_with = "goal")]
    pub goal_file: Option<PathBuf>,
    /// Autonomy level, 1 (you approve everything) to 5 (it improves its own process)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub level: Option<u8>,
    #[command(flatten)]
    pub headless: HeadlessArgs,
    /// How many tasks may run at once
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64), value_name = "N")]
    pub max_parallel: Option<u32>,
    /// Use this provider profile for every agent
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    #[command(flatten)]
    pub metrics: MetricsArgs,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    #[command(subcommand)]
    pub show: Option<RunsShow>,
}

#[derive(Debug, Subcommand)]
pub enum RunsShow {
    /// One run in detail: its tasks, agents, what failed and why
    Show {
        /// Run id or a unique prefix of it
        run: String,
    },
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Run id or a unique prefix of it
    pub run: String,
    /// Playback speed (0.25 to 100)
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Print the final reduced state as JSON instead of opening the TUI
    #[arg(long)]
    pub headless: bool,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Run id or a unique prefix of it
    pub run: String,
    /// A failed run: start its failed tasks over, with the config as it is now (fix what
    /// made it fail first)
    #[arg(long)]
    pub retry: bool,
    #[command(flatten)]
    pub headless: HeadlessArgs,
    #[command(flatten)]
    pub metrics: MetricsArgs,
}

#[derive(Debug, Args)]
pub struct AttachArgs {
    /// Run id or a unique prefix of it (a live run: one a conclave process is running)
    pub run: String,
}

#[derive(Debug, Args)]
pub struct ForkArgs {
    /// Run id or a unique prefix of it
    pub run: String,
    /// The parent's last event to copy [default: its last event]; its RunFinished is never
    /// copied
    #[arg(long, value_name = "SEQ")]
    pub at: Option<u64>,
    /// Autonomy level of the fork, 1 to 5 [default: the parent's]
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub level: Option<u8>,
    /// Give every agent of ROLE (strategist, implementer, reviewer) the provider profile
    /// NAME; repeat for several roles
    #[arg(long = "profile", value_name = "ROLE=NAME", value_parser = role_profile)]
    pub profiles: Vec<(Role, String)>,
    #[command(flatten)]
    pub headless: HeadlessArgs,
    #[command(flatten)]
    pub metrics: MetricsArgs,
}

/// `implementer=claude` → (Role::Implementer, "claude").
fn role_profile(s: &str) -> Result<(Role, String), String> {
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
    let Some((role, name)) = s.split_once('=') else {
        return Err(format!(
            "`{s}` is not ROLE=NAME (roles: {})",
            roles.join(", ")
        ));
    };
    let role = Role::ALL
        .into_iter()
        .find(|r| r.name() == role.trim())
        .ok_or_else(|| format!("`{role}` is not a role ({})", roles.join(", ")))?;
    if name.trim().is_empty() {
        return Err(format!("`{s}` names no provider profile after `=`"));
    }
    Ok((role, name.trim().to_string()))
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Run id or a unique prefix of it
    pub run: String,
    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the run's model turns as a cassette for the scripted provider (offline re-run)
    #[arg(long)]
    pub cassette: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A file written by `conclave export`
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// No TUI: print one JSON event per line on stdout
    #[arg(long)]
    pub headless: bool,
    /// Where to create the sample repository [default: a new dir in the data dir]
    #[arg(long, value_name = "D")]
    pub dir: Option<PathBuf>,
    /// How fast the recorded agents type: 1 is about a real model's pace, 2 twice that,
    /// 0.5 half [default: 1 on the screen; --headless plays as fast as it can]
    #[arg(long, value_name = "X")]
    pub speed: Option<f64>,
    #[command(flatten)]
    pub metrics: MetricsArgs,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Also send one tiny request to every configured provider profile
    #[arg(long)]
    pub ping: bool,
    /// Salvage every damaged run: the events before the damage go into a fresh log, the
    /// damaged files are kept aside
    #[arg(long)]
    pub repair: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub action: Option<RulesAction>,
    /// Every repository's rules, not only this one's
    #[arg(long, global = true)]
    pub all: bool,
    /// Print JSON instead of a table
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// List the rules (the default)
    List,
    /// Remove a rule by its id (as `conclave rules` shows it)
    Rm {
        /// The rule's id, like r3
        id: String,
    },
}
