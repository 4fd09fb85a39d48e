//! The client end: reading a live run's events (`fetch_events`, for commands that need a
//! run's log while another process owns it) and watching it (`watch`, for `attach`).
//!
//! Owns connecting (a socket that refuses is a dead process's: removed, and the run is not
//! live) and reading the server's lines. Must not open the store.

use super::protocol::{ClientMsg, ServerMsg, Want};
use super::{socket_path, ServiceError};
use crate::model::{Command, Event, RunId, RunState};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// How long a read may wait for the server before the run counts as unresponsive.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

fn not_live_or(run: RunId, path: &Path, e: std::io::Error) -> ServiceError {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => {
            let _ = std::fs::remove_file(path);
            ServiceError::NotLive(run)
        }
        std::io::ErrorKind::NotFound => ServiceError::NotLive(run),
        _ => ServiceError::io(path.display().to_string(), e),
    }
}

fn protocol(run: RunId, reason: impl Into<String>) -> ServiceError {
    ServiceError::Protocol {
        run,
        reason: reason.into(),
    }
}

/// Every event of a live run from seq 0 up to now, from the process running it. Blocking.
/// `NotLive` when no process serves the run (then the store has it all).
pub fn fetch_events(data_dir: &Path, run: RunId) -> Result<Vec<Event>, ServiceError> {
    let path = socket_path(data_dir, run);
    let mut stream =
        std::os::unix::net::UnixStream::connect(&path).map_err(|e| not_live_or(run, &path, e))?;
    let io = |e| ServiceError::io(path.display().to_string(), e);
    stream.set_read_timeout(Some(READ_TIMEOUT)).map_err(io)?;
    stream
        .write_all(ClientMsg::Hello { want: Want::Events }.line().as_bytes())
        .map_err(io)?;
    let mut events = Vec::new();
    let mut lines = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).map_err(io)? == 0 {
            return Err(protocol(
                run,
                format!(
                    "the connection ended after {}, before the end",
                    crate::util::words::count(events.len() as u64, "event")
                ),
            ));
        }
        match serde_json::from_str::<ServerMsg>(&line) {
            Ok(ServerMsg::Event(e)) => events.push(*e),
            Ok(ServerMsg::End { next_seq }) if next_seq == events.len() as u64 => {
                return Ok(events)
            }
            Ok(ServerMsg::End { next_seq }) => {
                return Err(protocol(
                    run,
                    format!(
                        "{} sent but the end says {next_seq}",
                        crate::util::words::count(events.len() as u64, "event")
                    ),
                ))
            }
            Ok(ServerMsg::Error(e)) => return Err(protocol(run, e)),
            Ok(ServerMsg::State(_)) => {
                return Err(protocol(run, "a state where events were asked"))
            }
            Err(e) => return Err(protocol(run, e.to_string())),
        }
    }
}

/// A live run being watched.
pub struct Watching {
    pub run: RunId,
    /// The run's state when the watch began (its index rebuilt: ready for `model::apply`).
    pub state: RunState,
    /// Every event after that state, as it happens; closed when the connection ends (the
    /// run's process ended or stopped serving).
    pub events: mpsc::UnboundedReceiver<Event>,
    /// Commands to the run's engine: the ones the local screen sends.
    pub commands: mpsc::UnboundedSender<Command>,
}

/// Connects to a live run and starts watching it. Call inside a tokio runtime.
pub async fn watch(data_dir: &Path, run: RunId) -> Result<Watching, ServiceError> {
    let path = socket_path(data_dir, run);
    let stream = tokio::net::UnixStream::connect(&path)
        .await
        .map_err(|e| not_live_or(run, &path, e))?;
    let (rd, mut wr) = stream.into_split();
    let io = |e| ServiceError::io(path.display().to_string(), e);
    wr.write_all(ClientMsg::Hello { want: Want::Watch }.line().as_bytes())
        .await
        .map_err(io)?;
    let mut lines = tokio::io::BufReader::new(rd).lines();
    let first = tokio::time::timeout(READ_TIMEOUT, lines.next_line())
        .await
        .map_err(|_| protocol(run, "no answer within 30 s"))?
        .map_err(io)?
        .ok_or(ServiceError::NotLive(run))?;
    let mut state = match serde_json::from_str::<ServerMsg>(&first) {
        Ok(ServerMsg::State(s)) => *s,
        Ok(ServerMsg::Error(e)) => return Err(protocol(run, e)),
        Ok(_) => {
            return Err(protocol(
                run,
                "the watch did not begin with the run's state",
            ))
        }
        Err(e) => return Err(protocol(run, e.to_string())),
    };
    state.rebuild_index();
    let (ev_tx, events) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            match serde_json::from_str::<ServerMsg>(&line) {
                Ok(ServerMsg::Event(e)) => {
                    if ev_tx.send(*e).is_err() {
                        return;
                    }
                }
                Ok(ServerMsg::Error(e)) => tracing::warn!(run = %run, "the run service: {e}"),
                Ok(_) => {}
                Err(e) => tracing::warn!(run = %run, "unreadable line from the run service: {e}"),
            }
        }
    });
    let (commands, mut cmd_rx) = mpsc::unbounded_channel::<Command>();
    tokio::spawn(async move {
        while let Some(c) = cmd_rx.recv().await {
            if wr
                .write_all(ClientMsg::Command(c).line().as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
    });
    Ok(Watching {
        run,
        state,
        events,
        commands,
    })
}
