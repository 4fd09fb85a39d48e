//! The OS sandbox every command runs in (design §6, §13): what a command may read, write and
//! reach, and the environment it starts with.
//!
//! Owns the policy (`Sandbox`, from `[sandbox]`), what one command gets (`Prepared`: its
//! scratch dir, its allow-listed environment, its landlock ruleset and network namespace,
//! the sweep of what it left running); `worktree_git.rs` finds the worktree's git dirs and
//! puts its guarded metadata back. Must not decide whether a command may run (the policy
//! does) nor start it (`local.rs` does).
//!
//! On Linux a command is confined by:
//! - landlock (filesystem): write access only to the task's worktree (the spec's `cwd`), that
//!   worktree's own git dir (`<repo>/.git/worktrees/<name>`, so `git status` can update the
//!   index while the shared refs in `<repo>/.git/refs` stay read-only), a per-command scratch
//!   dir (HOME and TMPDIR), a few device files and `sandbox.write`; read and execute access
//!   to the system directories, the `PATH` directories, the repository's git dir and
//!   `sandbox.read`. The user's home is not readable (only the toolchain homes named in
//!   `sandbox.read`), so `~/.ssh` or `~/.aws` are out of reach. Landlock also scopes signals
//!   and abstract unix sockets to the sandbox (ABI 6+).
//! - no capabilities: run by root, the command's bounding, ambient and other capability sets
//!   are emptied (landlock limits paths, not what CAP_SYS_MODULE or CAP_SYS_BOOT can do), and
//!   no rule lets it make a device node.
//! - a new network namespace (`unshare(CLONE_NEWNET)`, with `CLONE_NEWUSER` when not root)
//!   unless the command has a network grant: only its own loopback exists there, so nothing
//!   outside is reachable over any protocol (TCP, UDP, DNS, the host's abstract sockets),
//!   while a test suite's own localhost servers still work. Landlock's TCP rules are the
//!   fallback where namespaces cannot be made: they stop TCP only (UDP stays open), which
//!   `conclave doctor` reports as partial. Both together are not used because landlock's TCP
//!   rules would also stop the namespace's own loopback.
//!
//! Every command's environment carries a fresh `CONCLAVE_COMMAND` id; when it ends, every
//! process still carrying it (one that left the process group with `setsid`) is killed, so
//! nothing a command started outlives it or keeps its output pipe open.
//!
//! The engine is multi-threaded, so what runs in the child between fork and exec must be
//! async-signal-safe: everything is built in the parent (the landlock ruleset as an fd, the
//! uid/gid map lines, the C strings of their paths) and the child only makes raw syscalls
//! (`unshare`, `open`/`write`/`close`, `socket`/`ioctl`, `prctl`, `landlock_restrict_self`)
//! with no allocation and no lock. The ruleset fd is close-on-exec: the child's program never
//! sees it.

use super::CommandSpec;
use crate::config::{SandboxConfig, SandboxMode};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

#[cfg(target_os = "linux")]
#[path = "sandbox_linux.rs"]
mod os;
#[path = "worktree_git.rs"]
mod worktree_git;

use worktree_git::{AdminSnapshot, WorktreeGit};

/// Set in every command's environment to a fresh id, so what it left running can be found.
pub const MARKER_VAR: &str = "CONCLAVE_COMMAND";

/// Variables a command always gets from conclave's environment when they are set.
pub const BASE_ENV: &[&str] = &[
    "PATH", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "USER", "LOGNAME", "TZ",
];

/// Toolchains that find their install through HOME: with HOME at the scratch dir, each is
/// told where its home is (the variable conclave has, or `~/<dir>` when that exists).
const TOOL_HOMES: &[(&str, &str)] = &[
    ("CARGO_HOME", ".cargo"),
    ("RUSTUP_HOME", ".rustup"),
    ("PYENV_ROOT", ".pyenv"),
    ("NVM_DIR", ".nvm"),
    ("GOPATH", "go"),
];

/// System directories commands may read and execute.
const SYSTEM_READ: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/nix",
    "/snap", "/var", "/run", "/proc", "/sys", "/dev/fd",
];

