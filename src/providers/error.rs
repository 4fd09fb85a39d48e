//! Everything that can go wrong in a model call, and whether trying again can help.
//!
//! Owns `ProviderError` and its classification (retryable or not, the server's requested
//! wait). Must not contain a key: messages are built from redacted server text, and
//! `MissingKey` names the variable, not its value.

use std::time::Duration;
use thiserror::Error;

#[derive(Clone, Debug, PartialEq, Error)]
pub enum ProviderError {
    /// The profile cannot work as configured; retrying will not help.
    #[error("provider profile `{profile}`: {message}")]
    Config { profile: String, message: String },

    #[error("provider profile `{profile}`: no API key: set the environment variable {env}")]
    MissingKey { profile: String, env: String },

    /// The server answered with an error status.
    #[error("HTTP {status}{}: {message}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Http {
        status: u16,
        /// The provider's error type or code (`rate_limit_exceeded`, `overloaded_error`,
        /// `RESOURCE_EXHAUSTED`), if it gave one.
        code: Option<String>,
        message: String,
        /// What `retry-after`, `retry-after-ms` or Gemini's `retryDelay` asked for.
        retry_after: Option<Duration>,
    },

    /// Connecting, sending, or reading the body failed (refused, reset, TLS, DNS).
    #[error("connection failed: {0}")]
    Connection(String),

    /// The body ended before the wire's terminator: the answer is incomplete.
    #[error("stream ended before its terminator ({0})")]
    StreamCut(String),

    /// Nothing arrived for the idle timeout, not even a keep-alive.
    #[error("stream stalled: nothing received for {} ms", .0.as_millis())]
    Idle(Duration),

    /// A chunk that is not the JSON the wire promises.
    #[error("malformed chunk: {0}")]
    Malformed(String),

    /// An error event inside a 200 stream (Anthropic `error`, Gemini `{"error"}`, OpenAI
    /// Responses `response.failed` / `error`).
    #[error("error event in stream ({kind}): {message}")]
    InStream { kind: String, message: String },

    /// The scripted provider has no turn left for this agent.
    #[error("cassette {path}: no turn left for agent `{agent}` (it served {served})")]
    CassetteExhausted {
        path: String,
        agent: String,
        served: usize,
    },

    /// A cassette that cannot be read or parsed.
    #[error("cassette {path}: {message}")]
    Cassette { path: String, message: String },
}

impl ProviderError {
    /// Whether the same request may succeed if sent again (providers.md "Retries").
    pub fn is_retryable(&self) -> bool {
        match self {
            ProviderError::Http { status, code, .. } => match status {
                // Quota exhaustion is a 429 that waiting will not fix.
                429 => code.as_deref() != Some("insufficient_quota"),
                408 | 409 | 500 | 502 | 503 | 504 | 529 => true,
                _ => false,
            },
            ProviderError::Connection(_)
            | ProviderError::StreamCut(_)
            | ProviderError::Idle(_)
            | ProviderError::Malformed(_) => true,
            // Anthropic's error types, and Gemini's statuses (`{"error":{"status":…}}` in a
            // 200 stream) for the same transient causes.
            ProviderError::InStream { kind, .. } => matches!(
                kind.as_str(),
                "overloaded_error"
                    | "api_error"
                    | "rate_limit_error"
                    | "timeout_error"
                    | "UNAVAILABLE"
                    | "INTERNAL"
                    | "DEADLINE_EXCEEDED"
                    | "RESOURCE_EXHAUSTED"
                    // OpenAI Responses `response.failed` / `error` codes for transient causes;
                    // `invalid_prompt` and the like are the request's fault.
                    | "server_error"
                    | "rate_limit_exceeded"
                    | "vector_store_timeout"
            ),
            ProviderError::Config { .. }
            | ProviderError::MissingKey { .. }
            | ProviderError::CassetteExhausted { .. }
            | ProviderError::Cassette { .. } => false,
        }
    }

    /// The wait the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, code: Option<&str>) -> ProviderError {
        ProviderError::Http {
            status,
            code: code.map(str::to_string),
            message: "m".into(),
            retry_after: None,
        }
    }

    #[test]
    fn retry_classification_follows_the_reference() {
        for s in [408, 409, 429, 500, 502, 503, 504, 529] {
            assert!(http(s, None).is_retryable(), "{s}");
        }
        for s in [400, 401, 403, 404, 422] {
            assert!(!http(s, None).is_retryable(), "{s}");
        }
        assert!(!http(429, Some("insufficient_quota")).is_retryable());
        assert!(http(429, Some("rate_limit_exceeded")).is_retryable());
        assert!(ProviderError::InStream {
            kind: "overloaded_error".into(),
            message: "Overloaded".into()
        }
        .is_retryable());
        assert!(!ProviderError::InStream {
            kind: "invalid_request_error".into(),
            message: "bad".into()
        }
        .is_retryable());
    }

    #[test]
    fn responses_in_stream_codes_are_classified() {
        let in_stream = |kind: &str| ProviderError::InStream {
            kind: kind.into(),
            message: "m".into(),
        };
        for kind in [
            "server_error",
            "rate_limit_exceeded",
            "vector_store_timeout",
        ] {
            assert!(in_stream(kind).is_retryable(), "{kind}");
        }
        for kind in [
            "invalid_prompt",
            "invalid_request_error",
            "context_length_exceeded",
            "invalid_image",
        ] {
            assert!(!in_stream(kind).is_retryable(), "{kind}");
        }
    }

    #[test]
    fn messages_are_readable() {
        assert_eq!(
            http(429, Some("rate_limit_exceeded")).to_string(),
            "HTTP 429 (rate_limit_exceeded): m"
        );
        assert_eq!(
            ProviderError::Idle(Duration::from_millis(250)).to_string(),
            "stream stalled: nothing received for 250 ms"
        );
    }
}
