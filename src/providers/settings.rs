//! A provider profile as the providers see it, and the API key read from the environment.
//!
//! Owns `ProviderSettings` (the config module converts its profiles into it), `ProviderKind`
//! with each kind's defaults, and `ApiKey`. Must not read config files and must never hold a
//! key: keys are read at call time from the variable named in `api_key_env`, and `ApiKey`
//! neither prints, serialises nor appears in `Debug`.

use super::error::ProviderError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Which wire a profile speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    Openai,
    Anthropic,
    Gemini,
    OpenaiCompatible,
    /// OpenAI's Responses API (`/v1/responses`), which its newest models and Codex use.
    OpenaiResponses,
    Scripted,
}

impl ProviderKind {
    /// The name used in config files and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Openai => "openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Gemini => "gemini",
            ProviderKind::OpenaiCompatible => "openai-compatible",
            ProviderKind::OpenaiResponses => "openai-responses",
            ProviderKind::Scripted => "scripted",
        }
    }

    /// Where requests go when the profile names no base_url (providers.md). An
    /// openai-compatible server has no default: the profile must say where it is.
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            ProviderKind::Openai | ProviderKind::OpenaiResponses => {
                Some("https://api.openai.com/v1")
            }
            ProviderKind::Anthropic => Some("https://api.anthropic.com"),
            ProviderKind::Gemini => Some("https://generativelanguage.googleapis.com"),
            ProviderKind::OpenaiCompatible | ProviderKind::Scripted => None,
        }
    }

    /// The variable a key is read from when the profile names none.
    pub fn default_key_env(self) -> Option<&'static str> {
        match self {
            ProviderKind::Openai | ProviderKind::OpenaiResponses => Some("OPENAI_API_KEY"),
            ProviderKind::Anthropic => Some("ANTHROPIC_API_KEY"),
            ProviderKind::Gemini => Some("GEMINI_API_KEY"),
            ProviderKind::OpenaiCompatible | ProviderKind::Scripted => None,
        }
    }

    /// Local servers (Ollama, llama.cpp) take no key, so a missing one is no error there.
    pub fn key_required(self) -> bool {
        matches!(
            self,
            ProviderKind::Openai
                | ProviderKind::OpenaiResponses
                | ProviderKind::Anthropic
                | ProviderKind::Gemini
        )
    }
}

/// A model's context window in tokens when its profile names none: the published windows of
/// the families conclave knows, a cautious 32k for local servers (their window is whatever
/// they were started with) and 128k otherwise. A scripted provider has no window.
pub fn default_context_tokens(kind: ProviderKind, model: &str) -> u64 {
    let m = model.to_ascii_lowercase();
    match kind {
        ProviderKind::Scripted => u64::MAX,
        ProviderKind::OpenaiCompatible => 32_768,
        _ if m.starts_with("gemini") => 1_000_000,
        _ if m.starts_with("claude") => 200_000,
        _ if m.starts_with("gpt-5") || m.contains("codex") => 400_000,
        _ if m.starts_with("gpt-4.1") => 1_000_000,
        _ if m.starts_with('o') => 200_000,
        _ => 128_000,
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ProviderKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "openai" => Ok(ProviderKind::Openai),
            "anthropic" => Ok(ProviderKind::Anthropic),
            "gemini" => Ok(ProviderKind::Gemini),
            "openai-compatible" => Ok(ProviderKind::OpenaiCompatible),
            "openai-responses" => Ok(ProviderKind::OpenaiResponses),
            "scripted" => Ok(ProviderKind::Scripted),
            other => Err(format!(
                "unknown provider kind `{other}` (expected openai, openai-responses, \
                 anthropic, gemini, openai-compatible or scripted)"
            )),
        }
    }
}

/// One provider profile, ready to use. Holds the *name* of the key's variable, never the key,
/// so deriving `Debug` and `Serialize` is safe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProviderSettings {
    /// The profile's name in config (`[providers.NAME]`); events name providers by it.
    pub name: String,
    pub kind: ProviderKind,
    pub model: String,
    /// None: the kind's default (required for openai-compatible).
    pub base_url: Option<String>,
    /// The environment variable holding the key. None: the kind's default variable.
    pub api_key_env: Option<String>,
    /// The JSONL file the scripted provider replays.
    pub cassette: Option<PathBuf>,
    /// A stream (or a server before its headers) silent this long is stalled: abort, retry.
    #[serde(with = "duration_ms")]
    pub idle_timeout: Duration,
    #[serde(with = "duration_ms")]
    pub connect_timeout: Duration,
    /// The scripted provider's pause between streamed pieces (zero: as fast as it can).
    #[serde(default, with = "duration_ms")]
    pub pace: Duration,
    /// Whether to send OpenAI's `stream_options.include_usage` (some compatible servers
    /// reject unknown fields). Ignored by the other wires.
    pub stream_usage: bool,
}

