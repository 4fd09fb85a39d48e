//! Every fault a provider can throw at us, on every HTTP wire: retried then survived, or
//! ended in one clear recorded error. Never a panic, never a hang (each call runs under a
//! timeout in `crate::support::drain`).

use crate::support::harness::{short_answer, Harness, ALL};
use crate::support::provider_server::{End, Reply};
use crate::support::wire_scripts::{self as ws, Answer};
use crate::support::*;
use conclave::model::CollectingSink;
use conclave::providers::{ProviderKind, RetryPolicy};
use std::sync::Arc;
use std::time::Duration;

const GOOD: &str = "all good — über ✓";

/// The events of a turn that says "partial answer ..." but is then cut.
fn partial(h: &Harness) -> Vec<String> {
    h.events(&Answer {
        text: vec![
            "partial answer ".into(),
            "that will be lost ".into(),
            "«never seen»".into(),
        ],
        usage: Some((10, 3, 0)),
        ..Answer::default()
    })
}

/// Pushes `fault` then a good answer; the call must succeed with only the good text, after
/// exactly one reported, retried failure.
async fn survives(h: &Harness, fault: Reply, what: &str) -> crate::support::Outcome {
    h.server.push(fault);
    h.push_answer(&short_answer(GOOD));
    let before = h.server.requests().len();
    let sink = Arc::new(CollectingSink::new());
    let out = drain(h.client().stream(request(), meta(), sink.clone())).await;
    let kind = h.kind;
    match &out.result {
        Ok(t) => assert_eq!(t.text, GOOD, "{kind} {what}: partial output leaked"),
        Err(e) => panic!("{kind} {what}: not survived: {e}"),
    }
    let errs = provider_errors(&sink.events());
    assert_eq!(errs.len(), 1, "{kind} {what}: {errs:?}");
    let (provider, attempt, retry_in, fallback, error) = &errs[0];
    assert_eq!(
        (provider, *attempt, fallback),
        (&h.settings.name, 1, &None),
        "{kind} {what}"
    );
    assert!(
        retry_in.is_some(),
        "{kind} {what}: a retry is announced with its wait"
    );
    assert!(!error.is_empty());
    assert_eq!(
        h.server.requests().len() - before,
        2,
        "{kind} {what}: one retry"
    );
    assert_eq!(usage_events(&sink.events()).len(), 1);
    out
}

#[tokio::test]
async fn retryable_statuses_are_retried() {
    for kind in ALL {
        let h = Harness::start(kind).await;
        for (status, code) in [
            (429, "rate_limit_exceeded"),
            (408, "timeout"),
            (500, "api_error"),
            (502, "bad_gateway"),
            (503, "unavailable"),
            (504, "timeout"),
            (529, "overloaded_error"),
        ] {
            let body = h.error_body(status, code, "try later");
            survives(&h, Reply::status(status, body), &format!("HTTP {status}")).await;
        }
    }
}

#[tokio::test]
async fn anthropic_409_and_html_502_are_retried() {
    let h = Harness::start(ProviderKind::Anthropic).await;
    survives(
        &h,
        Reply::status(409, h.error_body(409, "conflict", "busy")),
        "409",
    )
    .await;
    survives(
        &h,
        Reply::status(502, "<html>Bad Gateway</html>"),
        "html 502",
    )
    .await;
}

#[tokio::test]
async fn broken_streams_are_retried_and_partial_output_discarded() {
    for kind in ALL {
        let h = Harness::start(kind).await;
        let ev = partial(&h);
        let head = ev[..ev.len() / 2].concat();
        let all_but_terminator = ev[..ev.len() - 1].concat();
        let mut with_bad_chunk = ev.clone();
        with_bad_chunk.insert(ev.len() / 2, ws::malformed_event(h.is_gemini()));
        let faults = [
            (
                Reply::sse_ending(head.clone(), End::Reset),
                "reset mid-stream",
            ),
            (
                Reply::sse_ending(head.clone(), End::Close),
                "body truncated mid-chunk",
            ),
            (
                Reply::sse(all_but_terminator),
                "stream cut before its terminator",
            ),
            (Reply::sse(with_bad_chunk.concat()), "malformed JSON chunk"),
            (
                Reply::sse("<html>not an event stream</html>"),
                "not SSE at all",
            ),
            (Reply::sse(""), "empty body"),
        ];
        for (fault, what) in faults {
            survives(&h, fault, what).await;
        }
    }
}

