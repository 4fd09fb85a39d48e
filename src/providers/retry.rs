//! How long to wait before trying a failed call again.
//!
//! Owns `RetryPolicy` (attempts, exponential backoff with jitter, caps) and the parsing of the
//! waits servers ask for: `retry-after` (seconds or an HTTP date), `retry-after-ms`, Gemini's
//! `retryDelay` ("17s"). Must not sleep or send anything: the resilient layer does that, so
//! every number here is testable without a clock.

use super::error::ProviderError;
use rand::Rng;
use std::time::{Duration, SystemTime};

/// When and how often a profile is retried before the next profile is tried.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (the official SDKs default to 2).
    pub max_retries: u32,
    /// The first backoff; it doubles on each retry.
    pub base_delay: Duration,
    /// No single wait is longer, not even one a server asked for. Tests set it to a few ms.
    pub max_delay: Duration,
    /// No retry starts once this much time has gone by since the call began.
    pub max_total: Duration,
    /// Randomise each backoff within [half, full], so many agents do not retry in lockstep.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_total: Duration::from_secs(300),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy for tests: same shape, waits of at most `cap`.
    pub fn fast(max_retries: u32, cap: Duration) -> Self {
        RetryPolicy {
            max_retries,
            base_delay: cap / 4,
            max_delay: cap,
            max_total: Duration::from_secs(60),
            jitter: true,
        }
    }

    /// The wait before retry number `retry` (1 for the first retry) after `err`: the server's
    /// request if it made one, else exponential backoff; capped by `max_delay` either way.
    pub fn delay_for(&self, retry: u32, err: &ProviderError) -> Duration {
        let wanted = match err.retry_after() {
            Some(d) => d,
            None => self.backoff(retry),
        };
        wanted.min(self.max_delay)
    }

    fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(20);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        if !self.jitter || full.is_zero() {
            return full;
        }
        let half = full / 2;
        let extra = rand::thread_rng().gen_range(0..=(full - half).as_micros() as u64);
        half + Duration::from_micros(extra)
    }
}

/// Reads the wait a server asked for from response headers: `retry-after-ms` (OpenAI and
/// Anthropic send it), else `retry-after` as seconds or as an HTTP date.
pub fn retry_after_from_headers(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return finite_secs(ms / 1000.0);
    }
    let v = get("retry-after")?;
    if let Ok(secs) = v.parse::<f64>() {
        return finite_secs(secs);
    }
    let at = parse_http_date(v)?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Gemini's `RetryInfo.retryDelay`, a protobuf duration like `"17s"` or `"0.5s"`.
pub fn parse_retry_delay(v: &str) -> Option<Duration> {
    finite_secs(v.trim().strip_suffix('s')?.parse::<f64>().ok()?)
}

fn finite_secs(secs: f64) -> Option<Duration> {
    // A day is plenty; anything beyond (or negative, or NaN) is nonsense from the server.
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// An HTTP date (IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, or the two obsolete forms
/// RFC 9110 says a recipient must accept).
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(s.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn err_after(d: Option<Duration>) -> ProviderError {
        ProviderError::Http {
            status: 429,
            code: None,
            message: String::new(),
            retry_after: d,
        }
    }

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(4),
            ..RetryPolicy::default()
        };
        let e = err_after(None);
        for (retry, full) in [(1, 500), (2, 1000), (3, 2000), (4, 4000), (9, 4000)] {
            let d = p.delay_for(retry, &e).as_millis() as u64;
            assert!(d >= full / 2 && d <= full, "retry {retry}: {d}");
        }
        let fixed = RetryPolicy { jitter: false, ..p };
        assert_eq!(fixed.delay_for(2, &e), Duration::from_secs(1));
    }

    #[test]
    fn server_wait_wins_but_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay_for(1, &err_after(Some(Duration::from_secs(7)))),
            Duration::from_secs(7)
        );
        let fast = RetryPolicy::fast(2, Duration::from_millis(20));
        assert_eq!(
            fast.delay_for(1, &err_after(Some(Duration::from_secs(7)))),
            Duration::from_millis(20)
        );
    }

    #[test]
    fn retry_after_header_forms() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after_from_headers(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(
            retry_after_from_headers(&h),
            Some(Duration::from_millis(250))
        );
        let mut past = HeaderMap::new();
        past.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after_from_headers(&past), Some(Duration::ZERO));
        let mut junk = HeaderMap::new();
        junk.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after_from_headers(&junk), None);
    }

    #[test]
    fn http_date_and_gemini_delay() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(),
            784_111_777
        );
        assert!(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST").is_none());
        assert!(parse_http_date("nonsense").is_none());
        assert!(parse_http_date("Sun, 06 Nov 99999999999999999 08:49:37 GMT").is_none());
        assert_eq!(parse_retry_delay("17s"), Some(Duration::from_secs(17)));
        assert_eq!(parse_retry_delay("0.5s"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_delay("-1s"), None);
        assert_eq!(parse_retry_delay("17"), None);
    }
}
