//! `--metrics ADDR`: the live run's numbers for Prometheus (design §9), at
//! `http://ADDR/metrics`.
//!
//! Owns the exporter of one process's run: where it listens (`addr`, loopback unless the
//! user says otherwise), what it says (`exposition`, from the run's reduced state), the
//! store's write latency (`store_writes`, timed by the run log) and the HTTP side
//! (`server`). It only reads: it never writes the store, sends a command or decides
//! anything, and it says nothing a run's text holds (no goal, prompt, transcript or key).

pub mod addr;
pub mod exposition;
pub mod server;
pub mod store_writes;

pub use addr::{resolve, AddrError};
pub use exposition::{render, Format};
pub use store_writes::StoreWrites;

use crate::engine::run_log::RunLog;
use server::{MetricsServer, Render};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

/// The endpoint's socket, bound before the run starts so a taken port stops nothing.
pub struct Listener {
    socket: std::net::TcpListener,
    addr: SocketAddr,
}

impl Listener {
    pub fn bind(addr: SocketAddr) -> std::io::Result<Listener> {
        let socket = std::net::TcpListener::bind(addr)?;
        let addr = socket.local_addr()?;
        Ok(Listener { socket, addr })
    }

    /// The address actually bound (the port chosen when the user asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/metrics`.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, server::PATH)
    }

    /// Starts answering scrapes; must be called inside a tokio runtime. Until `follow` names
    /// the run, a scrape shows only the store's (empty) write latency.
    pub fn serve(self) -> std::io::Result<Exporter> {
        let writes = StoreWrites::default();
        let run: Arc<OnceLock<Arc<RunLog>>> = Arc::new(OnceLock::new());
        let render: Render = {
            let (writes, run) = (writes.clone(), run.clone());
            Arc::new(move |format| match run.get() {
                Some(log) => log.with_state(|s| exposition::render(Some(s), &writes, format)),
                None => exposition::render(None, &writes, format),
            })
        };
        let server = MetricsServer::serve(self.socket, render)?;
        Ok(Exporter {
            writes,
            run,
            _server: server,
        })
    }
}

/// A serving endpoint; it stops serving when dropped.
pub struct Exporter {
    writes: StoreWrites,
    run: Arc<OnceLock<Arc<RunLog>>>,
    _server: MetricsServer,
}

impl Exporter {
    /// Exports `log`'s run from now on and times its store writes. One run per exporter:
    /// a second call changes nothing.
    pub fn follow(&self, log: &Arc<RunLog>) {
        if self.run.set(log.clone()).is_ok() {
            log.time_writes(self.writes.timer());
        }
    }
}

#[cfg(test)]
mod tests;
