//! The HTTP half shared by the three SSE wires: send a request, check the status, read the
//! body as SSE under an idle timeout, and hand each event to the wire's parser.
//!
//! Owns `Wire`/`WireParser` (what a wire must provide), `HttpProvider` (a `Provider` for any
//! wire), error-body parsing and key redaction. Must not retry or fall back (the resilient
//! layer does) and must never put a key into an error: every text that leaves here passes
//! through `ApiKey::redact`.

use super::error::ProviderError;
use super::retry::{parse_retry_delay, retry_after_from_headers};
use super::settings::{ApiKey, ProviderSettings};
use super::sse::{SseDecoder, SseEvent};
use super::types::{CallMeta, ChatRequest, Delta};
use super::{DeltaStream, Provider};
use futures::stream::{self, BoxStream, StreamExt};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

/// A request ready to send: the wire decides URL, headers and body.
pub(crate) struct Prepared {
    pub url: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// One wire format (OpenAI chat completions, Anthropic messages, Gemini; later the OpenAI
/// Responses API): how to encode a request and how to read its stream.
pub(crate) trait Wire: Send + Sync + 'static {
    fn prepare(
        &self,
        settings: &ProviderSettings,
        req: &ChatRequest,
        key: Option<&ApiKey>,
    ) -> Result<Prepared, ProviderError>;

    /// A fresh parser for one response. `seed` identifies the request (a hash of its body) so
    /// ids the wire must invent are the same every time the same request is answered.
    fn parser(&self, settings: &ProviderSettings, seed: u64) -> Box<dyn WireParser>;
}

/// Turns one response's SSE events into deltas.
pub(crate) trait WireParser: Send {
    fn on_event(&mut self, ev: SseEvent, out: &mut VecDeque<Delta>) -> Result<(), ProviderError>;

    /// The terminator arrived (and `Delta::Done` was queued). A body that closes before
    /// this is a failed attempt, however complete the answer looked.
    fn is_done(&self) -> bool;
}

/// A header value holding a secret: reqwest leaves sensitive values out of its `Debug`.
pub(crate) fn secret_header(key: &ApiKey, prefix: &str) -> Result<HeaderValue, ProviderError> {
    let mut v = HeaderValue::from_str(&format!("{prefix}{}", key.expose())).map_err(|_| {
        ProviderError::Connection("the API key contains characters not allowed in a header".into())
    })?;
    v.set_sensitive(true);
    Ok(v)
}

/// A request body as bytes; a value that cannot be encoded is the profile's problem, not a
/// retryable one.
pub(crate) fn encode(
    settings: &ProviderSettings,
    body: &serde_json::Value,
) -> Result<Vec<u8>, ProviderError> {
    serde_json::to_vec(body).map_err(|e| ProviderError::Config {
        profile: settings.name.clone(),
        message: format!("cannot encode the request: {e}"),
    })
}

pub(crate) fn json_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h
}

pub(crate) fn insert(h: &mut HeaderMap, name: &'static str, value: HeaderValue) {
    h.insert(HeaderName::from_static(name), value);
}

/// FNV-1a: a stable hash for ids (std's hasher is randomly seeded per process).
pub(crate) fn stable_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// An id for a tool call the wire sent without one: stable for the same request, distinct
/// across requests (so two turns never share an id in the run's log).
pub(crate) fn synth_call_id(seed: u64, n: usize) -> String {
    format!("call_{:012x}_{n}", seed & 0xffff_ffff_ffff)
}

/// The first `max` characters of a server's text, for error messages.
pub(crate) fn snippet(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// A `Provider` speaking one wire over HTTP.
pub(crate) struct HttpProvider<W: Wire> {
    settings: ProviderSettings,
    client: reqwest::Client,
    wire: W,
}

impl<W: Wire> fmt::Debug for HttpProvider<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpProvider")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl<W: Wire> HttpProvider<W> {
    pub fn new(settings: ProviderSettings, wire: W) -> Result<Self, ProviderError> {
        settings.effective_base_url()?;
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .tcp_nodelay(true)
            .user_agent(concat!("conclave/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ProviderError::Config {
                profile: settings.name.clone(),
                message: format!("cannot build the HTTP client: {}", chain(&e)),
            })?;
        Ok(HttpProvider {
            settings,
            client,
            wire,
        })
    }
}