/// Device files commands may read and write.
const DEVICES: &[&str] = &[
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
    "/dev/ptmx",
    "/dev/pts",
    "/dev/shm",
];

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "commands cannot be confined on this system: {0}. conclave does not run them \
         unconfined on its own: use a Linux kernel with landlock (5.13+, `lsm=...,landlock`), \
         or set `mode = \"off\"` under [sandbox] in your config.toml to run commands without \
         the sandbox"
    )]
    Unavailable(String),
    #[error(
        "the command has no network grant, but this system can take the network from it \
         neither with a network namespace ({0}) nor with landlock's TCP rules (landlock ABI \
         4+ needed). Set `network = true` under [sandbox] to let every command reach the \
         network, or `mode = \"off\"` to run commands unconfined"
    )]
    NoNetworkIsolation(String),
    #[error("could not set up the sandbox for the command: {0}")]
    Setup(String),
}

/// What this system can do, found once per process.
#[derive(Clone, Debug)]
pub struct Support {
    /// The kernel's landlock ABI; 0 when landlock is missing or disabled.
    pub landlock_abi: i32,
    /// How a command is put in its own network namespace, or why it cannot be.
    pub netns: Result<NetNs, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetNs {
    /// `unshare(CLONE_NEWNET)` (conclave runs as root).
    Plain,
    /// `unshare(CLONE_NEWUSER | CLONE_NEWNET)` with the user's own uid mapped.
    User,
}

impl Support {
    /// One line for `conclave doctor`.
    pub fn describe(&self) -> String {
        let ll = if self.landlock_abi > 0 {
            format!("landlock ABI {}", self.landlock_abi)
        } else {
            "no landlock".to_string()
        };
        let net = match &self.netns {
            Ok(NetNs::Plain) => "network namespaces".to_string(),
            Ok(NetNs::User) => "user + network namespaces".to_string(),
            Err(e) if self.landlock_abi >= 4 => {
                format!("no network namespace ({e}): TCP blocked by landlock, UDP not")
            }
            Err(e) => format!("no network isolation ({e})"),
        };
        format!("{ll}, {net}")
    }
}

/// What this system supports (probed on first use).
pub fn support() -> &'static Support {
    static SUPPORT: std::sync::OnceLock<Support> = std::sync::OnceLock::new();
    SUPPORT.get_or_init(probe)
}

#[cfg(target_os = "linux")]
fn probe() -> Support {
    Support {
        landlock_abi: os::landlock_abi(),
        netns: os::probe_netns(),
    }
}

#[cfg(not(target_os = "linux"))]
fn probe() -> Support {
    Support {
        landlock_abi: 0,
        netns: Err("not Linux".into()),
    }
}

/// The sandbox policy of a run: built from `[sandbox]` and the names of secret variables.
#[derive(Clone, Debug)]
pub struct Sandbox {
    pub mode: SandboxMode,
    pub read: Vec<PathBuf>,
    pub write: Vec<PathBuf>,
    /// Extra variable names passed through.
    pub env: Vec<String>,
    /// Every command gets the network.
    pub network: bool,
    /// Names that never pass, even when `env` names them.
    pub withhold: Vec<String>,
}

impl Default for Sandbox {
    /// The shipped policy, enforcing.
    fn default() -> Self {
        Sandbox::from_config(&SandboxConfig::default(), &[])
    }
}

impl Sandbox {
    pub fn from_config(c: &SandboxConfig, secret_vars: &[String]) -> Sandbox {
        let paths = |v: &[String]| v.iter().filter_map(|p| SandboxConfig::expand(p)).collect();
        Sandbox {
            mode: c.mode,
            read: paths(&c.read),
            write: paths(&c.write),
            env: c.env.clone(),
            network: c.network,
            withhold: secret_vars.to_vec(),
        }
    }

    /// A policy that runs commands unconfined (the environment is still an allow-list).
    pub fn off() -> Sandbox {
        Sandbox {
            mode: SandboxMode::Off,
            ..Sandbox::default()
        }
    }

    /// Whether commands can run under this policy here; the error says what to change.
    pub fn check(&self) -> Result<(), SandboxError> {
        if self.mode == SandboxMode::Off {
            return Ok(());
        }
        let s = support();
        if s.landlock_abi <= 0 {
            return Err(SandboxError::Unavailable(
                "the kernel has no landlock (or it is disabled)".into(),
            ));
        }
        if !self.network && s.landlock_abi < 4 {
            if let Err(e) = &s.netns {
                return Err(SandboxError::NoNetworkIsolation(e.clone()));
            }
        }
        Ok(())
    }

    /// What a run must say once: commands unconfined, or network isolation only partial.
    pub fn weaker_than_asked(&self) -> Option<String> {
        match self.mode {
            SandboxMode::Off => Some(
                "the sandbox is off ([sandbox] mode = \"off\"): commands run unconfined, with \
                 this user's access to every file and the network"
                    .into(),
            ),
            SandboxMode::Enforce if !self.network => support().netns.as_ref().err().map(|e| {
                format!(
                    "no network namespace for commands ({e}): landlock stops their TCP \
                     connections, not UDP"
                )
            }),
            SandboxMode::Enforce => None,
        }
    }

