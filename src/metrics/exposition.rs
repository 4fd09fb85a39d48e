//! What `/metrics` says: a run's state (design §9) and the store's write latency, encoded by
//! `prometheus-client` in the OpenMetrics or the Prometheus text format.
//!
//! Owns the metric names, HELP texts and labels. Every number comes from `RunState`, which
//! the reducer folded from the run's events (style: derived numbers are computed once, in
//! the reducer), so the endpoint, the TUI's metrics pane and `runs --json` agree. A scrape
//! builds a fresh registry from the state, so nothing here keeps a second copy of the run.
//! Must not include anything a run's text holds (goal, prompts, transcripts, keys): only
//! numbers and the names of agents, roles, profiles and models.

use super::store_writes::StoreWrites;
use crate::model::kpi::{kpi_rows, Target};
use crate::model::{AgentState, RunState, TaskStatus, USAGE_WINDOW};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};
use std::sync::atomic::AtomicU64;

/// Every metric name starts with this and `_`.
pub const PREFIX: &str = "conclave";

/// The two text formats a scraper may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    OpenMetrics,
    Prometheus,
}

impl Format {
    /// OpenMetrics when the scraper's `Accept` header asks for it (Prometheus does), else the
    /// classic text format that curl and a browser show as they are.
    pub fn from_accept(accept: Option<&str>) -> Format {
        match accept {
            Some(a) if a.contains("application/openmetrics-text") => Format::OpenMetrics,
            _ => Format::Prometheus,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Prometheus => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        }
    }
}