impl ProviderSettings {
    /// A profile with the kind's defaults: 90 s idle timeout, 10 s connect timeout.
    pub fn new(name: impl Into<String>, kind: ProviderKind, model: impl Into<String>) -> Self {
        ProviderSettings {
            name: name.into(),
            kind,
            model: model.into(),
            base_url: None,
            api_key_env: None,
            cassette: None,
            idle_timeout: Duration::from_secs(90),
            connect_timeout: Duration::from_secs(10),
            pace: Duration::ZERO,
            stream_usage: true,
        }
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn effective_base_url(&self) -> Result<String, ProviderError> {
        let url = match (&self.base_url, self.kind.default_base_url()) {
            (Some(u), _) if !u.trim().is_empty() => u.trim().to_string(),
            (_, Some(d)) => d.to_string(),
            _ => {
                return Err(ProviderError::Config {
                    profile: self.name.clone(),
                    message: format!(
                        "{} profile needs base_url (e.g. http://127.0.0.1:11434/v1)",
                        crate::util::words::with_article(&self.kind.to_string())
                    ),
                })
            }
        };
        Ok(url.trim_end_matches('/').to_string())
    }

    /// The variable the key is read from, if any.
    pub fn key_env(&self) -> Option<&str> {
        match &self.api_key_env {
            Some(v) if !v.trim().is_empty() => Some(v.trim()),
            _ => self.kind.default_key_env(),
        }
    }

    /// Reads the key now (keys may be rotated while the program runs). A set but empty
    /// variable counts as unset. Errors name the variable, never a value.
    pub fn api_key(&self) -> Result<Option<ApiKey>, ProviderError> {
        let found = self
            .key_env()
            .and_then(|var| std::env::var(var).ok())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        match found {
            Some(k) => Ok(Some(ApiKey(k))),
            None if self.kind.key_required() => Err(ProviderError::MissingKey {
                profile: self.name.clone(),
                env: self.key_env().unwrap_or("(none)").to_string(),
            }),
            None => Ok(None),
        }
    }
}

/// A secret read from the environment for one call. No `Display`, no `Serialize`, and a
/// `Debug` that says nothing, so it cannot leak through logging or events by accident.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// The key itself, for the one header that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced: servers sometimes echo a bad key
    /// back in their error message.
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_string();
        }
        text.replace(&self.0, "[redacted]")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(..)")
    }
}

mod duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis().min(u64::MAX as u128) as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatible_needs_a_base_url_and_no_key() {
        let mut s = ProviderSettings::new("local", ProviderKind::OpenaiCompatible, "qwen");
        assert!(s.effective_base_url().is_err());
        s.base_url = Some("http://127.0.0.1:11434/v1/".into());
        assert_eq!(s.effective_base_url().unwrap(), "http://127.0.0.1:11434/v1");
        s.api_key_env = Some("CONCLAVE_UNIT_SURELY_UNSET_VAR".into());
        assert!(s.api_key().unwrap().is_none());
    }

    #[test]
    fn missing_required_key_names_the_variable() {
        let mut s = ProviderSettings::new("gpt", ProviderKind::Openai, "gpt-4o");
        s.api_key_env = Some("CONCLAVE_UNIT_SURELY_UNSET_VAR".into());
        let e = s.api_key().unwrap_err().to_string();
        assert!(e.contains("CONCLAVE_UNIT_SURELY_UNSET_VAR"), "{e}");
        assert!(e.contains("gpt"), "{e}");
    }

    #[test]
    fn key_debug_and_redaction_hide_the_value() {
        let k = ApiKey("sk-secret-value".into());
        assert_eq!(format!("{k:?}"), "ApiKey(..)");
        assert_eq!(k.redact("bad key sk-secret-value!"), "bad key [redacted]!");
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in [
            ProviderKind::Openai,
            ProviderKind::Anthropic,
            ProviderKind::Gemini,
            ProviderKind::OpenaiCompatible,
            ProviderKind::OpenaiResponses,
            ProviderKind::Scripted,
        ] {
            assert_eq!(k.as_str().parse::<ProviderKind>().unwrap(), k);
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
    }
}
