//! The exporter's outcome as a scraper sees it: events folded by the reducer, rendered,
//! parsed back; and a real store's writes timed and served over a real socket.

use super::*;
use crate::model::{
    apply, AgentSpec, AssignReason, AutonomyLevel, Event, EventKind, PlannedTask, Role, RunId,
    RunState, TaskKind, TaskStatus,
};
use std::collections::BTreeMap;

const GOAL: &str = "make the parser fast; key sk-live-MARKER-0123456789abcdef";

fn run_id() -> RunId {
    "01JD7AAAAAAAAAAAAAAAAAAAAA".parse().unwrap()
}

fn task(id: &str) -> PlannedTask {
    PlannedTask {
        id: id.into(),
        title: format!("task {id}"),
        description: String::new(),
        kind: TaskKind::Feature,
        deps: vec![],
        priority: 2,
        estimate_min: None,
        risk: None,
    }
}

fn usage(agent: &str, model: &str, input: u64, output: u64, cost: f64, ms: u64) -> EventKind {
    EventKind::Usage {
        agent: agent.into(),
        task: None,
        provider: "gpt".into(),
        model: model.into(),
        input_tokens: input,
        output_tokens: output,
        cached_tokens: 100,
        cost_usd: cost,
        unpriced: false,
        ms,
    }
}

/// A small run: a plan of two tasks, one routed and one picked by a person, a provider
/// error the implementer recovers from, one task done.
fn sample() -> Vec<EventKind> {
    let agent = |name: &str, role, provider: &str, model: &str| AgentSpec {
        name: name.into(),
        role,
        provider: provider.into(),
        model: model.into(),
    };
    vec![
        EventKind::RunStarted {
            repo: "/work/repo".into(),
            base_commit: "abc123".into(),
            branch: "main".into(),
            goal: GOAL.into(),
            level: AutonomyLevel::Strategic,
            agents: vec![
                agent("strategist", Role::Strategist, "gpt", "gpt-4o"),
                agent("impl-1", Role::Implementer, "claude", "claude-sonnet-4-5"),
            ],
            parent: None,
            config: None,
        },
        EventKind::PlanProposed {
            agent: "strategist".into(),
            tasks: vec![task("t1"), task("t2")],
        },
        usage("strategist", "gpt-4o", 1200, 300, 0.0105, 2000),
        EventKind::TaskAssigned {
            task: "t1".into(),
            agent: "impl-1".into(),
            why: AssignReason::Router,
        },
        EventKind::TaskAssigned {
            task: "t2".into(),
            agent: "impl-1".into(),
            why: AssignReason::Manual,
        },
        EventKind::TaskStatus {
            task: "t1".into(),
            status: TaskStatus::Running,
        },
        EventKind::ProviderError {
            agent: "impl-1".into(),
            provider: "claude".into(),
            error: "529 overloaded".into(),
            attempt: 1,
            retry_in_ms: Some(500),
            fallback: None,
            advice: None,
        },
        usage("impl-1", "claude-sonnet-4-5", 500, 50, 0.002, 800),
        EventKind::TaskStatus {
            task: "t1".into(),
            status: TaskStatus::Done,
        },
    ]
}

fn fold(kinds: Vec<EventKind>) -> RunState {
    let mut s = RunState::default();
    for (seq, kind) in kinds.into_iter().enumerate() {
        let e = Event {
            run: run_id(),
            seq: seq as u64,
            at_ms: 1_732_400_000_000 + seq as u64 * 1000,
            kind,
        };
        apply(&mut s, &e);
    }
    s
}

/// `name{labels}` → value, for every sample line.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').expect("`series value`");
            let v = value
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("a number in {l}"));
            (series.to_string(), v)
        })
        .collect()
}

fn agent(name: &str, role: &str, provider: &str, model: &str) -> String {
    format!("agent=\"{name}\",role=\"{role}\",provider=\"{provider}\",model=\"{model}\"")
}

