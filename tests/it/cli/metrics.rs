//! `--metrics ADDR` through the real binary.
//!
//! - A headless run at level 3 against the OpenAI test server: the strategist plans (its
//!   turn reports usage), the implementer's request stalls, so the run stays live while the
//!   test scrapes `/metrics` over real HTTP and reads what a Prometheus user would: the
//!   strategist's tokens, a KPI with its target, the running task, the store's write
//!   latency; in both text formats, with a 404 elsewhere, and no key or goal text anywhere.
//! - An address other machines can reach is refused (exit 2) naming it and
//!   `--metrics-public`; so are a malformed address and a port already taken, before anything
//!   is created.

use crate::support::harness::{tool_answer, Harness};
use crate::support::provider_server::Reply;
use crate::support::repo::repo_with;
use crate::support::runs::{conclave, text, usage_error};
use crate::support::{KEY, KEY_ENV};
use conclave::providers::ProviderKind;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(90);
const GOAL: &str = "write the release notes (goal text that must not reach the metrics)";

/// One GET over a fresh connection: (status line and headers, body).
fn get(addr: &str, path: &str, accept: Option<&str>) -> (String, String) {
    let mut s = std::net::TcpStream::connect(addr).expect("connect to the metrics port");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{accept}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").expect("an HTTP response");
    (head.to_string(), body.to_string())
}

/// `name{labels}` → value for every sample line.
fn samples(body: &str) -> BTreeMap<String, f64> {
    body.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let (series, v) = l.rsplit_once(' ')?;
            Some((series.to_string(), v.parse().ok()?))
        })
        .collect()
}

/// The value of the one series whose name is `name` and whose labels contain `labels`.
fn value(m: &BTreeMap<String, f64>, name: &str, labels: &str) -> Option<f64> {
    m.iter()
        .find(|(k, _)| k.split('{').next() == Some(name) && k.contains(labels))
        .map(|(_, v)| *v)
}

fn config(h: &Harness, dir: &std::path::Path) -> std::path::PathBuf {
    crate::support::runs::one_profile_config(
        dir,
        &h.server.base_url(),
        KEY_ENV,
        "# The implementer's stalled request keeps the run live.\nidle_timeout_s = 600\n",
    )
}

