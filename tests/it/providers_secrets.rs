//! The API key never leaves the one header that needs it: not into events, error messages,
//! Debug output or ping reports, even when a server echoes it back.

use crate::support::harness::{fast_policy, short_answer, Harness};
use crate::support::provider_server::Reply;
use crate::support::wire_scripts as ws;
use crate::support::*;
use conclave::model::CollectingSink;
use conclave::model::{Event, EventKind, RunId};
use conclave::providers::{ping, ProviderKind};
use std::sync::Arc;

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(KEY), "the key leaked into {what}: {text}");
}

#[tokio::test]
async fn the_key_never_appears_in_events_errors_or_debug_output() {
    for kind in [
        ProviderKind::Openai,
        ProviderKind::Anthropic,
        ProviderKind::Gemini,
        ProviderKind::OpenaiCompatible,
        ProviderKind::OpenaiResponses,
    ] {
        let mut h = Harness::start(kind).await;
        h.settings.api_key_env = Some(KEY_ENV.into()); // compatible too, here
        let echo = format!("invalid key {KEY} (echoed by the server)");
        // Servers that echo the key: in an error status, in a bad chunk, in an error event.
        h.server
            .push(Reply::status(500, h.error_body(500, "server_error", &echo)));
        h.server
            .push(Reply::sse(format!("data: {{\"oops\": \"{KEY}\"\n\n")));
        if kind == ProviderKind::Anthropic {
            h.server.push(Reply::sse(ws::anthropic_error_event(
                "overloaded_error",
                &echo,
            )));
        }
        // Retries run out before the good answer: the final error must be clean too.
        let sink = Arc::new(CollectingSink::new());
        let client = h.client_with(conclave::providers::RetryPolicy {
            max_retries: 1,
            ..fast_policy()
        });
        let failed = drain(client.stream(request(), meta(), sink.clone())).await;
        let err = failed.result.as_ref().unwrap_err();
        assert_clean("an error message", &err.to_string());
        assert_clean("an error's Debug", &format!("{err:?}"));

        h.server.push(Reply::status(
            401,
            h.error_body(401, "authentication_error", &echo),
        ));
        let out = drain(h.client().stream(request(), meta(), sink.clone())).await;
        assert_clean("a 401 message", &out.result.unwrap_err().to_string());

        h.push_answer(&short_answer("fine"));
        let ok = drain(h.client().stream(request(), meta(), sink.clone())).await;
        assert_clean(
            "a turn's Debug",
            &format!("{:?} {:?}", ok.result, ok.deltas),
        );

        // The key did go out, in its header, so the checks above mean something.
        assert!(
            h.server
                .requests()
                .iter()
                .all(|r| r.headers.iter().any(|(_, v)| v.contains(KEY))),
            "{kind}: the key was sent"
        );

        let run = RunId::new_at(1);
        for (seq, kind_) in sink.events().into_iter().enumerate() {
            let e = Event {
                run,
                seq: seq as u64,
                at_ms: 1,
                kind: kind_,
            };
            assert_clean("a serialized event", &serde_json::to_string(&e).unwrap());
            assert_clean("an event's Debug", &format!("{e:?}"));
        }
        assert!(provider_errors(&sink.events()).len() >= 3);
        assert_clean("settings' Debug", &format!("{:?}", h.settings));
        assert_clean("the client's Debug", &format!("{:?}", h.client()));
        assert_clean(
            "serialized settings",
            &serde_json::to_string(&h.settings).unwrap(),
        );
        let key = h.settings.api_key().unwrap().unwrap();
        assert_clean("the key's Debug", &format!("{key:?}"));

        h.server.push(Reply::status(
            403,
            h.error_body(403, "permission_error", &echo),
        ));
        let report = ping(&h.settings, &fast_policy()).await;
        assert!(!report.reachable);
        assert_clean(
            "a ping report",
            &format!("{report:?} {}", serde_json::to_string(&report).unwrap()),
        );
        assert!(report.error.unwrap().contains("[redacted]"));
    }
}

#[test]
fn events_built_by_providers_have_no_key_field() {
    // The two event kinds providers emit carry no field a key could hide in by design.
    let e = EventKind::ProviderError {
        agent: "a".into(),
        provider: "p".into(),
        error: "e".into(),
        attempt: 1,
        retry_in_ms: None,
        fallback: None,
        advice: Some("OPENAI_API_KEY is not set".into()),
    };
    let v = serde_json::to_value(&e).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert!(keys.iter().all(|k| !k.contains("key")), "{keys:?}");
}
