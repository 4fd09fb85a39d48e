//! Outcome adaptation on a real sled store: recorded outcomes move the router's preference,
//! the preference survives closing and reopening the store, exploration is deterministic
//! given the rng, and the tuning rules behave at their boundaries.

use conclave::engine::adaptation::{
    score_agents, score_stats, stats_key, tune_parallelism, tune_retry_budget, Outcome,
    OutcomeStats, MAX_PARALLELISM, MAX_RETRY_BUDGET, MIN_PARALLELISM, MIN_RETRY_BUDGET,
};
use conclave::model::TaskKind;
use conclave::store::Store;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

fn success(cost: f64, ms: u64) -> Outcome {
    Outcome {
        done: true,
        first_pass: true,
        approvals: 1,
        change_requests: 0,
        retries: 0,
        cost_usd: cost,
        ms,
    }
}

fn failure(cost: f64, ms: u64) -> Outcome {
    Outcome {
        done: false,
        first_pass: false,
        approvals: 0,
        change_requests: 2,
        retries: 2,
        cost_usd: cost,
        ms,
    }
}

fn names(ranked: &[(String, f64, String)]) -> Vec<&str> {
    ranked.iter().map(|(n, _, _)| n.as_str()).collect()
}

#[test]
fn recorded_outcomes_shift_the_preference_and_it_survives_reopening() {
    let tmp = tempfile::tempdir().unwrap();
    let candidates = ["impl-a", "impl-b"];
    let before_reopen;
    {
        let store = Store::open(tmp.path()).unwrap();
        let memory = store.memory().unwrap();
        // No history: both get the optimistic prior; equal scores keep the caller's order.
        let ranked = score_agents(
            &memory,
            &candidates,
            TaskKind::Bugfix,
            0.0,
            &mut StdRng::seed_from_u64(7),
        )
        .unwrap();
        assert_eq!(names(&ranked), ["impl-a", "impl-b"]);
        assert_eq!(ranked[0].1, ranked[1].1);
        assert!(ranked[1].2.contains("no history yet"), "{}", ranked[1].2);

        // impl-a does well first...
        for _ in 0..3 {
            OutcomeStats::record(&memory, "impl-a", TaskKind::Bugfix, &success(0.10, 30_000))
                .unwrap();
        }
        let ranked = score_agents(
            &memory,
            &candidates,
            TaskKind::Bugfix,
            0.0,
            &mut StdRng::seed_from_u64(7),
        )
        .unwrap();
        assert_eq!(names(&ranked), ["impl-a", "impl-b"]);

        // ...then keeps failing while impl-b succeeds: the preference moves to impl-b.
        for _ in 0..6 {
            OutcomeStats::record(&memory, "impl-a", TaskKind::Bugfix, &failure(0.30, 90_000))
                .unwrap();
            OutcomeStats::record(&memory, "impl-b", TaskKind::Bugfix, &success(0.10, 30_000))
                .unwrap();
        }
        let ranked = score_agents(
            &memory,
            &candidates,
            TaskKind::Bugfix,
            0.0,
            &mut StdRng::seed_from_u64(7),
        )
        .unwrap();
        assert_eq!(names(&ranked), ["impl-b", "impl-a"]);
        assert!(ranked[0].1 > ranked[1].1 + 0.2, "{ranked:#?}");
        assert!(
            ranked[0].2.starts_with("impl-b on bugfix: 6 tasks, 6 done, 6 first-pass, 6/6 reviews approved, $0.100/task, 30.0 s/task"),
            "{}",
            ranked[0].2
        );
        // Another kind has its own record: no history there.
        let docs = score_agents(
            &memory,
            &candidates,
            TaskKind::Docs,
            0.0,
            &mut StdRng::seed_from_u64(7),
        )
        .unwrap();
        assert_eq!(docs[0].1, docs[1].1);
        before_reopen = ranked;
    }
    let store = Store::open(tmp.path()).unwrap();
    let memory = store.memory().unwrap();
    let after = score_agents(
        &memory,
        &candidates,
        TaskKind::Bugfix,
        0.0,
        &mut StdRng::seed_from_u64(7),
    )
    .unwrap();
    assert_eq!(after, before_reopen);
    let a = OutcomeStats::load(&memory, "impl-a", TaskKind::Bugfix).unwrap();
    assert_eq!(
        (
            a.attempts,
            a.done,
            a.first_pass,
            a.approvals,
            a.change_requests,
            a.retries
        ),
        (9, 3, 3, 3, 12, 12)
    );
    assert!((a.cost_usd - 2.1).abs() < 1e-9);
    assert_eq!(a.ms, 3 * 30_000 + 6 * 90_000);
}