    /// One line for a person: what commands run under.
    pub fn describe(&self) -> String {
        match self.mode {
            SandboxMode::Off => "off: commands run unconfined ([sandbox] mode = \"off\")".into(),
            SandboxMode::Enforce => match self.check() {
                Ok(()) => format!(
                    "enforce ({}); network {}",
                    support().describe(),
                    if self.network {
                        "granted to every command"
                    } else {
                        "only when granted"
                    }
                ),
                Err(e) => format!("enforce, but {e}"),
            },
        }
    }

    /// Says once per process, in the log, that commands run unconfined.
    fn warn_off_once(&self) {
        static SAID: AtomicBool = AtomicBool::new(false);
        if !SAID.swap(true, Ordering::SeqCst) {
            tracing::warn!("sandbox.mode is \"off\": commands run unconfined");
        }
    }

    /// The environment a command starts with: the base names, the configured ones, HOME and
    /// TMPDIR at the scratch dir; never a secret.
    pub fn environment(&self, scratch: &Path) -> Vec<(String, OsString)> {
        let mut out: Vec<(String, OsString)> = Vec::new();
        let names = BASE_ENV
            .iter()
            .map(|s| s.to_string())
            .chain(self.env.iter().cloned());
        for name in names {
            if self.withhold.contains(&name)
                || crate::secrets::looks_secret(&name)
                || out.iter().any(|(n, _)| *n == name)
                || matches!(name.as_str(), "HOME" | "TMPDIR" | "TMP" | "TEMP")
            {
                continue;
            }
            if let Some(v) = std::env::var_os(&name) {
                out.push((name, v));
            }
        }
        let real_home = std::env::var_os("HOME").map(PathBuf::from);
        for (var, dir) in TOOL_HOMES {
            let value = std::env::var_os(var).or_else(|| {
                let d = real_home.as_ref()?.join(dir);
                d.is_dir().then(|| d.into_os_string())
            });
            if let Some(v) = value {
                out.retain(|(n, _)| n != var);
                out.push((var.to_string(), v));
            }
        }
        let tmp = scratch.join("tmp");
        out.push(("HOME".into(), scratch.as_os_str().to_owned()));
        for n in ["TMPDIR", "TMP", "TEMP"] {
            out.push((n.into(), tmp.as_os_str().to_owned()));
        }
        out
    }

    /// Everything one command needs before it starts.
    pub(super) fn prepare(&self, spec: &CommandSpec) -> Result<Prepared, SandboxError> {
        let scratch = tempfile::Builder::new()
            .prefix("conclave-cmd-")
            .tempdir()
            .map_err(|e| SandboxError::Setup(format!("cannot make a scratch dir: {e}")))?;
        std::fs::create_dir_all(scratch.path().join("tmp"))
            .map_err(|e| SandboxError::Setup(format!("cannot make a scratch dir: {e}")))?;
        let mut env = self.environment(scratch.path());
        env.retain(|(n, _)| !spec.env_remove.contains(n));
        let marker = ulid::Ulid::new().to_string();
        env.push((MARKER_VAR.into(), OsString::from(&marker)));
        let git = WorktreeGit::find(&spec.cwd);
        let admin = git.as_ref().map(AdminSnapshot::take);
        let confine = match self.mode {
            SandboxMode::Off => {
                self.warn_off_once();
                None
            }
            SandboxMode::Enforce => {
                self.check()?;
                let network = spec.network || self.network;
                Some(self.confinement(spec, scratch.path(), git.as_ref(), network, &env)?)
            }
        };
        Ok(Prepared {
            marker,
            _scratch: scratch,
            env,
            confine,
            admin,
        })
    }

