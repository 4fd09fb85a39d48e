//! Plays a stored run into the screen's feed: at a speed, paused, one event at a time, or by
//! seeking anywhere through the store's snapshots.
//!
//! Owns the replay's clock and position. Moving forward sends events (the screen folds them
//! with the same reducer as a live run); any other move sends a whole state from
//! `Store::state_at`: the nearest snapshot plus the events after it, which the store keeps
//! about as cheap to fold as the snapshot is to read, so a seek costs about two snapshot
//! reads wherever it lands. Must not write to the store: a fork is handed back to the caller.

use super::marks;
use crate::model::replay::{ReplayControl, ReplayStatus, Speed};
use crate::model::{AutonomyLevel, Event, RunId};
use crate::store::Store;
use crate::tui::FeedMsg;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How often a playing replay wakes to send what became due.
const TICK: Duration = Duration::from_millis(16);
/// Longest real wait between two events however far apart they were recorded.
const MAX_GAP_MS: f64 = 2000.0;
/// Most events sent in one tick, so a dense stretch at 100× still lets keys through.
const MAX_BATCH: usize = 4096;
/// Events read from the store at once.
const READ_AHEAD: u64 = 1024;

/// Sets its flag when dropped.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The person asked for a fork: a new run from the events `0..=at_seq`, at `level`.
#[derive(Clone, Debug, PartialEq)]
pub struct ForkRequest {
    pub at_seq: u64,
    pub level: AutonomyLevel,
}

#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("the replay's reader stopped: {0}")]
    Join(String),
}

pub struct Player {
    store: Store,
    run: RunId,
    status: ReplayStatus,
    ahead: VecDeque<Event>,
    /// The recorded time the replay clock stands at while playing.
    clock_ms: f64,
    feed: mpsc::Sender<FeedMsg>,
    /// What the screen was last told, so an idle tick sends nothing.
    told: Option<ReplayStatus>,
}

impl Player {
    /// A player of `run` at the start, paused unless `play`.
    pub fn new(
        store: Store,
        run: RunId,
        speed: Speed,
        play: bool,
        feed: mpsc::Sender<FeedMsg>,
    ) -> Result<Player, PlayError> {
        let total = store.event_count(run)?;
        let first = store
            .event_heads(run, 0, Some(1), false)?
            .next()
            .transpose()?;
        let last = store
            .event_heads(run, total.saturating_sub(1), None, false)?
            .next()
            .transpose()?;
        let start_ms = first.map_or(0, |h| h.at_ms);
        let status = ReplayStatus {
            playing: play,
            speed,
            start_ms,
            at_ms: start_ms,
            end_ms: last.map_or(start_ms, |h| h.at_ms),
            ..ReplayStatus::new(total)
        };
        Ok(Player {
            store,
            run,
            status,
            ahead: VecDeque::new(),
            clock_ms: start_ms as f64,
            feed,
            told: None,
        })
    }

    pub fn status(&self) -> &ReplayStatus {
        &self.status
    }

    /// Plays until the screen goes away (`None`) or asks for a fork.
    pub async fn run(
        mut self,
        mut controls: mpsc::UnboundedReceiver<ReplayControl>,
    ) -> Result<Option<ForkRequest>, PlayError> {
        let (marks_tx, mut marks_rx) = tokio::sync::oneshot::channel();
        let (store, run) = (self.store.clone(), self.run);
        // Indexing a long run takes a while: the timeline fills in when it is done. It stops
        // when the player does (on every return below, through the guard).
        let stop = Arc::new(AtomicBool::new(false));
        let _stop_on_return = StopOnDrop(stop.clone());
        tokio::task::spawn_blocking(move || {
            let _ = marks_tx.send(marks::index(&store, run, &stop));
        });
        let mut indexing = true;
        if !self.send_status().await {
            return Ok(self.fork_asked(&mut controls));
        }
        let mut last_tick = Instant::now();
        loop {
            let playing = self.status.playing && self.status.position < self.status.total;
            tokio::select! {
                c = controls.recv() => {
                    let Some(c) = c else { return Ok(None) };
                    if let ReplayControl::Fork { at, level } = c {
                        return Ok(Some(self.fork_of(at, level)));
                    }
                    self.control(c).await?;
                    last_tick = Instant::now();
                }
                m = &mut marks_rx, if indexing => {
                    indexing = false;
                    if let Ok(Ok(Some(marks))) = m {
                        self.status.marks = Arc::new(marks);
                    }
                    self.status.indexing = false;
                }
                _ = tokio::time::sleep(TICK), if playing => {
                    let now = Instant::now();
                    let real_ms = now.duration_since(last_tick).as_secs_f64() * 1000.0;
                    last_tick = now;
                    self.advance(real_ms).await?;
                }
            }
            if !self.send_status().await {
                return Ok(self.fork_asked(&mut controls));
            }
        }
    }

    /// The screen closed: it may have asked for a fork just before.
    fn fork_asked(
        &self,
        controls: &mut mpsc::UnboundedReceiver<ReplayControl>,
    ) -> Option<ForkRequest> {
        while let Ok(c) = controls.try_recv() {
            if let ReplayControl::Fork { at, level } = c {
                return Some(self.fork_of(at, level));
            }
        }
        None
    }

    fn fork_of(&self, at: u64, level: AutonomyLevel) -> ForkRequest {
        // The fork copies 0..=at_seq; a RunFinished among them is dropped (`ReplayStatus::
        // fork_seq` is what the question and the home list say).
        let at_seq = at.clamp(1, self.status.total.max(1)) - 1;
        ForkRequest { at_seq, level }
    }

