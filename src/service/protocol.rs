//! The run service's wire format: one JSON object per line, each with one key naming what it
//! is (serde's externally tagged enums).
//!
//! client → server: `{"hello":{"want":"watch"}}` or `{"hello":{"want":"events"}}` first,
//! then (watch only) `{"command":<Command>}` lines.
//! server → client: watch: `{"state":<RunState>}` once, then `{"event":<Event>}` per event as
//! it happens; events: `{"event":..}` for every event from seq 0, then
//! `{"end":{"next_seq":N}}`. Either side's bad line gets `{"error":"..."}` and is ignored.
//!
//! Owns the message types and the bounded line reader. Must not do anything with a message.

use crate::model::{Command, Event, RunState};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

/// What a client may send.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    Hello { want: Want },
    Command(Command),
}

/// What a client asks for in its hello.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Want {
    /// The run's state now, then its events as they happen; commands accepted.
    Watch,
    /// Every event so far, then the end.
    Events,
}

/// What the server sends.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerMsg {
    State(Box<RunState>),
    Event(Box<Event>),
    End { next_seq: u64 },
    Error(String),
}

impl ServerMsg {
    /// The message as one line, newline included.
    pub fn line(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_else(|e| {
            // Only a state or event that cannot be JSON (never seen) ends up here.
            serde_json::to_string(&ServerMsg::Error(format!("unsendable message: {e}")))
                .unwrap_or_default()
        });
        s.push('\n');
        s
    }
}

impl ClientMsg {
    pub fn line(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// The longest line a client may send: far more than any command (an edited plan included).
pub const MAX_CLIENT_LINE: usize = 1 << 20;

/// One line read by `read_line`.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(String),
    /// Longer than allowed: skipped up to its newline.
    TooLong,
    /// Not UTF-8.
    NotText,
}

/// Reads one line of at most `max` bytes (newline excluded); `None` at the end of the
/// stream. A longer line is read to its end and dropped, so one bad line costs no memory and
/// does not end the connection. Not cancel-safe: call it where nothing else is awaited.
pub async fn read_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    max: usize,
) -> std::io::Result<Option<Line>> {
    let mut buf = Vec::new();
    let n = (&mut *r)
        .take(max as u64 + 1)
        .read_until(b'\n', &mut buf)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if buf.len() > max {
        // Drop the rest of the line.
        loop {
            let chunk = r.fill_buf().await?;
            if chunk.is_empty() {
                break;
            }
            match chunk.iter().position(|b| *b == b'\n') {
                Some(i) => {
                    r.consume(i + 1);
                    break;
                }
                None => {
                    let len = chunk.len();
                    r.consume(len);
                }
            }
        }
        return Ok(Some(Line::TooLong));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(match String::from_utf8(buf) {
        Ok(s) => Line::Text(s),
        Err(_) => Line::NotText,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AutonomyLevel;

    #[test]
    fn messages_have_the_documented_shapes() {
        let hello: ClientMsg = serde_json::from_str(r#"{"hello":{"want":"watch"}}"#).unwrap();
        assert_eq!(hello, ClientMsg::Hello { want: Want::Watch });
        let approve: ClientMsg =
            serde_json::from_str(r#"{"command":{"approve":{"approval":"plan-1"}}}"#).unwrap();
        assert_eq!(
            approve,
            ClientMsg::Command(Command::Approve {
                approval: "plan-1".into(),
                keep_hunks: None
            })
        );
        let level: ClientMsg = serde_json::from_str(r#"{"command":{"set_level":3}}"#).unwrap();
        assert_eq!(
            level,
            ClientMsg::Command(Command::SetLevel(AutonomyLevel::Strategic))
        );
        let pause: ClientMsg = serde_json::from_str(r#"{"command":"pause"}"#).unwrap();
        assert_eq!(pause, ClientMsg::Command(Command::Pause));
        assert_eq!(
            ServerMsg::End { next_seq: 7 }.line(),
            "{\"end\":{\"next_seq\":7}}\n"
        );
        assert_eq!(ServerMsg::Error("x".into()).line(), "{\"error\":\"x\"}\n");
        assert!(serde_json::from_str::<ClientMsg>(r#"{"hello":{"want":"all"}}"#).is_err());
    }

    #[tokio::test]
    async fn a_long_or_binary_line_is_skipped_and_the_next_one_read() {
        let mut input: Vec<u8> = vec![b'x'; 100];
        input.extend_from_slice(b"\n\xff\xfe\nok\r\nlast");
        let mut r = tokio::io::BufReader::with_capacity(16, &input[..]);
        assert_eq!(read_line(&mut r, 10).await.unwrap(), Some(Line::TooLong));
        assert_eq!(read_line(&mut r, 10).await.unwrap(), Some(Line::NotText));
        assert_eq!(
            read_line(&mut r, 10).await.unwrap(),
            Some(Line::Text("ok".into()))
        );
        assert_eq!(
            read_line(&mut r, 10).await.unwrap(),
            Some(Line::Text("last".into()))
        );
        assert_eq!(read_line(&mut r, 10).await.unwrap(), None);
    }
}
