//! An incremental decoder for server-sent events (the WHATWG `text/event-stream` format).
//!
//! Owns turning arbitrary byte pieces into whole `SseEvent`s: a piece may end inside a line,
//! inside a multi-byte UTF-8 character, or between `\r` and `\n`. Lines end in `\n`, `\r\n`
//! or `\r`; `:` lines are comments; `data:` lines join with `\n`; `event`, `id` and `retry`
//! are kept. Must not know any provider's JSON: wires interpret `data`.

use memchr::memchr2;
use thiserror::Error;

/// One dispatched event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` name, if the event had one (None means the default, "message").
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The last `id:` seen in the stream so far (ids persist across events, per the spec).
    pub id: Option<String>,
    /// A `retry:` value (milliseconds) seen since the previous event.
    pub retry: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum SseError {
    /// A line grew past the limit without ending: a broken or hostile server, not an answer.
    #[error("an SSE line exceeded {0} bytes without ending")]
    LineTooLong(usize),
}

/// The default cap on one line: far above any real chunk, far below running out of memory.
pub const DEFAULT_MAX_LINE: usize = 8 * 1024 * 1024;

/// Feed it bytes as they arrive; it hands back every event completed so far.
#[derive(Debug)]
pub struct SseDecoder {
    /// The start of a line whose end has not arrived yet.
    partial: Vec<u8>,
    /// The previous piece ended with `\r`: a `\n` opening the next piece belongs to it.
    skip_lf: bool,
    /// No line has been processed yet (a UTF-8 BOM may open the stream).
    at_start: bool,
    event: Option<String>,
    data: String,
    data_lines: usize,
    last_id: Option<String>,
    retry: Option<u64>,
    max_line: usize,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::with_max_line(DEFAULT_MAX_LINE)
    }

    pub fn with_max_line(max_line: usize) -> Self {
        SseDecoder {
            partial: Vec::new(),
            skip_lf: false,
            at_start: true,
            event: None,
            data: String::new(),
            data_lines: 0,
            last_id: None,
            retry: None,
            max_line,
        }
    }

    /// Decodes one piece, appending the events it completes to `out`.
    pub fn feed(&mut self, mut piece: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        if self.skip_lf && !piece.is_empty() {
            self.skip_lf = false;
            if piece[0] == b'\n' {
                piece = &piece[1..];
            }
        }
        // Finish the line left over from earlier pieces first; it is the only copy we make.
        if !self.partial.is_empty() {
            match memchr2(b'\r', b'\n', piece) {
                None => {
                    self.partial.extend_from_slice(piece);
                    return self.check_partial();
                }
                Some(end) => {
                    let mut line = std::mem::take(&mut self.partial);
                    line.extend_from_slice(&piece[..end]);
                    piece = self.skip_terminator(piece, end);
                    self.line(&line, out);
                    // Keep the allocation for the next partial line.
                    line.clear();
                    self.partial = line;
                }
            }
        }
        // Whole lines straight from the piece, without copying.
        while let Some(end) = memchr2(b'\r', b'\n', piece) {
            let line = &piece[..end];
            piece = self.skip_terminator(piece, end);
            self.line(line, out);
        }
        self.partial.extend_from_slice(piece);
        self.check_partial()
    }

    /// Convenience: decode one piece and return its events.
    pub fn push(&mut self, piece: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        let mut out = Vec::new();
        self.feed(piece, &mut out)?;
        Ok(out)
    }

    /// The stream closed. The spec drops an event that was not ended by a blank line; we
    /// dispatch it instead, because some servers omit the final blank line and the wire's
    /// own terminator check (and JSON parsing) still rejects a truncated answer.
    pub fn finish(&mut self, out: &mut Vec<SseEvent>) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.line(&line, out);
        }
        self.dispatch(out);
    }

    /// Decodes a whole stream at once (tests, benches, cassettes).
    pub fn decode_all(bytes: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        d.feed(bytes, &mut out)?;
        d.finish(&mut out);
        Ok(out)
    }

    fn check_partial(&self) -> Result<(), SseError> {
        if self.partial.len() > self.max_line {
            Err(SseError::LineTooLong(self.max_line))
        } else {
            Ok(())
        }
    }

    /// Steps past the terminator at `end` (`\n`, `\r\n` or `\r`), remembering a `\r` that may
    /// be followed by a `\n` in the next piece.
    fn skip_terminator<'a>(&mut self, piece: &'a [u8], end: usize) -> &'a [u8] {
        if piece[end] == b'\r' {
            match piece.get(end + 1) {
                Some(b'\n') => &piece[end + 2..],
                Some(_) => &piece[end + 1..],
                None => {
                    self.skip_lf = true;
                    &piece[end + 1..]
                }
            }
        } else {
            &piece[end + 1..]
        }
    }

    fn line(&mut self, mut line: &[u8], out: &mut Vec<SseEvent>) {
        if self.at_start {
            self.at_start = false;
            if let Some(rest) = line.strip_prefix(b"\xEF\xBB\xBF") {
                line = rest;
            }
        }
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line[0] == b':' {
            return; // comment / keep-alive
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                if self.data_lines > 0 {
                    self.data.push('\n');
                }
                self.data.push_str(&String::from_utf8_lossy(value));
                self.data_lines += 1;
            }
            b"event" => self.event = Some(String::from_utf8_lossy(value).into_owned()),
            // An id containing NUL is ignored, per the spec.
            b"id" if !value.contains(&0) => {
                self.last_id = Some(String::from_utf8_lossy(value).into_owned());
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                self.retry = std::str::from_utf8(value).ok().and_then(|s| s.parse().ok());
            }
            _ => {} // unknown fields are ignored, per the spec
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        if self.data_lines == 0 {
            // An event without data is not dispatched; its name does not carry over.
            self.event = None;
            return;
        }
        out.push(SseEvent {
            event: self.event.take(),
            data: std::mem::take(&mut self.data),
            id: self.last_id.clone(),
            retry: self.retry.take(),
        });
        self.data_lines = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: Option<&str>, data: &str) -> SseEvent {
        SseEvent {
            event: event.map(str::to_string),
            data: data.to_string(),
            ..SseEvent::default()
        }
    }

    #[test]
    fn fields_comments_and_multiline_data() {
        let got = SseDecoder::decode_all(
            b": keep-alive\nevent: ping\ndata: {\"a\":1}\n\ndata: one\ndata:two\n\n",
        )
        .unwrap();
        assert_eq!(
            got,
            vec![ev(Some("ping"), "{\"a\":1}"), ev(None, "one\ntwo")]
        );
    }

    #[test]
    fn crlf_and_lone_cr_end_lines() {
        let got = SseDecoder::decode_all(b"data: a\r\n\r\ndata: b\r\rdata: c\n\n").unwrap();
        assert_eq!(got, vec![ev(None, "a"), ev(None, "b"), ev(None, "c")]);
    }

    #[test]
    fn cr_and_lf_in_different_pieces_make_one_terminator() {
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        d.feed(b"data: a\r", &mut out).unwrap();
        d.feed(b"\n\r", &mut out).unwrap();
        d.feed(b"\ndata: b\r\n\r\n", &mut out).unwrap();
        assert_eq!(out, vec![ev(None, "a"), ev(None, "b")]);
    }

    #[test]
    fn multibyte_characters_split_across_pieces() {
        let bytes = "data: héllo → 🦀\n\n".as_bytes();
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        for b in bytes {
            d.feed(std::slice::from_ref(b), &mut out).unwrap();
        }
        assert_eq!(out, vec![ev(None, "héllo → 🦀")]);
    }

    #[test]
    fn id_persists_and_retry_is_reported() {
        let got = SseDecoder::decode_all(b"id: 7\nretry: 1500\ndata: x\n\ndata: y\n\n").unwrap();
        assert_eq!(got[0].id.as_deref(), Some("7"));
        assert_eq!(got[0].retry, Some(1500));
        assert_eq!(got[1].id.as_deref(), Some("7"));
        assert_eq!(got[1].retry, None);
    }

    #[test]
    fn event_without_data_is_dropped_and_bom_is_skipped() {
        let got = SseDecoder::decode_all(b"\xEF\xBB\xBFevent: x\n\ndata: y\n\n").unwrap();
        assert_eq!(got, vec![ev(None, "y")]);
    }

    #[test]
    fn unterminated_last_event_is_dispatched_at_finish() {
        let got = SseDecoder::decode_all(b"data: [DONE]").unwrap();
        assert_eq!(got, vec![ev(None, "[DONE]")]);
    }

    #[test]
    fn endless_line_is_an_error_not_a_memory_leak() {
        let mut d = SseDecoder::with_max_line(16);
        let mut out = Vec::new();
        assert!(d.feed(b"data: 0123456789", &mut out).is_ok());
        assert_eq!(
            d.feed(b"0123456789", &mut out),
            Err(SseError::LineTooLong(16))
        );
    }

    #[test]
    fn invalid_utf8_is_replaced_not_a_panic() {
        let got = SseDecoder::decode_all(b"data: \xff\xfe ok\n\n").unwrap();
        assert_eq!(got[0].data, "\u{fffd}\u{fffd} ok");
    }
}
