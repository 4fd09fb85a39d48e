//! `ping` (for `conclave doctor --ping`): reachable or the exact error, and a first 429/529
//! does not make a healthy provider look down.

use crate::support::harness::{fast_policy, short_answer, Harness};
use crate::support::provider_server::Reply;
use crate::support::wire_scripts as ws;
use crate::support::*;
use conclave::providers::{ping, ProviderKind, ProviderSettings};
use std::time::Duration;

async fn ping_limited(s: &ProviderSettings) -> conclave::providers::PingReport {
    tokio::time::timeout(CALL_LIMIT, ping(s, &fast_policy()))
        .await
        .expect("ping hung")
}

#[tokio::test]
async fn ping_reports_model_tokens_and_latency() {
    let h = Harness::start(ProviderKind::Openai).await;
    h.push_answer(&crate::support::wire_scripts::Answer {
        model: "gpt-4o-2024-08-06".into(),
        ..short_answer("pong")
    });
    let r = ping_limited(&h.settings).await;
    assert!(r.reachable, "{r:?}");
    assert_eq!(
        (r.model.as_str(), r.reply.as_str()),
        ("gpt-4o-2024-08-06", "pong")
    );
    assert_eq!((r.input_tokens, r.output_tokens), (Some(10), Some(3)));
    assert!(r.error.is_none() && r.attempt_errors.is_empty());
    assert!(r.latency_ms < CALL_LIMIT.as_millis() as u64);
    let req = &h.server.requests()[0].body;
    assert_eq!(req["max_completion_tokens"], 16, "a tiny request");
    assert!(req.get("tools").is_none());
}

#[tokio::test]
async fn ping_over_the_responses_wire() {
    let h = Harness::start(ProviderKind::OpenaiResponses).await;
    h.push_answer(&crate::support::wire_scripts::Answer {
        model: "gpt-5-2025-08-07".into(),
        ..short_answer("pong")
    });
    let r = ping_limited(&h.settings).await;
    assert!(r.reachable, "{r:?}");
    assert_eq!(
        (r.model.as_str(), r.reply.as_str()),
        ("gpt-5-2025-08-07", "pong")
    );
    assert_eq!((r.input_tokens, r.output_tokens), (Some(10), Some(3)));
    let sent = &h.server.requests()[0];
    assert_eq!(sent.target, "/v1/responses");
    // 16 is the smallest max_output_tokens the API accepts.
    assert_eq!(sent.body["max_output_tokens"], 16, "a tiny request");
    assert!(sent.body.get("tools").is_none());
}

#[tokio::test]
async fn ping_survives_a_first_429_or_529() {
    let cases = [
        (
            ProviderKind::Openai,
            429,
            ws::openai_error("rate_limit_exceeded", "Rate limit reached"),
        ),
        (
            ProviderKind::Anthropic,
            529,
            ws::anthropic_error("overloaded_error", "Overloaded"),
        ),
        (
            ProviderKind::Gemini,
            429,
            ws::gemini_error(429, "RESOURCE_EXHAUSTED", "Quota", Some("0.01s")),
        ),
        (
            ProviderKind::OpenaiCompatible,
            429,
            ws::openai_error("rate_limit_exceeded", "busy"),
        ),
        (
            ProviderKind::OpenaiResponses,
            500,
            ws::openai_error("server_error", "The server had an error"),
        ),
    ];
    for (kind, status, body) in cases {
        let h = Harness::start(kind).await;
        h.server
            .push(Reply::status(status, body).with_header("retry-after", "0"));
        h.push_answer(&short_answer("pong"));
        let r = ping_limited(&h.settings).await;
        assert!(r.reachable, "{kind}: {r:?}");
        assert_eq!(r.attempt_errors.len(), 1, "{kind}");
        assert!(
            r.attempt_errors[0].contains(&format!("HTTP {status}")),
            "{kind}: {r:?}"
        );
        assert_eq!(h.server.requests().len(), 2);
    }
}

#[tokio::test]
async fn ping_gives_the_exact_error_of_a_dead_profile() {
    let h = Harness::start(ProviderKind::Anthropic).await;
    h.server.push(Reply::status(
        404,
        ws::anthropic_error("not_found_error", "model: claude-nope"),
    ));
    let r = ping_limited(&h.settings).await;
    assert!(!r.reachable);
    assert_eq!(
        r.error.as_deref(),
        Some("HTTP 404 (not_found_error): model: claude-nope")
    );

    init_keys();
    let mut s = ProviderSettings::new("gpt", ProviderKind::Openai, "gpt-4o");
    s.api_key_env = Some(UNSET_ENV.into());
    s.base_url = Some("http://127.0.0.1:9/v1".into());
    let r = ping_limited(&s).await;
    assert!(r.error.unwrap().contains(UNSET_ENV));

    let mut s = ProviderSettings::new("gone", ProviderKind::OpenaiCompatible, "m");
    s.base_url = Some("http://127.0.0.1:9/v1".into()); // discard port: nothing listens
    s.connect_timeout = Duration::from_millis(500);
    let r = ping_limited(&s).await;
    assert!(!r.reachable);
    assert!(r.error.unwrap().starts_with("connection failed"));
}
