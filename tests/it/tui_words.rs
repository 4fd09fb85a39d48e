//! What a newcomer reads on the run screen says the truth: the Metrics clock counts while a
//! run waits for a person (and shows the replayed time in a replay), a "lower is better" KPI
//! that misses is above its target, an unknown price is not $0.00, "next agent" in the
//! zoomed Metrics moves a visible pick, the help fits every action name, and the fork
//! question numbers events as the home list does.

use conclave::model::replay::ReplayStatus;
use conclave::model::RunState;
use conclave::testkit::*;
use conclave::tui::app::{drive, Change, StateFeed};
use conclave::tui::*;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn ui() -> Ui {
    Ui::new(Theme::default(), Keymap::default())
}

fn press(u: &mut Ui, s: &RunState, keys: &[&str]) {
    for k in keys {
        u.handle_key(key(k), s);
    }
}

/// The Metrics pane's title row (`─ Metrics 0:24 ───`) of a screen.
fn metrics_title(screen: &str) -> String {
    let line = screen
        .lines()
        .find(|l| l.contains("Metrics "))
        .unwrap_or_else(|| panic!("no Metrics pane:\n{screen}"));
    let at = line.find("Metrics ").unwrap();
    line[at..]
        .split(" ─")
        .next()
        .unwrap()
        .trim_end_matches('─')
        .trim()
        .to_string()
}

#[test]
fn the_metrics_clock_counts_while_the_run_waits_and_replays_show_the_replayed_time() {
    let live = state_of(&live_run());
    let recorded = conclave::util::format_duration_ms(live.last_at_ms - live.started_at_ms);
    let mut u = ui();
    // No clock (a snapshot): the time of the last event.
    let shown = metrics_title(&screen_text(&u, &live, 160, 50));
    assert_eq!(shown, format!("Metrics {recorded}"));
    // A live screen's clock 2 minutes 5 seconds after the start, long after the last event
    // (a person deciding): it says so.
    u.view.now_ms = Some(live.started_at_ms + 125_400);
    assert!(u.view.clock_runs(&live));
    // The next frame comes when the clock shows 2:06, not before.
    let wait = u.view.clock_wait(&live).unwrap().as_millis();
    assert!((600..=610).contains(&wait), "{wait}");
    assert_eq!(
        metrics_title(&screen_text(&u, &live, 160, 50)),
        "Metrics 2:05"
    );
    // A finished run's clock stopped at its end.
    let done = state_of(&finished_run());
    assert!(!u.view.clock_runs(&done));
    assert_eq!(u.view.clock_wait(&done), None, "nothing to redraw for");
    let end = conclave::util::format_duration_ms(done.last_at_ms - done.started_at_ms);
    assert_eq!(
        metrics_title(&screen_text(&u, &done, 160, 50)),
        format!("Metrics {end}")
    );
    // A replay shows the time of the event it stands at, whatever the wall clock says.
    u.view.replay = Some(ReplayStatus::new(live.next_seq));
    assert!(!u.view.clock_runs(&live));
    assert_eq!(
        metrics_title(&screen_text(&u, &live, 160, 50)),
        format!("Metrics {recorded}")
    );
}

/// A feed with one state that never changes, counting how often the loop reads it.
struct Still {
    state: RunState,
    reads: Arc<AtomicUsize>,
}

impl StateFeed for Still {
    async fn next(&mut self) -> Change {
        std::future::pending().await
    }
    fn state(&self) -> &RunState {
        self.reads.fetch_add(1, Ordering::SeqCst);
        &self.state
    }
}