impl<W: Wire> Provider for HttpProvider<W> {
    fn settings(&self) -> &ProviderSettings {
        &self.settings
    }

    fn stream(&self, req: &ChatRequest, _meta: &CallMeta) -> DeltaStream {
        let key = match self.settings.api_key() {
            Ok(k) => k,
            Err(e) => return stream::once(async move { Err(e) }).boxed(),
        };
        let prepared = match self.wire.prepare(&self.settings, req, key.as_ref()) {
            Ok(p) => p,
            Err(e) => return stream::once(async move { Err(e) }).boxed(),
        };
        let seed = stable_hash(&prepared.body);
        let request = self
            .client
            .post(&prepared.url)
            .headers(prepared.headers)
            .body(prepared.body);
        let state = Attempt {
            phase: Phase::Send(Box::new(request)),
            decoder: SseDecoder::new(),
            parser: self.wire.parser(&self.settings, seed),
            queue: VecDeque::new(),
            events: Vec::new(),
            idle: self.settings.idle_timeout,
            key,
            received: 0,
        };
        stream::unfold(state, Attempt::next).boxed()
    }
}

enum Phase {
    Send(Box<reqwest::RequestBuilder>),
    Body(BoxStream<'static, reqwest::Result<bytes::Bytes>>),
    Over,
}

/// One attempt's progress through a response.
struct Attempt {
    phase: Phase,
    decoder: SseDecoder,
    parser: Box<dyn WireParser>,
    queue: VecDeque<Delta>,
    events: Vec<SseEvent>,
    idle: Duration,
    key: Option<ApiKey>,
    received: usize,
}

type Step = Option<(Result<Delta, ProviderError>, Attempt)>;

impl Attempt {
    async fn next(mut self) -> Step {
        loop {
            if let Some(d) = self.queue.pop_front() {
                return Some((Ok(d), self));
            }
            match std::mem::replace(&mut self.phase, Phase::Over) {
                Phase::Over => return None,
                Phase::Send(request) => match self.send(*request).await {
                    Ok(body) => self.phase = Phase::Body(body),
                    Err(e) => return self.fail(e),
                },
                Phase::Body(mut body) => {
                    let next = tokio::time::timeout(self.idle, body.next()).await;
                    let result = match next {
                        Err(_) => Err(ProviderError::Idle(self.idle)),
                        Ok(Some(Ok(bytes))) => self.on_bytes(&bytes),
                        Ok(Some(Err(e))) => Err(ProviderError::Connection(format!(
                            "reading the stream after {} bytes: {}",
                            self.received,
                            self.redact(&chain(&e))
                        ))),
                        Ok(None) => self.on_eof(),
                    };
                    match result {
                        Err(e) => return self.fail(e),
                        // Once the terminator is in, the rest of the body is not needed.
                        Ok(true) => {}
                        Ok(false) => self.phase = Phase::Body(body),
                    }
                }
            }
        }
    }

    /// Ends the attempt with `e`. Deltas parsed before the failure are dropped so the error
    /// is always the attempt's last item.
    fn fail(mut self, e: ProviderError) -> Step {
        self.queue.clear();
        self.phase = Phase::Over;
        Some((Err(e), self))
    }

    async fn send(
        &mut self,
        request: reqwest::RequestBuilder,
    ) -> Result<BoxStream<'static, reqwest::Result<bytes::Bytes>>, ProviderError> {
        // A server that accepts the connection and never answers is as stalled as a silent
        // stream, so the idle timeout also bounds the wait for headers.
        let response = match tokio::time::timeout(self.idle, request.send()).await {
            Err(_) => return Err(ProviderError::Idle(self.idle)),
            Ok(Err(e)) => return Err(ProviderError::Connection(self.redact(&chain(&e)))),
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        if status.is_success() {
            return Ok(response.bytes_stream().boxed());
        }
        let headers = response.headers().clone();
        let body = read_capped(response, self.idle, 64 * 1024).await;
        let text = self.redact(&String::from_utf8_lossy(&body));
        Err(http_error(status.as_u16(), &headers, &text))
    }

