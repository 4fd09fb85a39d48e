//! Each HTTP wire end to end over real sockets: text and tool calls arrive intact whatever
//! the chunk boundaries (the test server cuts at every awkward one), thinking arrives apart
//! from text, and usage and cost are right. The exact request shapes are in
//! `providers_wire/request_shapes.rs`, Gemini's signatures in `providers_wire/gemini.rs`, the
//! request checker in `providers_wire/request_rules.rs` and the Responses wire's own tests in
//! `providers_wire/responses.rs`.

#[path = "providers_wire/gemini.rs"]
mod gemini;
#[path = "providers_wire/request_rules.rs"]
mod request_rules;
#[path = "providers_wire/request_shapes.rs"]
mod request_shapes;
#[path = "providers_wire/responses.rs"]
mod responses;

use crate::support::harness::{rich_answer, Harness, ALL};
use crate::support::request_rules::Wire;
use crate::support::wire_scripts::Answer;
use crate::support::*;
use conclave::model::CollectingSink;
use conclave::model::EventKind;
use conclave::providers::{
    Delta, Message, PriceTable, ProviderKind, StopReason, TokenUsage, ToolCall,
};
use serde_json::{json, Value};
use std::sync::Arc;

#[tokio::test]
async fn text_and_tool_calls_arrive_intact_on_every_wire() {
    for kind in ALL {
        let h = Harness::start(kind).await;
        let answer = rich_answer();
        // Several calls per stream and several streams, so random piece sizes vary.
        for _ in 0..3 {
            h.push_answer(&answer);
            let sink = Arc::new(CollectingSink::new());
            let out = drain(h.client().stream(request(), meta(), sink.clone())).await;
            let turn = out.turn();
            assert_eq!(turn.text, answer.text.concat(), "{kind}");
            let calls: Vec<(&str, Value)> = turn
                .tool_calls
                .iter()
                .map(|c| (c.name.as_str(), c.args.clone()))
                .collect();
            let want: Vec<(&str, Value)> = answer
                .calls
                .iter()
                .map(|c| (c.name.as_str(), serde_json::from_str(&c.args).unwrap()))
                .collect();
            assert_eq!(calls, want, "{kind}");
            let ids: Vec<&str> = turn.tool_calls.iter().map(|c| c.id.as_str()).collect();
            if kind == ProviderKind::Gemini {
                // Gemini sends no ids: they are made up, distinct, and stable per request.
                assert!(ids.iter().all(|i| !i.is_empty()), "{ids:?}");
                assert_eq!(
                    ids.len(),
                    ids.iter().collect::<std::collections::HashSet<_>>().len()
                );
            } else {
                assert_eq!(ids, ["call_a1", "call_b2", "call_c3"], "{kind}");
            }
            let c = turn.completion.as_ref().expect("completion");
            assert_eq!(c.stop, StopReason::ToolUse, "{kind}");
            assert_eq!(c.usage, TokenUsage::known(812, 96, 200), "{kind}");
            assert_eq!(c.provider, h.settings.name);
            assert_eq!(out.restarts(), 0);
            assert!(
                out.deltas
                    .iter()
                    .filter(|d| matches!(d, Delta::Text { .. }))
                    .count()
                    >= 3,
                "text streams in pieces"
            );
        }
        crate::support::request_rules::assert_valid(Wire::of(kind), &h.server.requests());
    }
}

