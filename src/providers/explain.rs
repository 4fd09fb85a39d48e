//! What a failed call means for the person, in words: which profile failed, how, and what
//! they can do about it ("OPENAI_API_KEY is not set — set it or point the strategist at
//! another profile").
//!
//! Owns `advice`, the one place that turns a `ProviderError` into a sentence for the
//! transcript, the status bar, `runs show` and headless stderr. Must not decide retries
//! (error.rs does) and never names a key's value, only its variable.

use super::error::ProviderError;
use super::settings::{ProviderKind, ProviderSettings};

/// A sentence for a person about `err`, which profile `s` gave while serving `agent`.
pub fn advice(err: &ProviderError, agent: &str, s: &ProviderSettings) -> String {
    let profile = &s.name;
    let other = format!("or point {agent} at another profile");
    let env = s.key_env().unwrap_or("its key variable");
    let url = s.effective_base_url().unwrap_or_default();
    match err {
        ProviderError::MissingKey { env, .. } => {
            format!("{env} is not set — set it {other} (profile `{profile}`)")
        }
        ProviderError::Config { message, .. } => {
            format!("profile `{profile}` cannot work: {message} — fix [providers.{profile}]")
        }
        ProviderError::Http {
            status, message, ..
        } => http(*status, err, message, s, env, &url, &other),
        ProviderError::Connection(why) => {
            let local = s.kind == ProviderKind::OpenaiCompatible
                || url.contains("127.0.0.1")
                || url.contains("localhost");
            let hint = if why.contains("refused") {
                if local {
                    "connection refused: is the server running? (start it, e.g. `ollama serve`, \
                     or fix base_url)"
                } else {
                    "connection refused: is the server running and base_url right?"
                }
            } else if why.contains("dns") || why.contains("resolve") {
                "the host name does not resolve: check base_url and the network"
            } else {
                "the connection failed: check the network and base_url"
            };
            // The innermost cause says it all ("Connection refused (os error 111)").
            let cause = why.rsplit(": ").next().unwrap_or(why);
            format!("cannot reach `{profile}` at {url}: {hint} ({cause})")
        }
        ProviderError::Idle(d) => format!(
            "`{profile}` sent nothing for {} s: the stream stalled (the provider may be \
             overloaded; conclave retries and falls back)",
            d.as_secs()
        ),
        ProviderError::StreamCut(_) | ProviderError::Malformed(_) => {
            format!("`{profile}` broke off its answer ({err}); conclave retries and falls back")
        }
        ProviderError::InStream { kind, message } if err.is_retryable() => format!(
            "`{profile}` is overloaded or failing ({kind}: {message}); conclave retries and \
             falls back"
        ),
        ProviderError::InStream { kind, message } => {
            format!("`{profile}` refused the request ({kind}: {message})")
        }
        ProviderError::CassetteExhausted {
            path,
            agent: who,
            served,
        } => format!(
            "the recording {path} has no answer left for {who} (it served {served}); the run \
             asked for more than was recorded"
        ),
        ProviderError::Cassette { path, message } => {
            format!("the recording {path} cannot be used: {message}")
        }
    }
}

fn http(
    status: u16,
    err: &ProviderError,
    message: &str,
    s: &ProviderSettings,
    env: &str,
    url: &str,
    other: &str,
) -> String {
    let profile = &s.name;
    let code = match err {
        ProviderError::Http { code: Some(c), .. } => c.as_str(),
        _ => "",
    };
    match status {
        401 => format!(
            "`{profile}` refused the key in {env} (HTTP 401: {message}) — check the key {other}"
        ),
        403 => format!(
            "`{profile}` denied access (HTTP 403: {message}) — the key in {env} may lack access \
             to model `{}` {other}",
            s.model
        ),
        404 => format!(
            "`{profile}` does not know model `{}` at {url} (HTTP 404: {message}) — check model \
             and base_url in [providers.{profile}]",
            s.model
        ),
        429 if code == "insufficient_quota" => format!(
            "the `{profile}` account is out of quota (HTTP 429: {message}) — add credit {other}"
        ),
        429 => format!(
            "`{profile}` is rate-limiting (HTTP 429: {message}); conclave waits and retries"
        ),
        400 | 422 => format!("`{profile}` refused the request (HTTP {status}: {message})"),
        _ if err.is_retryable() => format!(
            "`{profile}` is overloaded or failing (HTTP {status}: {message}); conclave retries \
             and falls back"
        ),
        _ => format!("`{profile}` failed (HTTP {status}: {message})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn gpt() -> ProviderSettings {
        ProviderSettings::new("gpt", ProviderKind::Openai, "gpt-4o")
    }

    #[test]
    fn a_missing_key_names_the_variable_and_the_way_out() {
        let e = ProviderError::MissingKey {
            profile: "gpt".into(),
            env: "OPENAI_API_KEY".into(),
        };
        assert_eq!(
            advice(&e, "the strategist", &gpt()),
            "OPENAI_API_KEY is not set — set it or point the strategist at another profile \
             (profile `gpt`)"
        );
    }

    #[test]
    fn statuses_say_what_to_do() {
        let http = |status, code: Option<&str>| ProviderError::Http {
            status,
            code: code.map(String::from),
            message: "m".into(),
            retry_after: None,
        };
        let a = |e| advice(&e, "impl-1", &gpt());
        assert!(a(http(401, None)).contains("refused the key in OPENAI_API_KEY"));
        assert!(a(http(404, None)).contains("model `gpt-4o`"));
        assert!(a(http(429, Some("insufficient_quota"))).contains("out of quota"));
        assert!(a(http(529, None)).contains("overloaded"));
        assert!(a(ProviderError::Idle(Duration::from_secs(90))).contains("90 s"));
    }

    #[test]
    fn a_refused_local_server_may_not_be_running() {
        let mut s = ProviderSettings::new("local", ProviderKind::OpenaiCompatible, "qwen");
        s.base_url = Some("http://127.0.0.1:11434/v1".into());
        let e = ProviderError::Connection("error sending request: Connection refused".into());
        let text = advice(&e, "impl-1", &s);
        assert!(text.contains("is the server running?"), "{text}");
        assert!(text.contains("http://127.0.0.1:11434/v1"), "{text}");
    }
}
