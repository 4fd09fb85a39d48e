//! Falling back to an agent's next profile once retries are exhausted, and surviving
//! garbage: whatever bytes a server sends, a call ends (Ok or Err) without panic or hang.

use crate::support::harness::{fast_policy, short_answer, Harness, ALL};
use crate::support::provider_server::{End, Reply};
use crate::support::*;
use conclave::model::CollectingSink;
use conclave::model::EventKind;
use conclave::providers::{PriceTable, ProviderKind, ResilientClient, RetryPolicy};
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::Duration;

fn chain(hs: &[&Harness], policy: RetryPolicy) -> ResilientClient {
    let settings = hs.iter().map(|h| h.settings.clone()).collect();
    ResilientClient::from_settings(settings, policy, Arc::new(PriceTable::builtin())).unwrap()
}

#[tokio::test]
async fn exhausted_retries_fall_back_to_the_next_profile() {
    let primary = Harness::start(ProviderKind::Openai).await;
    let backup = Harness::start(ProviderKind::Anthropic).await;
    for _ in 0..3 {
        primary.server.push(Reply::status(
            503,
            primary.error_body(503, "unavailable", "down"),
        ));
    }
    backup.push_answer(&short_answer("from the backup"));
    let sink = Arc::new(CollectingSink::new());
    let out =
        drain(chain(&[&primary, &backup], fast_policy()).stream(request(), meta(), sink.clone()))
            .await;
    let turn = out.turn();
    assert_eq!(turn.text, "from the backup");
    let c = turn.completion.as_ref().unwrap();
    assert_eq!(
        (c.provider.as_str(), c.model.as_str()),
        ("anthropic-profile", "claude-sonnet-4-5")
    );

    let events = sink.events();
    let errs = provider_errors(&events);
    let shape: Vec<(&str, u32, bool, Option<&str>)> = errs
        .iter()
        .map(|(p, a, r, f, _)| (p.as_str(), *a, r.is_some(), f.as_deref()))
        .collect();
    assert_eq!(
        shape,
        [
            ("openai-profile", 1, true, None),
            ("openai-profile", 2, true, None),
            ("openai-profile", 3, false, Some("anthropic-profile")),
        ]
    );
    let EventKind::ProviderError { agent, .. } = &events[0] else {
        panic!()
    };
    assert_eq!(agent, "impl-1");
    let usage = usage_events(&events);
    assert!(
        matches!(&usage[..], [EventKind::Usage { provider, .. }] if provider == "anthropic-profile")
    );
    assert_eq!(primary.server.requests().len(), 3);
    assert_eq!(backup.server.requests().len(), 1);
}

#[tokio::test]
async fn a_permanent_error_falls_back_at_once() {
    let primary = Harness::start(ProviderKind::Gemini).await;
    let backup = Harness::start(ProviderKind::OpenaiCompatible).await;
    primary.server.push(Reply::status(
        404,
        crate::support::wire_scripts::gemini_error(404, "NOT_FOUND", "models/x is not found", None),
    ));
    backup.push_answer(&short_answer("local model here"));
    let sink = Arc::new(CollectingSink::new());
    let out =
        drain(chain(&[&primary, &backup], fast_policy()).stream(request(), meta(), sink.clone()))
            .await;
    assert_eq!(out.turn().text, "local model here");
    let errs = provider_errors(&sink.events());
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].3.as_deref(), Some("openai-compatible-profile"));
    assert!(errs[0].4.contains("NOT_FOUND"), "{}", errs[0].4);
    assert_eq!(primary.server.requests().len(), 1);
}

#[tokio::test]
async fn fallback_after_partial_output_restarts_the_answer() {
    let primary = Harness::start(ProviderKind::Anthropic).await;
    let backup = Harness::start(ProviderKind::Gemini).await;
    let ev = primary.events(&short_answer("half an answer from the first profile"));
    primary
        .server
        .push(Reply::sse_ending(ev[..5].concat(), End::Stall));
    backup.push_answer(&short_answer("whole answer"));
    let policy = RetryPolicy {
        max_retries: 0,
        ..fast_policy()
    };
    let sink = Arc::new(CollectingSink::new());
    let out =
        drain(chain(&[&primary, &backup], policy).stream(request(), meta(), sink.clone())).await;
    assert_eq!(out.turn().text, "whole answer");
    assert_eq!(out.restarts(), 1, "{:?}", out.deltas);
    let errs = provider_errors(&sink.events());
    assert!(errs[0].4.contains("stalled"), "{}", errs[0].4);
    assert_eq!(errs[0].3.as_deref(), Some("gemini-profile"));
}

#[tokio::test]
async fn every_profile_failing_ends_in_the_last_error() {
    let a = Harness::start(ProviderKind::Openai).await;
    let b = Harness::start(ProviderKind::Anthropic).await;
    for _ in 0..2 {
        a.server.push(Reply::status(
            500,
            a.error_body(500, "server_error", "boom"),
        ));
        b.server.push(Reply::status(
            529,
            b.error_body(529, "overloaded_error", "Overloaded"),
        ));
    }
    let policy = RetryPolicy {
        max_retries: 1,
        ..fast_policy()
    };
    let sink = Arc::new(CollectingSink::new());
    let out = drain(chain(&[&a, &b], policy).stream(request(), meta(), sink.clone())).await;
    assert_eq!(
        out.result.unwrap_err().to_string(),
        "HTTP 529 (overloaded_error): Overloaded"
    );
    let errs = provider_errors(&sink.events());
    let shape: Vec<(&str, u32, Option<&str>)> = errs
        .iter()
        .map(|(p, a, _, f, _)| (p.as_str(), *a, f.as_deref()))
        .collect();
    assert_eq!(
        shape,
        [
            ("openai-profile", 1, None),
            ("openai-profile", 2, Some("anthropic-profile")),
            ("anthropic-profile", 1, None),
            ("anthropic-profile", 2, None),
        ]
    );
}