    #[cfg(target_os = "linux")]
    fn confinement(
        &self,
        spec: &CommandSpec,
        scratch: &Path,
        git: Option<&WorktreeGit>,
        network: bool,
        env: &[(String, OsString)],
    ) -> Result<os::Confinement, SandboxError> {
        let mut write: Vec<PathBuf> = vec![spec.cwd.clone(), scratch.to_path_buf()];
        let mut read: Vec<PathBuf> = SYSTEM_READ.iter().map(PathBuf::from).collect();
        if let Some(g) = git {
            write.push(g.admin.clone());
            read.push(g.common.clone());
        }
        write.extend(self.write.iter().cloned());
        read.extend(self.read.iter().cloned());
        if let Some(path) = std::env::var_os("PATH") {
            let dirs: Vec<PathBuf> = std::env::split_paths(&path)
                .filter(|p| p.is_absolute())
                .collect();
            read.extend(dirs.iter().filter_map(|d| toolchain_root(d)));
            read.extend(dirs);
        }
        // The toolchain homes the command is told about (a pyenv shim on PATH runs
        // `$PYENV_ROOT/libexec/pyenv`).
        read.extend(
            env.iter()
                .filter(|(n, _)| TOOL_HOMES.iter().any(|(t, _)| t == n))
                .map(|(_, v)| PathBuf::from(v))
                .filter(|p| p.is_absolute()),
        );
        let devices: Vec<PathBuf> = DEVICES.iter().map(PathBuf::from).collect();
        let netns = if network {
            None
        } else {
            support().netns.clone().ok()
        };
        os::Confinement::build(&read, &write, &devices, netns, network)
    }

    #[cfg(not(target_os = "linux"))]
    fn confinement(
        &self,
        _spec: &CommandSpec,
        _scratch: &Path,
        _git: Option<&WorktreeGit>,
        _network: bool,
        _env: &[(String, OsString)],
    ) -> Result<os::Confinement, SandboxError> {
        Err(SandboxError::Unavailable("landlock is Linux only".into()))
    }
}

/// The install a PATH entry belongs to, when it is a toolchain's own dot-dir
/// (`~/.pyenv/shims` → `~/.pyenv`, `~/.cargo/bin` → `~/.cargo`): a shim runs code from there.
/// Never a home itself (`~/bin`) and never `~/.local` (it holds other programs' data).
fn toolchain_root(dir: &Path) -> Option<PathBuf> {
    let leaf = dir.file_name()?.to_str()?;
    if !matches!(leaf, "bin" | "shims") {
        return None;
    }
    let root = dir.parent()?;
    let name = root.file_name()?.to_str()?;
    (name.starts_with('.') && name != ".local").then(|| root.to_path_buf())
}

#[cfg(not(target_os = "linux"))]
mod os {
    /// Nothing confines a command off Linux; `Sandbox::check` refuses before this is needed.
    pub struct Confinement;
    impl Confinement {
        pub fn child_setup(&self) -> impl FnMut() -> std::io::Result<()> + Send + Sync + 'static {
            || Ok(())
        }
    }
}

pub(super) use os::Confinement;

/// One command's sandbox, alive from before its start to after its end.
pub(super) struct Prepared {
    /// The value of `CONCLAVE_COMMAND` in the command's environment: what its processes are
    /// found by once it ended.
    marker: String,
    /// Held for its drop: deleted, with what the command left there, once the command ended.
    pub _scratch: tempfile::TempDir,
    pub env: Vec<(String, OsString)>,
    /// None when the sandbox is off.
    pub confine: Option<Confinement>,
    admin: Option<AdminSnapshot>,
}

impl Prepared {
    /// Kills what the command left running outside its process group (`setsid`, a daemon):
    /// every process whose environment carries this command's marker. Best effort: a process
    /// that rewrote its own environment is not found.
    pub fn sweep(&self) {
        let needle = format!("{MARKER_VAR}={}\0", self.marker).into_bytes();
        // A process may fork while it is being swept: a few rounds until none is left.
        for _ in 0..5 {
            let Ok(procs) = std::fs::read_dir("/proc") else {
                return;
            };
            let mut killed = 0;
            for entry in procs.flatten() {
                let Some(pid) = entry
                    .file_name()
                    .to_str()
                    .and_then(|n| n.parse::<i32>().ok())
                else {
                    continue;
                };
                let Ok(env) = std::fs::read(entry.path().join("environ")) else {
                    continue;
                };
                if env.windows(needle.len()).any(|w| w == needle.as_slice()) {
                    // SAFETY: kill only sends a signal; a pid gone since is ESRCH.
                    unsafe {
                        libc::kill(pid, libc::SIGKILL);
                    }
                    killed += 1;
                }
            }
            if killed == 0 {
                return;
            }
        }
    }

    /// Puts back guarded git metadata the command changed; a note per file for the output.
    pub fn restore_admin(&self) -> Vec<String> {
        self.admin.as_ref().map(|a| a.restore()).unwrap_or_default()
    }
}

#[cfg(test)]
#[path = "sandbox_tests.rs"]
mod tests;