#[test]
fn a_live_run_is_scraped_over_http_with_real_values() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let h = rt.block_on(Harness::start(ProviderKind::Openai));
    h.server.push_when(
        "\"submit_plan\"",
        Reply::sse(
            h.events(&tool_answer(
                "One task.",
                vec![(
                    "submit_plan",
                    json!({"tasks": [{"id": "t1", "title": "Notes", "description": "Write NOTES.md", "kind": "docs", "deps": [], "priority": 1}]}),
                )],
            ))
            .concat(),
        ),
    );
    for _ in 0..3 {
        h.server.push_when("\"write_file\"", Reply::Stall);
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let repo = dir.path().join("repo");
    repo_with(&repo, &[("README.md", b"hello\n")]);
    let cfg = config(&h, dir.path());
    let mut child = conclave(&data)
        .env(KEY_ENV, KEY)
        .arg("--config")
        .arg(&cfg)
        .arg("--repo")
        .arg(&repo)
        .args([
            "run",
            "--headless",
            "--level",
            "3",
            "--on-approval",
            "approve",
            "--metrics",
            "127.0.0.1:0",
            GOAL,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Both pipes are drained all along, so the child never blocks on a full one.
    let mut stdout = child.stdout.take().unwrap();
    let events = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let (tx, lines) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let started = Instant::now();
    let mut said = Vec::new();
    let addr = loop {
        let left = DEADLINE.saturating_sub(started.elapsed());
        match lines.recv_timeout(left) {
            Ok(l) => {
                if let Some(url) = l.strip_prefix("metrics: http://") {
                    break url.strip_suffix("/metrics").expect("…/metrics").to_string();
                }
                said.push(l);
            }
            Err(_) => {
                let _ = child.kill();
                panic!("no `metrics: http://…` line on stderr; it said: {said:?}");
            }
        }
    };
    assert!(
        addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
        "{addr}"
    );

    // Wait for the strategist's turn to count and the implementer's request to hang.
    let strategist = "agent=\"strategist\"";
    let (head, body) = loop {
        let (head, body) = get(&addr, "/metrics", None);
        let m = samples(&body);
        let planned =
            value(&m, "conclave_agent_input_tokens_total", strategist).unwrap_or(0.0) > 0.0;
        let stalled = h
            .server
            .requests()
            .iter()
            .any(|r| r.raw_body.contains("\"write_file\""));
        if planned && stalled {
            break (head, body);
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before it was scraped live:\n{body}");
        }
        assert!(
            started.elapsed() < DEADLINE,
            "the run never got to the implementer; last scrape:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(child.try_wait().unwrap().is_none(), "the run is live");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("text/plain; version=0.0.4"), "{head}");
    let m = samples(&body);
    let v = |name: &str, labels: &str| {
        value(&m, name, labels).unwrap_or_else(|| panic!("no {name}{{{labels}}} in\n{body}"))
    };
    // The strategist's turn: usage (900 in, 80 out) as the server reported it.
    assert_eq!(v("conclave_agent_input_tokens_total", strategist), 900.0);
    assert_eq!(v("conclave_agent_output_tokens_total", strategist), 80.0);
    assert_eq!(v("conclave_agent_requests_total", strategist), 1.0);
    assert!(v("conclave_agent_cost_usd_total", strategist) > 0.0);
    assert!(body.contains("provider=\"gpt\",model=\"gpt-4o\""), "{body}");
    assert!(v("conclave_agent_latency_p95_seconds", strategist) >= 0.0);
    // The implementer is at work on t1 and has no answer yet.
    assert_eq!(v("conclave_agent_requests_total", "agent=\"impl\""), 0.0);
    assert_eq!(v("conclave_tasks", "status=\"running\""), 1.0);
    assert_eq!(v("conclave_run_level", ""), 3.0);
    // A KPI with its target: the router assigned the one task.
    assert_eq!(v("conclave_kpi_ratio", "kpi=\"routing\""), 1.0);
    assert_eq!(v("conclave_kpi_target_ratio", "kpi=\"routing\""), 0.8);
    assert_eq!(v("conclave_kpi_met", "kpi=\"routing\""), 1.0);
    // The store's writes were timed.
    assert!(
        v(
            "conclave_store_write_duration_seconds_count",
            "op=\"append\""
        ) > 0.0
    );
    assert!(v("conclave_store_write_duration_seconds_sum", "op=\"append\"") > 0.0);
    assert!(m.keys().all(|k| k.starts_with("conclave_")), "{body}");

    // Prometheus asks for OpenMetrics and gets it.
    let (om_head, om) = get(
        &addr,
        "/metrics",
        Some("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.1"),
    );
    assert!(
        om_head.contains("application/openmetrics-text; version=1.0.0"),
        "{om_head}"
    );
    assert!(
        om.ends_with("# EOF\n") && om.contains("# UNIT conclave_kpi_ratio ratio"),
        "{om}"
    );
    let (nf, _) = get(&addr, "/", None);
    assert!(nf.starts_with("HTTP/1.1 404"), "{nf}");
    for (what, s) in [("text", &body), ("openmetrics", &om)] {
        assert!(!s.contains(KEY), "the key reached the {what} metrics");
        assert!(
            !s.contains("release notes"),
            "the goal reached the {what} metrics"
        );
    }

    let _ = child.kill();
    let _ = child.wait();
    let printed = events.join().unwrap();
    assert!(printed.contains("\"kind\":\"PlanProposed\""), "{printed}");
}

#[test]
fn an_address_others_can_reach_needs_metrics_public() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("calc");
    let cases: [&[&str]; 3] = [
        &["run", "--headless", "--metrics", "0.0.0.0:0", "fix it"],
        &["resume", "01ZZZ", "--headless", "--metrics", "[::]:9477"],
        &[
            "demo",
            "--headless",
            "--metrics",
            "192.0.2.7:9477",
            "--dir",
            "calc",
        ],
    ];
    for args in cases {
        let mut c = conclave(dir.path());
        c.args(args);
        let err = usage_error(c);
        let given = args[args.iter().position(|a| *a == "--metrics").unwrap() + 1];
        assert!(
            err.contains(&format!("--metrics {given}")) && err.contains("--metrics-public"),
            "{args:?}: {err}"
        );
        assert!(err.contains("not a loopback address"), "{err}");
    }
    // Refused before anything was made: no sample repo, no run.
    assert!(!demo.exists());
    let listed = conclave(dir.path())
        .args(["runs", "--json"])
        .output()
        .unwrap();
    assert_eq!(text(&listed.stdout).trim(), "[]");

    let mut c = conclave(dir.path());
    c.args(["run", "--headless", "--metrics", "metrics-please", "x"]);
    assert!(usage_error(c).contains("--metrics metrics-please: not HOST:PORT"));
    let mut c = conclave(dir.path());
    c.args(["run", "--headless", "--metrics-public", "x"]);
    assert!(usage_error(c).contains("--metrics"));
    // A port already taken is named, with what to do.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut c = conclave(dir.path());
    c.args([
        "demo",
        "--headless",
        "--metrics",
        &format!("127.0.0.1:{port}"),
        "--dir",
        "calc",
    ]);
    let err = usage_error(c);
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(!demo.exists());
}
