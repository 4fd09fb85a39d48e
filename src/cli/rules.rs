//! `conclave rules [list] [--all] [--json]` and `conclave rules rm ID`: the sticky command
//! rules a person saved from approval prompts.
//!
//! Owns printing and the exit codes (a bad id or no repository: 2). Storage and ids are
//! `engine::rules`; this never writes a rule, only removes one.

use super::args::{RulesAction, RulesArgs};
use super::{Context, Failure, Outcome};
use crate::engine::rules;
use crate::model::{CommandRule, RuleEffect};
use crate::util::{format_utc, shorten};

pub fn run(ctx: &Context, a: &RulesArgs) -> Outcome {
    match &a.action {
        None | Some(RulesAction::List) => list(ctx, a),
        Some(RulesAction::Rm { id }) => remove(ctx, id),
    }
}

/// The repository's key, as a run on it records its rules.
fn this_repo(ctx: &Context) -> Result<String, Failure> {
    let dir = ctx.repo_dir();
    let repo = git2::Repository::discover(&dir).map_err(|e| {
        Failure::usage(format!(
            "{} is not inside a git repository ({}); run it in a repo, pass --repo PATH, or --all",
            dir.display(),
            e.message()
        ))
    })?;
    Ok(rules::repo_key(repo.workdir().unwrap_or(repo.path())))
}

fn list(ctx: &Context, a: &RulesArgs) -> Outcome {
    let repo = if a.all { None } else { Some(this_repo(ctx)?) };
    let store = ctx.open_store()?;
    let memory = store.memory()?;
    let shown = match &repo {
        Some(r) => rules::for_repo(&memory, r)?,
        None => rules::all(&memory)?,
    };
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&shown).unwrap_or_else(|_| "[]".into())
        );
        return Ok(0);
    }
    if shown.is_empty() {
        println!(
            "No rules{}. Save one from a waiting command: `A` always allows its prefix, `N` never.",
            if repo.is_some() {
                " for this repository"
            } else {
                ""
            }
        );
        return Ok(0);
    }
    print!("{}", table(&shown, repo.is_none()));
    Ok(0)
}

fn table(rules: &[CommandRule], with_repo: bool) -> String {
    let mut out = format!(
        "{:<6} {:<6} {:<32} {:<19}",
        "ID", "EFFECT", "PREFIX", "SAVED (UTC)"
    );
    if with_repo {
        out.push_str(" REPO");
    }
    out.push('\n');
    for r in rules {
        let effect = match r.effect {
            RuleEffect::Allow => "allow",
            RuleEffect::Deny => "never",
        };
        out.push_str(&format!(
            "{:<6} {:<6} {:<32} {:<19}",
            r.id,
            effect,
            shorten(&r.prefix_text(), 32),
            format_utc(r.created_at_ms)
        ));
        if with_repo {
            out.push(' ');
            out.push_str(&r.repo);
        }
        out.push('\n');
    }
    out
}

fn remove(ctx: &Context, id: &str) -> Outcome {
    let store = ctx.open_store()?;
    let memory = store.memory()?;
    match rules::remove(&memory, id)? {
        Some(r) => {
            println!("removed {}", r.describe());
            Ok(0)
        }
        None => Err(Failure::usage(format!(
            "no rule has the id `{id}`; `conclave rules --all` lists every rule with its id"
        ))),
    }
}
