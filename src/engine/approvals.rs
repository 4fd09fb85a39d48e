//! The approval desk: every decision point of a run comes here with a stable id, the policy
//! decides or a person is asked, and the answer is recorded before it counts.
//!
//! Owns: asking (ApprovalRequested), answering (ApprovalDecided, `by: policy` or `by: person`),
//! waiting, re-deciding waiting items when the level changes, and the headless stand-in for a
//! person (`--on-approval`). Ids are stable across a resume (`diff-t2-1`), so an approval a
//! person already answered is never asked again and one still pending is waited on as it is.

use super::policy::{decide, Answer, Facts};
use super::run_log::RunLog;
use crate::model::EventSink;
use crate::model::{ApprovalWhat, AutonomyLevel, DecidedBy, Decision, EventKind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// How headless mode answers when a person is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stand {
    /// A person at the TUI answers.
    Person,
    Approve,
    Reject,
    /// Stop the run (exit 3) the first time a person is needed.
    Fail,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub approved: bool,
    pub reason: String,
    pub by: DecidedBy,
    /// For a diff or merge a person approved with some hunks dropped: the ids of the hunks
    /// kept (of the diff the approval names).
    pub keep_hunks: Option<Vec<String>>,
}

/// The run must stop because a person is needed and `--on-approval fail` was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedsPerson {
    pub approval: String,
}

pub struct Request {
    pub id: String,
    pub what: ApprovalWhat,
    pub task: Option<String>,
    pub subject: String,
    pub diff: Option<String>,
    pub facts: Facts,
}

struct Waiting {
    what: ApprovalWhat,
    facts: Facts,
    tx: oneshot::Sender<Verdict>,
}

pub struct Desk {
    log: Arc<RunLog>,
    stand: Stand,
    waiting: Mutex<HashMap<String, Waiting>>,
    /// Set when `Stand::Fail` met its first person-needed item.
    needs_person: Mutex<Option<NeedsPerson>>,
    stop: tokio_util::sync::CancellationToken,
}

impl Desk {
    pub fn new(log: Arc<RunLog>, stand: Stand, stop: tokio_util::sync::CancellationToken) -> Desk {
        Desk {
            log,
            stand,
            waiting: Mutex::new(HashMap::new()),
            needs_person: Mutex::new(None),
            stop,
        }
    }

    fn level(&self) -> AutonomyLevel {
        self.log.with_state(|s| s.level_or_default())
    }

