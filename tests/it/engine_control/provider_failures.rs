//! A provider that fails under a real run: a dead primary opens its breaker and the run
//! finishes on the fallback; a refused key fails the task at once and the run says why.

use super::*;

/// A primary that answers every call with 503: the first call spends its retries on it, the
/// breaker opens, and every later call of every agent goes straight to the fallback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_primary_costs_a_few_failed_requests_and_the_run_finishes_on_the_fallback() {
    let mut s = setup(AutonomyLevel::Full).await;
    let dead = Harness::start(ProviderKind::Gemini).await;
    for _ in 0..60 {
        dead.server.push(Reply::status(
            503,
            dead.error_body(503, "UNAVAILABLE", "The model is overloaded."),
        ));
    }
    s.config.providers.insert("dead".into(), dead.profile());
    for a in &mut s.config.agents {
        a.fallback = vec![a.provider.clone()];
        a.provider = "dead".into();
    }
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |_, a| approve(a)).await;
    finished(&end, &events);
    let main = s.on_main();
    assert!(BOTH_LINES.iter().all(|l| main.contains(l)), "{main}");
    // Three attempts of the first call (two retries), then nothing but perhaps one probe.
    let sent = dead.server.requests().len();
    assert!(
        (3..=4).contains(&sent),
        "the dead primary got {sent} requests"
    );
    let opened: Vec<&Event> = events
        .iter()
        .filter(|e| {
            matches!(&e.kind, EventKind::Circuit { provider, state, .. }
                if provider == "dead" && *state == conclave::model::CircuitState::Open)
        })
        .collect();
    assert_eq!(opened.len(), 1, "the breaker opened once");
    let EventKind::Circuit { reason, .. } = &opened[0].kind else {
        unreachable!()
    };
    assert!(reason.contains("overloaded"), "{reason}");
}

/// An implementer whose only key is refused: the task fails at once, without spending its
/// retries on the same refusal, and the run says why in words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_fails_the_task_at_once_and_the_run_says_why() {
    let mut s = setup(AutonomyLevel::Full).await;
    std::env::set_var("CONCLAVE_TEST_WRONG_KEY", "sk-wrong-0000");
    s.config.providers.get_mut("impl").unwrap().api_key_env =
        Some("CONCLAVE_TEST_WRONG_KEY".into());
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |_, a| approve(a)).await;
    assert_eq!(end, DriveEnd::Finished(RunOutcome::Failed));
    assert_eq!(
        s.implementer.server.requests().len(),
        1,
        "a 401 is neither retried nor tried again by a new attempt"
    );
    let reason = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::RunFinished { reason, .. } => reason.clone(),
            _ => None,
        })
        .expect("a failed run says why");
    assert!(
        reason.contains("t1") && reason.contains("refused the key in CONCLAVE_TEST_WRONG_KEY"),
        "{reason}"
    );
    assert!(
        !reason.contains("sk-wrong"),
        "the key never shows: {reason}"
    );
    let state = conclave::model::fold(&events);
    let said: String = state.transcripts[state.agent_index("impl-1").unwrap()]
        .iter()
        .filter(|t| t.part == TranscriptPart::System)
        .map(|t| t.text.as_str())
        .collect();
    assert!(said.contains("✗ `impl` refused the key"), "{said}");
    assert!(said.contains("Not retried"), "{said}");
}
