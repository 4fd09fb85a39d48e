//! "Always" and "never" answers made into rules by the live engine.

use super::*;
use conclave::engine::rules;
use conclave::model::{ApprovalWhat, RuleEffect};
use conclave::providers::ProviderKind;

/// The person's "always" and "never" on waiting commands, through the live engine: each is
/// answered and becomes a rule in the store, the next command under it is the policy's to
/// decide (named in the reason), and a removed rule is gone from the store and the state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn always_and_never_become_rules_the_engine_applies() {
    use conclave::config::{AgentConfig, Config, ProviderProfile};
    use conclave::engine::{self, RunOptions, Stand};
    use conclave::model::{AutonomyLevel, Command, Role};
    let h = Harness::start(ProviderKind::Openai).await;
    let w = world(&h);
    plan(&h);
    implementer_tries(
        &h,
        &[
            "git fetch nowhere".into(),
            "git fetch nowhere --quiet".into(),
            "git ls-remote nowhere".into(),
            "git ls-remote elsewhere".into(),
        ],
    );
    let mut config = Config::default();
    config.providers.clear();
    config.providers.insert(
        "gpt".into(),
        ProviderProfile {
            kind: h.kind,
            model: h.settings.model.clone(),
            api_key_env: Some(KEY_ENV.into()),
            base_url: Some(h.server.base_url()),
            cassette: None,
            max_tokens: None,
            idle_timeout_s: Some(5),
            context_tokens: None,
            pace_ms: None,
        },
    );
    let agent = |name: &str, role| AgentConfig {
        name: name.into(),
        role,
        provider: "gpt".into(),
        fallback: vec![],
        skills: vec![],
        max_tasks: 1,
    };
    config.agents = vec![
        agent("strategist", Role::Strategist),
        agent("impl", Role::Implementer),
        agent("reviewer", Role::Reviewer),
    ];
    config.gates.clear();
    config.run.level = AutonomyLevel::Strategic;
    let store = Store::open(&w.data).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = RunOptions {
        config,
        data_dir: w.data.clone(),
        stand: Stand::Person,
        watcher: Some(tx),
    };
    let run = engine::start(&store, &w.repo, "write notes", opts).unwrap();
    let asked = |cmd: &'static str| move |k: &EventKind| matches!(k, EventKind::ApprovalRequested { what: ApprovalWhat::Command, subject, .. } if subject.starts_with(&format!("`{cmd}`")));
    let id_of = |e: &Event| match &e.kind {
        EventKind::ApprovalRequested { approval, .. } => approval.clone(),
        _ => unreachable!(),
    };
    // Network at level 3 asks; "always" answers it and saves `git fetch`.
    let e = crate::support::engine::wait_for(&mut rx, asked("git fetch nowhere")).await;
    run.commands
        .send(Command::Remember {
            approval: id_of(&e),
            effect: RuleEffect::Allow,
        })
        .unwrap();
    let e = crate::support::engine::wait_for(&mut rx, asked("git ls-remote nowhere")).await;
    run.commands
        .send(Command::Remember {
            approval: id_of(&e),
            effect: RuleEffect::Deny,
        })
        .unwrap();
    // The last command is refused by the rule; then the first rule is revoked.
    crate::support::engine::wait_for(&mut rx, |k| {
        matches!(k, EventKind::ApprovalDecided { reason, .. } if reason.starts_with("rule r2:"))
    })
    .await;
    run.commands.send(Command::RemoveRule("r1".into())).unwrap();
    crate::support::engine::wait_for(
        &mut rx,
        |k| matches!(k, EventKind::RuleRemoved { id } if id == "r1"),
    )
    .await;
    run.commands.send(Command::CancelRun).unwrap();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(60), run.driver)
        .await
        .expect("the run stops");
    let events = store.all_events(run.run).unwrap();
    let all = command_decisions(&events);
    let (_, d, by, reason) = decided(&all, "git fetch nowhere");
    assert_eq!((d, by), (&Decision::Approved, &DecidedBy::Person));
    assert!(
        reason.contains("rule r1: always allow `git fetch` in this repo"),
        "{reason}"
    );
    let (_, d, by, reason) = decided(&all, "git fetch nowhere --quiet");
    assert_eq!((d, by), (&Decision::Approved, &DecidedBy::Policy));
    assert_eq!(reason, "rule r1: always allow `git fetch` in this repo");
    let (_, d, by, _) = decided(&all, "git ls-remote nowhere");
    assert_eq!((d, by), (&Decision::Rejected, &DecidedBy::Person));
    let (_, d, by, reason) = decided(&all, "git ls-remote elsewhere");
    assert_eq!((d, by), (&Decision::Rejected, &DecidedBy::Policy));
    assert_eq!(reason, "rule r2: never `git ls-remote` in this repo");
    let saved: Vec<&conclave::model::CommandRule> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RuleSaved { rule, .. } => Some(rule),
            _ => None,
        })
        .collect();
    assert_eq!(saved.len(), 2);
    let memory = store.memory().unwrap();
    let kept = rules::for_repo(&memory, &rules::repo_key(&w.repo)).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].prefix, vec!["git".to_string(), "ls-remote".into()]);
    let state = conclave::model::fold(&events);
    assert_eq!(state.rules, kept);
}
