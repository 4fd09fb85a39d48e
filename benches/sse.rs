//! SSE decoding throughput on a realistic OpenAI-style stream, with a baseline in the same
//! run: splitting the same bytes on blank lines with memchr, the least any decoder must do.

// A test: a failed unwrap is a failed test (the product code denies unwrap).
#![allow(clippy::unwrap_used)]

use conclave::providers::SseDecoder;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

/// About 1 MB of chat completion chunks: text deltas (some multi-byte), a tool call whose
/// arguments arrive in fragments, keep-alive comments, the usage chunk and `[DONE]`.
fn openai_stream() -> Vec<u8> {
    let mut s = String::new();
    let words = [
        "The ", "change ", "looks ", "right; ", "über ", "→ ", "tests ", "pass. ",
    ];
    let mut i = 0usize;
    while s.len() < 1_000_000 {
        let w = words[i % words.len()];
        s.push_str(&format!(
            "data: {{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1732400000,\"model\":\"gpt-4o\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{w}\"}},\"finish_reason\":null}}]}}\n\n"
        ));
        if i % 50 == 0 {
            s.push_str(": keep-alive\n\n");
        }
        if i % 97 == 0 {
            s.push_str("data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1732400000,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"pa\"}}]},\"finish_reason\":null}]}\n\n");
        }
        i += 1;
    }
    s.push_str("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":812,\"completion_tokens\":96}}\n\ndata: [DONE]\n\n");
    s.into_bytes()
}

fn decode(bytes: &[u8], piece: usize) -> usize {
    let mut d = SseDecoder::new();
    let mut out = Vec::with_capacity(64);
    let mut n = 0;
    for p in bytes.chunks(piece) {
        d.feed(p, &mut out).expect("decodes");
        n += out.iter().map(|e| e.data.len()).sum::<usize>();
        out.clear();
    }
    d.finish(&mut out);
    n
}

/// The baseline: find each blank line and each `data: ` payload, allocate nothing.
fn baseline(bytes: &[u8]) -> usize {
    let finder = memchr::memmem::Finder::new(b"\n\n");
    let mut n = 0;
    let mut rest = bytes;
    while let Some(i) = finder.find(rest) {
        let event = &rest[..i];
        if let Some(data) = event.strip_prefix(b"data: ") {
            n += data.len();
        }
        rest = &rest[i + 2..];
    }
    n
}

fn bench(c: &mut Criterion) {
    let bytes = openai_stream();
    let mut g = c.benchmark_group("sse");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("baseline_memmem_split", |b| {
        b.iter(|| baseline(black_box(&bytes)))
    });
    g.bench_function("decoder_4k_pieces", |b| {
        b.iter(|| decode(black_box(&bytes), 4096))
    });
    g.bench_function("decoder_64b_pieces", |b| {
        b.iter(|| decode(black_box(&bytes), 64))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