/// With nothing arriving and no key pressed, a live run's screen still redraws: its clock is
/// what changes.
#[tokio::test]
async fn the_live_screen_redraws_its_clock_with_nothing_happening() {
    let reads = Arc::new(AtomicUsize::new(0));
    let mut feed = Still {
        state: state_of(&live_run()),
        reads: reads.clone(),
    };
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut u = ui();
    u.view.now_ms = Some(0);
    let (_keys, key_rx) =
        futures::channel::mpsc::unbounded::<std::io::Result<crossterm::event::Event>>();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let out = Outbox::live(tx);
    // One frame reads the state twice (draw, clock); stop once a second frame was drawn, or
    // after a generous deadline (then the assertion below fails).
    let second_frame = async {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        while reads.load(Ordering::SeqCst) < 4 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    let mut quiet = conclave::tui::attention::Attention::off();
    let stats = drive(
        &mut term,
        &mut u,
        &mut feed,
        key_rx,
        &out,
        &mut quiet,
        second_frame,
    )
    .await
    .unwrap();
    assert!(stats.frames >= 2, "{stats:?}");
    assert_eq!(stats.commands, 0);
}

#[test]
fn zoomed_metrics_say_above_target_and_unknown_prices_and_next_agent_moves_the_pick() {
    // The reviewer's model is in no price table.
    let s = state_of(&with_unpriced(finished_run(), "reviewer"));
    let mut u = ui();
    press(&mut u, &s, &["5", "z"]);
    let screen = screen_text(&u, &s, 120, 40);
    insta::assert_snapshot!("metrics_zoomed_kpis_unpriced", screen);
    let row = |name: &str| {
        screen
            .lines()
            .find(|l| l.trim_start_matches('"').starts_with(name))
            .unwrap_or_else(|| panic!("no row {name}:\n{screen}"))
            .to_string()
    };
    // Task-time variation is lower-is-better: 23% against <10% is above it.
    assert!(
        row("time var").contains("✗ above target"),
        "{}",
        row("time var")
    );
    assert!(row("routing").contains("✓ met"), "{}", row("routing"));
    // Unknown is not free; a local model priced at zero is.
    assert!(row("reviewer").contains(" ? "), "{}", row("reviewer"));
    assert!(row("impl-2").contains("$0.00"), "{}", row("impl-2"));
    assert!(
        screen.contains("of unknown price"),
        "the run's cost says part is unknown:\n{screen}"
    );

    // "next agent" moves the highlighted row, here where every agent is shown at once.
    let picked = |u: &Ui| -> Option<String> {
        let mut buf = Buffer::empty(Rect::new(0, 0, 120, 40));
        u.render(buf.area, &mut buf, &s);
        let sel = u.theme().style("ui.selection").bg;
        (0..40u16).find_map(|y| {
            let text: String = (0..12u16)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            let name = text.trim().to_string();
            let is_agent = s.agents.iter().any(|a| a.name == name);
            (is_agent && buf[(0, y)].bg == sel.unwrap_or_default()).then_some(name)
        })
    };
    let first = picked(&u).expect("an agent row is highlighted");
    press(&mut u, &s, &["right"]);
    let second = picked(&u).expect("still one highlighted");
    assert_ne!(first, second, "right picks the next agent");
    press(&mut u, &s, &["left"]);
    assert_eq!(picked(&u), Some(first));
}

#[test]
fn the_help_fits_every_action_name() {
    let s = state_of(&live_run());
    let mut u = ui();
    u.view.replay = Some(ReplayStatus {
        position: s.next_seq,
        ..ReplayStatus::new(s.next_seq)
    });
    press(&mut u, &s, &["?"]);
    let screen = screen_text(&u, &s, 160, 50);
    for name in [
        "replay_step_forward",
        "replay_prev_decision",
        "replay_seek_forward",
    ] {
        assert!(
            screen.contains(&format!(" {name} ")),
            "{name} cut:\n{screen}"
        );
    }
}

#[test]
fn the_fork_question_numbers_events_as_the_home_list_and_fork_at_do() {
    let s = state_of(&live_run());
    let mut u = ui();
    u.view.replay = Some(ReplayStatus {
        position: s.next_seq,
        last_kind: "ApprovalDecided".into(),
        ..ReplayStatus::new(s.next_seq * 2)
    });
    press(&mut u, &s, &["F"]);
    let screen = screen_text(&u, &s, 100, 30);
    // Shown: events 0..next_seq; the last one copied has seq next_seq - 1.
    let after = format!("after event {} ", s.next_seq - 1);
    assert!(screen.contains(&after), "{after}:\n{screen}");

    // At the end of a finished run its RunFinished is not copied: the event before it.
    let done = state_of(&finished_run());
    let mut u = ui();
    u.view.replay = Some(ReplayStatus {
        position: done.next_seq,
        last_kind: "RunFinished".into(),
        ..ReplayStatus::new(done.next_seq)
    });
    press(&mut u, &done, &["F"]);
    let screen = screen_text(&u, &done, 100, 30);
    let after = format!("after event {} ", done.next_seq - 2);
    assert!(screen.contains(&after), "{after}:\n{screen}");
}
