use super::*;
use crate::providers::ToolCall;
use proptest::prelude::*;
use serde_json::json;

fn convo(turns: &[Vec<usize>]) -> Vec<Message> {
    let mut m = vec![Message::User {
        text: "Your task t1: do it".into(),
    }];
    let mut n = 0;
    for calls in turns {
        let tool_calls: Vec<ToolCall> = calls
            .iter()
            .map(|_| {
                n += 1;
                ToolCall::new(
                    format!("c{n}"),
                    "read_file",
                    json!({"path": format!("f{n}.rs")}),
                )
            })
            .collect();
        let ids: Vec<String> = tool_calls.iter().map(|c| c.id.clone()).collect();
        m.push(Message::Assistant {
            text: "reading".into(),
            tool_calls,
            text_signature: None,
            reasoning: Vec::new(),
        });
        for (id, size) in ids.iter().zip(calls) {
            m.push(Message::ToolResult {
                call_id: id.clone(),
                tool_name: "read_file".into(),
                content: "x".repeat(*size),
                is_error: false,
            });
        }
    }
    m
}

/// Every tool result answers a call of the model turn just before it.
fn paired(m: &[Message]) -> bool {
    let mut open: Vec<String> = Vec::new();
    for msg in m {
        match msg {
            Message::Assistant { tool_calls, .. } => {
                open = tool_calls.iter().map(|c| c.id.clone()).collect();
            }
            Message::ToolResult { call_id, .. } => {
                if !open.contains(call_id) {
                    return false;
                }
            }
            Message::User { .. } => {}
        }
    }
    true
}

#[test]
fn nothing_changes_well_under_the_window() {
    let mut m = convo(&[vec![100], vec![100]]);
    let before = m.clone();
    assert_eq!(Compactor::new(100_000, 8_000).fit("sys", &mut m, &[]), None);
    // No window (a scripted provider) never overflows or compacts.
    assert_eq!(
        Compactor::new(u64::MAX, 8_192).fit("sys", &mut m, &[]),
        None
    );
    assert_eq!(m, before);
}

#[test]
fn old_outputs_become_stubs_first_then_old_turns_go() {
    // Five turns of 30 KB reads against a 32k window.
    let mut m = convo(&vec![vec![30_000]; 5]);
    let mut c = Compactor::new(32_000, 4_000);
    let fit = c.fit("sys", &mut m, &[]).expect("compacted");
    assert!(fit.tokens_after <= 28_000 * 7 / 10, "{fit:?}");
    assert!(
        fit.removed[0].starts_with("output of read_file f1.rs (29.3 KB)"),
        "{fit:?}"
    );
    assert!(paired(&m));
    // The newest turn's output is whole.
    let Some(Message::ToolResult { content, .. }) = m.last() else {
        panic!()
    };
    assert_eq!(content.len(), 30_000);
    // Two 30 KB outputs alone pass the target: the older turns went, and the second newest
    // output became a stub that names the call, so the model can make it again.
    assert_eq!(
        m.iter()
            .filter(|x| matches!(x, Message::Assistant { .. }))
            .count(),
        2
    );
    let stubbed = m.iter().any(|x| {
        matches!(x, Message::ToolResult { content, .. }
        if content.contains("read_file f4.rs gave 29.3 KB; call it again"))
    });
    assert!(stubbed, "{m:#?}");
}

#[test]
fn turns_are_dropped_with_their_results_and_the_first_message_says_so() {
    // Many turns with small outputs: stubbing gains nothing, so whole turns go.
    let mut m = convo(&vec![vec![400, 400]; 200]);
    let mut c = Compactor::new(16_000, 2_000);
    let fit = c.fit("sys", &mut m, &[]).expect("compacted");
    assert!(fit.tokens_after <= 14_000 * 7 / 10, "{fit:?}");
    assert!(paired(&m));
    let Message::User { text } = &m[0] else {
        panic!()
    };
    assert!(
        text.starts_with("Your task t1: do it\n\n[Context note: "),
        "{text}"
    );
    assert!(text.contains("read_file ×"), "{text}");
    // Again later: the note counts everything dropped so far, once.
    m.extend(convo(&vec![vec![400, 400]; 100]).into_iter().skip(1));
    c.fit("sys", &mut m, &[]).expect("compacted again");
    let Message::User { text } = &m[0] else {
        panic!()
    };
    assert_eq!(text.matches("[Context note").count(), 1, "{text}");
}

proptest! {
    #[test]
    fn fitting_keeps_pairs_the_task_and_the_newest_turn(
        turns in prop::collection::vec(prop::collection::vec(0usize..20_000, 0..4), 1..40),
        window in 4_000u64..200_000,
    ) {
        let mut m = convo(&turns);
        let newest_turn: Vec<Message> = {
            let i = m.iter().rposition(|x| matches!(x, Message::Assistant { .. })).unwrap();
            m[i..].to_vec()
        };
        let mut c = Compactor::new(window, 1_000);
        let fit = c.fit("system prompt", &mut m, &[]);
        prop_assert!(paired(&m));
        let starts = matches!(&m[0], Message::User { text } if text.starts_with("Your task t1: do it"));
        prop_assert!(starts);
        let i = m.iter().rposition(|x| matches!(x, Message::Assistant { .. })).unwrap();
        prop_assert_eq!(&m[i..], &newest_turn[..]);
        if let Some(f) = fit {
            prop_assert!(f.tokens_after <= f.tokens_before);
            prop_assert!(!f.removed.is_empty());
            let target = window.saturating_sub(1_000) / 10 * 7;
            // Over the target only when nothing is left to take: two turns, old outputs stubbed.
            if f.tokens_after > target {
                let turns = m.iter().filter(|x| matches!(x, Message::Assistant { .. })).count();
                prop_assert!(turns <= 2);
                let big_old = m[..i].iter().any(|x| matches!(x, Message::ToolResult { content, .. }
                    if content.len() > STUB_MIN && !content.starts_with("[output removed")));
                prop_assert!(!big_old);
            }
        }
    }
}
