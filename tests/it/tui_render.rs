//! Rendering behaviour the snapshots cannot show: caches never change what is drawn, drawing
//! stays lazy on huge runs, scrolling is anchored to content, theme styles reach the cells,
//! the mouse focuses and scrolls, and the app loop draws only on change.

use conclave::model::{fold, Command, Event, EventKind, RunState, TranscriptPart};
use conclave::testkit::*;
use conclave::tui::app::{drive, Change, StateFeed};
use conclave::tui::*;
use crossterm::event::{Event as TermEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::Terminal;

fn ui() -> Ui {
    Ui::new(Theme::default(), Keymap::default())
}

fn draw(ui: &Ui, state: &RunState, w: u16, h: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    ui.render(buf.area, &mut buf, state);
    buf
}

/// A warm UI that saw every earlier state draws exactly what a fresh one draws.
#[test]
fn caches_never_change_what_is_drawn() {
    let events = finished_run();
    let warm = ui();
    for n in 1..=events.len() {
        let state = fold(&events[..n]);
        for (w, h) in [(80, 24), (131, 40)] {
            let a = screen_text(&warm, &state, w, h);
            let b = screen_text(&ui(), &state, w, h);
            assert_eq!(a, b, "after {n} events at {w}x{h}");
        }
    }
}

/// Streaming into the last entry re-wraps only that entry; nothing else is laid out again.
#[test]
fn drawing_a_huge_run_is_lazy_and_streaming_is_append_only() {
    let mut state = big_state(100_000, 5_000);
    let u = ui();
    let (w, h) = (160, 50);
    draw(&u, &state, w, h);
    let p = u.panes();
    let laid = p.transcript.layout_work();
    assert!(
        laid < 20,
        "first frame laid out {laid} entries of {}",
        state.transcripts[1].len()
    );
    let lit = p.diff.highlight_work();
    assert!(
        lit <= 2 * conclave::tui::highlight::CHUNK_LINES,
        "highlighted {lit} lines"
    );
    // Same frame again: no layout, no highlighting.
    draw(&u, &state, w, h);
    assert_eq!(
        (p.transcript.layout_work(), p.diff.highlight_work()),
        (0, 0)
    );
    // A delta arrives for the streaming entry: one entry grows, nothing else.
    let next = Event {
        run: state.run.unwrap(),
        seq: state.next_seq,
        at_ms: state.last_at_ms + 10,
        kind: EventKind::Transcript {
            agent: "impl-1".into(),
            task: Some("t1".into()),
            part: TranscriptPart::Text,
            text: "and one more line\n".into(),
        },
    };
    conclave::model::apply(&mut state, &next);
    let text = buffer_rows(&draw(&u, &state, w, h));
    assert_eq!(p.transcript.layout_work(), 1);
    assert!(text.iter().any(|r| r.contains("and one more line")));
}

fn buffer_rows(buf: &Buffer) -> Vec<String> {
    buffer_text(buf).lines().map(str::to_string).collect()
}

fn transcript_rows(u: &Ui, state: &RunState) -> Vec<String> {
    // Zoomed transcript: every row but the title and the status bar is transcript text.
    let rows = buffer_rows(&draw(u, state, 80, 24));
    rows[1..23].to_vec()
}

/// The live run with impl-1 streaming `n` more numbered lines, one event each.
fn long_log(n: usize) -> Vec<Event> {
    let mut b = LogBuilder::from_events(live_run());
    for i in 0..n {
        b.say(
            "impl-1",
            Some("t2"),
            TranscriptPart::Text,
            &format!("streamed line {i}\n"),
        );
        if i % 7 == 0 {
            b.say(
                "strategist",
                None,
                TranscriptPart::Text,
                &format!("strategist aside {i}\n"),
            );
        }
    }
    b.events()
}

#[test]
fn scrolling_is_anchored_to_content_and_end_follows_again() {
    let events = long_log(120);
    let mut state = fold(&events[..events.len() - 20]);
    let mut u = ui();
    u.handle_key(key("2"), &state);
    u.handle_key(key("z"), &state);
    // Pick impl-1's tab, so it stays shown whoever speaks last.
    while u.view.transcript.shown_agent(&state) != Some(1) || u.view.transcript.tab.is_none() {
        u.handle_key(key("]"), &state);
    }
    let following = transcript_rows(&u, &state);
    u.handle_key(key("k"), &state);
    u.handle_key(key("k"), &state);
    let scrolled = transcript_rows(&u, &state);
    assert_ne!(following, scrolled);
    assert_eq!(
        scrolled[2..],
        following[..following.len() - 2],
        "two lines up"
    );
    // impl-1 keeps streaming: what the person reads does not move.
    for e in &events[events.len() - 20..] {
        conclave::model::apply(&mut state, e);
    }
    assert_eq!(transcript_rows(&u, &state), scrolled);
    // End goes back to following the tail.
    u.handle_key(key("end"), &state);
    let tail = transcript_rows(&u, &state);
    assert_ne!(tail, scrolled);
    assert!(
        tail.iter().any(|r| r.contains("streamed line 119")),
        "{tail:#?}"
    );
    // Scrolling down past the end also resumes following.
    u.handle_key(key("k"), &state);
    u.handle_key(key("j"), &state);
    u.handle_key(key("j"), &state);
    assert_eq!(transcript_rows(&u, &state), tail);
}

#[test]
fn theme_styles_reach_the_cells() {
    let state = state_of(&live_run());
    let dark = draw(&ui(), &state, 80, 24);
    // The status bar's level badge and an added diff line's background.
    assert_eq!(dark[(1, 23)].bg, Color::Rgb(0x89, 0xb4, 0xfa));
    let plus_row = buffer_rows(&dark)
        .iter()
        .position(|r| r.contains("+use crate::retry::Backoff;"))
        .unwrap() as u16;
    let plus_x = buffer_rows(&dark)[plus_row as usize].find("+use").unwrap();
    let x = buffer_rows(&dark)[plus_row as usize][..plus_x]
        .chars()
        .count() as u16
        - 1;
    assert_eq!(dark[(x + 1, plus_row)].bg, Color::Rgb(0x1f, 0x33, 0x27));
    // Syntax colours: `use` is coloured by the syntect theme, not the plain diff colour.
    assert_ne!(dark[(x + 2, plus_row)].fg, Color::Rgb(0xa6, 0xe3, 0xa1));
    let hc = Ui::new(Theme::load("high-contrast", None).value, Keymap::default());
    let hcb = draw(&hc, &state, 80, 24);
    assert_eq!(
        hcb[(x + 2, plus_row)].fg,
        Color::Rgb(0, 0xff, 0),
        "no syntax colours: the diff colour"
    );
    let light = Ui::new(Theme::load("light", None).value, Keymap::default());
    assert_eq!(
        draw(&light, &state, 80, 24)[(40, 12)].bg,
        Color::Rgb(0xfa, 0xfa, 0xfa)
    );
}

#[test]
fn mouse_clicks_focus_and_the_wheel_scrolls_the_pane_under_it() {
    let state = fold(&long_log(60));
    let mut u = ui();
    draw(&u, &state, 80, 24);
    let click = |col, row, kind| MouseEvent {
        kind,
        column: col,
        row,
        modifiers: crossterm::event::KeyModifiers::NONE,
    };
    u.handle_mouse(
        click(40, 15, MouseEventKind::Down(MouseButton::Left)),
        &state,
    );
    assert_eq!(u.view.focus, PaneId::Diff);
    u.handle_mouse(
        click(5, 14, MouseEventKind::Down(MouseButton::Left)),
        &state,
    );
    assert_eq!(u.view.focus, PaneId::Approvals);
    let before = transcript_rows(&u, &state);
    u.handle_mouse(click(40, 4, MouseEventKind::ScrollUp), &state);
    assert_eq!(
        u.view.focus,
        PaneId::Approvals,
        "the wheel does not move the focus"
    );
    assert_ne!(transcript_rows(&u, &state), before);
}

#[test]
fn every_size_from_tiny_to_huge_draws_without_panicking() {
    let states = [
        RunState::default(),
        state_of(&live_run()),
        state_of(&finished_run()),
    ];
    for s in &states {
        for (w, h) in [
            (1, 1),
            (20, 5),
            (59, 15),
            (60, 16),
            (61, 17),
            (80, 24),
            (100, 30),
            (250, 80),
        ] {
            let mut u = ui();
            draw(&u, s, w, h);
            for k in [
                "?", "esc", "r", "esc", "z", "4", "n", "space", "2", "e", "k", "5",
            ] {
                u.handle_key(key(k), s);
                draw(&u, s, w, h);
            }
        }
    }
}

/// A feed driven by the test: each `next` yields the next prepared state.
struct Steps {
    states: std::vec::IntoIter<RunState>,
    current: RunState,
}

impl StateFeed for Steps {
    async fn next(&mut self) -> Change {
        tokio::task::yield_now().await;
        match self.states.next() {
            Some(s) => {
                self.current = s;
                Change::Updated
            }
            None => std::future::pending().await,
        }
    }
    fn state(&self) -> &RunState {
        &self.current
    }
}

#[tokio::test]
async fn the_loop_draws_on_change_only_and_sends_commands() {
    let events = live_run();
    let states = vec![fold(&events[..events.len() - 1]), fold(&events)];
    let mut feed = Steps {
        states: states.into_iter(),
        current: RunState::default(),
    };
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut u = ui();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Command>();
    let (key_tx, key_rx) = futures::channel::mpsc::unbounded::<std::io::Result<TermEvent>>();
    // The person waits for both states, approves, moves the mouse (no frame), then quits.
    let person = async move {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        for ev in [
            TermEvent::Key(key("a")),
            TermEvent::Mouse(MouseEvent {
                kind: MouseEventKind::Moved,
                column: 1,
                row: 1,
                modifiers: crossterm::event::KeyModifiers::NONE,
            }),
            TermEvent::Key(key("q")),
            TermEvent::Key(key("y")),
        ] {
            key_tx.unbounded_send(Ok(ev)).unwrap();
            tokio::task::yield_now().await;
        }
        key_tx
    };
    let out = Outbox::live(tx);
    let mut quiet = conclave::tui::attention::Attention::off();
    let run = drive(
        &mut term,
        &mut u,
        &mut feed,
        key_rx,
        &out,
        &mut quiet,
        std::future::pending(),
    );
    let (stats, _keep_open) = tokio::join!(run, person);
    let stats = stats.unwrap();
    // 1 first frame + 2 states + "a" + "q" (opens the question); "y" quits; motion draws nothing.
    assert_eq!(stats.frames, 5);
    assert_eq!(stats.commands, 1);
    assert_eq!(
        rx.try_recv().unwrap(),
        Command::Approve {
            approval: "a4".into(),
            keep_hunks: None
        }
    );
    assert!(term
        .backend()
        .to_string()
        .contains("Quit while agents work?"));
}

#[tokio::test]
async fn the_event_feed_folds_batches_and_resets() {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let mut feed = conclave::tui::EventFeed::new(rx, RunState::default());
    let events = live_run();
    for e in &events[..10] {
        tx.send(FeedMsg::Event(Box::new(e.clone()))).await.unwrap();
    }
    tx.send(FeedMsg::Events(events[10..].to_vec()))
        .await
        .unwrap();
    assert_eq!(feed.next().await, Change::Updated);
    assert_eq!(
        feed.state(),
        &fold(&events),
        "one wake folds everything queued"
    );
    tx.send(FeedMsg::Reset(Box::new(fold(&events[..5]))))
        .await
        .unwrap();
    assert_eq!(feed.next().await, Change::Reset);
    assert_eq!(feed.state().next_seq, 5);
    drop(tx);
    assert_eq!(feed.next().await, Change::Closed);
}
