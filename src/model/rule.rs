//! Sticky command rules a person saved: "always allow `cargo test` in this repo", "never
//! `git push`". The type lives in the model because events carry rules (saved, removed, in
//! force at run start) and the reducer keeps them in `RunState` for the TUI and replays.
//!
//! Owns the rule's shape, how it reads, and whether it matches a command's words. Must not
//! store rules (`engine/rules.rs` does) or decide anything (the policy does).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleEffect {
    Allow,
    Deny,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandRule {
    /// Short and unique among the store's rules (`r1`, `r2`, …).
    pub id: String,
    /// The repository's canonical root path.
    pub repo: String,
    /// The argv words a command starts with (`["cargo", "test"]`).
    pub prefix: Vec<String>,
    pub effect: RuleEffect,
    pub created_at_ms: u64,
}

impl CommandRule {
    /// Whether a command whose rule prefix is `words` falls under this rule.
    pub fn covers(&self, words: &[String]) -> bool {
        !self.prefix.is_empty() && words.starts_with(&self.prefix)
    }

    pub fn prefix_text(&self) -> String {
        self.prefix.join(" ")
    }

    /// As a decision's reason names it: "rule r3: always allow `cargo test` in this repo".
    pub fn describe(&self) -> String {
        match self.effect {
            RuleEffect::Allow => format!(
                "rule {}: always allow `{}` in this repo",
                self.id,
                self.prefix_text()
            ),
            RuleEffect::Deny => {
                format!(
                    "rule {}: never `{}` in this repo",
                    self.id,
                    self.prefix_text()
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{fold, Event, EventKind, RunId};

    fn rule(id: &str, words: &[&str], effect: RuleEffect) -> CommandRule {
        CommandRule {
            id: id.into(),
            repo: "/r".into(),
            prefix: words.iter().map(|w| w.to_string()).collect(),
            effect,
            created_at_ms: 1,
        }
    }

    #[test]
    fn the_reducer_keeps_the_rules_in_force() {
        let run = RunId::new_at(1_700_000_000_000);
        let kinds = vec![
            EventKind::RulesInForce {
                rules: vec![rule("r1", &["cargo", "test"], RuleEffect::Allow)],
            },
            EventKind::RuleSaved {
                rule: rule("r2", &["git", "push"], RuleEffect::Deny),
                approval: Some("cmd-t1-1-1".into()),
            },
            EventKind::RuleSaved {
                rule: rule("r2", &["git", "push"], RuleEffect::Deny),
                approval: None,
            },
            EventKind::RuleRemoved { id: "r1".into() },
        ];
        let events: Vec<Event> = kinds
            .into_iter()
            .enumerate()
            .map(|(i, kind)| Event {
                run,
                seq: i as u64,
                at_ms: 1_700_000_000_000 + i as u64,
                kind,
            })
            .collect();
        let s = fold(&events);
        assert_eq!(
            s.rules,
            vec![rule("r2", &["git", "push"], RuleEffect::Deny)]
        );
        assert_eq!(s.anomaly_count, 0, "{:?}", s.anomalies);
    }

    #[test]
    fn a_rule_covers_commands_starting_with_its_words() {
        let r = rule("r1", &["cargo", "test"], RuleEffect::Allow);
        let w = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert!(r.covers(&w("cargo test")));
        assert!(!r.covers(&w("cargo build")));
        assert!(!r.covers(&w("cargo")));
        assert_eq!(
            r.describe(),
            "rule r1: always allow `cargo test` in this repo"
        );
        let empty = rule("r9", &[], RuleEffect::Deny);
        assert!(!empty.covers(&w("ls")));
    }
}
