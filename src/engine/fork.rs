//! Forking a run: a new run whose log begins as a copy of another run's, up to one of its
//! events, and then goes on live ("what would have happened if…", issue #8).
//!
//! Owns the copy (every event rewritten to the new run's id with its seq and time kept; the
//! parent's `RunFinished` and anything after it never copied), what a fork may change (its
//! level, the provider profile of one role's agents), and putting the fork's git branches
//! where the parent's stood at that event. Going on live is resume's code (`continue_live`):
//! sessions cut by the fork point are played again, decisions made after it are asked again.
//! Must not touch the parent: its log, index entry and branches are only read.

use super::sessions::BranchTips;
use super::{continue_live, EngineError, RunHandle, RunOptions};
use crate::config::Config;
use crate::git::RunRepo;
use crate::model::{
    apply, AutonomyLevel, DecidedBy, Event, EventKind, ForkOrigin, Role, RunId, RunState,
};
use crate::store::{RunWriter, Store};
use git2::Oid;
use std::path::Path;
use tokio::sync::mpsc::UnboundedSender;

/// What the fork does differently from its parent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ForkChanges {
    /// Run at this level from the fork point on.
    pub level: Option<AutonomyLevel>,
    /// Give every agent of the role this provider profile (a name in the run's config).
    pub profiles: Vec<(Role, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ForkError {
    #[error("run {run} has no event {at}; its log holds events 0 to {last}")]
    NoSuchEvent { run: RunId, at: u64, last: u64 },
    #[error("run {0} has no events; there is nothing to fork")]
    Empty(RunId),
    #[error("run {0} does not begin with RunStarted; it cannot be forked")]
    NotStarted(RunId),
    #[error("profile `{profile}` for the {role} agents: no such provider profile in the run's config (profiles: {known})")]
    UnknownProfile {
        role: &'static str,
        profile: String,
        known: String,
    },
    #[error("profile `{profile}` for the {role} agents: the run has no {role} agent")]
    NoAgentWithRole { role: &'static str, profile: String },
    #[error("{what} cannot be put back where it stood at event {at} ({why}); fork at an event before the task's first diff or after it merged")]
    LostBranch { what: String, at: u64, why: String },
}

/// Starts a new run from `parent`'s events `0..=at_seq` (cut before its `RunFinished`) with
/// `changes`, and drives it on like `resume`. `opts.watcher`, if any, gets every event of the
/// fork from its first, the copied ones included; the fork's `RunStarted` says where it came
/// from (`parent`: the run and the last event copied).
///
/// Call it inside a tokio runtime (the run's tasks are spawned on it). It reads the parent's
/// log up to `at_seq` twice and copies it, which blocks for a while on a long run: from a
/// screen, call it off the render path (`spawn_blocking`). Errors before the copy leave
/// nothing behind; a `ForkError` is the caller's bad input (unknown event, profile or role;
/// a change that cannot be restored).
pub fn fork(
    store: &Store,
    parent: RunId,
    at_seq: u64,
    changes: ForkChanges,
    mut opts: RunOptions,
) -> Result<RunHandle, EngineError> {
    let seen = scan(store, parent, at_seq)?;
    let mut config = match super::recorded_config(store, parent)? {
        Some(c) => super::with_local_mcp(c, &opts.config),
        None => opts.config.clone(),
    };
    let changed_config = !changes.profiles.is_empty() || changes.level.is_some();
    for (role, profile) in &changes.profiles {
        use_profile(&mut config, *role, profile)?;
    }
    if let Some(l) = changes.level {
        config.run.level = l;
    }
    super::keys_set(&config)?;
    let run = RunId::new_at(crate::util::now_ms());
    let origin = ForkOrigin {
        run: parent,
        seq: seen.last_seq,
    };
    let rr = place_branches(&seen, run, &opts.data_dir)?;
    let copied = copy(store, &seen, run, opts.watcher.as_ref(), |first| {
        rewrite_start(first, &origin, &changes, changed_config.then_some(&config))
    });
    let mut writer = match copied {
        Ok(w) => w,
        Err(e) => {
            let _ = store.delete_run(run);
            let _ = rr.delete_branches();
            return Err(e);
        }
    };
    // A level change in the copied part would otherwise win over the one asked for.
    if let (Some(to), Some(from)) = (changes.level, seen.changed_level) {
        if from != to {
            let e = writer.append(
                crate::util::now_ms(),
                EventKind::LevelChanged {
                    from,
                    to,
                    by: DecidedBy::Person,
                },
            )?;
            if let Some(w) = &opts.watcher {
                let _ = w.send(e);
            }
        }
    }
    opts.config = config;
    continue_live(store, writer, opts)
}

/// What the first pass over the parent's prefix found.
struct Seen {
    parent: RunId,
    /// The last event the fork copies.
    last_seq: u64,
    state: RunState,
    tips: BranchTips,
    /// The level the copied part ends at, when a `LevelChanged` in it set one.
    changed_level: Option<AutonomyLevel>,
}

/// Reads the parent's events up to the fork point once: where its state and branches stood.
fn scan(store: &Store, parent: RunId, at_seq: u64) -> Result<Seen, EngineError> {
    let count = store.event_count(parent)?;
    if count == 0 {
        return Err(ForkError::Empty(parent).into());
    }
    if at_seq >= count {
        return Err(ForkError::NoSuchEvent {
            run: parent,
            at: at_seq,
            last: count - 1,
        }
        .into());
    }
    let mut seen = Seen {
        parent,
        last_seq: 0,
        state: RunState::default(),
        tips: BranchTips::default(),
        changed_level: None,
    };
    for e in store.events(parent, 0, Some(at_seq + 1))? {
        let e = e?;
        match &e.kind {
            EventKind::RunStarted { .. } => {}
            _ if e.seq == 0 => return Err(ForkError::NotStarted(parent).into()),
            EventKind::RunFinished { .. } => break,
            EventKind::LevelChanged { to, .. } => seen.changed_level = Some(*to),
            _ => {}
        }
        seen.last_seq = e.seq;
        seen.tips.see(&e);
        apply(&mut seen.state, &e);
    }
    Ok(seen)
}

/// Gives every agent of `role` the provider profile `profile`.
fn use_profile(config: &mut Config, role: Role, profile: &str) -> Result<(), ForkError> {
    if !config.providers.contains_key(profile) {
        let known: Vec<&str> = config.providers.keys().map(String::as_str).collect();
        return Err(ForkError::UnknownProfile {
            role: role.name(),
            profile: profile.to_string(),
            known: known.join(", "),
        });
    }
    let mut found = false;
    for a in config.agents.iter_mut().filter(|a| a.role == role) {
        a.provider = profile.to_string();
        a.fallback.retain(|f| f != profile);
        found = true;
    }
    if !found {
        return Err(ForkError::NoAgentWithRole {
            role: role.name(),
            profile: profile.to_string(),
        });
    }
    Ok(())
}

/// The fork's `RunStarted`: the parent's, with where it came from and what changed.
fn rewrite_start(
    kind: EventKind,
    origin: &ForkOrigin,
    changes: &ForkChanges,
    changed: Option<&Config>,
) -> EventKind {
    let EventKind::RunStarted {
        repo,
        base_commit,
        branch,
        goal,
        level,
        mut agents,
        config,
        ..
    } = kind
    else {
        return kind;
    };
    for a in agents.iter_mut() {
        if let Some((_, p)) = changes.profiles.iter().find(|(r, _)| *r == a.role) {
            a.provider = p.clone();
            a.model = changed
                .and_then(|c| c.providers.get(p))
                .map(|p| p.model.clone())
                .unwrap_or_default();
        }
    }
    EventKind::RunStarted {
        repo,
        base_commit,
        branch,
        goal,
        level: changes.level.unwrap_or(level),
        agents,
        parent: Some(origin.clone()),
        config: match changed {
            Some(c) => serde_json::to_value(c).ok(),
            None => config,
        },
    }
}

/// Events written to the fork's log per batch.
const COPY_BATCH: usize = 1024;

/// Copies the parent's prefix into the fork's log, which is listed only once all of it is on
/// disk. Every copied event also goes to the watcher, so it sees the fork from its first.
fn copy(
    store: &Store,
    seen: &Seen,
    run: RunId,
    watcher: Option<&UnboundedSender<Event>>,
    mut first: impl FnMut(EventKind) -> EventKind,
) -> Result<RunWriter, EngineError> {
    let mut w = store.create_unlisted_run(run)?;
    let write = |w: &mut RunWriter, batch: Vec<Event>| -> Result<(), EngineError> {
        for e in w.append_events(batch)? {
            if let Some(tx) = watcher {
                let _ = tx.send(e);
            }
        }
        Ok(())
    };
    let mut batch = Vec::with_capacity(COPY_BATCH);
    for e in store.events(seen.parent, 0, Some(seen.last_seq + 1))? {
        let mut e = e?;
        e.run = run;
        if e.seq == 0 {
            e.kind = first(e.kind);
        }
        batch.push(e);
        if batch.len() == COPY_BATCH {
            write(&mut w, std::mem::take(&mut batch))?;
        }
    }
    write(&mut w, batch)?;
    w.publish()?;
    Ok(w)
}

/// The fork's branches where the parent's stood at the fork point: the integration branch at
/// its last merge (else the base), each task with a proposed change at the commit it left.
fn place_branches(seen: &Seen, run: RunId, data_dir: &Path) -> Result<RunRepo, EngineError> {
    let s = &seen.state;
    let rr = RunRepo::reopen(
        Path::new(&s.repo),
        &run.to_string(),
        &s.base_commit,
        &s.branch,
        data_dir,
    )?;
    let placed = branch_points(seen, &rr)
        .and_then(|(integration, tasks)| Ok(rr.place_branches(integration, &tasks)?));
    if let Err(e) = placed {
        let _ = rr.delete_branches();
        return Err(e);
    }
    Ok(rr)
}

/// Where the fork's integration and task branches go; an error when a task's change at the
/// fork point cannot be restored.
fn branch_points(seen: &Seen, rr: &RunRepo) -> Result<(Oid, Vec<(String, Oid)>), EngineError> {
    let s = &seen.state;
    let lost = |what: String, why: String| ForkError::LostBranch {
        what,
        at: seen.last_seq,
        why,
    };
    let oid = |what: String, c: &str| {
        Oid::from_str(c)
            .ok()
            .filter(|o| rr.has_commit(*o))
            .ok_or_else(|| lost(what, format!("commit {c} is not in {}", s.repo)))
    };
    let branch_of = |task: &str| format!("task {task}'s branch");
    let integration = match &seen.tips.integration {
        Some(c) => oid("the integration branch".into(), c)?,
        None => rr.base_commit,
    };
    let mut tasks = Vec::new();
    for t in &s.tasks {
        match seen.tips.tasks.get(&t.id) {
            // A task that ended no longer needs its branch; restore it when possible anyway.
            Some(c) if t.status.is_terminal() => {
                if let Ok(o) = oid(branch_of(&t.id), c) {
                    tasks.push((t.id.clone(), o));
                }
            }
            Some(c) => tasks.push((t.id.clone(), oid(branch_of(&t.id), c)?)),
            // Without a proposed change the task starts from the integration branch, as new.
            None if t.diffs.is_empty() || t.status.is_terminal() => {}
            None => {
                return Err(lost(
                    branch_of(&t.id),
                    "the log records no commit for its change (it predates task commits)".into(),
                )
                .into())
            }
        }
    }
    Ok((integration, tasks))
}