#[tokio::test]
async fn gemini_ids_are_stable_for_the_same_request() {
    let h = Harness::start(ProviderKind::Gemini).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        h.push_answer(&rich_answer());
        let out = drain(
            h.client()
                .stream(request(), meta(), Arc::new(CollectingSink::new())),
        )
        .await;
        ids.push(
            out.turn()
                .tool_calls
                .iter()
                .map(|c| c.id.clone())
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(ids[0], ids[1]);
}

#[tokio::test]
async fn usage_event_has_tokens_and_cost_from_the_price_table() {
    let prices = PriceTable::builtin();
    for kind in ALL {
        let h = Harness::start(kind).await;
        h.push_answer(&rich_answer());
        let sink = Arc::new(CollectingSink::new());
        drain(h.client().stream(request(), meta(), sink.clone()))
            .await
            .turn();
        let usage = usage_events(&sink.events());
        assert_eq!(
            usage.len(),
            1,
            "{kind}: exactly one Usage per completed call"
        );
        let EventKind::Usage {
            agent,
            task,
            provider,
            model,
            input_tokens,
            output_tokens,
            cached_tokens,
            cost_usd,
            ..
        } = &usage[0]
        else {
            unreachable!()
        };
        assert_eq!((agent.as_str(), task.as_deref()), ("impl-1", Some("t1")));
        assert_eq!(provider, &h.settings.name);
        assert_eq!(
            (*input_tokens, *output_tokens, *cached_tokens),
            (812, 96, 200),
            "{kind}"
        );
        let want = match prices.price(model) {
            Some(p) => {
                (612.0 * p.input + 200.0 * p.cached_input.unwrap_or(p.input) + 96.0 * p.output)
                    / 1e6
            }
            None => 0.0, // a local model has no price
        };
        assert!(
            (cost_usd - want).abs() < 1e-12,
            "{kind}: {cost_usd} vs {want}"
        );
        if kind == ProviderKind::Openai {
            let want = (612.0 * 2.50 + 200.0 * 1.25 + 96.0 * 10.00) / 1e6;
            assert!((cost_usd - want).abs() < 1e-12);
        }
    }
}

#[tokio::test]
async fn missing_usage_is_unknown_not_zero() {
    let h = Harness::start(ProviderKind::OpenaiCompatible).await;
    h.push_answer(&Answer {
        text: vec!["hi".into()],
        usage: None,
        ..Answer::default()
    });
    let out = drain(
        h.client()
            .stream(request(), meta(), Arc::new(CollectingSink::new())),
    )
    .await;
    let c = out.turn().completion.clone().unwrap();
    assert!(c.usage.is_unknown(), "{:?}", c.usage);
    assert_eq!(c.stop, StopReason::EndTurn);
}

#[tokio::test]
async fn thinking_arrives_apart_from_text() {
    for kind in [
        ProviderKind::OpenaiCompatible,
        ProviderKind::OpenaiResponses,
        ProviderKind::Anthropic,
        ProviderKind::Gemini,
    ] {
        let h = Harness::start(kind).await;
        h.push_answer(&Answer {
            thinking: vec!["The bug is ".into(), "a minus sign.".into()],
            text: vec!["Fixed.".into()],
            usage: Some((5, 5, 0)),
            ..Answer::default()
        });
        let out = drain(
            h.client()
                .stream(request(), meta(), Arc::new(CollectingSink::new())),
        )
        .await;
        assert_eq!(out.turn().thinking, "The bug is a minus sign.", "{kind}");
        assert_eq!(out.turn().text, "Fixed.", "{kind}");
    }
}

/// A second turn: the assistant's calls and their results go back to the model.
fn multi_turn() -> conclave::providers::ChatRequest {
    let mut req = request();
    req.messages.push(Message::Assistant {
        text: "Reading it.".into(),
        tool_calls: vec![
            ToolCall::new("toolu_01", "read_file", json!({"path": "calc.py"})),
            ToolCall::new("toolu_02", "read_file", json!({"path": "nope.py"})),
        ],
        text_signature: None,
        reasoning: vec![],
    });
    req.messages.push(Message::ToolResult {
        call_id: "toolu_01".into(),
        tool_name: "read_file".into(),
        content: "1: def add(a, b):".into(),
        is_error: false,
    });
    req.messages.push(Message::ToolResult {
        call_id: "toolu_02".into(),
        tool_name: "read_file".into(),
        content: "no such file".into(),
        is_error: true,
    });
    req
}

#[test]
fn the_test_server_cuts_at_every_awkward_boundary() {
    use rand::SeedableRng;
    let body = "data: {\"t\":\"é→🦀\"}\r\n\r\n".as_bytes();
    let rng = std::sync::Mutex::new(rand::rngs::StdRng::seed_from_u64(1));
    let cuts = crate::support::provider_server::split_points(body, &rng);
    for (i, w) in body.windows(2).enumerate() {
        if w[0] == b'\r' {
            assert!(cuts.contains(&(i + 1)), "a cut between \\r and \\n at {i}");
        }
    }
    let text = std::str::from_utf8(body).unwrap();
    let inside_chars = cuts
        .iter()
        .filter(|&&c| c < body.len() && !text.is_char_boundary(c))
        .count();
    assert!(
        inside_chars >= 3,
        "cuts inside each multi-byte character: {cuts:?}"
    );
}