    /// Feeds bytes through the decoder and parser; true once the terminator arrived.
    fn on_bytes(&mut self, bytes: &[u8]) -> Result<bool, ProviderError> {
        self.received += bytes.len();
        let mut events = std::mem::take(&mut self.events);
        let fed = self.decoder.feed(bytes, &mut events);
        let parsed = self.parse(&mut events);
        self.events = events;
        fed.map_err(|e| ProviderError::Malformed(e.to_string()))?;
        parsed
    }

    fn on_eof(&mut self) -> Result<bool, ProviderError> {
        let mut events = std::mem::take(&mut self.events);
        self.decoder.finish(&mut events);
        if self.parse(&mut events)? {
            return Ok(true);
        }
        Err(ProviderError::StreamCut(format!(
            "the body closed after {} bytes",
            self.received
        )))
    }

    fn parse(&mut self, events: &mut Vec<SseEvent>) -> Result<bool, ProviderError> {
        for ev in events.drain(..) {
            if self.parser.is_done() {
                break; // anything after the terminator is not part of the answer
            }
            self.parser
                .on_event(ev, &mut self.queue)
                .map_err(|e| self.redact_error(e))?;
        }
        Ok(self.parser.is_done())
    }

    fn redact(&self, text: &str) -> String {
        match &self.key {
            Some(k) => k.redact(text),
            None => text.to_string(),
        }
    }

    fn redact_error(&self, e: ProviderError) -> ProviderError {
        match e {
            ProviderError::Malformed(m) => ProviderError::Malformed(self.redact(&m)),
            ProviderError::InStream { kind, message } => ProviderError::InStream {
                kind,
                message: self.redact(&message),
            },
            other => other,
        }
    }
}

/// Reads at most `cap` bytes of an error body; a slow or endless one is cut, not waited for.
async fn read_capped(mut response: reqwest::Response, idle: Duration, cap: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < cap {
        match tokio::time::timeout(idle, response.chunk()).await {
            Ok(Ok(Some(c))) => body.extend_from_slice(&c),
            _ => break,
        }
    }
    body.truncate(cap);
    body
}

/// Builds the error for a non-2xx answer from the three providers' error shapes:
/// OpenAI `{"error":{"message","type","code"}}`, Anthropic `{"type":"error","error":{"type",
/// "message"}}`, Gemini `{"error":{"code","message","status","details":[{"retryDelay"}]}}`.
pub(crate) fn http_error(status: u16, headers: &HeaderMap, body: &str) -> ProviderError {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let err = &json["error"];
    let message = err["message"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| match body.trim() {
            "" => "(empty body)".to_string(),
            b => snippet(b, 300),
        });
    let code = [&err["code"], &err["type"], &err["status"]]
        .iter()
        .find_map(|v| v.as_str())
        .map(str::to_string);
    let retry_after = retry_after_from_headers(headers).or_else(|| {
        err["details"].as_array().and_then(|ds| {
            ds.iter()
                .find_map(|d| d["retryDelay"].as_str().and_then(parse_retry_delay))
        })
    });
    ProviderError::Http {
        status,
        code,
        message: snippet(&message, 500),
        retry_after,
    }
}

/// An error with its causes ("error sending request: connection refused"), since reqwest's
/// top-level message alone rarely says what happened.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let part = c.to_string();
        if !s.contains(&part) {
            s.push_str(": ");
            s.push_str(&part);
        }
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_shapes_of_all_three_providers() {
        let h = HeaderMap::new();
        let e = http_error(
            429,
            &h,
            r#"{"error":{"message":"quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
        );
        assert!(!e.is_retryable());
        let e = http_error(
            529,
            &h,
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        );
        assert_eq!(e.to_string(), "HTTP 529 (overloaded_error): Overloaded");
        let e = http_error(
            429,
            &h,
            r#"{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED",
               "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2s"}]}}"#,
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        assert!(e.to_string().contains("RESOURCE_EXHAUSTED"));
        let e = http_error(502, &h, "<html>bad gateway</html>");
        assert!(e.is_retryable());
        assert!(e.to_string().contains("bad gateway"));
    }

    #[test]
    fn synthesized_ids_are_stable_and_distinct() {
        let a = stable_hash(b"request one");
        let b = stable_hash(b"request two");
        assert_eq!(synth_call_id(a, 0), synth_call_id(a, 0));
        assert_ne!(synth_call_id(a, 0), synth_call_id(a, 1));
        assert_ne!(synth_call_id(a, 0), synth_call_id(b, 0));
    }
}
