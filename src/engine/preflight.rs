//! What is checked before a run starts, resumes or forks, so it does not fail on its first
//! call: every profile an agent uses (its own and its fallbacks) has the key its kind needs.
//!
//! Owns `missing_keys`. Reads only whether variables are set, never their values, and must
//! not touch the store or the repo (nothing may be written before the check passes).

use crate::config::Config;
use std::collections::BTreeMap;

/// A message naming every unset key variable, the profiles that need it and the agents that
/// use them, or None when all are set.
pub fn missing_keys(config: &Config) -> Option<String> {
    // variable -> (profile (kind), agents using it)
    let mut missing: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for a in &config.agents {
        for (i, s) in config.chain(a).into_iter().enumerate() {
            if !matches!(
                s.api_key(),
                Err(crate::providers::ProviderError::MissingKey { .. })
            ) {
                continue;
            }
            let var = s.key_env().unwrap_or("(none)").to_string();
            let entry = missing
                .entry(var)
                .or_insert_with(|| (format!("profile `{}` ({})", s.name, s.kind), Vec::new()));
            let who = if i == 0 {
                a.name.clone()
            } else {
                format!("{} (fallback)", a.name)
            };
            if !entry.1.contains(&who) {
                entry.1.push(who);
            }
        }
    }
    if missing.is_empty() {
        return None;
    }
    let mut msg = String::from("cannot start: the agents need API keys that are not set:\n");
    for (var, (profile, agents)) in &missing {
        msg.push_str(&format!(
            "  {var} is not set — {profile}, used by {}\n",
            agents.join(", ")
        ));
    }
    let first = missing
        .keys()
        .next()
        .map(String::as_str)
        .unwrap_or("THE_KEY");
    msg.push_str(&format!(
        "Set them (e.g. `export {first}=...`), or point the agents at profiles you have keys for \
         (`provider` and `fallback` of [[agents]] in your config.toml; `conclave doctor` shows \
         which file). `conclave demo` needs no key."
    ));
    Some(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_each_unset_variable_with_its_profile_and_agents() {
        let mut c: Config = toml::from_str(crate::config::DEFAULT_TOML).unwrap();
        for p in c.providers.values_mut() {
            p.api_key_env = Some(format!(
                "CONCLAVE_PREFLIGHT_UNSET_{}",
                p.kind.as_str().to_uppercase()
            ));
        }
        // A set variable is no problem.
        std::env::set_var("CONCLAVE_PREFLIGHT_UNSET_ANTHROPIC", "k");
        let msg = missing_keys(&c).expect("the defaults need keys");
        assert!(msg.contains("CONCLAVE_PREFLIGHT_UNSET_OPENAI is not set — profile `gpt` (openai), used by strategist, impl-1 (fallback), impl-2"), "{msg}");
        assert!(msg.contains("CONCLAVE_PREFLIGHT_UNSET_GEMINI"), "{msg}");
        assert!(!msg.contains("CONCLAVE_PREFLIGHT_UNSET_ANTHROPIC"), "{msg}");
    }
}
