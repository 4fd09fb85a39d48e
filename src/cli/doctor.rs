//! `conclave doctor`: checks config, keys (present or not, never their values), the command
//! sandbox (landlock ABI, namespaces, mode), git, the store and the terminal, one line each;
//! exit 1 when something needs fixing.

use super::args::DoctorArgs;
use super::{Context, Outcome};
use std::io::IsTerminal;

pub(super) struct Report {
    problems: u32,
}

impl Report {
    pub(super) fn ok(&self, what: &str, detail: impl AsRef<str>) {
        println!("  ok    {what:<10} {}", detail.as_ref());
    }

    pub(super) fn warn(&self, what: &str, detail: impl AsRef<str>) {
        println!("  note  {what:<10} {}", detail.as_ref());
    }

    pub(super) fn bad(&mut self, what: &str, detail: impl AsRef<str>) {
        self.problems += 1;
        println!("  FAIL  {what:<10} {}", detail.as_ref());
    }
}

pub fn run(ctx: &Context, a: &DoctorArgs) -> Outcome {
    let mut r = Report { problems: 0 };
    println!("conclave {} doctor", env!("CARGO_PKG_VERSION"));
    let config = match ctx.load_config() {
        Ok(l) => {
            let files: Vec<String> = l.files.iter().map(|f| f.display().to_string()).collect();
            r.ok(
                "config",
                if files.is_empty() {
                    "built-in defaults only".to_string()
                } else {
                    files.join(", ")
                },
            );
            keys(&mut r, &l.config);
            sandbox(&mut r, &l.config);
            super::doctor_screen::check(&mut r, ctx, &l.config);
            let prices = l.config.price_table();
            r.ok(
                "prices",
                format!(
                    "{} models, table dated {} (override in [pricing])",
                    prices.models.len(),
                    prices.date
                ),
            );
            Some(l.config)
        }
        Err(e) => {
            r.bad("config", e.message);
            None
        }
    };
    git(&mut r, ctx);
    match ctx.open_store() {
        Ok(s) => super::doctor_store::check(&mut r, &s, a.repair),
        Err(e) => r.bad("store", e.message),
    }
    terminal(&r);
    if a.ping {
        match &config {
            Some(c) => {
                ping_all(&mut r, c);
                mcp_all(&mut r, c, &ctx.repo_dir());
            }
            None => r.bad("ping", "not sent: fix the config first"),
        }
    }
    if r.problems == 0 {
        println!("all good");
        Ok(0)
    } else {
        println!(
            "{}",
            crate::util::words::count(r.problems as u64, "problem")
        );
        Ok(1)
    }
}

fn keys(r: &mut Report, c: &crate::config::Config) {
    let used: std::collections::BTreeSet<&str> = c
        .agents
        .iter()
        .flat_map(|a| {
            std::iter::once(a.provider.as_str()).chain(a.fallback.iter().map(String::as_str))
        })
        .collect();
    for (name, p) in &c.providers {
        let Some(var) = p.api_key_env.as_deref() else {
            r.ok("key", format!("{name} ({}) needs no key", p.kind.as_str()));
            continue;
        };
        let set = std::env::var(var)
            .map(|v| !v.trim().is_empty())
            .unwrap_or(false);
        let line = format!(
            "{name} ({}, {}): ${var} {}",
            p.kind.as_str(),
            p.model,
            if set { "is set" } else { "is not set" }
        );
        match (set, used.contains(name.as_str()) && p.kind.key_required()) {
            (true, _) => r.ok("key", line),
            (false, true) => r.bad(
                "key",
                format!("{line}; export it, or point the agents at another profile"),
            ),
            (false, false) => r.warn("key", format!("{line} (no agent uses this profile)")),
        }
    }
}

/// What commands will run under: the mode, what this kernel offers, whether it is enough.
fn sandbox(r: &mut Report, c: &crate::config::Config) {
    use crate::config::SandboxMode;
    let sb = crate::runner::Sandbox::from_config(&c.sandbox, &c.secret_vars());
    let found = crate::runner::sandbox::support().describe();
    match (sb.mode, sb.check()) {
        (SandboxMode::Off, _) => r.warn(
            "sandbox",
            format!(
                "mode \"off\": commands run unconfined ({found} available; set [sandbox] \
                 mode = \"enforce\" to use it)"
            ),
        ),
        (SandboxMode::Enforce, Ok(())) => r.ok("sandbox", sb.describe()),
        (SandboxMode::Enforce, Err(e)) => r.bad("sandbox", format!("{found}: {e}")),
    }
}