#[test]
fn a_folded_run_reads_back_as_its_numbers() {
    let state = fold(sample());
    let text = render(Some(&state), &StoreWrites::default(), Format::Prometheus);
    let m = samples(&text);
    let get = |k: &str| *m.get(k).unwrap_or_else(|| panic!("no {k} in\n{text}"));
    let strategist = agent("strategist", "strategist", "gpt", "gpt-4o");
    let implementer = agent("impl-1", "implementer", "claude", "claude-sonnet-4-5");
    assert_eq!(
        get(&format!(
            "conclave_agent_input_tokens_total{{{strategist}}}"
        )),
        1200.0
    );
    assert_eq!(
        get(&format!(
            "conclave_agent_output_tokens_total{{{strategist}}}"
        )),
        300.0
    );
    assert_eq!(
        get(&format!(
            "conclave_agent_cached_tokens_total{{{strategist}}}"
        )),
        100.0
    );
    assert_eq!(
        get(&format!("conclave_agent_cost_usd_total{{{strategist}}}")),
        0.0105
    );
    assert_eq!(
        get(&format!("conclave_agent_requests_total{{{implementer}}}")),
        1.0
    );
    assert_eq!(
        get(&format!("conclave_agent_errors_total{{{implementer}}}")),
        1.0
    );
    assert_eq!(
        get(&format!("conclave_agent_errors_total{{{strategist}}}")),
        0.0
    );
    assert_eq!(
        get(&format!(
            "conclave_agent_latency_p50_seconds{{{strategist}}}"
        )),
        2.0
    );
    assert_eq!(
        get(&format!(
            "conclave_agent_latency_p95_seconds{{{implementer}}}"
        )),
        0.8
    );
    assert_eq!(get("conclave_tasks{status=\"done\"}"), 1.0);
    assert_eq!(get("conclave_tasks{status=\"running\"}"), 0.0);
    assert_eq!(get("conclave_tasks{status=\"failed\"}"), 0.0);
    let tasks: f64 = m
        .iter()
        .filter(|(k, _)| k.starts_with("conclave_tasks{"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(tasks, 2.0);
    assert_eq!(get("conclave_run_level"), 3.0);
    assert_eq!(get("conclave_run_events_total"), 9.0);
    assert_eq!(
        get("conclave_run_info{run=\"01JD7AAAAAAAAAAAAAAAAAAAAA\",status=\"running\"}"),
        1.0
    );
    // One of two assignments by the router: 50 %, short of its 80 % target.
    assert_eq!(get("conclave_kpi_ratio{kpi=\"routing\"}"), 0.5);
    assert_eq!(
        get("conclave_kpi_target_ratio{kpi=\"routing\",comparison=\"at_least\"}"),
        0.8
    );
    assert_eq!(get("conclave_kpi_met{kpi=\"routing\"}"), 0.0);
    // The implementer's error was followed by a successful call.
    assert_eq!(get("conclave_kpi_ratio{kpi=\"recovery\"}"), 1.0);
    assert_eq!(get("conclave_kpi_met{kpi=\"recovery\"}"), 1.0);
    assert_eq!(
        get("conclave_kpi_target_ratio{kpi=\"task_time_variation\",comparison=\"below\"}"),
        0.1
    );
    // Nothing measured yet: no series, not a made-up zero; every target is there anyway.
    assert!(!m.contains_key("conclave_kpi_ratio{kpi=\"gate_first_pass\"}"));
    assert_eq!(
        m.keys()
            .filter(|k| k.starts_with("conclave_kpi_target_ratio{"))
            .count(),
        7
    );
    assert!(
        !text.contains("MARKER") && !text.contains("parser fast"),
        "{text}"
    );
}

#[test]
fn every_family_has_help_and_type_and_every_name_the_prefix() {
    let state = fold(sample());
    for format in [Format::Prometheus, Format::OpenMetrics] {
        let text = render(Some(&state), &StoreWrites::default(), format);
        let helped: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# HELP "))
            .map(|l| l.split(' ').next().unwrap_or(""))
            .collect();
        let typed = text.lines().filter(|l| l.starts_with("# TYPE ")).count();
        assert_eq!(helped.len(), typed, "{text}");
        for (series, _) in samples(&text) {
            assert!(series.starts_with("conclave_"), "{series}");
            let name = series.split('{').next().unwrap_or_default();
            assert!(
                helped.iter().any(|h| name.starts_with(h)),
                "{name} has no HELP in\n{text}"
            );
        }
        assert_eq!(
            text.ends_with("# EOF\n"),
            format == Format::OpenMetrics,
            "{text}"
        );
    }
}

#[test]
fn the_exposition_of_the_sample_run() {
    // Series order within a family follows a hash map, so the snapshot is sorted by line.
    let text = render(
        Some(&fold(sample())),
        &StoreWrites::default(),
        Format::OpenMetrics,
    );
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn before_a_run_exists_only_the_store_is_shown() {
    let text = render(None, &StoreWrites::default(), Format::Prometheus);
    let m = samples(&text);
    assert_eq!(
        m.get("conclave_store_write_duration_seconds_count{op=\"append\"}"),
        Some(&0.0)
    );
    assert!(!text.contains("conclave_tasks"), "{text}");
}

fn scrape(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http url");
    let (host, path) = rest.split_once('/').expect("a path");
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").expect("a response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_string()
}

#[test]
fn a_real_logs_writes_are_timed_and_served() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::store::Store::open(dir.path()).unwrap();
    let log = Arc::new(RunLog::new(store.create_run(run_id()).unwrap()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = Listener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = listener.url();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/metrics"),
        "{url}"
    );
    assert_ne!(listener.addr().port(), 0);
    let exporter = {
        let _g = rt.enter();
        listener.serve().unwrap()
    };
    let before = samples(&scrape(&url));
    assert!(!before.keys().any(|k| k.starts_with("conclave_tasks")));
    exporter.follow(&log);
    let events = sample();
    let n = events.len() as u64;
    for kind in events {
        log.append(kind).unwrap();
    }
    log.flush().unwrap();
    let body = scrape(&url);
    let m = samples(&body);
    // The writer thread writes what queued meanwhile as one batch: one timing per batch.
    let appends = m["conclave_store_write_duration_seconds_count{op=\"append\"}"];
    assert!((1.0..=n as f64).contains(&appends), "{appends} of {n}");
    assert_eq!(
        m["conclave_store_write_duration_seconds_count{op=\"flush\"}"],
        1.0
    );
    assert!(m["conclave_store_write_duration_seconds_sum{op=\"append\"}"] > 0.0);
    assert_eq!(m["conclave_tasks{status=\"done\"}"], 1.0);
    assert!(!body.contains("MARKER"), "{body}");
    drop(exporter);
    drop(rt);
}
