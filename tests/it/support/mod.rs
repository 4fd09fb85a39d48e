//! Shared helpers for the provider tests: test servers, wire scripts, and a harness that
//! wires a server, a profile and a client together.
//!
//! Owns test scaffolding only. Must not touch the real internet or need a real key: every
//! server listens on 127.0.0.1 and every key is a marker set here.
#![allow(dead_code)]

pub mod engine;
pub mod repo;
pub mod runs;
pub mod served;
pub mod tmux;

pub mod gemini_rules;
pub mod harness;
pub mod provider_server;
pub mod request_rules;
pub mod responses_rules;
pub mod wire_scripts;

use conclave::model::EventKind;
use conclave::providers::{
    CallMeta, ChatRequest, Delta, DeltaStream, Message, ProviderError, Turn,
};
use futures::StreamExt;
use serde_json::json;
use std::sync::Once;
use std::time::Duration;

/// The variable test profiles read their key from, and the key: a marker tests search for
/// in everything the providers emit.
pub const KEY_ENV: &str = "CONCLAVE_TEST_PROVIDER_KEY";
pub const KEY: &str = "sk-test-MARKER-5f1d2e9c7b";
/// A variable no test sets (openai-compatible without a key).
pub const UNSET_ENV: &str = "CONCLAVE_TEST_SURELY_UNSET_KEY";

/// A command gate that lets every command run (the policy is tested elsewhere; these tests
/// are about what happens once a command runs).
pub struct AllowAll;

impl conclave::agents::tools::CommandGate for AllowAll {
    fn check<'a>(
        &'a self,
        _: &'a str,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<conclave::agents::tools::CommandGrant, String>>
                + Send
                + 'a,
        >,
    > {
        Box::pin(async { Ok(Default::default()) })
    }
}

/// Sets the marker key once per test process, before any test reads it.
pub fn init_keys() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| std::env::set_var(KEY_ENV, KEY));
}

/// No call may take longer than this; a hang fails the test instead of blocking the suite.
pub const CALL_LIMIT: Duration = Duration::from_secs(15);

/// Everything one call produced: its deltas in order, and how it ended.
pub struct Outcome {
    pub deltas: Vec<Delta>,
    pub result: Result<Turn, ProviderError>,
}

impl Outcome {
    pub fn turn(&self) -> &Turn {
        match &self.result {
            Ok(t) => t,
            Err(e) => panic!("call failed: {e}; deltas: {:?}", self.deltas),
        }
    }

    pub fn restarts(&self) -> usize {
        self.deltas
            .iter()
            .filter(|d| matches!(d, Delta::Restart { .. }))
            .count()
    }
}

/// Drains a stream under `CALL_LIMIT`, keeping every delta.
pub async fn drain(mut stream: DeltaStream) -> Outcome {
    let work = async {
        let mut deltas = Vec::new();
        let mut turn = Turn::default();
        while let Some(item) = stream.next().await {
            match item {
                Ok(d) => {
                    turn.apply(&d);
                    deltas.push(d);
                }
                Err(e) => {
                    // Nothing may follow an error.
                    assert!(stream.next().await.is_none(), "items after an error");
                    return Outcome {
                        deltas,
                        result: Err(e),
                    };
                }
            }
        }
        Outcome {
            deltas,
            result: Ok(turn),
        }
    };
    tokio::time::timeout(CALL_LIMIT, work)
        .await
        .expect("the call hung")
}

/// The tools of design §6 that tests send (a subset, with real JSON Schemas).
pub fn tools() -> Vec<conclave::providers::ToolSpec> {
    use conclave::providers::ToolSpec;
    vec![
        ToolSpec {
            name: "read_file".into(),
            description: "Read a file of the worktree with line numbers.".into(),
            parameters: json!({"type": "object", "properties": {
                "path": {"type": "string"}, "start_line": {"type": "integer"},
                "end_line": {"type": "integer"}}, "required": ["path"], "additionalProperties": false}),
        },
        ToolSpec {
            name: "edit_file".into(),
            description: "Replace exactly one occurrence of old with new.".into(),
            parameters: json!({"type": "object", "properties": {
                "path": {"type": "string"}, "old": {"type": "string"}, "new": {"type": "string"}},
                "required": ["path", "old", "new"], "additionalProperties": false}),
        },
        ToolSpec {
            name: "finish".into(),
            description: "End the turn on the task.".into(),
            parameters: json!({"type": "object", "properties": {"summary": {"type": "string"}},
                "required": ["summary"]}),
        },
    ]
}

/// A first turn: system prompt, one user message, tools.
pub fn request() -> ChatRequest {
    ChatRequest {
        system: "You are the implementer.".into(),
        messages: vec![Message::User {
            text: "Task t1: fix add() in calc.py".into(),
        }],
        tools: tools(),
        max_tokens: 1024,
    }
}

pub fn meta() -> CallMeta {
    CallMeta::new("impl-1", Some("t1".into()))
}

/// One ProviderError event: (provider, attempt, retry_in_ms, fallback, error).
pub type ErrorRow = (String, u32, Option<u64>, Option<String>, String);

/// The ProviderError events among `events`.
pub fn provider_errors(events: &[EventKind]) -> Vec<ErrorRow> {
    events
        .iter()
        .filter_map(|e| match e {
            EventKind::ProviderError {
                provider,
                attempt,
                retry_in_ms,
                fallback,
                error,
                ..
            } => Some((
                provider.clone(),
                *attempt,
                *retry_in_ms,
                fallback.clone(),
                error.clone(),
            )),
            _ => None,
        })
        .collect()
}

pub fn usage_events(events: &[EventKind]) -> Vec<EventKind> {
    events
        .iter()
        .filter(|e| matches!(e, EventKind::Usage { .. }))
        .cloned()
        .collect()
}
