//! Checks that need the whole merged config: references between tables, ranges, required
//! combinations. Each problem is (key, what is wrong and what to do).

use super::{Config, ProviderKind};
use crate::model::Role;

pub(super) fn check(c: &Config) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |key: String, msg: String| out.push((key, msg));
    let profiles = || c.providers.keys().cloned().collect::<Vec<_>>().join(", ");
    if c.run.max_parallel == 0 {
        bad("run.max_parallel".into(), "must be at least 1".into());
    }
    for (name, p) in &c.providers {
        let key = |f: &str| format!("providers.{name}.{f}");
        if p.model.trim().is_empty() && p.kind != ProviderKind::Scripted {
            bad(key("model"), format!("profile `{name}` needs a model name"));
        }
        if let Some(url) = &p.base_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bad(
                    key("base_url"),
                    format!("`{url}` is not an http:// or https:// URL"),
                );
            }
        } else if p.kind == ProviderKind::OpenaiCompatible {
            bad(
                key("base_url"),
                "an openai-compatible profile needs base_url (e.g. http://127.0.0.1:11434/v1)"
                    .into(),
            );
        }
        if let Some(t) = p.context_tokens {
            if t < 2048 {
                bad(
                    key("context_tokens"),
                    format!("{t} is too small for an agent's prompt; use at least 2048 (the model's context window in tokens)"),
                );
            }
        }
        if p.max_tokens == Some(0) {
            bad(key("max_tokens"), "must be at least 1".into());
        }
        if p.kind.key_required() && p.api_key_env.as_deref().is_none_or(|v| v.trim().is_empty()) {
            bad(
                key("api_key_env"),
                format!(
                    "{} profile needs api_key_env, the name of the variable holding the key",
                    crate::util::words::with_article(p.kind.as_str())
                ),
            );
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (i, a) in c.agents.iter().enumerate() {
        let key = |f: &str| format!("agents[{i}].{f}");
        if a.name.trim().is_empty() {
            bad(key("name"), "an agent needs a name".into());
        } else if a.name == crate::model::PERSON {
            bad(
                key("name"),
                format!(
                    "`{}` is reserved for what the supervising person does; pick another name",
                    a.name
                ),
            );
        } else if !seen.insert(a.name.as_str()) {
            bad(
                key("name"),
                format!("two agents are named `{}`; names must be unique", a.name),
            );
        }
        if !c.providers.contains_key(&a.provider) {
            bad(
                key("provider"),
                format!(
                    "no provider profile named `{}` (profiles: {})",
                    a.provider,
                    profiles()
                ),
            );
        }
        for (j, f) in a.fallback.iter().enumerate() {
            if !c.providers.contains_key(f) {
                bad(
                    format!("agents[{i}].fallback[{j}]"),
                    format!("no provider profile named `{f}` (profiles: {})", profiles()),
                );
            }
        }
        if a.max_tasks == 0 {
            bad(key("max_tasks"), "must be at least 1".into());
        }
    }
    if !c.agents.is_empty() {
        for role in [Role::Strategist, Role::Implementer, Role::Reviewer] {
            if !c.agents.iter().any(|a| a.role == role) {
                bad("agents".into(), format!("no agent has the role {}; every run needs a strategist, an implementer and a reviewer", role.name()));
            }
        }
    }
    for (i, g) in c.gates.iter().enumerate() {
        if g.command.trim().is_empty() {
            bad(
                format!("gates[{i}].command"),
                format!("gate `{}` has an empty command", g.name),
            );
        }
        if g.timeout_s == 0 {
            bad(
                format!("gates[{i}].timeout_s"),
                "must be at least 1 second".into(),
            );
        }
    }
    check_sandbox(c, &mut bad);
    let provider_keys = c.provider_key_vars();
    for (key, message) in super::mcp::check(&c.mcp, &provider_keys) {
        bad(key, message);
    }
    for (model, p) in &c.pricing {
        if p.input < 0.0 || p.output < 0.0 || p.cached_input.is_some_and(|c| c < 0.0) {
            bad(
                format!("pricing.{model}"),
                "prices cannot be negative".into(),
            );
        }
    }
    out
}

fn check_sandbox(c: &Config, bad: &mut impl FnMut(String, String)) {
    let sb = &c.sandbox;
    for (list, paths) in [("read", &sb.read), ("write", &sb.write)] {
        for (i, p) in paths.iter().enumerate() {
            if super::SandboxConfig::expand(p).is_none() {
                bad(
                    format!("sandbox.{list}[{i}]"),
                    format!("`{p}` is not an absolute path; write it as /full/path or ~/path"),
                );
            }
        }
    }
    let secrets = c.secret_vars();
    for (i, name) in sb.env.iter().enumerate() {
        let key = format!("sandbox.env[{i}]");
        let valid = !name.is_empty()
            && !name.starts_with(|ch: char| ch.is_ascii_digit())
            && name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        if !valid {
            bad(
                key,
                format!("`{name}` is not a variable name (letters, digits and _)"),
            );
        } else if secrets.contains(name) || crate::secrets::looks_secret(name) {
            bad(
                key,
                format!(
                    "`{name}` holds a secret; commands never get secret variables, remove it \
                     (a tool that needs a credential should read it from a file named in \
                     sandbox.read)"
                ),
            );
        } else if matches!(name.as_str(), "HOME" | "TMPDIR") {
            bad(
                key,
                format!("`{name}` is always the command's scratch dir; remove it"),
            );
        }
    }
}
