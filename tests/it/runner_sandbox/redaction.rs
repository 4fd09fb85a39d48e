//! A token never reaches the model: not from the brief, a file or a command's output in an
//! agent's session (the request bodies the provider's test server receives), and not from a
//! gate's output on its way into the feedback.

use super::{enforcing, repo};
use crate::support::harness::Harness;
use crate::support::wire_scripts::{Answer, Call};
use crate::support::AllowAll;
use conclave::agents::tools::{Confined, ToolBox};
use conclave::agents::AgentRun;
use conclave::config::GateConfig;
use conclave::engine::run_log::RunLog;
use conclave::model::{Role, RunId};
use conclave::runner::LocalRunner;
use conclave::store::Store;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A token shaped like a GitHub personal access token.
const TOKEN: &str = "ghp_R4nd0mL00k1ngT0kenF0rTheSandb0xTest";

fn run_log(dir: &Path) -> (Store, Arc<RunLog>) {
    let store = Store::open(&dir.join("store")).unwrap();
    let w = store.create_run(RunId::new_at(1)).unwrap();
    (store, Arc::new(RunLog::new(w)))
}

/// A token in the brief, in a file and in a command's output reaches the model only as
/// `[redacted]`, in the request bodies the provider's test server receives.
#[tokio::test]
async fn a_token_never_reaches_the_model() {
    let Some(sb) = enforcing() else { return };
    let r = repo();
    std::fs::write(r.wt.path.join("creds.txt"), format!("token = {TOKEN}\n")).unwrap();
    let (_store, log) = run_log(r.tmp.path());
    let h = Harness::start(conclave::providers::ProviderKind::Openai).await;
    h.push_answer(&Answer {
        text: vec!["Looking.".into()],
        calls: vec![
            Call::new("c1", "read_file", json!({"path": "creds.txt"}), 1),
            Call::new(
                "c2",
                "run_command",
                json!({"command": "cat creds.txt; env"}),
                1,
            ),
            Call::new("c3", "search", json!({"pattern": "ghp_"}), 1),
        ],
        usage: Some((10, 5, 0)),
        ..Answer::default()
    });
    h.push_answer(&Answer {
        text: vec!["Done.".into()],
        calls: vec![Call::new("c4", "finish", json!({"summary": "read"}), 1)],
        usage: Some((10, 5, 0)),
        ..Answer::default()
    });
    let agent = AgentRun {
        agent: "impl-1".into(),
        role: Role::Implementer,
        task: Some("t1".into()),
        client: h.client(),
        tools: ToolBox {
            confined: Confined::new(&r.wt.path).unwrap(),
            role: Role::Implementer,
            runner: Arc::new(LocalRunner::new(sb)),
            gate: Arc::new(AllowAll),
            command_timeout: Duration::from_secs(30),
            output_cap: 16 * 1024,
            env_remove: vec![],
            redactor: log.redactor(),
            known_tasks: vec![],
            mcp: Default::default(),
        },
        sink: log.clone(),
        max_turns: 5,
        token_budget: 1_000_000,
        max_tokens: 1024,
        context_tokens: u64::MAX,
    };
    tokio::time::timeout(
        Duration::from_secs(60),
        // The brief itself may carry one (a diff for review holding a token).
        agent.run(
            "system",
            format!("Read the creds; the diff adds {TOKEN}"),
            CancellationToken::new(),
        ),
    )
    .await
    .expect("the session ends");
    let reqs = h.server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(
        !reqs[0].body.to_string().contains(TOKEN),
        "{}",
        reqs[0].body
    );
    let body = reqs[1].body.to_string();
    assert!(!body.contains(TOKEN), "{body}");
    assert!(body.matches("[redacted]").count() >= 3, "{body}");
}

#[tokio::test]
async fn gate_feedback_is_redacted_before_it_becomes_feedback() {
    let Some(sb) = enforcing() else { return };
    let r = repo();
    let (_store, log) = run_log(r.tmp.path());
    let gates = [GateConfig {
        name: "leaky".into(),
        command: format!("echo 'failing with {TOKEN}'; exit 1"),
        timeout_s: 30,
    }];
    let g = conclave::engine::gates::run_gates(
        &log,
        &LocalRunner::new(sb),
        &gates,
        "t1",
        &r.wt.path,
        &[],
        &CancellationToken::new(),
    )
    .await;
    assert!(!g.passed);
    let feedback = g.feedback.join("\n");
    assert!(feedback.contains("failing with [redacted]"), "{feedback}");
    assert!(!feedback.contains(TOKEN));
}
