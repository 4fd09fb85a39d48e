//! Frame render time (design §11: 8 agents, 100k transcript lines, a 5k-line diff, median
//! under 2 ms), against an empty frame in the same run so the machine's speed cancels out.
//!
//! Each case draws into a reused buffer as the real loop does after `Terminal::draw` resets
//! it. The cold first frame (every cache empty) is measured once and printed.

// A test: a failed unwrap is a failed test (the product code denies unwrap).
#![allow(clippy::unwrap_used)]

use conclave::model::{apply, Event, EventKind, RunState, TranscriptPart};
use conclave::testkit::{big_state, key};
use conclave::tui::{Keymap, Theme, Ui};
use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::hint::black_box;
use std::time::Instant;

const W: u16 = 200;
const H: u16 = 60;

fn frame(ui: &Ui, state: &RunState, buf: &mut Buffer) {
    buf.reset();
    ui.render(buf.area, buf, state);
    black_box(&*buf);
}

fn render(c: &mut Criterion) {
    // The app runs warm_up on a background thread at start; time it here for the record.
    let t = Instant::now();
    conclave::tui::highlight::warm_up();
    println!(
        "highlight::warm_up (syntax sets + common-language regexes): {:?}",
        t.elapsed()
    );
    let area = Rect::new(0, 0, W, H);
    let mut buf = Buffer::empty(area);
    let state = big_state(100_000, 5_000);
    let empty = RunState::default();

    // Cold: a fresh UI on the big state (layout and highlighting of what shows, nothing more).
    let ui = Ui::new(Theme::default(), Keymap::default());
    let t = Instant::now();
    frame(&ui, &state, &mut buf);
    println!(
        "cold first frame in a fresh process, after warm_up: {:?}",
        t.elapsed()
    );
    let ui = Ui::new(Theme::default(), Keymap::default());
    let t = Instant::now();
    frame(&ui, &state, &mut buf);
    println!(
        "cold first frame of a fresh UI (every UI cache empty): {:?}",
        t.elapsed()
    );

    let mut g = c.benchmark_group("render");
    g.bench_function("empty_frame", |b| {
        let ui = Ui::new(Theme::default(), Keymap::default());
        b.iter(|| frame(&ui, &empty, &mut buf))
    });
    g.bench_function("full_frame_8_agents_100k_lines_5k_diff", |b| {
        let ui = Ui::new(Theme::default(), Keymap::default());
        frame(&ui, &state, &mut buf);
        b.iter(|| frame(&ui, &state, &mut buf))
    });
    g.bench_function("full_frame_diff_scrolled_to_middle", |b| {
        let mut ui = Ui::new(Theme::default(), Keymap::default());
        ui.handle_key(key("4"), &state);
        for _ in 0..60 {
            ui.handle_key(key("n"), &state);
        }
        frame(&ui, &state, &mut buf);
        b.iter(|| frame(&ui, &state, &mut buf))
    });
    // Streaming: one delta into the growing entry, then a frame (reducer + re-wrap of the
    // entry's last line + draw). The state grows by one event per iteration.
    g.bench_function("stream_delta_then_frame", |b| {
        let ui = Ui::new(Theme::default(), Keymap::default());
        let mut s = state.clone();
        frame(&ui, &s, &mut buf);
        let run = s.run.unwrap_or_else(|| conclave::model::RunId::new_at(0));
        b.iter(|| {
            let e = Event {
                run,
                seq: s.next_seq,
                at_ms: s.last_at_ms + 5,
                kind: EventKind::Transcript {
                    agent: "impl-1".into(),
                    task: Some("t1".into()),
                    part: TranscriptPart::Text,
                    text: "another streamed line of the answer\n".into(),
                },
            };
            apply(&mut s, &e);
            frame(&ui, &s, &mut buf);
        })
    });
    g.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
