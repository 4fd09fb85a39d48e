//! Sticky command rules in the store's memory tree, under `rule/<repo>/<id>`: saved from an
//! approval prompt ("always allow `cargo test` here", "never `git push`"), listed and removed
//! by the TUI and `conclave rules`, and handed to the policy through the run's state.
//!
//! Owns keys, ids (`r1`, `r2`, … from a counter, so a removed id is never reused) and the
//! one-rule-per-prefix invariant. Must not decide anything (the policy applies rules) and
//! must not emit events (the engine's command handler does).

use crate::model::{CommandRule, RuleEffect};
use crate::store::{Memory, StoreError};
use std::path::Path;

const NEXT_ID: &str = "rule-next-id";

/// The key a repo's rules are kept under: its canonical root path (as given when it does
/// not resolve, so a moved repo's rules can still be listed and removed).
pub fn repo_key(root: &Path) -> String {
    std::fs::canonicalize(root)
        .unwrap_or_else(|_| root.to_path_buf())
        .display()
        .to_string()
}

fn key(repo: &str, id: &str) -> String {
    format!("rule/{repo}/{id}")
}

/// Every rule of every repo, oldest first.
pub fn all(memory: &Memory) -> Result<Vec<CommandRule>, StoreError> {
    let mut v: Vec<CommandRule> = memory
        .scan::<CommandRule>("rule/")?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    v.sort_by_key(|r| (r.created_at_ms, id_number(&r.id)));
    Ok(v)
}

/// The rules of one repo (`repo` as [`repo_key`] gives it), oldest first.
pub fn for_repo(memory: &Memory, repo: &str) -> Result<Vec<CommandRule>, StoreError> {
    Ok(all(memory)?
        .into_iter()
        .filter(|r| r.repo == repo)
        .collect())
}

fn id_number(id: &str) -> u64 {
    id.strip_prefix('r')
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

/// Saves a rule for `prefix` in `repo`. A rule for the same prefix is replaced (the newest
/// word counts); the same rule again is returned as it is.
pub fn save(
    memory: &Memory,
    repo: &str,
    prefix: Vec<String>,
    effect: RuleEffect,
    now_ms: u64,
) -> Result<CommandRule, StoreError> {
    for old in for_repo(memory, repo)? {
        if old.prefix == prefix {
            if old.effect == effect {
                return Ok(old);
            }
            memory.remove(&key(repo, &old.id))?;
        }
    }
    let n: u64 = memory.get(NEXT_ID)?.unwrap_or(1);
    memory.put(NEXT_ID, &(n + 1))?;
    let rule = CommandRule {
        id: format!("r{n}"),
        repo: repo.to_string(),
        prefix,
        effect,
        created_at_ms: now_ms,
    };
    memory.put(&key(repo, &rule.id), &rule)?;
    Ok(rule)
}

/// Removes the rule with `id` (whatever its repo); the rule removed, or None if none has it.
pub fn remove(memory: &Memory, id: &str) -> Result<Option<CommandRule>, StoreError> {
    let Some(rule) = all(memory)?.into_iter().find(|r| r.id == id) else {
        return Ok(None);
    };
    memory.remove(&key(&rule.repo, &rule.id))?;
    Ok(Some(rule))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rules_are_kept_per_repo_replaced_per_prefix_and_removed_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let m = store.memory().unwrap();
        let a = save(&m, "/r/a", words(&["cargo", "test"]), RuleEffect::Allow, 1).unwrap();
        let b = save(&m, "/r/ab", words(&["git", "push"]), RuleEffect::Deny, 2).unwrap();
        assert_eq!((a.id.as_str(), b.id.as_str()), ("r1", "r2"));
        assert_eq!(
            save(&m, "/r/a", words(&["cargo", "test"]), RuleEffect::Allow, 3).unwrap(),
            a
        );
        assert_eq!(for_repo(&m, "/r/a").unwrap(), vec![a.clone()]);
        let c = save(&m, "/r/a", words(&["cargo", "test"]), RuleEffect::Deny, 4).unwrap();
        assert_eq!(c.id, "r3");
        assert_eq!(for_repo(&m, "/r/a").unwrap(), vec![c.clone()]);
        assert_eq!(all(&m).unwrap().len(), 2);
        assert_eq!(remove(&m, "r3").unwrap(), Some(c));
        assert_eq!(remove(&m, "r3").unwrap(), None);
        assert!(for_repo(&m, "/r/a").unwrap().is_empty());
        // A removed id is not given again.
        let d = save(&m, "/r/a", words(&["make", "check"]), RuleEffect::Allow, 5).unwrap();
        assert_eq!(d.id, "r4");
    }
}
