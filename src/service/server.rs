//! The server end: the run's own process listens on the run's socket and serves every client
//! that connects, each on a task of its own, until the run's process stops serving.
//!
//! Owns the socket file (made 0600 under a 0700 directory before anyone can connect, removed
//! when the service ends, a dead process's stale one replaced) and the connections. Must not
//! decide anything: a client's command goes to the engine's command channel, where the local
//! screen's commands go, and the engine answers it (an approval answered twice is decided
//! once: the desk takes the first answer and ignores the second).

use super::protocol::{read_line, ClientMsg, Line, ServerMsg, Want, MAX_CLIENT_LINE};
use super::{socket_path, sockets_dir, ServiceError};
use crate::engine::run_log::RunLog;
use crate::model::{Command, Event, RunId};
use crate::store::Store;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufReader, BufWriter};
use tokio::net::unix::OwnedWriteHalf;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What the service serves: the run's log (state and events), the engine's command channel,
/// and the store the log is written to (for the events before a client came).
pub struct Source {
    pub run: RunId,
    pub log: Arc<RunLog>,
    pub commands: mpsc::UnboundedSender<Command>,
    pub store: Store,
}

/// A run's service while it listens. Dropping it stops it and removes the socket;
/// `shutdown` first lets every watcher receive the events it has not yet been sent.
pub struct Service {
    path: PathBuf,
    stop: CancellationToken,
    accept: Option<JoinHandle<()>>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

/// How long `shutdown` waits for the last events to reach slow clients.
const DRAIN: Duration = Duration::from_secs(3);

impl Service {
    /// Listens on the run's socket. Call inside a tokio runtime.
    pub fn start(data_dir: &Path, src: Source) -> Result<Service, ServiceError> {
        let (listener, path) = bind(data_dir, src.run)?;
        let stop = CancellationToken::new();
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let accept = tokio::spawn(accept_loop(
            listener,
            Arc::new(src),
            stop.clone(),
            conns.clone(),
        ));
        Ok(Service {
            path,
            stop,
            accept: Some(accept),
            conns,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops accepting, lets each watcher send what is queued for it (up to a few seconds in
    /// all), closes every connection and removes the socket.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        let _ = std::fs::remove_file(&self.path);
        if let Some(a) = self.accept.take() {
            let _ = a.await;
        }
        let conns: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.conns.lock().unwrap_or_else(|p| p.into_inner()));
        let aborts: Vec<_> = conns.iter().map(|c| c.abort_handle()).collect();
        if tokio::time::timeout(DRAIN, futures::future::join_all(conns))
            .await
            .is_err()
        {
            aborts.iter().for_each(|a| a.abort());
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop.cancel();
        let _ = std::fs::remove_file(&self.path);
        if let Some(a) = self.accept.take() {
            a.abort();
        }
        for c in self.conns.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            c.abort();
        }
    }
}

/// Binds the run's socket: under a temporary name first, made owner-only, then renamed into
/// place, so a client never meets the socket before it listens (it would take it for a dead
/// process's and remove it) nor while others could connect.
fn bind(data_dir: &Path, run: RunId) -> Result<(UnixListener, PathBuf), ServiceError> {
    let dir = sockets_dir(data_dir);
    std::fs::create_dir_all(&dir).map_err(|e| ServiceError::io(dir.display().to_string(), e))?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| ServiceError::io(dir.display().to_string(), e))?;
    let path = socket_path(data_dir, run);
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(&path).is_ok() {
            return Err(ServiceError::Taken { run, path });
        }
        // A dead process's socket.
        let _ = std::fs::remove_file(&path);
    }
    let tmp = dir.join(format!("{run}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let listener =
        UnixListener::bind(&tmp).map_err(|e| ServiceError::io(tmp.display().to_string(), e))?;
    let placed = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))
        .and_then(|_| std::fs::rename(&tmp, &path));
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&tmp);
        return Err(ServiceError::io(path.display().to_string(), e));
    }
    Ok((listener, path))
}