/// The exposition for `run` (none before the run exists) and the store's write latency.
pub fn render(run: Option<&RunState>, writes: &StoreWrites, format: Format) -> String {
    let mut r = Registry::with_prefix(PREFIX);
    if let Some(s) = run {
        run_metrics(&mut r, s);
        agent_metrics(&mut r, s);
    }
    writes.register(&mut r);
    let mut out = String::new();
    let encoded = match format {
        Format::OpenMetrics => prometheus_client::encoding::text::encode(&mut out, &r),
        Format::Prometheus => prometheus_client::encoding::prometheus_text::encode(&mut out, &r),
    };
    // Encoding into a String cannot fail short of a bug in the encoder; an empty body then
    // says less than a half-written one would.
    if encoded.is_err() {
        out.clear();
    }
    out
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunInfo {
    run: String,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KpiLabel {
    kpi: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TargetLabels {
    kpi: &'static str,
    /// `at_least` or `below`: how the value must compare with the target to meet it.
    comparison: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AgentLabels {
    agent: String,
    role: &'static str,
    /// The agent's provider profile and model as the run recorded them (empty if unknown).
    provider: String,
    model: String,
}

type Ratio = Gauge<f64, AtomicU64>;
type Usd = Counter<f64, AtomicU64>;

const STATUSES: [(TaskStatus, &str); 10] = [
    (TaskStatus::Pending, "pending"),
    (TaskStatus::Ready, "ready"),
    (TaskStatus::Running, "running"),
    (TaskStatus::Gates, "gates"),
    (TaskStatus::Review, "review"),
    (TaskStatus::AwaitingApproval, "awaiting_approval"),
    (TaskStatus::Merging, "merging"),
    (TaskStatus::Done, "done"),
    (TaskStatus::Failed, "failed"),
    (TaskStatus::Cancelled, "cancelled"),
];

fn run_metrics(r: &mut Registry, s: &RunState) {
    if let Some(run) = s.run {
        r.register(
            "run",
            "The run this process drives, and how it stands",
            Info::new(RunInfo {
                run: run.to_string(),
                status: s.status.name(),
            }),
        );
    }
    let level: Gauge = Gauge::default();
    level.set(s.level.map_or(0, |l| i64::from(l.number())));
    r.register(
        "run_level",
        "Autonomy level in force, 1 (a person approves everything) to 5",
        level,
    );
    let events: Counter = Counter::default();
    events.inc_by(s.next_seq);
    r.register("run_events", "Events in the run's log", events);

    let tasks = Family::<StatusLabel, Gauge>::default();
    for (status, name) in STATUSES {
        tasks
            .get_or_create(&StatusLabel { status: name })
            .set(i64::from(s.count(status)));
    }
    r.register("tasks", "Tasks of the run's plan in each status", tasks);
    let pending: Gauge = Gauge::default();
    pending.set(i64::from(s.pending_approvals));
    r.register(
        "approvals_pending",
        "Approvals waiting for an answer",
        pending,
    );

    let value = Family::<KpiLabel, Ratio>::default();
    let target = Family::<TargetLabels, Ratio>::default();
    let met = Family::<KpiLabel, Gauge>::default();
    for (kpi, _, v, t) in kpi_rows(&s.kpis) {
        let (comparison, line) = match t {
            Target::AtLeast(x) => ("at_least", x),
            Target::Below(x) => ("below", x),
        };
        target
            .get_or_create(&TargetLabels { kpi, comparison })
            .set(line);
        // A KPI with nothing to measure yet has no series rather than a made-up number.
        if let Some(v) = v {
            value.get_or_create(&KpiLabel { kpi }).set(v);
            met.get_or_create(&KpiLabel { kpi })
                .set(i64::from(t.met(v)));
        }
    }
    r.register_with_unit(
        "kpi",
        "The run's success metrics (design §9) as a share from 0 to 1; absent until there is \
         something to measure",
        Unit::Other("ratio".into()),
        value,
    );
    r.register_with_unit(
        "kpi_target",
        "The target of each success metric; `comparison` says whether the value must be at \
         least the target or below it",
        Unit::Other("ratio".into()),
        target,
    );
    r.register(
        "kpi_met",
        "1 when a success metric meets its target, 0 when it misses it",
        met,
    );
}

fn agent_labels(a: &AgentState) -> AgentLabels {
    AgentLabels {
        agent: a.name.clone(),
        role: a.role.map_or("", |r| r.name()),
        provider: a.provider.clone(),
        model: a.model.clone(),
    }
}

fn agent_metrics(r: &mut Registry, s: &RunState) {
    let input = Family::<AgentLabels, Counter>::default();
    let output = Family::<AgentLabels, Counter>::default();
    let cached = Family::<AgentLabels, Counter>::default();
    let cost = Family::<AgentLabels, Usd>::default();
    let requests = Family::<AgentLabels, Counter>::default();
    let errors = Family::<AgentLabels, Counter>::default();
    let p50 = Family::<AgentLabels, Ratio>::default();
    let p95 = Family::<AgentLabels, Ratio>::default();
    for a in &s.agents {
        let l = agent_labels(a);
        let u = &a.usage;
        input.get_or_create(&l).inc_by(u.input_tokens);
        output.get_or_create(&l).inc_by(u.output_tokens);
        cached.get_or_create(&l).inc_by(u.cached_tokens);
        cost.get_or_create(&l).inc_by(u.cost_usd.max(0.0));
        requests.get_or_create(&l).inc_by(u.requests);
        errors.get_or_create(&l).inc_by(a.errors);
        if !a.latencies_ms.is_empty() {
            p50.get_or_create(&l).set(a.latency_p50_ms as f64 / 1000.0);
            p95.get_or_create(&l).set(a.latency_p95_ms as f64 / 1000.0);
        }
    }
    let tokens = || Unit::Other("tokens".into());
    r.register_with_unit(
        "agent_input",
        "Prompt tokens the agent's model calls sent",
        tokens(),
        input,
    );
    r.register_with_unit(
        "agent_output",
        "Tokens the agent's model calls produced",
        tokens(),
        output,
    );
    r.register_with_unit(
        "agent_cached",
        "Prompt tokens the provider served from its cache",
        tokens(),
        cached,
    );
    r.register_with_unit(
        "agent_cost",
        "What the agent's model calls cost, in US dollars, from the pricing table",
        Unit::Other("usd".into()),
        cost,
    );
    r.register(
        "agent_requests",
        "Model calls the agent completed",
        requests,
    );
    r.register(
        "agent_errors",
        "Provider errors the agent met (each failed attempt, retried or not)",
        errors,
    );
    r.register_with_unit(
        "agent_latency_p50",
        format!("Median latency of the agent's last {USAGE_WINDOW} model calls"),
        Unit::Seconds,
        p50,
    );
    r.register_with_unit(
        "agent_latency_p95",
        format!("95th percentile latency of the agent's last {USAGE_WINDOW} model calls"),
        Unit::Seconds,
        p95,
    );
}