#[test]
fn stats_are_listed_per_agent_and_summed_per_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let memory = store.memory().unwrap();
    OutcomeStats::record(&memory, "team/impl", TaskKind::Test, &success(0.2, 10)).unwrap();
    OutcomeStats::record(&memory, "team/impl", TaskKind::Bugfix, &failure(0.2, 10)).unwrap();
    OutcomeStats::record(&memory, "team", TaskKind::Test, &failure(0.1, 10)).unwrap();
    let mine = OutcomeStats::load_agent(&memory, "team/impl").unwrap();
    let kinds: Vec<&str> = mine.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["bugfix", "test"]);
    // `team` is not confused with `team/impl`.
    assert_eq!(OutcomeStats::load_agent(&memory, "team").unwrap().len(), 1);
    let total = OutcomeStats::load_kind_total(&memory, TaskKind::Test).unwrap();
    assert_eq!((total.attempts, total.done), (2, 1));
}

#[test]
fn an_unreadable_entry_counts_as_no_history_and_is_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let memory = store.memory().unwrap();
    let key = stats_key("impl-1", TaskKind::Perf);
    memory.put(&key, &"not a record").unwrap();
    assert_eq!(
        OutcomeStats::load(&memory, "impl-1", TaskKind::Perf).unwrap(),
        OutcomeStats::default()
    );
    let s = OutcomeStats::record(&memory, "impl-1", TaskKind::Perf, &success(0.0, 5)).unwrap();
    assert_eq!(s.attempts, 1);
}

#[test]
fn exploration_is_deterministic_and_gives_newcomers_some_tasks() {
    let veteran = OutcomeStats {
        attempts: 20,
        done: 20,
        first_pass: 19,
        approvals: 18,
        change_requests: 2,
        ..OutcomeStats::default()
    };
    let stats = [("veteran", veteran), ("newcomer", OutcomeStats::default())];
    let run = |seed: u64, explore: f64| {
        score_stats(
            &stats,
            TaskKind::Feature,
            explore,
            &mut StdRng::seed_from_u64(seed),
        )
    };
    assert_eq!(run(42, 0.3), run(42, 0.3));
    // Greedy: the veteran always, whatever the seed.
    assert!((0..50).all(|s| run(s, 0.0)[0].0 == "veteran"));
    let newcomer_wins = (0..200).filter(|&s| run(s, 0.3)[0].0 == "newcomer").count();
    assert!(
        (10..=120).contains(&newcomer_wins),
        "newcomer first in {newcomer_wins} of 200"
    );
}

fn stats(attempts: u64, first_pass: u64, done: u64) -> OutcomeStats {
    OutcomeStats {
        attempts,
        first_pass,
        done,
        ..OutcomeStats::default()
    }
}

#[test]
fn retry_budget_rules_at_their_boundaries() {
    // 4 tasks needed a retry: too few to judge.
    let t = tune_retry_budget(&stats(10, 6, 10), 2);
    assert_eq!((t.value, t.changed()), (2, false));
    assert!(
        t.reason.contains("only 4 tasks needed a retry"),
        "{}",
        t.reason
    );
    // Exactly 50% rescued with failures left: one more.
    let t = tune_retry_budget(&stats(20, 10, 15), 2);
    assert_eq!((t.value, t.changed()), (3, true));
    assert!(
        t.reason
            .starts_with("retry budget 2 → 3: retries rescued 5 of 10"),
        "{}",
        t.reason
    );
    // 40%: keep.
    assert_eq!(tune_retry_budget(&stats(20, 10, 14), 2).value, 2);
    // Exactly 20%: keep; 10%: one fewer.
    assert_eq!(tune_retry_budget(&stats(20, 10, 12), 2).value, 2);
    let t = tune_retry_budget(&stats(20, 10, 11), 2);
    assert_eq!(t.value, 1);
    assert!(t.reason.contains("mostly spend money"), "{}", t.reason);
    // All rescued, none failed: nothing to gain from more.
    let t = tune_retry_budget(&stats(20, 10, 20), 2);
    assert_eq!(t.value, 2);
    assert!(t.reason.contains("no task failed"), "{}", t.reason);
    // Bounds hold.
    assert_eq!(
        tune_retry_budget(&stats(20, 10, 15), MAX_RETRY_BUDGET).value,
        MAX_RETRY_BUDGET
    );
    assert_eq!(
        tune_retry_budget(&stats(20, 10, 10), MIN_RETRY_BUDGET).value,
        MIN_RETRY_BUDGET
    );
    let t = tune_retry_budget(&stats(0, 0, 0), 0);
    assert_eq!(
        (t.value, t.previous, t.changed()),
        (MIN_RETRY_BUDGET, 0, true)
    );
    assert!(
        t.reason.starts_with("retry budget 0 → 1: outside"),
        "{}",
        t.reason
    );
}

