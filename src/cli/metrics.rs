//! `--metrics ADDR` on the commands that drive a live run (`run`, `resume`, `fork`, `demo`):
//! checks the address, binds it before anything else happens, says where the endpoint is.
//!
//! Owns the flag's messages and the one line it prints. The line goes to stderr before the
//! TUI takes the terminal (never while it is up) and to the log file.

use super::args::MetricsArgs;
use super::Failure;
use crate::metrics::{resolve, Exporter, Listener};

/// The bound endpoint, if the flag asks for one. A refused or taken address is a usage
/// error (exit 2) before the run starts.
pub(super) fn listen(a: &MetricsArgs) -> Result<Option<Listener>, Failure> {
    let Some(given) = &a.metrics else {
        return Ok(None);
    };
    let addr = resolve(given, a.metrics_public).map_err(|e| Failure::usage(e.to_string()))?;
    let listener = Listener::bind(addr).map_err(|e| {
        Failure::usage(format!(
            "--metrics {given}: cannot listen on {addr}: {e}; pick another port, or 0 for any free one"
        ))
    })?;
    let url = listener.url();
    eprintln!("metrics: {url}");
    tracing::info!(%url, "serving metrics");
    Ok(Some(listener))
}

/// Starts serving; call inside the runtime the run will use.
pub(super) fn serve(listener: Option<Listener>) -> Result<Option<Exporter>, Failure> {
    listener
        .map(|l| {
            let addr = l.addr();
            l.serve()
                .map_err(|e| Failure::failed(format!("metrics on {addr}: {e}")))
        })
        .transpose()
}
