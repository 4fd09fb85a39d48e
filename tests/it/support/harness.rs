//! One test server plus the profile and client that talk to it, for each HTTP provider kind.
//!
//! Owns the per-kind differences tests should not repeat: which wire script, which error
//! shape, which model and key. Must not assert anything.

use super::provider_server::{ProviderServer, Reply, WireKind};
use super::wire_scripts::{self as ws, Answer};
use super::{init_keys, KEY, KEY_ENV, UNSET_ENV};
use conclave::providers::{
    PriceTable, ProviderKind, ProviderSettings, ResilientClient, RetryPolicy,
};
use std::sync::Arc;
use std::time::Duration;

/// The five HTTP kinds.
pub const ALL: [ProviderKind; 5] = [
    ProviderKind::Openai,
    ProviderKind::OpenaiCompatible,
    ProviderKind::OpenaiResponses,
    ProviderKind::Anthropic,
    ProviderKind::Gemini,
];

pub struct Harness {
    pub kind: ProviderKind,
    pub server: ProviderServer,
    pub settings: ProviderSettings,
    /// Signatures handed out so far (a Gemini 3 model signs every step; a Responses
    /// reasoning model sends an encrypted reasoning item with every step).
    signed: std::sync::atomic::AtomicU64,
}

pub fn model_for(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Openai => "gpt-4o",
        ProviderKind::OpenaiCompatible => "qwen2.5-coder:7b",
        ProviderKind::OpenaiResponses => "gpt-5",
        ProviderKind::Anthropic => "claude-sonnet-4-5",
        ProviderKind::Gemini => "gemini-2.5-pro",
        ProviderKind::Scripted => "scripted",
    }
}

/// Waits short enough for fast tests, long enough for a loaded CI machine.
pub fn fast_policy() -> RetryPolicy {
    RetryPolicy::fast(2, Duration::from_millis(10))
}

impl Harness {
    /// A server for `kind`. Keyed kinds expect the marker key; openai-compatible expects none.
    pub async fn start(kind: ProviderKind) -> Self {
        Self::start_model(kind, model_for(kind)).await
    }

    /// A server for `kind` whose profile asks for `model` (e.g. a Gemini 3 model, whose
    /// answers carry thought signatures and whose server checks they come back).
    pub async fn start_model(kind: ProviderKind, model: &str) -> Self {
        init_keys();
        let (wire, expect) = match kind {
            ProviderKind::Openai => (WireKind::OpenAi, Some(KEY)),
            ProviderKind::OpenaiCompatible => (WireKind::OpenAi, None),
            ProviderKind::OpenaiResponses => (WireKind::Responses, Some(KEY)),
            ProviderKind::Anthropic => (WireKind::Anthropic, Some(KEY)),
            ProviderKind::Gemini => (WireKind::Gemini, Some(KEY)),
            ProviderKind::Scripted => panic!("scripted has no server"),
        };
        let seed = rand::random();
        eprintln!("test server for {kind}: piece seed {seed}");
        let server = ProviderServer::start(wire, expect, seed).await;
        let mut settings = ProviderSettings::new(format!("{kind}-profile"), kind, model);
        settings.base_url = Some(server.base_url());
        settings.api_key_env = Some(match kind {
            ProviderKind::OpenaiCompatible => UNSET_ENV.into(),
            _ => KEY_ENV.into(),
        });
        // Short, so the stall tests are quick; not so short that a loaded 2-core machine
        // starving this process for a moment looks like a stalled stream (an extra retry).
        settings.idle_timeout = Duration::from_millis(1500);
        settings.connect_timeout = Duration::from_secs(2);
        Harness {
            kind,
            server,
            settings,
            signed: Default::default(),
        }
    }

    pub fn client(&self) -> ResilientClient {
        self.client_with(fast_policy())
    }

    pub fn client_with(&self, policy: RetryPolicy) -> ResilientClient {
        ResilientClient::from_settings(
            vec![self.settings.clone()],
            policy,
            Arc::new(PriceTable::builtin()),
        )
        .expect("client")
    }

