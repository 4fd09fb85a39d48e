//! `conclave doctor --ping`: one tiny request to a profile, and what came of it.
//!
//! Owns `ping` and `PingReport`. The request goes through the resilient layer so a first 429
//! or 529 is retried like any call; no fallback (the profile itself is being checked). Must
//! not print anything (the CLI formats the report) and never puts a key in the report.

use super::pricing::PriceTable;
use super::resilient::ResilientClient;
use super::retry::RetryPolicy;
use super::settings::{ProviderKind, ProviderSettings};
use super::turn::Turn;
use super::types::{CallMeta, ChatRequest, Message};
use crate::model::CollectingSink;
use crate::model::EventKind;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PingReport {
    pub profile: String,
    pub kind: ProviderKind,
    /// The model that answered (as the provider reported it), else the configured one.
    pub model: String,
    pub reachable: bool,
    /// Wall time of the whole ping, retries included.
    pub latency_ms: u64,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    /// The first words of the answer.
    pub reply: String,
    /// The final error's exact text (never containing the key), if the ping failed.
    pub error: Option<String>,
    /// Every failed attempt's error, in order (a 429 that a retry got past shows up here).
    pub attempt_errors: Vec<String>,
    /// What the final error means and what to do, in words.
    pub advice: Option<String>,
}

/// Sends "Reply with: pong" (at most 16 tokens) and reports what happened.
pub async fn ping(settings: &ProviderSettings, policy: &RetryPolicy) -> PingReport {
    let started = Instant::now();
    let mut report = PingReport {
        profile: settings.name.clone(),
        kind: settings.kind,
        model: settings.model.clone(),
        reachable: false,
        latency_ms: 0,
        input_tokens: None,
        output_tokens: None,
        reply: String::new(),
        error: None,
        attempt_errors: Vec::new(),
        advice: None,
    };
    let client = match ResilientClient::from_settings(
        vec![settings.clone()],
        policy.clone(),
        Arc::new(PriceTable::builtin()),
    ) {
        Ok(c) => c,
        Err(e) => {
            report.error = Some(e.to_string());
            report.advice = Some(super::explain::advice(&e, "the agents using it", settings));
            return report;
        }
    };
    let sink = Arc::new(CollectingSink::new());
    let req = ChatRequest {
        system: String::new(),
        messages: vec![Message::User {
            text: "Reply with the single word: pong".into(),
        }],
        tools: Vec::new(),
        max_tokens: 16,
    };
    let result =
        Turn::collect(client.stream(req, CallMeta::new("doctor", None), sink.clone())).await;
    report.latency_ms = started.elapsed().as_millis() as u64;
    report.attempt_errors = sink
        .events()
        .into_iter()
        .filter_map(|e| match e {
            EventKind::ProviderError { error, .. } => Some(error),
            _ => None,
        })
        .collect();
    match result {
        Ok(turn) => {
            report.reachable = true;
            report.reply = turn.text.chars().take(80).collect();
            if let Some(c) = turn.completion {
                report.model = c.model;
                report.input_tokens = c.usage.input_tokens;
                report.output_tokens = c.usage.output_tokens;
            }
        }
        Err(e) => {
            report.error = Some(e.to_string());
            report.advice = Some(super::explain::advice(&e, "the agents using it", settings));
        }
    }
    report
}
