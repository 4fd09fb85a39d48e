//! The HTTP side of `--metrics`: `GET /metrics` (and `HEAD`) answered with what `render`
//! returns; anything else on the port gets a 404.
//!
//! Owns the socket, hyper's HTTP/1 connections and their limits (how many at once, how long
//! a client may take to send its headers), so a stuck or hostile client costs a task, never
//! the run. A malformed request gets hyper's 400; nothing a client sends can panic the
//! process. Must not know what the metrics mean.

use super::exposition::Format;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// The path the metrics are served at.
pub const PATH: &str = "/metrics";

/// Connections served at once; more are closed as they arrive (a scraper needs one).
const MAX_CONNECTIONS: usize = 32;

/// How long a client may take to send a request's headers before it is dropped.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds the body for a scrape in the format asked for. Runs on a blocking thread.
pub type Render = Arc<dyn Fn(Format) -> String + Send + Sync>;

/// The serving task; it stops, with every connection it holds, when this is dropped.
pub struct MetricsServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MetricsServer {
    /// Serves `listener` (bound already, so a taken port was reported before the run began).
    /// Must be called inside a tokio runtime.
    pub fn serve(listener: std::net::TcpListener, render: Render) -> std::io::Result<Self> {
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let listener = TcpListener::from_std(listener)?;
        let task = tokio::spawn(accept(listener, render));
        Ok(MetricsServer { addr, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

async fn accept(listener: TcpListener, render: Render) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    // Connection tasks live in the set, so stopping the server stops them all.
    let mut conns = JoinSet::new();
    loop {
        let sock = match listener.accept().await {
            Ok((sock, _)) => sock,
            Err(e) => {
                // Out of file descriptors and the like: wait a moment instead of spinning.
                tracing::warn!(error = %e, "metrics: accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        while conns.try_join_next().is_some() {}
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            drop(sock);
            continue;
        };
        let render = render.clone();
        conns.spawn(async move {
            let _slot = slot;
            let service = service_fn(move |req| answer(req, render.clone()));
            let served = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(sock), service)
                .await;
            if let Err(e) = served {
                tracing::debug!(error = %e, "metrics: a connection ended badly");
            }
        });
    }
}

fn reply(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn answer(
    req: Request<Incoming>,
    render: Render,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let plain = "text/plain; charset=utf-8";
    let wanted = matches!(*req.method(), Method::GET | Method::HEAD) && req.uri().path() == PATH;
    if !wanted {
        return Ok(reply(
            StatusCode::NOT_FOUND,
            plain,
            format!("not found: this port serves GET {PATH} only\n"),
        ));
    }
    let format = Format::from_accept(req.headers().get(ACCEPT).and_then(|v| v.to_str().ok()));
    // Rendering reads the run's state under the run log's lock: off the async threads, so
    // a scrape never stalls the engine's tasks.
    match tokio::task::spawn_blocking(move || render(format)).await {
        Ok(body) => Ok(reply(StatusCode::OK, format.content_type(), body)),
        Err(e) => {
            tracing::error!(error = %e, "metrics: rendering failed");
            Ok(reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                plain,
                "the metrics could not be rendered; see the log\n".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// One raw request over a real socket; the whole response as text.
    fn exchange(addr: SocketAddr, request: &[u8]) -> String {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(request).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    fn get(addr: SocketAddr, path: &str, extra: &str) -> String {
        exchange(
            addr,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n")
                .as_bytes(),
        )
    }

    #[test]
    fn serves_metrics_and_404s_the_rest_and_survives_garbage() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let render: Render = Arc::new(|f| format!("# {f:?}\nconclave_up 1\n"));
        let server = {
            let _g = rt.enter();
            MetricsServer::serve(listener, render).unwrap()
        };
        let addr = server.addr();
        let ok = get(addr, "/metrics", "");
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        assert!(ok.contains("text/plain; version=0.0.4"), "{ok}");
        assert!(ok.ends_with("# Prometheus\nconclave_up 1\n"), "{ok}");
        let om = get(
            addr,
            "/metrics?x=1",
            "Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n",
        );
        assert!(
            om.contains("application/openmetrics-text; version=1.0.0"),
            "{om}"
        );
        assert!(om.ends_with("# OpenMetrics\nconclave_up 1\n"), "{om}");
        for path in ["/", "/metrics/", "/metricsx", "/favicon.ico"] {
            let r = get(addr, path, "");
            assert!(r.starts_with("HTTP/1.1 404"), "{path}: {r}");
        }
        let post = exchange(
            addr,
            b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
        );
        assert!(post.starts_with("HTTP/1.1 404"), "{post}");
        let bad = exchange(addr, b"\x00\xffNOT HTTP AT ALL\r\n\r\n");
        assert!(bad.is_empty() || bad.starts_with("HTTP/1.1 400"), "{bad}");
        let head = exchange(
            addr,
            b"HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(!head.contains("conclave_up"), "{head}");
        // Still serving after all that.
        assert!(get(addr, "/metrics", "").starts_with("HTTP/1.1 200"));
        drop(server);
        drop(rt);
    }
}