#[test]
fn parallelism_rules_at_their_boundaries() {
    let v = |c: f64, f: f64, cur: u32| tune_parallelism(c, f, cur).value;
    // Conflicts: 25% keeps, just over lowers.
    assert_eq!(v(0.25, 0.3, 3), 3);
    assert_eq!(v(0.2501, 0.3, 3), 2);
    // Failures: 50% keeps, just over lowers.
    assert_eq!(v(0.1, 0.5, 3), 3);
    assert_eq!(v(0.1, 0.5001, 3), 2);
    // Raising needs both under their low marks, strictly.
    assert_eq!(v(0.05, 0.1, 3), 3);
    assert_eq!(v(0.01, 0.2, 3), 3);
    assert_eq!(v(0.0499, 0.1999, 3), 4);
    // Bounds, bad input, out-of-range current values.
    assert_eq!(v(0.0, 0.0, MAX_PARALLELISM), MAX_PARALLELISM);
    assert_eq!(v(0.9, 0.9, MIN_PARALLELISM), MIN_PARALLELISM);
    assert_eq!(v(f64::NAN, 0.0, 3), 3);
    assert_eq!(v(0.1, f64::INFINITY, 3), 3);
    assert_eq!(v(0.1, 0.3, 0), 1);
    assert_eq!(v(0.1, 0.3, 99), MAX_PARALLELISM);
    let t = tune_parallelism(0.4, 0.0, 4);
    assert_eq!(
        t.reason,
        "parallelism 4 → 3: 40% of merges conflicted (over 25%), so parallel tasks are editing the same code"
    );
}

fn any_stats() -> impl Strategy<Value = OutcomeStats> {
    (
        0u64..40,
        0u64..40,
        0u64..40,
        0u64..20,
        0u64..20,
        0.0f64..20.0,
        0u64..10_000_000,
    )
        .prop_map(|(attempts, d, f, ap, cr, cost, ms)| OutcomeStats {
            attempts,
            done: d.min(attempts),
            first_pass: f.min(attempts),
            approvals: ap,
            change_requests: cr,
            retries: cr,
            cost_usd: if attempts > 0 { cost } else { 0.0 },
            ms: if attempts > 0 { ms } else { 0 },
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn scores_are_finite_complete_sorted_and_reproducible(
        records in proptest::collection::vec(any_stats(), 1..6),
        explore in 0.0f64..1.0,
        seed in any::<u64>(),
    ) {
        let names: Vec<String> = (0..records.len()).map(|i| format!("agent-{i}")).collect();
        let stats: Vec<(&str, OutcomeStats)> = names.iter().map(String::as_str).zip(records.iter().cloned()).collect();
        let a = score_stats(&stats, TaskKind::Refactor, explore, &mut StdRng::seed_from_u64(seed));
        let b = score_stats(&stats, TaskKind::Refactor, explore, &mut StdRng::seed_from_u64(seed));
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.len(), stats.len());
        prop_assert!(a.iter().all(|(_, s, _)| s.is_finite()));
        prop_assert!(a.windows(2).all(|w| w[0].1 >= w[1].1));
        // Exploration only ever adds up to `explore`.
        let greedy = score_stats(&stats, TaskKind::Refactor, 0.0, &mut StdRng::seed_from_u64(seed ^ 1));
        for (name, s, _) in &a {
            let g = greedy.iter().find(|(n, _, _)| n == name).map(|(_, s, _)| *s).unwrap_or(f64::NAN);
            prop_assert!(*s >= g - 1e-12 && *s <= g + explore + 1e-12);
        }
    }

    #[test]
    fn tuning_moves_at_most_one_step_within_bounds(
        s in any_stats(),
        current in 0u32..12,
        c in -0.5f64..1.5,
        f in -0.5f64..1.5,
    ) {
        let r = tune_retry_budget(&s, current);
        prop_assert!((MIN_RETRY_BUDGET..=MAX_RETRY_BUDGET).contains(&r.value));
        prop_assert!(r.value.abs_diff(current.clamp(MIN_RETRY_BUDGET, MAX_RETRY_BUDGET)) <= 1);
        prop_assert!(!r.reason.is_empty());
        let p = tune_parallelism(c, f, current);
        prop_assert!((MIN_PARALLELISM..=MAX_PARALLELISM).contains(&p.value));
        prop_assert!(p.value.abs_diff(current.clamp(MIN_PARALLELISM, MAX_PARALLELISM)) <= 1);
        prop_assert_eq!(p.changed(), p.value != current);
    }
}