    /// The answer as this kind's SSE events.
    pub fn events(&self, a: &Answer) -> Vec<String> {
        let mut a = a.clone();
        if a.model.is_empty() {
            a.model = self.settings.model.clone();
        }
        let reasoning_model = self.kind == ProviderKind::OpenaiResponses
            && (a.model.starts_with("gpt-5") || a.model.starts_with('o'));
        if a.signature.is_none() && (a.model.starts_with("gemini-3") || reasoning_model) {
            let n = self
                .signed
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            a.signature = Some(match self.kind {
                ProviderKind::OpenaiResponses => {
                    format!("gAAAAABo{n:06x}-encrypted/reasoning==")
                }
                _ => format!("CiQB0e2Kb{n:06x}+thought/sig=="),
            });
        }
        match self.kind {
            ProviderKind::Openai | ProviderKind::OpenaiCompatible => ws::openai_events(&a),
            ProviderKind::Anthropic => ws::anthropic_events(&a),
            ProviderKind::Gemini => ws::gemini_events(&a),
            ProviderKind::OpenaiResponses => ws::responses_events(&a),
            ProviderKind::Scripted => unreachable!(),
        }
    }

    pub fn push_answer(&self, a: &Answer) {
        self.server.push(Reply::sse(self.events(a).concat()));
    }

    /// An error body in this kind's shape.
    pub fn error_body(&self, status: u16, code: &str, message: &str) -> String {
        match self.kind {
            ProviderKind::Anthropic => ws::anthropic_error(code, message),
            ProviderKind::Gemini => ws::gemini_error(status, code, message, None),
            _ => ws::openai_error(code, message),
        }
    }

    pub fn is_gemini(&self) -> bool {
        self.kind == ProviderKind::Gemini
    }

    /// Queues `text` plus tool `calls` as the answer to the next request whose body holds
    /// `when` (an agent's turn in a whole run, whatever order parallel agents ask in).
    pub fn say(&self, when: &str, text: &str, calls: Vec<(&str, serde_json::Value)>) {
        self.server.push_when(
            when,
            Reply::sse(self.events(&tool_answer(text, calls)).concat()),
        );
    }

    /// A config profile that talks to this server with the marker key.
    pub fn profile(&self) -> conclave::config::ProviderProfile {
        conclave::config::ProviderProfile {
            kind: self.kind,
            model: self.settings.model.clone(),
            api_key_env: Some(KEY_ENV.into()),
            base_url: Some(self.server.base_url()),
            cassette: None,
            max_tokens: None,
            idle_timeout_s: Some(5),
            context_tokens: None,
            pace_ms: None,
        }
    }
}

/// An agent's turn: some text, then these tool calls (arguments sent in pieces).
pub fn tool_answer(text: &str, calls: Vec<(&str, serde_json::Value)>) -> Answer {
    Answer {
        text: vec![text.to_string()],
        calls: calls
            .into_iter()
            .enumerate()
            .map(|(i, (n, a))| ws::Call::new(&format!("call_{n}_{i}"), n, a, 4))
            .collect(),
        usage: Some((900, 80, 100)),
        ..Answer::default()
    }
}

/// A typical answer: multi-byte text in pieces and three calls with fragmented arguments.
pub fn rich_answer() -> Answer {
    use serde_json::json;
    Answer {
        model: String::new(),
        thinking: vec![],
        text: vec![
            "I will read ".into(),
            "calc.py — then fix ".into(),
            "add() ✓ 🦀".into(),
        ],
        calls: vec![
            ws::Call::new(
                "call_a1",
                "read_file",
                json!({"path": "calc.py", "start_line": 1}),
                7,
            ),
            ws::Call::new(
                "call_b2",
                "edit_file",
                json!({"path": "calc.py", "old": "a - b", "new": "a + b  # «fixed»"}),
                11,
            ),
            ws::Call::new(
                "call_c3",
                "finish",
                json!({"summary": "Fixed add(): it subtracted."}),
                5,
            ),
        ],
        usage: Some((812, 96, 200)),
        signature: None,
    }
}

/// A short text-only answer.
pub fn short_answer(text: &str) -> Answer {
    Answer {
        text: ws::fragments(text, 3),
        usage: Some((10, 3, 0)),
        ..Answer::default()
    }
}
