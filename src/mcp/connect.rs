//! One MCP server for one session: started through `runner::server`, greeted with the MCP
//! handshake (`initialize`, `notifications/initialized`, by rmcp), its tools listed.
//!
//! Owns the connection, the server's stderr tail (for a person when it fails), the per-call
//! timeout and killing the server's process group when the connection is dropped. Must not
//! decide whether a call may be made (the ToolBox asks the gate first).

use crate::config::McpServerConfig;
use crate::runner::server::{kill_server_group, server_command, ServerSpec};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientInfo, Implementation,
    PaginatedRequestParams, Tool,
};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// Bytes of a server's stderr kept to explain a failure.
const STDERR_TAIL: usize = 2048;
/// Pages of `tools/list` read at most (a server that keeps handing out cursors stops here).
const MAX_PAGES: usize = 20;

pub(super) struct Server {
    pub name: String,
    service: RunningService<RoleClient, ClientInfo>,
    timeout: Duration,
    stderr: Arc<Mutex<String>>,
    _group: Group,
    _scratch: tempfile::TempDir,
}

/// A started server's process group, killed when this goes: from the moment it is spawned,
/// whether the handshake fails, its start is abandoned or its session ends. (rmcp kills
/// the server itself too, later, on a task of its own, but not what it started.)
struct Group(Option<u32>);

impl Drop for Group {
    fn drop(&mut self) {
        kill_server_group(self.0);
    }
}

fn stderr_note(tail: &Arc<Mutex<String>>) -> String {
    let t = tail.lock().unwrap_or_else(|p| p.into_inner());
    let t = t.trim();
    if t.is_empty() {
        String::new()
    } else {
        format!("; its stderr ended with: {t}")
    }
}

/// Keeps reading the server's stderr (so it never blocks writing it), keeping the tail;
/// the task ends when the server's side closes.
fn keep_stderr_tail(
    mut err: tokio::process::ChildStderr,
) -> (Arc<Mutex<String>>, tokio::task::JoinHandle<()>) {
    let tail = Arc::new(Mutex::new(String::new()));
    let keep = tail.clone();
    let reader = tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        while let Ok(n) = err.read(&mut buf).await {
            if n == 0 {
                break;
            }
            let mut t = keep.lock().unwrap_or_else(|p| p.into_inner());
            t.push_str(&String::from_utf8_lossy(&buf[..n]));
            if t.len() > STDERR_TAIL {
                let mut cut = t.len() - STDERR_TAIL;
                while !t.is_char_boundary(cut) {
                    cut += 1;
                }
                t.drain(..cut);
            }
        }
    });
    (tail, reader)
}

/// A short message from an error whose Debug form can carry a whole JSON-RPC message.
fn short(e: impl std::fmt::Display) -> String {
    let s = e.to_string();
    if s.len() <= 400 {
        return s;
    }
    let mut end = 400;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

impl Server {
    /// Starts `cfg` in `cwd` and lists its tools; the error is a sentence for a person.
    pub async fn start(
        cfg: &McpServerConfig,
        cwd: &Path,
        withhold: &[String],
    ) -> Result<(Server, Vec<Tool>), String> {
        let spec = ServerSpec {
            program: cfg.command.clone(),
            args: cfg.args.clone(),
            cwd: cwd.to_path_buf(),
            pass_env: cfg.env.clone(),
            withhold: withhold.to_vec(),
        };
        let cmd = server_command(&spec).map_err(|e| format!("could not prepare it: {e}"))?;
        let (transport, stderr) = TokioChildProcess::builder(cmd.command)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => format!(
                    "did not start: `{}` was not found ({e}); install it or give its full path \
                     as `command`",
                    cfg.command
                ),
                _ => format!("did not start: {e}"),
            })?;
        let group = Group(transport.id());
        let (stderr, reader) = match stderr.map(keep_stderr_tail) {
            Some((t, r)) => (t, Some(r)),
            None => (Arc::new(Mutex::new(String::new())), None),
        };
        let timeout = Duration::from_secs(cfg.timeout_s.max(1));
        let info = ClientInfo::new(
            ClientCapabilities::default(),
            Implementation::new("conclave", env!("CARGO_PKG_VERSION")),
        );
        let service = match tokio::time::timeout(timeout, info.serve(transport)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                drop(group);
                // What the server said before it went explains why: read it to the end.
                if let Some(r) = reader {
                    let _ = tokio::time::timeout(Duration::from_secs(5), r).await;
                }
                return Err(format!(
                    "did not initialize: {}{}",
                    short(e),
                    stderr_note(&stderr)
                ));
            }
            Err(_) => {
                return Err(format!(
                    "did not answer `initialize` within {} s{}",
                    timeout.as_secs(),
                    stderr_note(&stderr)
                ));
            }
        };
        let server = Server {
            name: cfg.name.clone(),
            service,
            timeout,
            stderr,
            _group: group,
            _scratch: cmd.scratch,
        };
        let tools = match tokio::time::timeout(timeout, server.list_tools()).await {
            Ok(Ok(t)) => t,
            Ok(Err(e)) => return Err(format!("could not list its tools: {e}")),
            Err(_) => {
                return Err(format!(
                    "did not answer `tools/list` within {} s{}",
                    timeout.as_secs(),
                    stderr_note(&server.stderr)
                ))
            }
        };
        Ok((server, tools))
    }

    async fn list_tools(&self) -> Result<Vec<Tool>, String> {
        let mut tools = Vec::new();
        let mut cursor = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .service
                .peer()
                .list_tools(Some(PaginatedRequestParams::default().with_cursor(cursor)))
                .await
                .map_err(|e| format!("{}{}", short(e), stderr_note(&self.stderr)))?;
            tools.extend(page.tools);
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        Ok(tools)
    }

    /// Calls `tool` with `args`; Err is a sentence for the model (and the transcript).
    pub async fn call(
        &self,
        tool: &str,
        args: serde_json::Map<String, serde_json::Value>,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<CallToolResult, String> {
        let params = CallToolRequestParams::new(tool.to_string()).with_arguments(args);
        let call = tokio::time::timeout(self.timeout, self.service.peer().call_tool(params));
        tokio::select! {
            r = call => match r {
                Ok(Ok(result)) => Ok(result),
                Ok(Err(e)) => Err(format!(
                    "MCP server `{}` failed the call: {}{}",
                    self.name,
                    short(e),
                    stderr_note(&self.stderr)
                )),
                Err(_) => Err(format!(
                    "MCP server `{}` did not answer within {} s (its timeout_s)",
                    self.name,
                    self.timeout.as_secs()
                )),
            },
            _ = cancel.cancelled() => Err("cancelled".into()),
        }
    }
}
