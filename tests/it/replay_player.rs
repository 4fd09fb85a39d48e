//! The replay player on a real store: whatever the person does (seek, step, jump between
//! decisions, play at any speed, instant), the state on screen is the fold of exactly the
//! events before the position it shows; a fork request comes back with the event shown.

use conclave::model::replay::{ReplayControl, ReplayStatus, Speed};
use conclave::model::{apply, fold, AutonomyLevel, Event, RunId, RunState};
use conclave::replay::{ForkRequest, Player};
use conclave::store::Store;
use conclave::tui::FeedMsg;
use std::time::Duration;
use tokio::sync::mpsc;

const N: u64 = 12_000;

struct Screen {
    state: RunState,
    status: Option<ReplayStatus>,
    feed: mpsc::Receiver<FeedMsg>,
}

impl Screen {
    /// Takes messages until `done` holds for the latest status.
    async fn until(&mut self, done: impl Fn(&ReplayStatus) -> bool) -> ReplayStatus {
        loop {
            if let Some(s) = &self.status {
                if done(s) {
                    return s.clone();
                }
            }
            let m = tokio::time::timeout(Duration::from_secs(30), self.feed.recv())
                .await
                .expect("the player answers")
                .expect("the player runs");
            match m {
                FeedMsg::Event(e) => apply(&mut self.state, &e),
                FeedMsg::Events(v) => v.iter().for_each(|e| apply(&mut self.state, e)),
                FeedMsg::Reset(s) => self.state = *s,
                FeedMsg::Replay(r) => self.status = Some(r),
            }
        }
    }
}

fn setup() -> (tempfile::TempDir, Store, RunId, Vec<Event>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let run = RunId::new_at(1_700_000_000_000);
    let events = conclave::testkit::synthetic::realistic_run(run, N, 11);
    let mut w = store.create_run(run).unwrap();
    for chunk in events.chunks(512) {
        w.append_events(chunk.to_vec()).unwrap();
    }
    w.flush().unwrap();
    (dir, store, run, events)
}

fn check(screen: &Screen, events: &[Event], at: u64) {
    assert_eq!(
        screen.state.next_seq, at,
        "state stands at the shown position"
    );
    assert_eq!(
        serde_json::to_value(&screen.state).unwrap(),
        serde_json::to_value(fold(&events[..at as usize])).unwrap(),
        "state after {at} events"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_move_shows_the_fold_of_the_events_before_it() {
    let (_d, store, run, events) = setup();
    let (tx, feed) = mpsc::channel(64);
    let player = Player::new(store.clone(), run, Speed::Times(1.0), false, tx).unwrap();
    let (ctl, controls) = mpsc::unbounded_channel();
    let playing = tokio::spawn(player.run(controls));
    let mut screen = Screen {
        state: RunState::default(),
        status: None,
        feed,
    };
    let s = screen.until(|s| !s.indexing).await;
    assert_eq!((s.position, s.total), (0, N));
    let decisions: Vec<u64> = events
        .iter()
        .filter(|e| e.kind.is_decision_point())
        .map(|e| e.seq)
        .collect();
    assert_eq!(
        s.marks.iter().map(|m| m.0).collect::<Vec<_>>(),
        decisions,
        "every decision point is marked"
    );

    // Seeks to scattered points, snapshots boundaries included.
    for at in [7_000, 4_096, 4_095, 1, 11_999, N, 0, 8_193, 3_333] {
        ctl.send(ReplayControl::Seek(at)).unwrap();
        let s = screen.until(|s| s.position == at).await;
        check(&screen, &events, at);
        let shown = at
            .checked_sub(1)
            .map_or("", |i| events[i as usize].kind.name());
        assert_eq!(
            s.last_kind, shown,
            "the timeline names the last event shown"
        );
    }
    // Steps forward and back across a snapshot boundary.
    ctl.send(ReplayControl::Seek(4_094)).unwrap();
    screen.until(|s| s.position == 4_094).await;
    for (step, want) in [(1, 4_095), (1, 4_096), (1, 4_097), (-1, 4_096), (-1, 4_095)] {
        ctl.send(ReplayControl::Step(step)).unwrap();
        screen.until(|s| s.position == want).await;
        check(&screen, &events, want);
    }
    // Decisions: the next one shown is the first decision at or after the position.
    let from = 5_000;
    ctl.send(ReplayControl::Seek(from)).unwrap();
    screen.until(|s| s.position == from).await;
    let next = decisions.iter().find(|&&d| d >= from).unwrap() + 1;
    ctl.send(ReplayControl::Decision(1)).unwrap();
    screen.until(|s| s.position == next).await;
    check(&screen, &events, next);
    assert!(events[next as usize - 1].kind.is_decision_point());
    ctl.send(ReplayControl::Decision(-1)).unwrap();
    let prev = decisions.iter().rev().find(|&&d| d + 1 < next).unwrap() + 1;
    screen.until(|s| s.position == prev).await;
    check(&screen, &events, prev);

    // Playing fast: wherever it is caught, the state matches its position.
    // 1× → 2, 5, 10, 25, 50, 100×.
    for _ in 0..6 {
        ctl.send(ReplayControl::Faster).unwrap();
    }
    screen.until(|s| s.speed == Speed::Times(100.0)).await;
    ctl.send(ReplayControl::TogglePlay).unwrap();
    let caught = screen.until(|s| s.playing && s.position > prev + 50).await;
    ctl.send(ReplayControl::TogglePlay).unwrap();
    let stopped = screen.until(|s| !s.playing).await;
    assert!(stopped.position >= caught.position);
    check(&screen, &events, stopped.position);

    // Instant: the end at once, where it stops.
    ctl.send(ReplayControl::Faster).unwrap();
    let end = screen
        .until(|s| s.speed == Speed::Instant && s.position == N)
        .await;
    assert!(!end.playing);
    check(&screen, &events, N);

    // A fork of what is shown: the last event shown is the last the fork copies.
    ctl.send(ReplayControl::Seek(2_500)).unwrap();
    screen.until(|s| s.position == 2_500).await;
    ctl.send(ReplayControl::Fork {
        at: 2_500,
        level: AutonomyLevel::Assisted,
    })
    .unwrap();
    let fork = playing.await.unwrap().unwrap();
    assert_eq!(
        fork,
        Some(ForkRequest {
            at_seq: 2_499,
            level: AutonomyLevel::Assisted
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_player_stops_when_the_screen_goes() {
    let (_d, store, run, _) = setup();
    let (tx, feed) = mpsc::channel(4);
    let player = Player::new(store, run, Speed::Times(100.0), true, tx).unwrap();
    let (_ctl, controls) = mpsc::unbounded_channel();
    let playing = tokio::spawn(player.run(controls));
    drop(feed);
    let end = tokio::time::timeout(Duration::from_secs(30), playing)
        .await
        .expect("the player ends")
        .unwrap()
        .unwrap();
    assert_eq!(end, None);
}