    async fn control(&mut self, c: ReplayControl) -> Result<(), PlayError> {
        let s = self.status.clone();
        match c {
            ReplayControl::TogglePlay => {
                if s.position >= s.total {
                    // Play at the end starts over.
                    self.seek(0).await?;
                    self.status.playing = true;
                } else {
                    self.status.playing = !s.playing;
                    self.clock_ms = self.status.at_ms as f64;
                }
            }
            ReplayControl::Faster => self.set_speed(s.speed.faster()).await?,
            ReplayControl::Slower => self.set_speed(s.speed.slower()).await?,
            ReplayControl::Step(n) => {
                self.status.playing = false;
                if n > 0 {
                    self.forward(n as usize).await?;
                } else {
                    let to = s.position.saturating_sub(n.unsigned_abs());
                    self.seek(to).await?;
                }
            }
            ReplayControl::Decision(dir) => {
                let (pos, fwd) = (s.position, dir > 0);
                let to = if s.indexing {
                    marks::jump_scan(&self.store, self.run, pos, fwd)?
                } else {
                    marks::jump_in(&s.marks, pos, fwd)
                };
                self.status.playing = false;
                if let Some(to) = to {
                    self.seek(to).await?;
                }
            }
            ReplayControl::Seek(to) => self.seek(to).await?,
            ReplayControl::Fork { .. } => {}
        }
        Ok(())
    }

    async fn set_speed(&mut self, speed: Speed) -> Result<(), PlayError> {
        self.status.speed = speed;
        if speed == Speed::Instant {
            // Everything left at once: the final state, not a million single events.
            self.seek(self.status.total).await?;
            self.status.playing = false;
        }
        Ok(())
    }

    /// Shows the state after `to` events.
    pub async fn seek(&mut self, to: u64) -> Result<(), PlayError> {
        let to = to.min(self.status.total);
        let (store, run) = (self.store.clone(), self.run);
        let state = tokio::task::spawn_blocking(move || store.state_at(run, Some(to)))
            .await
            .map_err(|e| PlayError::Join(e.to_string()))??;
        self.ahead.clear();
        self.status.last_kind = match to {
            0 => String::new(),
            _ => self
                .store
                .event_heads(self.run, to - 1, Some(to), false)?
                .next()
                .transpose()?
                .map(|h| h.kind)
                .unwrap_or_default(),
        };
        self.status.position = to;
        if to >= self.status.total {
            self.status.playing = false;
        }
        self.status.at_ms = if to == 0 {
            self.status.start_ms
        } else {
            state.last_at_ms
        };
        self.clock_ms = self.status.at_ms as f64;
        let _ = self.feed.send(FeedMsg::Reset(Box::new(state))).await;
        Ok(())
    }

    /// Sends the next `n` events.
    async fn forward(&mut self, n: usize) -> Result<(), PlayError> {
        let mut batch = Vec::with_capacity(n.min(MAX_BATCH));
        while batch.len() < n {
            let Some(e) = self.next_event()? else { break };
            batch.push(e);
        }
        self.send_events(batch).await;
        Ok(())
    }

    /// Moves the replay clock on by `real_ms` at the current speed and sends what is due.
    async fn advance(&mut self, real_ms: f64) -> Result<(), PlayError> {
        let speed = self.status.speed.factor();
        if !speed.is_finite() {
            return self.seek(self.status.total).await;
        }
        self.clock_ms += real_ms * speed;
        let mut batch = Vec::new();
        while batch.len() < MAX_BATCH {
            let Some(next_at) = self.peek_at()? else {
                break;
            };
            // A long recorded pause plays as at most MAX_GAP_MS of waiting.
            let gap = next_at as f64 - self.clock_ms;
            if gap > MAX_GAP_MS * speed {
                self.clock_ms = next_at as f64 - MAX_GAP_MS * speed;
            }
            if next_at as f64 > self.clock_ms {
                break;
            }
            if let Some(e) = self.next_event()? {
                batch.push(e);
            }
        }
        self.send_events(batch).await;
        if self.status.position >= self.status.total {
            // The end pauses: a key that moves back then shows that point and stays there.
            self.status.playing = false;
        }
        Ok(())
    }

    async fn send_events(&mut self, batch: Vec<Event>) {
        let Some(last) = batch.last() else { return };
        self.status.last_kind = last.kind.name().to_string();
        self.status.position = last.seq + 1;
        self.status.at_ms = last.at_ms;
        let _ = self.feed.send(FeedMsg::Events(batch)).await;
    }

    fn fill(&mut self) -> Result<(), PlayError> {
        if self.ahead.is_empty() {
            let from = self.status.position;
            if from < self.status.total {
                for e in self.store.events(self.run, from, Some(from + READ_AHEAD))? {
                    self.ahead.push_back(e?);
                }
            }
        }
        Ok(())
    }

    fn peek_at(&mut self) -> Result<Option<u64>, PlayError> {
        self.fill()?;
        Ok(self.ahead.front().map(|e| e.at_ms))
    }

    fn next_event(&mut self) -> Result<Option<Event>, PlayError> {
        self.fill()?;
        let e = self.ahead.pop_front();
        if let Some(e) = &e {
            // The buffer was read from `position`; keep them in step for the next fill.
            self.status.position = e.seq + 1;
        }
        Ok(e)
    }

    /// False when the screen is gone.
    async fn send_status(&mut self) -> bool {
        if self.told.as_ref() == Some(&self.status) {
            return !self.feed.is_closed();
        }
        self.told = Some(self.status.clone());
        self.feed
            .send(FeedMsg::Replay(self.status.clone()))
            .await
            .is_ok()
    }
}
