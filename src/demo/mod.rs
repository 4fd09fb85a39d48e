//! `conclave demo`: a sample repository and a recorded session (strategist, two implementers,
//! reviewer) played by the scripted provider through the real engine. No network, no keys.
//!
//! Owns the demo's setup only; the run itself is an ordinary run.

pub mod sample;
pub mod script;

use crate::config::{AgentConfig, Config, ProviderProfile};
use crate::model::{Role, TaskKind};
use crate::providers::ProviderKind;
use std::path::Path;

/// The demo's agents and profiles over `base` (which brings the repo's gates); `pace_ms`
/// paces the recorded agents' typing (none: as fast as they can).
pub fn config(mut base: Config, cassette: &Path, pace_ms: Option<u64>) -> Config {
    let profile = |model: &str| ProviderProfile {
        kind: ProviderKind::Scripted,
        model: model.into(),
        api_key_env: None,
        base_url: None,
        cassette: Some(cassette.to_path_buf()),
        max_tokens: None,
        idle_timeout_s: None,
        context_tokens: None,
        pace_ms,
    };
    base.providers.clear();
    base.providers.insert("demo-gpt".into(), profile("gpt-4o"));
    base.providers
        .insert("demo-claude".into(), profile("claude-sonnet-4-5"));
    base.providers
        .insert("demo-gemini".into(), profile("gemini-2.5-pro"));
    let agent = |name: &str, role, provider: &str, skills: Vec<TaskKind>| AgentConfig {
        name: name.into(),
        role,
        provider: provider.into(),
        fallback: vec![],
        skills,
        max_tasks: 1,
    };
    use TaskKind::*;
    base.agents = vec![
        agent("strategist", Role::Strategist, "demo-gpt", vec![]),
        agent(
            "impl-1",
            Role::Implementer,
            "demo-claude",
            vec![Feature, Bugfix, Test, Refactor],
        ),
        agent(
            "impl-2",
            Role::Implementer,
            "demo-gpt",
            vec![Feature, Bugfix, Test, Docs, Perf, Security],
        ),
        agent("reviewer", Role::Reviewer, "demo-gemini", vec![]),
    ];
    base.run.max_parallel = 2;
    base
}

pub const GOAL: &str =
    "Fix add(), add a median() function, make mean() reject empty lists, and document the API";

/// Writes the recorded session where the scripted profiles read it.
pub fn write_cassette(path: &Path) -> std::io::Result<()> {
    crate::providers::write_cassette(path, &script::turns())
}
