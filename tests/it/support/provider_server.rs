//! A real HTTP/1.1 server on 127.0.0.1 that plays a model provider for tests.
//!
//! Owns the socket side: accepting, parsing and recording requests (headers and body),
//! routing by wire (a request to another wire's path gets a 404, a request without the
//! expected key a 401, an Anthropic request without `anthropic-version` a 400, what the real
//! Gemini and Responses APIs refuse a 400 in their words), and writing
//! scripted replies: SSE bodies in randomly sized chunked pieces (forced splits after every
//! `\r` and inside every multi-byte character), error statuses, and faults (reset, cut,
//! stall). Must not know what the bodies mean: `wire_scripts` writes them, and
//! `gemini_rules` / `responses_rules` say what those APIs would refuse.

use rand::{rngs::StdRng, Rng, SeedableRng};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// Which provider the server plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireKind {
    OpenAi,
    Anthropic,
    Gemini,
    /// OpenAI's Responses API (`/v1/responses`).
    Responses,
}

/// How a streamed body ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The final empty chunk, then close: a complete HTTP body.
    Complete,
    /// Close without the final chunk: the HTTP body is truncated.
    Close,
    /// SO_LINGER 0 then close: the client sees a connection reset.
    Reset,
    /// Keep the connection open and send nothing more.
    Stall,
}

/// One scripted answer to one request.
#[derive(Clone, Debug)]
pub enum Reply {
    Stream {
        body: String,
        end: End,
    },
    Status {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Read the request, then send nothing at all (not even headers).
    Stall,
}

impl Reply {
    pub fn sse(body: impl Into<String>) -> Self {
        Reply::Stream {
            body: body.into(),
            end: End::Complete,
        }
    }

    pub fn sse_ending(body: impl Into<String>, end: End) -> Self {
        Reply::Stream {
            body: body.into(),
            end,
        }
    }

    pub fn status(status: u16, body: impl Into<String>) -> Self {
        Reply::Status {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn with_header(self, name: &str, value: &str) -> Self {
        match self {
            Reply::Status {
                status,
                mut headers,
                body,
            } => {
                headers.push((name.to_string(), value.to_string()));
                Reply::Status {
                    status,
                    headers,
                    body,
                }
            }
            other => other,
        }
    }
}

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path with query string, as sent.
    pub target: String,
    /// Lower-cased names, in arrival order.
    pub headers: Vec<(String, String)>,
    pub raw_body: String,
    pub body: serde_json::Value,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Shared {
    wire: WireKind,
    expect_key: Option<String>,
    /// Replies in order; one with a matcher answers only a request whose body contains it.
    replies: Mutex<VecDeque<(Option<String>, Reply)>>,
    requests: Mutex<Vec<Recorded>>,
    rng: Mutex<StdRng>,
    /// Gemini: the thought signatures handed out, which a later history must carry.
    signatures: Mutex<super::gemini_rules::Signatures>,
    /// Responses: the reasoning items handed out, which a later input may carry back.
    reasoning: Mutex<super::responses_rules::Served>,
}

/// The running server; it stops when dropped.
pub struct ProviderServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for ProviderServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl ProviderServer {
    /// Starts a server for `wire`. With `expect_key`, requests must carry that key in the
    /// wire's header (Bearer, x-api-key, x-goog-api-key) or get a 401.
    pub async fn start(wire: WireKind, expect_key: Option<&str>, seed: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            wire,
            expect_key: expect_key.map(str::to_string),
            replies: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            signatures: Mutex::new(Default::default()),
            reasoning: Mutex::new(Default::default()),
        });
        let s = shared.clone();
        let accept = tokio::spawn(async move {
            // Connection tasks live in the set, so stopping the server stops them all.
            let mut conns = JoinSet::new();
            while let Ok((sock, _)) = listener.accept().await {
                conns.spawn(serve(sock, s.clone()));
            }
        });
        ProviderServer {
            addr,
            shared,
            accept,
        }
    }

    /// The base_url a profile uses to reach this server.
    pub fn base_url(&self) -> String {
        match self.shared.wire {
            WireKind::OpenAi | WireKind::Responses => format!("http://{}/v1", self.addr),
            WireKind::Anthropic | WireKind::Gemini => format!("http://{}", self.addr),
        }
    }

    /// Queues the answer to the next request.
    pub fn push(&self, reply: Reply) {
        self.shared.replies.lock().unwrap().push_back((None, reply));
    }

