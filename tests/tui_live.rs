//! The real UI on the real terminal, for checks driven from tmux (ignored in normal runs):
//!
//!     tmux new-session -d -x 100 -y 30 'target/debug/deps/tui_live-* --ignored --nocapture'
//!
//! It feeds the handwritten live run into an `EventFeed` quickly, then impl-1 streams 200
//! lines, one every 60 ms, as the engine or `conclave replay` will. Environment:
//! `CONCLAVE_TUI_LIVE_FINISHED` (replay the finished run instead),
//! `CONCLAVE_TUI_LIVE_LOG` (file to append each command to), `CONCLAVE_TUI_LIVE_PANIC`
//! (panic after that many state changes, to check the terminal is restored),
//! `CONCLAVE_TUI_LIVE_THEME` / `_KEYMAP` (names or paths).

use conclave::model::{RunState, TranscriptPart};
use conclave::tui::app::{Change, StateFeed};
use conclave::tui::test_support::{finished_run, live_run, LogBuilder};
use conclave::tui::{AppOptions, EventFeed, FeedMsg};
use std::io::Write;
use std::time::Duration;

/// An `EventFeed` that can be told to panic, to test the panic path.
struct Feed {
    inner: EventFeed,
    panic_after: Option<u32>,
}

impl StateFeed for Feed {
    async fn next(&mut self) -> Change {
        let c = self.inner.next().await;
        if let Some(n) = self.panic_after.as_mut() {
            *n = n.saturating_sub(1);
            assert!(*n > 0, "deliberate panic to check the terminal is restored");
        }
        c
    }
    fn state(&self) -> &RunState {
        self.inner.state()
    }
}

#[tokio::test]
#[ignore = "needs a real terminal; run from tmux"]
async fn live_terminal() {
    let (tx, rx) = tokio::sync::mpsc::channel(1024);
    let (ctx, mut crx) = tokio::sync::mpsc::unbounded_channel();
    let env = |k: &str| std::env::var(k).ok();
    // The live run (approvals waiting) quickly, then impl-1 streams; or the finished run.
    let base = if env("CONCLAVE_TUI_LIVE_FINISHED").is_some() {
        finished_run()
    } else {
        live_run()
    };
    let quick = base.len();
    let mut b = LogBuilder::from_events(base);
    for i in 0..200 {
        b.say(
            "impl-1",
            Some("t2"),
            TranscriptPart::Text,
            &format!("streamed line {i}: the quick brown fox jumps over the lazy dog\n"),
        );
    }
    let events = b.events();
    tokio::spawn(async move {
        for (i, e) in events.into_iter().enumerate() {
            let ms = if i < quick { 5 } else { 60 };
            tokio::time::sleep(Duration::from_millis(ms)).await;
            if tx.send(FeedMsg::Event(Box::new(e))).await.is_err() {
                return;
            }
        }
        std::future::pending::<()>().await;
    });
    let log = env("CONCLAVE_TUI_LIVE_LOG");
    tokio::spawn(async move {
        while let Some(c) = crx.recv().await {
            if let Some(path) = &log {
                if let Ok(mut f) = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                {
                    let _ = writeln!(f, "{c:?}");
                }
            }
        }
    });
    let opts = AppOptions::load(
        &env("CONCLAVE_TUI_LIVE_THEME").unwrap_or_else(|| "default".into()),
        &env("CONCLAVE_TUI_LIVE_KEYMAP").unwrap_or_else(|| "default".into()),
        None,
    );
    let feed = Feed {
        inner: EventFeed::new(rx, RunState::default()),
        panic_after: env("CONCLAVE_TUI_LIVE_PANIC").and_then(|v| v.parse().ok()),
    };
    conclave::tui::run(feed, ctx, opts)
        .await
        .expect("terminal I/O");
}