#[tokio::test]
async fn stalls_hit_the_idle_timeout_and_are_retried() {
    for kind in ALL {
        let h = Harness::start(kind).await;
        let out = survives(&h, Reply::Stall, "no headers").await;
        assert_eq!(
            out.restarts(),
            0,
            "nothing was forwarded, so nothing to restart"
        );
        let ev = partial(&h);
        let upto = ev
            .iter()
            .position(|e| e.contains("partial answer"))
            .unwrap()
            + 1;
        let head = ev[..upto].concat();
        let out = survives(&h, Reply::sse_ending(head, End::Stall), "stall mid-stream").await;
        // The partial text reached the caller before the stall, so it must be told to drop it.
        assert_eq!(out.restarts(), 1, "{kind}: {:?}", out.deltas);
    }
}

#[tokio::test]
async fn anthropic_error_event_in_a_200_stream_is_retried() {
    let h = Harness::start(ProviderKind::Anthropic).await;
    let mut ev = partial(&h)[..4].to_vec();
    ev.push(ws::anthropic_error_event("overloaded_error", "Overloaded"));
    survives(&h, Reply::sse(ev.concat()), "in-stream overloaded_error").await;
}

#[tokio::test]
async fn gemini_error_in_a_200_stream_is_retried_when_transient() {
    let h = Harness::start(ProviderKind::Gemini).await;
    let mut ev = partial(&h)[..1].to_vec();
    ev.push(format!(
        "data: {}\r\n\r\n",
        ws::gemini_error(503, "UNAVAILABLE", "The model is overloaded.", None)
    ));
    survives(&h, Reply::sse(ev.concat()), "in-stream UNAVAILABLE").await;
    // A request the API refuses is not sent again.
    let h = Harness::start(ProviderKind::Gemini).await;
    let bad = format!(
        "data: {}\r\n\r\n",
        ws::gemini_error(
            400,
            "INVALID_ARGUMENT",
            "Request contains an invalid argument.",
            None
        )
    );
    h.server.push(Reply::sse(bad));
    let out = drain(
        h.client()
            .stream(request(), meta(), Arc::new(CollectingSink::new())),
    )
    .await;
    let e = out.result.unwrap_err().to_string();
    assert!(e.contains("INVALID_ARGUMENT"), "{e}");
    assert_eq!(h.server.requests().len(), 1);
}

#[tokio::test]
async fn anthropic_fatal_error_event_is_not_retried() {
    let h = Harness::start(ProviderKind::Anthropic).await;
    let mut ev = partial(&h)[..2].to_vec();
    ev.push(ws::anthropic_error_event(
        "invalid_request_error",
        "prompt is too long",
    ));
    h.server.push(Reply::sse(ev.concat()));
    let sink = Arc::new(CollectingSink::new());
    let out = drain(h.client().stream(request(), meta(), sink.clone())).await;
    let e = out.result.unwrap_err().to_string();
    assert!(
        e.contains("invalid_request_error") && e.contains("prompt is too long"),
        "{e}"
    );
    assert_eq!(h.server.requests().len(), 1);
}