    pub fn needs_person(&self) -> Option<NeedsPerson> {
        self.needs_person
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn record(&self, id: &str, approved: bool, reason: &str, by: DecidedBy) -> Verdict {
        self.record_keeping(id, approved, reason, by, None)
    }

    fn record_keeping(
        &self,
        id: &str,
        approved: bool,
        reason: &str,
        by: DecidedBy,
        keep_hunks: Option<Vec<String>>,
    ) -> Verdict {
        let level = (by == DecidedBy::Policy).then(|| self.level());
        let decision = if approved {
            Decision::Approved
        } else {
            Decision::Rejected
        };
        self.log.emit(EventKind::ApprovalDecided {
            approval: id.to_string(),
            decision,
            reason: reason.to_string(),
            by,
            level,
            keep_hunks: keep_hunks.clone(),
        });
        Verdict {
            approved,
            reason: reason.to_string(),
            by,
            keep_hunks,
        }
    }

    /// Decides one item. Returns `None` only when the run is stopping (cancel or
    /// `--on-approval fail`).
    pub async fn ask(&self, req: Request) -> Option<Verdict> {
        // A resumed run: answered before means answered.
        let seen = self.log.with_state(|s| {
            s.approval(&req.id)
                .map(|a| (a.decision.clone(), a.subject.clone()))
        });
        if let Some((Some(d), _)) = &seen {
            return Some(Verdict {
                approved: d.decision == Decision::Approved,
                reason: d.reason.clone(),
                by: d.by,
                keep_hunks: d.keep_hunks.clone(),
            });
        }
        let mut req = req;
        req.facts.rules = self.rules();
        let answer = decide(req.what, self.level(), &req.facts);
        // A person may answer the moment the request shows: be listening before it does.
        let waits = matches!(answer, Answer::AskPerson { .. }) && self.stand == Stand::Person;
        let mut rx = None;
        if waits {
            let (tx, r) = oneshot::channel();
            self.waiting
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(
                    req.id.clone(),
                    Waiting {
                        what: req.what,
                        facts: req.facts.clone(),
                        tx,
                    },
                );
            rx = Some(r);
        }
        if seen.is_none() {
            self.log.emit(EventKind::ApprovalRequested {
                approval: req.id.clone(),
                what: req.what,
                task: req.task.clone(),
                subject: req.subject.clone(),
                why: answer.why().to_string(),
                diff: req.diff.clone(),
                waits,
            });
        }
        if let Answer::Approve { why } = &answer {
            return Some(self.record(&req.id, true, why, DecidedBy::Policy));
        }
        if let Answer::Refuse { why } = &answer {
            return Some(self.record(&req.id, false, why, DecidedBy::Policy));
        }
        let denied = answer.denied();
        match self.stand {
            Stand::Approve if denied => {
                return Some(self.record(
                    &req.id,
                    false,
                    "refused: deny-listed commands are never approved headless",
                    DecidedBy::Person,
                ))
            }
            Stand::Approve => {
                return Some(self.record(
                    &req.id,
                    true,
                    "approved by --on-approval approve",
                    DecidedBy::Person,
                ))
            }
            Stand::Reject => {
                return Some(self.record(
                    &req.id,
                    false,
                    "rejected by --on-approval reject",
                    DecidedBy::Person,
                ))
            }
            Stand::Fail => {
                *self.needs_person.lock().unwrap_or_else(|p| p.into_inner()) = Some(NeedsPerson {
                    approval: req.id.clone(),
                });
                self.stop.cancel();
                return None;
            }
            Stand::Person => {}
        }
        let rx = rx?;
        tokio::select! {
            v = rx => v.ok(),
            _ = self.stop.cancelled() => None,
        }
    }

    /// A person's answer. Err when nothing with that id waits.
    pub fn answer(&self, id: &str, approved: bool, reason: &str) -> Result<(), String> {
        self.answer_keeping(id, approved, reason, None)
    }

    /// A person's answer, with the hunks kept when only some of a diff's are approved.
    pub fn answer_keeping(
        &self,
        id: &str,
        approved: bool,
        reason: &str,
        keep_hunks: Option<Vec<String>>,
    ) -> Result<(), String> {
        let w = self
            .waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        let Some(w) = w else {
            return Err(format!("approval {id} is not waiting for an answer"));
        };
        if keep_hunks.is_some() && !matches!(w.what, ApprovalWhat::Diff | ApprovalWhat::Merge) {
            self.waiting
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id.to_string(), w);
            return Err(format!(
                "approval {id} is not about a diff: no hunks to keep"
            ));
        }
        let keep_hunks = keep_hunks.filter(|_| approved);
        let v = self.record_keeping(id, approved, reason, DecidedBy::Person, keep_hunks);
        let _ = w.tx.send(v);
        Ok(())
    }