fn git(r: &mut Report, ctx: &Context) {
    let (major, minor, rev) = git2::Version::get().libgit2_version();
    let dir = ctx.repo_dir();
    match git2::Repository::discover(&dir) {
        Ok(repo) => {
            let head = repo
                .head()
                .ok()
                .and_then(|h| h.shorthand().map(String::from))
                .unwrap_or_else(|| "(no commits)".into());
            let dirty = repo
                .statuses(None)
                .map(|s| s.iter().any(|e| e.status() != git2::Status::IGNORED))
                .unwrap_or(false);
            let root = repo.workdir().unwrap_or(repo.path()).display().to_string();
            r.ok(
                "git",
                format!(
                    "libgit2 {major}.{minor}.{rev}; repo {root} on {head}{}",
                    if dirty { " (uncommitted changes)" } else { "" }
                ),
            );
        }
        Err(_) => r.warn(
            "git",
            format!(
                "libgit2 {major}.{minor}.{rev}; {} is not inside a git repository (runs need one)",
                dir.display()
            ),
        ),
    }
}

fn terminal(r: &Report) {
    if !std::io::stdout().is_terminal() {
        r.warn(
            "terminal",
            "stdout is not a terminal (fine for --headless; the TUI needs one)",
        );
        return;
    }
    let term = std::env::var("TERM").unwrap_or_else(|_| "(unset)".into());
    match crossterm::terminal::size() {
        Ok((w, h)) if w >= 80 && h >= 24 => r.ok("terminal", format!("{w}x{h}, TERM={term}")),
        Ok((w, h)) => r.warn(
            "terminal",
            format!("{w}x{h} is below 80x24; the TUI will ask for more room"),
        ),
        Err(e) => r.warn("terminal", format!("size unknown ({e})")),
    }
}

/// One tiny request to every profile, all at once; each answers with its own line.
/// Starts each `[[mcp]]` server as a session would (in the repo, with a command's
/// environment), lists its tools, and stops it.
fn mcp_all(r: &mut Report, c: &crate::config::Config, repo: &std::path::Path) {
    if c.mcp.is_empty() {
        return;
    }
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        r.bad("mcp", "could not start the async runtime");
        return;
    };
    let withhold = c.secret_vars();
    for server in &c.mcp {
        let Some(role) = server.roles.first().copied() else {
            continue;
        };
        let (session, notes) = rt.block_on(crate::mcp::McpSession::start(
            std::slice::from_ref(server),
            role,
            repo,
            &withhold,
        ));
        let tools: Vec<String> = session.tools().map(|t| t.name.clone()).collect();
        drop(session);
        if tools.is_empty() {
            let why = if notes.is_empty() {
                "it offers no tools".to_string()
            } else {
                notes.join("; ")
            };
            r.bad("mcp", format!("{}: {why}", server.name));
        } else {
            let extra = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join("; "))
            };
            r.ok(
                "mcp",
                format!(
                    "{}: {}: {}{extra}",
                    server.name,
                    crate::util::words::count(tools.len() as u64, "tool"),
                    tools.join(", ")
                ),
            );
        }
    }
}

fn ping_all(r: &mut Report, c: &crate::config::Config) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        r.bad("ping", "could not start the async runtime");
        return;
    };
    let policy = crate::providers::RetryPolicy::default();
    let reports = rt.block_on(futures::future::join_all(c.providers.iter().map(
        |(name, p)| {
            let settings = p.settings(name);
            let policy = policy.clone();
            async move { crate::providers::ping(&settings, &policy).await }
        },
    )));
    // Profiles no agent uses are checked too, but cannot fail a run: a note, not a FAIL.
    let used: std::collections::BTreeSet<String> = c
        .agents
        .iter()
        .flat_map(|a| std::iter::once(a.provider.clone()).chain(a.fallback.iter().cloned()))
        .collect();
    for p in reports {
        let final_error = p.error.clone().unwrap_or_default();
        let mut others: Vec<&String> = p
            .attempt_errors
            .iter()
            .filter(|e| **e != final_error)
            .collect();
        others.dedup();
        let retried = match (p.attempt_errors.len(), others.is_empty()) {
            (0, _) | (1, true) => String::new(),
            (n, true) if !p.reachable => format!(" (tried {n} times)"),
            (n, _) => format!(
                " after {}: {}",
                crate::util::words::count(n as u64, "failed attempt"),
                others
                    .iter()
                    .map(|e| e.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        };
        let who = format!("{} ({}, {})", p.profile, p.kind, p.model);
        if p.reachable {
            let tokens = match (p.input_tokens, p.output_tokens) {
                (Some(i), Some(o)) => format!("{i} in / {o} out"),
                _ => "usage not reported".into(),
            };
            r.ok(
                "ping",
                format!("{who}: {} ms, {tokens}{retried}", p.latency_ms),
            );
        } else {
            let why = p.advice.clone().unwrap_or(final_error);
            if used.contains(&p.profile) {
                r.bad("ping", format!("{who}: {why}{retried}"));
            } else {
                r.warn(
                    "ping",
                    format!("{who}: {why}{retried} — no agent uses this profile"),
                );
            }
        }
    }
}