#[tokio::test]
async fn server_requested_waits_are_honoured() {
    let policy = RetryPolicy {
        max_delay: Duration::from_secs(5),
        ..crate::support::harness::fast_policy()
    };
    // Retry-After in seconds.
    let h = Harness::start(ProviderKind::Openai).await;
    h.server.push(
        Reply::status(429, h.error_body(429, "rate_limit_exceeded", "slow"))
            .with_header("retry-after", "1"),
    );
    h.push_answer(&short_answer(GOOD));
    let sink = Arc::new(CollectingSink::new());
    let t0 = std::time::Instant::now();
    drain(
        h.client_with(policy.clone())
            .stream(request(), meta(), sink.clone()),
    )
    .await
    .turn();
    assert!(t0.elapsed() >= Duration::from_secs(1));
    assert_eq!(provider_errors(&sink.events())[0].2, Some(1000));
    // retry-after-ms, as OpenAI and Anthropic send it.
    let h = Harness::start(ProviderKind::Anthropic).await;
    h.server.push(
        Reply::status(529, h.error_body(529, "overloaded_error", "Overloaded"))
            .with_header("retry-after-ms", "60"),
    );
    h.push_answer(&short_answer(GOOD));
    let sink = Arc::new(CollectingSink::new());
    drain(
        h.client_with(policy.clone())
            .stream(request(), meta(), sink.clone()),
    )
    .await
    .turn();
    assert_eq!(provider_errors(&sink.events())[0].2, Some(60));
    // Gemini's RetryInfo.retryDelay.
    let h = Harness::start(ProviderKind::Gemini).await;
    h.server.push(Reply::status(
        429,
        ws::gemini_error(429, "RESOURCE_EXHAUSTED", "quota", Some("0.07s")),
    ));
    h.push_answer(&short_answer(GOOD));
    let sink = Arc::new(CollectingSink::new());
    drain(
        h.client_with(policy)
            .stream(request(), meta(), sink.clone()),
    )
    .await
    .turn();
    assert_eq!(provider_errors(&sink.events())[0].2, Some(70));
}

#[tokio::test]
async fn waits_are_capped_so_tests_and_people_do_not_wait_minutes() {
    let h = Harness::start(ProviderKind::Openai).await;
    h.server.push(
        Reply::status(503, h.error_body(503, "unavailable", "x"))
            .with_header("retry-after", "3600"),
    );
    h.push_answer(&short_answer(GOOD));
    let sink = Arc::new(CollectingSink::new());
    drain(h.client().stream(request(), meta(), sink.clone()))
        .await
        .turn();
    assert_eq!(
        provider_errors(&sink.events())[0].2,
        Some(10),
        "capped at the policy's max_delay"
    );
}

#[tokio::test]
async fn permanent_errors_are_not_retried() {
    for kind in ALL {
        let h = Harness::start(kind).await;
        for (status, code) in [
            (400, "invalid_request_error"),
            (403, "permission_error"),
            (404, "not_found_error"),
        ] {
            let before = h.server.requests().len();
            h.server
                .push(Reply::status(status, h.error_body(status, code, "nope")));
            let sink = Arc::new(CollectingSink::new());
            let out = drain(h.client().stream(request(), meta(), sink.clone())).await;
            let e = out.result.unwrap_err().to_string();
            assert!(
                e.contains(&format!("HTTP {status}")) && e.contains("nope"),
                "{kind}: {e}"
            );
            assert_eq!(
                h.server.requests().len() - before,
                1,
                "{kind} {status}: not retried"
            );
            let errs = provider_errors(&sink.events());
            assert_eq!(errs.len(), 1);
            assert_eq!((errs[0].2, &errs[0].3), (None, &None));
        }
    }
}

#[tokio::test]
async fn wrong_key_is_401_and_not_retried() {
    for kind in [
        ProviderKind::Openai,
        ProviderKind::OpenaiResponses,
        ProviderKind::Anthropic,
        ProviderKind::Gemini,
    ] {
        let mut h = Harness::start(kind).await;
        h.settings.api_key_env = Some("CONCLAVE_TEST_WRONG_KEY".into());
        std::env::set_var("CONCLAVE_TEST_WRONG_KEY", "sk-wrong-0000");
        let out = drain(
            h.client()
                .stream(request(), meta(), Arc::new(CollectingSink::new())),
        )
        .await;
        let e = out.result.unwrap_err().to_string();
        assert!(e.starts_with("HTTP 401"), "{e}");
        assert!(
            !e.contains("sk-wrong-0000"),
            "the key echoed by the server is redacted: {e}"
        );
        assert_eq!(h.server.requests().len(), 1);
    }
}

