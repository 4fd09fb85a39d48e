//! Property tests of the SSE decoder: any stream, cut anywhere, decodes to the same events.

use conclave::providers::{SseDecoder, SseEvent};
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Ev {
    name: Option<String>,
    id: Option<String>,
    data: Vec<String>,
    comment: Option<String>,
}

fn value() -> impl Strategy<Value = String> {
    // Colons, spaces, quotes and multi-byte characters; never a line break.
    "[a-z0-9 :{}\"é→🦀\\[\\]]{0,24}"
}

fn event() -> impl Strategy<Value = Ev> {
    (
        proptest::option::of("[a-z_]{1,12}"),
        proptest::option::of("[a-z0-9]{0,6}"),
        proptest::collection::vec(value(), 1..4),
        proptest::option::of(value()),
    )
        .prop_map(|(name, id, data, comment)| Ev {
            name,
            id,
            data,
            comment,
        })
}

#[derive(Clone, Copy, Debug)]
enum Style {
    Lf,
    CrLf,
    Cr,
    /// LF or CRLF line by line (a lone CR cannot mix: "\r" then "\n" reads as one CRLF).
    Mixed,
}

fn encode(events: &[Ev], style: Style, bom: bool, flips: &[bool]) -> Vec<u8> {
    let mut lines: Vec<String> = Vec::new();
    for e in events {
        if let Some(c) = &e.comment {
            lines.push(format!(":{c}"));
        }
        if let Some(n) = &e.name {
            lines.push(format!("event: {n}"));
        }
        if let Some(i) = &e.id {
            lines.push(format!("id:{i}"));
        }
        for d in &e.data {
            lines.push(format!("data: {d}"));
        }
        lines.push(String::new());
    }
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    for (i, l) in lines.iter().enumerate() {
        out.extend_from_slice(l.as_bytes());
        let eol: &[u8] = match style {
            Style::Lf => b"\n",
            Style::CrLf => b"\r\n",
            Style::Cr => b"\r",
            Style::Mixed if flips.get(i % flips.len().max(1)).copied().unwrap_or(false) => b"\r\n",
            Style::Mixed => b"\n",
        };
        out.extend_from_slice(eol);
    }
    out
}

fn expected(events: &[Ev]) -> Vec<SseEvent> {
    let mut last_id = None;
    events
        .iter()
        .map(|e| {
            if let Some(i) = &e.id {
                last_id = Some(i.clone());
            }
            SseEvent {
                event: e.name.clone(),
                data: e.data.join("\n"),
                id: last_id.clone(),
                retry: None,
            }
        })
        .collect()
}

fn decode_in_pieces(bytes: &[u8], cuts: &[usize]) -> Vec<SseEvent> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    let mut start = 0;
    for p in points.into_iter().chain(std::iter::once(bytes.len())) {
        d.feed(&bytes[start..p], &mut out).unwrap();
        start = p;
    }
    d.finish(&mut out);
    out
}

fn style() -> impl Strategy<Value = Style> {
    prop_oneof![
        Just(Style::Lf),
        Just(Style::CrLf),
        Just(Style::Cr),
        Just(Style::Mixed)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_stream_decodes_to_its_events(
        events in proptest::collection::vec(event(), 0..8),
        style in style(),
        bom in any::<bool>(),
        flips in proptest::collection::vec(any::<bool>(), 1..8),
    ) {
        let bytes = encode(&events, style, bom, &flips);
        prop_assert_eq!(SseDecoder::decode_all(&bytes).unwrap(), expected(&events));
    }

    #[test]
    fn any_split_gives_the_same_events(
        events in proptest::collection::vec(event(), 0..8),
        style in style(),
        bom in any::<bool>(),
        flips in proptest::collection::vec(any::<bool>(), 1..8),
        cuts in proptest::collection::vec(any::<usize>(), 0..40),
    ) {
        let bytes = encode(&events, style, bom, &flips);
        let whole = SseDecoder::decode_all(&bytes).unwrap();
        prop_assert_eq!(decode_in_pieces(&bytes, &cuts), whole);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
    ) {
        let whole = SseDecoder::decode_all(&bytes).unwrap();
        prop_assert_eq!(decode_in_pieces(&bytes, &cuts), whole);
    }
}

#[test]
fn byte_at_a_time_equals_whole_on_a_real_gemini_stream() {
    let stream =
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"héllo → 🦀\"}]}}]}\r\n\r\n\
                  : keep-alive\r\n\
                  data: {\"candidates\":[{\"finishReason\":\"STOP\"}]}\r\n\r\n";
    let bytes = stream.as_bytes();
    let every: Vec<usize> = (0..bytes.len()).collect();
    let got = decode_in_pieces(bytes, &every);
    assert_eq!(got.len(), 2);
    assert!(got[0].data.contains("héllo → 🦀"));
    assert_eq!(got, SseDecoder::decode_all(bytes).unwrap());
}