    /// A person's approval that first records something else (an edited plan): the item
    /// leaves the waiting list before `first` runs, so no other answer (the policy after a
    /// level change) slips in between. If `first` refuses, the item waits on unanswered.
    pub fn approve_after(
        &self,
        id: &str,
        what: ApprovalWhat,
        reason: &str,
        first: impl FnOnce() -> Result<(), String>,
    ) -> Result<(), String> {
        let mut waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        let Some(w) = waiting.remove(id) else {
            return Err(format!("approval {id} is not waiting for an answer"));
        };
        if w.what != what {
            waiting.insert(id.to_string(), w);
            return Err(format!(
                "approval {id} is not {} approval",
                crate::util::words::with_article(what.name())
            ));
        }
        drop(waiting);
        if let Err(e) = first() {
            self.waiting
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id.to_string(), w);
            return Err(e);
        }
        let v = self.record(id, true, reason, DecidedBy::Person);
        let _ = w.tx.send(v);
        Ok(())
    }

    /// After a level change or a new rule: lets the policy decide what it now decides
    /// itself (approves, or refuses under a "never" rule).
    pub fn redecide(&self) {
        let level = self.level();
        let rules = self.rules();
        let settled = |w: &Waiting| {
            let mut f = w.facts.clone();
            f.rules = rules.clone();
            let a = decide(w.what, level, &f);
            matches!(a, Answer::Approve { .. } | Answer::Refuse { .. }).then_some(a)
        };
        let ids: Vec<String> = {
            let w = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
            w.iter()
                .filter(|(_, w)| settled(w).is_some())
                .map(|(id, _)| id.clone())
                .collect()
        };
        for id in ids {
            let w = self
                .waiting
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
            if let Some(w) = w {
                let Some(a) = settled(&w) else {
                    self.waiting
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(id, w);
                    continue;
                };
                let v = self.record(&id, a.is_auto(), a.why(), DecidedBy::Policy);
                let _ = w.tx.send(v);
            }
        }
    }

    /// The sticky rules in force (as the log's RulesInForce/RuleSaved/RuleRemoved say).
    fn rules(&self) -> Vec<crate::model::CommandRule> {
        self.log.with_state(|s| s.rules.clone())
    }

    /// The facts of a waiting command approval (for the rule a person saves from it).
    pub fn waiting_command(&self, id: &str) -> Option<Facts> {
        let w = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        w.get(id)
            .filter(|w| w.what == ApprovalWhat::Command && w.facts.command.is_some())
            .map(|w| w.facts.clone())
    }

    pub fn waiting_ids(&self) -> Vec<String> {
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventKind, RunId};
    use crate::store::Store;

    fn plan_request(id: &str) -> Request {
        Request {
            id: id.into(),
            what: ApprovalWhat::Plan,
            task: None,
            subject: "plan of 1 task".into(),
            diff: None,
            facts: Facts::default(),
        }
    }

    /// Two people answer one approval (the local screen and an attached one, or two attached
    /// ones): the first answer decides, the second is refused without an event or a stop.
    #[tokio::test]
    async fn a_second_answer_to_a_decided_approval_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let run = RunId::new_at(1_700_000_000_000);
        let log = Arc::new(RunLog::new(store.create_run(run).unwrap()));
        let stop = tokio_util::sync::CancellationToken::new();
        let desk = Arc::new(Desk::new(log.clone(), Stand::Person, stop.clone()));
        let asking = tokio::spawn({
            let desk = desk.clone();
            async move { desk.ask(plan_request("plan-1")).await }
        });
        while desk.waiting_ids().is_empty() {
            tokio::task::yield_now().await;
        }
        assert_eq!(desk.answer("plan-1", true, ""), Ok(()));
        let second = desk.answer("plan-1", false, "too late");
        assert!(second.unwrap_err().contains("not waiting"));
        // An edited plan arriving second is refused the same way.
        assert!(desk
            .approve_after("plan-1", ApprovalWhat::Plan, "edited", || Ok(()))
            .is_err());
        let verdict = asking.await.unwrap().expect("a verdict");
        assert!(verdict.approved);
        assert_eq!(verdict.by, DecidedBy::Person);
        let decided: Vec<_> = store
            .all_events(run)
            .unwrap()
            .into_iter()
            .filter(|e| matches!(e.kind, EventKind::ApprovalDecided { .. }))
            .collect();
        assert_eq!(decided.len(), 1, "{decided:?}");
        assert!(!stop.is_cancelled(), "the run was stopped");
        // Asked again (a resume), the decided approval is not asked twice.
        let again = desk.ask(plan_request("plan-1")).await.expect("a verdict");
        assert!(again.approved);
        assert!(desk.waiting_ids().is_empty());
    }
}