#[tokio::test]
async fn insufficient_quota_is_not_retried() {
    let h = Harness::start(ProviderKind::Openai).await;
    h.server.push(Reply::status(
        429,
        ws::openai_error("insufficient_quota", "You exceeded your current quota"),
    ));
    let out = drain(
        h.client()
            .stream(request(), meta(), Arc::new(CollectingSink::new())),
    )
    .await;
    let e = out.result.unwrap_err().to_string();
    assert!(e.contains("insufficient_quota"), "{e}");
    assert_eq!(h.server.requests().len(), 1);
}

#[tokio::test]
async fn retries_stop_after_max_retries_with_a_clear_error() {
    let h = Harness::start(ProviderKind::Gemini).await;
    for _ in 0..3 {
        h.server.push(Reply::status(
            503,
            ws::gemini_error(503, "UNAVAILABLE", "The model is overloaded.", None),
        ));
    }
    let sink = Arc::new(CollectingSink::new());
    let out = drain(h.client().stream(request(), meta(), sink.clone())).await;
    let e = out.result.unwrap_err().to_string();
    assert_eq!(e, "HTTP 503 (UNAVAILABLE): The model is overloaded.");
    let errs = provider_errors(&sink.events());
    let attempts: Vec<u32> = errs.iter().map(|e| e.1).collect();
    assert_eq!(attempts, [1, 2, 3]);
    assert!(errs[0].2.is_some() && errs[1].2.is_some());
    assert_eq!(
        (errs[2].2, &errs[2].3),
        (None, &None),
        "the last attempt announces no retry"
    );
    assert_eq!(h.server.requests().len(), 3);
    assert!(usage_events(&sink.events()).is_empty());
}

#[tokio::test]
async fn responses_failed_and_error_events_are_retried_only_when_transient() {
    let h = Harness::start(ProviderKind::OpenaiResponses).await;
    // A transient failure after partial text: retried, and the caller told to start over.
    let mut ev = partial(&h);
    ev.pop();
    ev.push(ws::responses_failed_event(
        "server_error",
        "The model failed to generate a response.",
    ));
    let out = survives(&h, Reply::sse(ev.concat()), "response.failed server_error").await;
    assert_eq!(out.restarts(), 1, "{:?}", out.deltas);
    let ev = [
        partial(&h)[0].clone(),
        ws::responses_error_event("rate_limit_exceeded", "Rate limit reached"),
    ];
    survives(&h, Reply::sse(ev.concat()), "error rate_limit_exceeded").await;
    // A cut stream (the body closes before `response.completed`) is retried with a Restart.
    let ev = partial(&h);
    let upto = ev.iter().position(|e| e.contains("«never seen»")).unwrap() + 1;
    let out = survives(
        &h,
        Reply::sse_ending(ev[..upto].concat(), End::Close),
        "cut after text",
    )
    .await;
    assert_eq!(out.restarts(), 1);
    // The request's own fault is not sent again.
    for event in [
        ws::responses_failed_event("invalid_prompt", "Invalid prompt: flagged."),
        ws::responses_error_event("invalid_request_error", "Unsupported parameter."),
    ] {
        let before = h.server.requests().len();
        h.server
            .push(Reply::sse(format!("{}{event}", partial(&h)[0])));
        let sink = Arc::new(CollectingSink::new());
        let out = drain(h.client().stream(request(), meta(), sink.clone())).await;
        let e = out.result.unwrap_err().to_string();
        assert!(e.starts_with("error event in stream (invalid_"), "{e}");
        assert_eq!(h.server.requests().len() - before, 1, "{e}: not retried");
        assert_eq!(provider_errors(&sink.events()).len(), 1);
    }
}