async fn accept_loop(
    listener: UnixListener,
    src: Arc<Source>,
    stop: CancellationToken,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
) {
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            a = listener.accept() => a,
        };
        match accepted {
            Ok((stream, _)) => {
                let conn = tokio::spawn(serve(stream, src.clone(), stop.clone()));
                let mut all = conns.lock().unwrap_or_else(|p| p.into_inner());
                all.retain(|c| !c.is_finished());
                all.push(conn);
            }
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!(error = %e, "the run service could not accept a client");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// One client: its hello, then what it asked for. Every failure only ends this connection.
async fn serve(stream: UnixStream, src: Arc<Source>, stop: CancellationToken) {
    let (rd, wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    let mut wr = BufWriter::new(wr);
    let want = loop {
        let line = tokio::select! {
            _ = stop.cancelled() => return,
            l = read_line(&mut rd, MAX_CLIENT_LINE) => l,
        };
        let reply = match line {
            Ok(None) | Err(_) => return,
            Ok(Some(Line::Text(t))) if t.trim().is_empty() => continue,
            Ok(Some(Line::Text(t))) => match serde_json::from_str::<ClientMsg>(&t) {
                Ok(ClientMsg::Hello { want }) => break want,
                Ok(ClientMsg::Command(_)) => {
                    "say what you want first: {\"hello\":{\"want\":\"watch\"}}".to_string()
                }
                Err(e) => bad_line(&e),
            },
            Ok(Some(other)) => unreadable(&other),
        };
        if send(&mut wr, &[ServerMsg::Error(reply)]).await.is_err() {
            return;
        }
    };
    match want {
        Want::Watch => watch(rd, wr, &src, stop).await,
        Want::Events => events(wr, &src).await,
    }
}

fn bad_line(e: &serde_json::Error) -> String {
    format!("not a message this run understands ({e}); send {{\"hello\":{{\"want\":\"watch\"}}}} or {{\"command\":...}}")
}

fn unreadable(l: &Line) -> String {
    match l {
        Line::TooLong => format!("line longer than {MAX_CLIENT_LINE} bytes, ignored"),
        _ => "line is not UTF-8, ignored".to_string(),
    }
}

async fn send(wr: &mut BufWriter<OwnedWriteHalf>, msgs: &[ServerMsg]) -> std::io::Result<()> {
    for m in msgs {
        wr.write_all(m.line().as_bytes()).await?;
    }
    wr.flush().await
}

/// The state, then every event as it happens; the client's commands go to the engine.
async fn watch(
    rd: BufReader<tokio::net::unix::OwnedReadHalf>,
    mut wr: BufWriter<OwnedWriteHalf>,
    src: &Source,
    stop: CancellationToken,
) {
    let (state, mut events) = src.log.state_and_subscribe();
    if send(&mut wr, &[ServerMsg::State(Box::new(state))])
        .await
        .is_err()
    {
        return;
    }
    // The client's lines are read on a task of their own: reading a line is not cancel-safe,
    // so it must not race the events in one select.
    let (err_tx, mut errors) = mpsc::unbounded_channel::<String>();
    let reader = tokio::spawn(commands(rd, src.commands.clone(), err_tx));
    loop {
        tokio::select! {
            e = events.recv() => match e {
                Some(e) => {
                    let mut batch = vec![event_msg(e)];
                    while let Ok(more) = events.try_recv() {
                        batch.push(event_msg(more));
                    }
                    if send(&mut wr, &batch).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
            err = errors.recv() => match err {
                Some(err) => {
                    if send(&mut wr, &[ServerMsg::Error(err)]).await.is_err() {
                        break;
                    }
                }
                // The client closed its side: it is gone.
                None => break,
            },
            _ = stop.cancelled() => {
                // The run's process is ending: what happened last (RunFinished) still goes out.
                let mut batch = Vec::new();
                while let Ok(more) = events.try_recv() {
                    batch.push(event_msg(more));
                }
                let _ = send(&mut wr, &batch).await;
                break;
            }
        }
    }
    reader.abort();
    let _ = wr.shutdown().await;
}

fn event_msg(e: Event) -> ServerMsg {
    ServerMsg::Event(Box::new(e))
}

/// Reads a watcher's lines until it closes: commands go to the engine, anything else is
/// answered with an error line (sent by `watch`).
async fn commands(
    mut rd: BufReader<tokio::net::unix::OwnedReadHalf>,
    engine: mpsc::UnboundedSender<Command>,
    errors: mpsc::UnboundedSender<String>,
) {
    loop {
        let reply = match read_line(&mut rd, MAX_CLIENT_LINE).await {
            Ok(None) | Err(_) => return,
            Ok(Some(Line::Text(t))) if t.trim().is_empty() => continue,
            Ok(Some(Line::Text(t))) => match serde_json::from_str::<ClientMsg>(&t) {
                Ok(ClientMsg::Command(c)) => {
                    if engine.send(c).is_ok() {
                        continue;
                    }
                    "the run's engine no longer takes commands (the run is ending)".to_string()
                }
                Ok(ClientMsg::Hello { .. }) => "hello already said; send commands".to_string(),
                Err(e) => bad_line(&e),
            },
            Ok(Some(other)) => unreadable(&other),
        };
        if errors.send(reply).is_err() {
            return;
        }
    }
}

/// Every event from seq 0 to where the log is now, then the end. The store is read on a
/// blocking thread, a chunk at a time, so a long run costs neither an async worker nor its
/// whole log in memory.
async fn events(mut wr: BufWriter<OwnedWriteHalf>, src: &Source) {
    let upto = src.log.with_state(|s| s.next_seq);
    let (tx, mut rx) = mpsc::channel::<ServerMsg>(1024);
    let (store, log, run) = (src.store.clone(), src.log.clone(), src.run);
    let reading = tokio::task::spawn_blocking(move || read_stored(&store, &log, run, upto, &tx));
    let mut batch = Vec::with_capacity(256);
    while let Some(m) = rx.recv().await {
        batch.push(m);
        while batch.len() < 256 {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        if send(&mut wr, &batch).await.is_err() {
            return;
        }
        batch.clear();
    }
    let sent = reading.await.unwrap_or(0);
    let _ = send(&mut wr, &[ServerMsg::End { next_seq: sent }]).await;
    let _ = wr.shutdown().await;
}

/// Sends events `0..upto` from the store; returns how many went out. Events the log has
/// counted but the store not yet written are waited for with one flush.
fn read_stored(
    store: &Store,
    log: &RunLog,
    run: RunId,
    upto: u64,
    tx: &mpsc::Sender<ServerMsg>,
) -> u64 {
    let mut next = 0;
    for attempt in 0..2 {
        if next >= upto {
            break;
        }
        if attempt > 0 {
            let _ = log.flush();
        }
        let iter = match store.events(run, next, Some(upto)) {
            Ok(i) => i,
            Err(e) => {
                let _ = tx.blocking_send(ServerMsg::Error(format!("reading the log: {e}")));
                return next;
            }
        };
        for e in iter {
            match e {
                Ok(e) if e.seq == next => {
                    next += 1;
                    if tx.blocking_send(event_msg(e)).is_err() {
                        return next;
                    }
                }
                Ok(e) => {
                    let _ = tx.blocking_send(ServerMsg::Error(format!(
                        "the log skips from event {next} to {}",
                        e.seq
                    )));
                    return next;
                }
                Err(e) => {
                    let _ = tx.blocking_send(ServerMsg::Error(format!("reading the log: {e}")));
                    return next;
                }
            }
        }
    }
    if next < upto {
        let _ = tx.blocking_send(ServerMsg::Error(format!(
            "only {next} of the run's {} could be read",
            crate::util::words::count(upto, "event")
        )));
    }
    next
}
