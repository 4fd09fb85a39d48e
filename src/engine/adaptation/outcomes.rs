//! Outcome statistics per agent × task kind, kept in the store's memory tree under
//! `stats/<agent>/<kind>` so they survive restarts (design §8, used at level 5).
//!
//! Owns the record's shape, its key and the rates derived from it. Must not decide routing
//! (`router_score` does) or write anything but its own keys.
//!
//! `record` reads, adds and writes back: it is not atomic, so the engine records from one
//! place (its run loop) rather than from concurrent tasks.

use crate::model::TaskKind;
use crate::store::Memory;
use crate::store::Result;
use serde::{Deserialize, Serialize};

/// What happened to one task an agent worked on, reported once the task ended.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The task ended done (merged), not failed or cancelled.
    pub done: bool,
    /// Every gate passed on the first round.
    pub first_pass: bool,
    /// Reviews that approved.
    pub approvals: u32,
    /// Reviews that requested changes.
    pub change_requests: u32,
    /// Rounds after the first (gate failures or change requests sent back).
    pub retries: u32,
    pub cost_usd: f64,
    /// Wall time the agent spent on the task.
    pub ms: u64,
}

/// The sums over every recorded outcome of one agent on one task kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutcomeStats {
    pub attempts: u64,
    pub done: u64,
    pub first_pass: u64,
    pub approvals: u64,
    pub change_requests: u64,
    pub retries: u64,
    pub cost_usd: f64,
    pub ms: u64,
}

/// `stats/<agent>/<kind>`; `%` and `/` in the agent's name are escaped so one agent's keys
/// can never be read as another's (`a/b` would otherwise look like agent `a`, kind `b`).
pub fn stats_key(agent: &str, kind: TaskKind) -> String {
    format!("stats/{}/{}", escape(agent), kind.name())
}

fn escape(agent: &str) -> String {
    agent.replace('%', "%25").replace('/', "%2F")
}

impl OutcomeStats {
    /// Adds `outcome` to the stored statistics of `agent` on `kind` and returns the new sums;
    /// they are on disk when this returns.
    pub fn record(
        memory: &Memory,
        agent: &str,
        kind: TaskKind,
        outcome: &Outcome,
    ) -> Result<OutcomeStats> {
        let key = stats_key(agent, kind);
        let mut stats: OutcomeStats = memory.get(&key)?.unwrap_or_default();
        stats.add(outcome);
        memory.put(&key, &stats)?;
        Ok(stats)
    }

    /// The statistics of `agent` on `kind`; empty when there is no history (or the entry no
    /// longer decodes, which must not stop a run).
    pub fn load(memory: &Memory, agent: &str, kind: TaskKind) -> Result<OutcomeStats> {
        Ok(memory.get(&stats_key(agent, kind))?.unwrap_or_default())
    }

    /// Everything recorded for `agent`, by kind, e.g. for a screen showing its record.
    pub fn load_agent(memory: &Memory, agent: &str) -> Result<Vec<(String, OutcomeStats)>> {
        let prefix = format!("stats/{}/", escape(agent));
        Ok(memory
            .scan::<OutcomeStats>(&prefix)?
            .into_iter()
            .map(|(k, v)| (k[prefix.len()..].to_string(), v))
            .collect())
    }

    /// The sum of every agent's statistics on `kind` (the retry budget is tuned on these).
    pub fn load_kind_total(memory: &Memory, kind: TaskKind) -> Result<OutcomeStats> {
        let suffix = format!("/{}", kind.name());
        let mut total = OutcomeStats::default();
        for (k, v) in memory.scan::<OutcomeStats>("stats/")? {
            if k.ends_with(&suffix) {
                total.merge(&v);
            }
        }
        Ok(total)
    }

    pub fn add(&mut self, o: &Outcome) {
        self.attempts += 1;
        self.done += u64::from(o.done);
        self.first_pass += u64::from(o.first_pass);
        self.approvals += u64::from(o.approvals);
        self.change_requests += u64::from(o.change_requests);
        self.retries += u64::from(o.retries);
        // A provider without pricing reports NaN or nothing; it must not poison the sums.
        if o.cost_usd.is_finite() && o.cost_usd > 0.0 {
            self.cost_usd += o.cost_usd;
        }
        self.ms = self.ms.saturating_add(o.ms);
    }

    pub fn merge(&mut self, o: &OutcomeStats) {
        self.attempts += o.attempts;
        self.done += o.done;
        self.first_pass += o.first_pass;
        self.approvals += o.approvals;
        self.change_requests += o.change_requests;
        self.retries += o.retries;
        if o.cost_usd.is_finite() && o.cost_usd > 0.0 {
            self.cost_usd += o.cost_usd;
        }
        self.ms = self.ms.saturating_add(o.ms);
    }

    fn rate(num: u64, den: u64) -> Option<f64> {
        (den > 0).then(|| num as f64 / den as f64)
    }

    /// Share of attempts that ended done.
    pub fn done_rate(&self) -> Option<f64> {
        Self::rate(self.done, self.attempts)
    }

    /// Share of attempts whose gates passed on the first round.
    pub fn first_pass_rate(&self) -> Option<f64> {
        Self::rate(self.first_pass, self.attempts)
    }

    /// Share of reviews that approved.
    pub fn approval_rate(&self) -> Option<f64> {
        Self::rate(self.approvals, self.approvals + self.change_requests)
    }

    /// Share of attempts that did not pass the first round but ended done after retries.
    pub fn rescue_rate(&self) -> Option<f64> {
        let needed_retry = self.attempts.saturating_sub(self.first_pass);
        let rescued = self.done.saturating_sub(self.first_pass).min(needed_retry);
        Self::rate(rescued, needed_retry)
    }

    pub fn mean_cost_usd(&self) -> Option<f64> {
        (self.attempts > 0 && self.cost_usd.is_finite())
            .then(|| self.cost_usd / self.attempts as f64)
    }

    pub fn mean_ms(&self) -> Option<f64> {
        (self.attempts > 0).then(|| self.ms as f64 / self.attempts as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_collide_across_agents() {
        assert_eq!(stats_key("impl-1", TaskKind::Bugfix), "stats/impl-1/bugfix");
        assert_eq!(stats_key("a/b", TaskKind::Test), "stats/a%2Fb/test");
        assert_ne!(
            stats_key("a%2Fb", TaskKind::Test),
            stats_key("a/b", TaskKind::Test)
        );
    }

    #[test]
    fn kind_names_match_the_wire() {
        for k in [
            TaskKind::Feature,
            TaskKind::Bugfix,
            TaskKind::Test,
            TaskKind::Refactor,
            TaskKind::Docs,
            TaskKind::Perf,
            TaskKind::Security,
            TaskKind::Conflict,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.name());
        }
    }

    #[test]
    fn rates_and_bad_costs() {
        let mut s = OutcomeStats::default();
        assert_eq!(s.done_rate(), None);
        s.add(&Outcome {
            done: true,
            first_pass: false,
            approvals: 1,
            change_requests: 1,
            retries: 1,
            cost_usd: f64::NAN,
            ms: 1000,
        });
        s.add(&Outcome {
            done: false,
            cost_usd: 0.5,
            ms: 3000,
            ..Outcome::default()
        });
        assert_eq!(s.done_rate(), Some(0.5));
        assert_eq!(s.first_pass_rate(), Some(0.0));
        assert_eq!(s.approval_rate(), Some(0.5));
        assert_eq!(s.rescue_rate(), Some(0.5));
        assert_eq!(s.mean_cost_usd(), Some(0.25));
        assert_eq!(s.mean_ms(), Some(2000.0));
    }
}