    /// Queues an answer for the next request whose body contains `matcher` (so parallel
    /// sessions on one server each get their own script, whatever order they ask in).
    pub fn push_when(&self, matcher: &str, reply: Reply) {
        self.shared
            .replies
            .lock()
            .unwrap()
            .push_back((Some(matcher.to_string()), reply));
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }
}

async fn serve(mut sock: TcpStream, shared: Arc<Shared>) {
    let _ = sock.set_nodelay(true);
    let Some(req) = read_request(&mut sock).await else {
        return;
    };
    let reply = route(&shared, &req);
    shared.requests.lock().unwrap().push(req);
    match reply {
        Reply::Status {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                reason(status),
                body.len()
            );
            for (n, v) in headers {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(body.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
        Reply::Stall => tokio::time::sleep(Duration::from_secs(120)).await,
        Reply::Stream { body, end } => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
            if sock.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let pieces = split_points(body.as_bytes(), &shared.rng);
            let mut start = 0;
            for end_at in pieces {
                let piece = &body.as_bytes()[start..end_at];
                start = end_at;
                let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
                chunk.extend_from_slice(piece);
                chunk.extend_from_slice(b"\r\n");
                if sock.write_all(&chunk).await.is_err() {
                    return;
                }
                let _ = sock.flush().await;
                tokio::task::yield_now().await;
            }
            match end {
                End::Complete => {
                    let _ = sock.write_all(b"0\r\n\r\n").await;
                    let _ = sock.shutdown().await;
                }
                End::Close => {
                    let _ = sock.shutdown().await;
                }
                End::Reset => {
                    #[allow(deprecated)]
                    let _ = sock.set_linger(Some(Duration::ZERO));
                    drop(sock);
                }
                End::Stall => tokio::time::sleep(Duration::from_secs(120)).await,
            }
        }
    }
}

/// Where the body is cut into HTTP chunks: random sizes, plus a cut after every `\r` and one
/// inside every multi-byte character, so the client meets every awkward boundary.
pub fn split_points(body: &[u8], rng: &Mutex<StdRng>) -> Vec<usize> {
    let mut rng = rng.lock().unwrap();
    let mut cuts = Vec::new();
    let mut next_random = rng.gen_range(1..=40);
    for i in 1..body.len() {
        let prev = body[i - 1];
        let forced = prev == b'\r' || (prev >= 0xC0 && body[i] & 0xC0 == 0x80);
        if forced || i >= next_random {
            cuts.push(i);
            next_random = i + rng.gen_range(1..=40);
        }
    }
    if !body.is_empty() {
        cuts.push(body.len());
    }
    cuts
}

/// The scripted reply, unless the request is one the real provider would refuse outright.
fn route(shared: &Shared, req: &Recorded) -> Reply {
    let (path_ok, key_header, prefix) = match shared.wire {
        WireKind::OpenAi => (
            req.target == "/v1/chat/completions",
            "authorization",
            "Bearer ",
        ),
        WireKind::Responses => (req.target == "/v1/responses", "authorization", "Bearer "),
        WireKind::Anthropic => (req.target == "/v1/messages", "x-api-key", ""),
        WireKind::Gemini => (
            req.target.starts_with("/v1beta/models/")
                && req.target.ends_with(":streamGenerateContent?alt=sse"),
            "x-goog-api-key",
            "",
        ),
    };
    if req.method != "POST" || !path_ok {
        return Reply::status(
            404,
            format!(r#"{{"error":{{"message":"no route {}"}}}}"#, req.target),
        );
    }
    if let Some(key) = &shared.expect_key {
        if req.header(key_header) != Some(format!("{prefix}{key}").as_str()) {
            let echoed = req.header(key_header).unwrap_or("");
            // Like real servers, echo (part of) the bad key: the client must redact it.
            return Reply::status(
                401,
                format!(
                    r#"{{"error":{{"message":"Incorrect API key provided: {echoed}","type":"authentication_error"}}}}"#
                ),
            );
        }
    }
    if shared.wire == WireKind::Anthropic && req.header("anthropic-version").is_none() {
        return Reply::status(
            400,
            r#"{"type":"error","error":{"type":"invalid_request_error","message":"anthropic-version header is required"}}"#,
        );
    }
    if shared.wire == WireKind::Gemini {
        let served = shared.signatures.lock().unwrap();
        if let Some(refusal) = super::gemini_rules::refusal(&req.target, &req.body, &served) {
            return Reply::status(400, refusal);
        }
    }
    if shared.wire == WireKind::Responses {
        let served = shared.reasoning.lock().unwrap();
        if let Some(refusal) = super::responses_rules::refusal(&req.body, &served) {
            return Reply::status(400, refusal);
        }
    }
    let body = req.body.to_string();
    let mut replies = shared.replies.lock().unwrap();
    let hit = replies
        .iter()
        .position(|(m, _)| m.as_ref().is_none_or(|m| body.contains(m.as_str())));
    let reply = hit.and_then(|i| replies.remove(i)).map(|(_, r)| r);
    if let (WireKind::Gemini, Some(Reply::Stream { body, .. })) = (shared.wire, &reply) {
        shared.signatures.lock().unwrap().remember(body);
    }
    if let (WireKind::Responses, Some(Reply::Stream { body, .. })) = (shared.wire, &reply) {
        shared.reasoning.lock().unwrap().remember(body);
    }
    reply.unwrap_or_else(|| {
        Reply::status(
            400,
            r#"{"error":{"message":"test server: no scripted reply left"}}"#,
        )
    })
}

async fn read_request(sock: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    let raw_body = String::from_utf8_lossy(&body).into_owned();
    let body = serde_json::from_str(&raw_body).unwrap_or(serde_json::Value::Null);
    Some(Recorded {
        method,
        target,
        headers,
        raw_body,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        529 => "Overloaded",
        _ => "Status",
    }
}
