//! What a call cost: the price table and the arithmetic.
//!
//! Owns `PriceTable`: the shipped `prices.toml` (embedded at build time), overridden per model
//! by the config's `[pricing."MODEL"]`, and `cost()` from token usage. Must not read files at
//! run time or guess prices: an unknown model costs nothing and says so (`None`).

use super::types::TokenUsage;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// The shipped table, repo root `prices.toml`.
pub const BUILTIN_PRICES: &str = include_str!("../../prices.toml");

/// USD per million tokens.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    pub input: f64,
    pub output: f64,
    /// Cache reads; None prices them as input.
    #[serde(default)]
    pub cached_input: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    /// When the prices were checked (YYYY-MM-DD), shown by `doctor`.
    pub date: String,
    pub models: BTreeMap<String, ModelPrice>,
}

#[derive(Debug, Error)]
#[error("price table: {0}")]
pub struct PriceError(String);

impl Default for PriceTable {
    fn default() -> Self {
        Self::builtin()
    }
}

impl PriceTable {
    /// The shipped table. A unit test proves it parses, so falling back to an empty table
    /// here can only happen to a broken build, never at a user's hands.
    pub fn builtin() -> Self {
        Self::parse(BUILTIN_PRICES).unwrap_or_else(|_| PriceTable {
            date: "unknown".into(),
            models: BTreeMap::new(),
        })
    }

    pub fn parse(toml_text: &str) -> Result<Self, PriceError> {
        let table: PriceTable = toml::from_str(toml_text).map_err(|e| PriceError(e.to_string()))?;
        for (model, p) in &table.models {
            let all = [Some(p.input), Some(p.output), p.cached_input];
            if all.iter().flatten().any(|v| !v.is_finite() || *v < 0.0) {
                return Err(PriceError(format!("model `{model}`: prices must be >= 0")));
            }
        }
        Ok(table)
    }

    /// The shipped table with the config's prices laid over it (a config entry replaces the
    /// shipped one for that model).
    pub fn with_overrides(mut self, overrides: &BTreeMap<String, ModelPrice>) -> Self {
        for (model, price) in overrides {
            self.models.insert(model.clone(), *price);
        }
        self
    }

    /// The price of `model`: exact name first, else the longest listed name that prefixes it
    /// (dated snapshots like `gpt-4o-2024-08-06`, or `models/` paths stripped).
    pub fn price(&self, model: &str) -> Option<&ModelPrice> {
        let model = model.trim_start_matches("models/");
        self.models.get(model).or_else(|| {
            self.models
                .iter()
                .filter(|(name, _)| model.starts_with(name.as_str()))
                .max_by_key(|(name, _)| name.len())
                .map(|(_, p)| p)
        })
    }

    /// USD for one call; None when the model is not in the table. Unknown token counts count
    /// as zero here (there is nothing better to bill).
    pub fn cost(&self, model: &str, usage: &TokenUsage) -> Option<f64> {
        let p = self.price(model)?;
        let input = usage.input_tokens.unwrap_or(0);
        let cached = usage.cached_tokens.unwrap_or(0).min(input);
        let output = usage.output_tokens.unwrap_or(0);
        let per_token = |v: f64| v / 1_000_000.0;
        Some(
            (input - cached) as f64 * per_token(p.input)
                + cached as f64 * per_token(p.cached_input.unwrap_or(p.input))
                + output as f64 * per_token(p.output),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_parses_and_has_the_reference_prices() {
        let t = PriceTable::parse(BUILTIN_PRICES).unwrap();
        assert!(!t.date.is_empty());
        let p = t.price("gpt-4o").unwrap();
        assert_eq!((p.input, p.output), (2.50, 10.00));
        assert_eq!(t.price("claude-sonnet-4-5").unwrap().output, 15.00);
        assert_eq!(t.price("gemini-2.5-flash").unwrap().input, 0.30);
    }

    #[test]
    fn longest_prefix_wins() {
        let t = PriceTable::builtin();
        assert_eq!(t.price("gpt-4o-mini-2024-07-18").unwrap().input, 0.15);
        assert_eq!(t.price("gpt-4o-2024-08-06").unwrap().input, 2.50);
        assert_eq!(t.price("models/gemini-2.5-pro").unwrap().input, 1.25);
        assert!(t.price("qwen2.5-coder:7b").is_none());
    }

    #[test]
    fn cost_splits_cached_input() {
        let t = PriceTable::builtin();
        let c = t.cost("gpt-4o", &TokenUsage::known(1_000_000, 1_000_000, 400_000));
        let want = 0.6 * 2.50 + 0.4 * 1.25 + 10.00;
        assert!((c.unwrap() - want).abs() < 1e-9);
        assert_eq!(t.cost("unknown-model", &TokenUsage::known(5, 5, 0)), None);
    }

    #[test]
    fn overrides_replace_and_add() {
        let mut o = BTreeMap::new();
        o.insert(
            "gpt-4o".to_string(),
            ModelPrice {
                input: 1.0,
                output: 2.0,
                cached_input: None,
            },
        );
        o.insert(
            "local".to_string(),
            ModelPrice {
                input: 0.0,
                output: 0.0,
                cached_input: None,
            },
        );
        let t = PriceTable::builtin().with_overrides(&o);
        assert_eq!(t.price("gpt-4o").unwrap().input, 1.0);
        assert!(t.price("local").is_some());
        assert!(PriceTable::parse("date = \"x\"\n[models.a]\ninput = -1\noutput = 1\n").is_err());
    }
}
