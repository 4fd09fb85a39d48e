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