#[tokio::test]
async fn an_unreachable_server_is_a_connection_error() {
    init_keys();
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut s =
        conclave::providers::ProviderSettings::new("dead", ProviderKind::OpenaiCompatible, "m");
    s.base_url = Some(format!("http://127.0.0.1:{port}/v1"));
    let client =
        ResilientClient::from_settings(vec![s], fast_policy(), Arc::new(PriceTable::builtin()))
            .unwrap();
    let sink = Arc::new(CollectingSink::new());
    let out = drain(client.stream(request(), meta(), sink.clone())).await;
    let e = out.result.unwrap_err().to_string();
    assert!(e.starts_with("connection failed"), "{e}");
    assert_eq!(
        provider_errors(&sink.events()).len(),
        3,
        "retried like any connection error"
    );
}

/// Payloads that are valid SSE but wrong in every other way.
fn nasty_events(kind: ProviderKind) -> Vec<&'static str> {
    let mut v = vec![
        "data: null\n\n",
        "data: []\n\n",
        "data: 42\n\n",
        "data: \"text\"\n\n",
        "data: {}\n\n",
        "data: {\"choices\":\"nope\"}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":4294967295,\"function\":{\"arguments\":\"{\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"function\":{\"name\":null}}]}}]}\n\n",
        "event: error\ndata: {\"type\":\"error\"}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":99}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":-1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":7}}\n\n",
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\"}}\n\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "data: {\"candidates\":[{\"content\":{\"parts\":\"x\"},\"finishReason\":7}]}\n\n",
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"args\":[1,2]}}]},\"finishReason\":\"STOP\"}]}\n\n",
        "data: {\"usageMetadata\":{\"promptTokenCount\":-5,\"candidatesTokenCount\":1e300}}\n\n",
        "data: {\"error\":{\"code\":\"x\"}}\n\n",
        "retry: 99999999999999999999999\nid: \0\ndata: {\n\n",
    ];
    if kind == ProviderKind::Gemini {
        v.push("data: {\"promptFeedback\":{\"blockReason\":\"SAFETY\"}}\r\n\r\n");
    }
    if kind == ProviderKind::OpenaiResponses {
        v.extend([
            "data: {\"type\":\"response.output_item.done\",\"item\":{\"type\":\"function_call\",\"arguments\":7}}\n\n",
            "data: {\"type\":\"response.output_item.done\",\"item\":{\"type\":\"function_call\",\"name\":\"f\",\"arguments\":[1]}}\n\n",
            "data: {\"type\":\"response.function_call_arguments.delta\",\"item_id\":null,\"delta\":{}}\n\n",
            "data: {\"type\":\"response.completed\",\"response\":\"x\"}\n\n",
            "data: {\"type\":\"response.incomplete\",\"response\":{\"incomplete_details\":[]}}\n\n",
            "data: {\"type\":\"response.failed\"}\n\n",
            "data: {\"type\":\"response.output_item.done\",\"item\":{\"type\":\"reasoning\",\"encrypted_content\":{}}}\n\n",
            "data: {\"type\":7,\"delta\":\"x\"}\n\n",
        ]);
    }
    v
}

#[tokio::test]
async fn garbage_from_the_server_never_panics_or_hangs() {
    let seed: u64 = rand::random();
    eprintln!("garbage seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let policy = RetryPolicy {
        max_retries: 0,
        ..fast_policy()
    };
    for kind in ALL {
        let h = Harness::start(kind).await;
        let mut bodies: Vec<String> = nasty_events(kind).into_iter().map(str::to_string).collect();
        for _ in 0..25 {
            // Random bytes, random SSE-ish lines, and pieces of a real stream shuffled.
            let mut b: Vec<u8> = (0..rng.gen_range(0..300)).map(|_| rng.gen()).collect();
            let real = h.events(&crate::support::harness::rich_answer());
            for _ in 0..rng.gen_range(0..6) {
                b.extend_from_slice(real[rng.gen_range(0..real.len())].as_bytes());
            }
            bodies.push(String::from_utf8_lossy(&b).into_owned());
        }
        for body in bodies {
            h.server.push(Reply::sse(body));
            let client = h.client_with(policy.clone());
            // Ok or Err are both fine; a panic or a hang (drain's timeout) fails the test.
            let _ = drain(client.stream(request(), meta(), Arc::new(CollectingSink::new()))).await;
        }
    }
}

#[tokio::test]
async fn dropping_a_stream_cancels_the_call() {
    let h = Harness::start(ProviderKind::Openai).await;
    h.server.push(Reply::Stall);
    let mut s = h
        .client()
        .stream(request(), meta(), Arc::new(CollectingSink::new()));
    let first =
        tokio::time::timeout(Duration::from_millis(50), futures::StreamExt::next(&mut s)).await;
    assert!(first.is_err(), "still waiting");
    drop(s); // must not block or panic
}
