//! The app loop: state changes from a feed, terminal input, and a redraw only when something
//! changed (design §3: an idle screen costs no CPU). Commands go out on a channel.
//!
//! Owns the loop and the feeds. The engine (live) or a replay driver plugs in by sending
//! events (`EventFeed`: the UI folds them with `model::apply`, the same reducer as
//! everywhere), or whole states (`FeedMsg::Reset`). Must not know where events come from.

use super::attention::{Attention, AttentionConfig};
use super::highlight;
use super::keymap::Keymap;
use super::problem::LoadProblem;
use super::terminal;
use super::theme::Theme;
use super::ui::{Effect, Ui};
use crate::model::replay::{ReplayControl, ReplayStatus};
use crate::model::{apply, Command, Event, RunState};
use crossterm::event::{Event as TermEvent, EventStream, MouseEventKind};
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use std::future::Future;
use std::io;
use std::path::Path;
use tokio::sync::mpsc;

/// What a feed saw since the last call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The state moved on (events applied).
    Updated,
    /// The state was replaced (a replay seek, a resumed run): caches start over.
    Reset,
    /// The source is gone; the last state stays on screen.
    Closed,
}

/// A source of `RunState` for the UI.
pub trait StateFeed {
    /// Waits for the next change.
    fn next(&mut self) -> impl Future<Output = Change>;
    fn state(&self) -> &RunState;

    /// Where a replay stands, for a feed that plays a stored run.
    fn replay(&self) -> Option<&ReplayStatus> {
        None
    }
}

/// What an `EventFeed` receives.
#[derive(Debug)]
pub enum FeedMsg {
    Event(Box<Event>),
    Events(Vec<Event>),
    /// Replace the state, e.g. after a replay seek: a state made by `model::fold` (or one
    /// whose `rebuild_index` was called).
    Reset(Box<RunState>),
    /// A replay moved, or its play state or speed changed.
    Replay(ReplayStatus),
}

/// Most messages applied before a frame is drawn, so a flood of events still shows progress.
const BATCH: usize = 4096;

/// Folds events into its own `RunState` with `model::apply`.
pub struct EventFeed {
    rx: Source,
    state: RunState,
    replay: Option<ReplayStatus>,
}

/// Where a feed's messages come from: a player or a socket (messages), or the run's own log
/// (its events, subscribed to directly: no task in between).
enum Source {
    Messages(mpsc::Receiver<FeedMsg>),
    Log(mpsc::UnboundedReceiver<crate::model::Event>),
}

impl Source {
    async fn recv(&mut self) -> Option<FeedMsg> {
        match self {
            Source::Messages(rx) => rx.recv().await,
            Source::Log(rx) => rx.recv().await.map(|e| FeedMsg::Event(Box::new(e))),
        }
    }

    fn try_recv(&mut self) -> Option<FeedMsg> {
        match self {
            Source::Messages(rx) => rx.try_recv().ok(),
            Source::Log(rx) => rx.try_recv().ok().map(|e| FeedMsg::Event(Box::new(e))),
        }
    }
}

impl EventFeed {
    pub fn new(rx: mpsc::Receiver<FeedMsg>, initial: RunState) -> Self {
        EventFeed {
            rx: Source::Messages(rx),
            state: initial,
            replay: None,
        }
    }

    /// The feed of a run this process drives: its log's events, those already folded into
    /// `initial` (a resumed or forked run's) skipped.
    pub fn of_log(events: mpsc::UnboundedReceiver<crate::model::Event>, initial: RunState) -> Self {
        EventFeed {
            rx: Source::Log(events),
            state: initial,
            replay: None,
        }
    }

    /// Shows a replay's position from the first frame on.
    pub fn set_replay(&mut self, r: ReplayStatus) {
        self.replay = Some(r);
    }

    fn take(&mut self, m: FeedMsg) -> Change {
        match m {
            // An event already folded in (the state a resumed run's screen starts from).
            FeedMsg::Event(e) if e.seq < self.state.next_seq => return Change::Updated,
            FeedMsg::Event(e) => apply(&mut self.state, &e),
            FeedMsg::Events(v) => v.iter().for_each(|e| apply(&mut self.state, e)),
            FeedMsg::Reset(s) => {
                self.state = *s;
                return Change::Reset;
            }
            FeedMsg::Replay(r) => self.replay = Some(r),
        }
        Change::Updated
    }
}

impl StateFeed for EventFeed {
    async fn next(&mut self) -> Change {
        let Some(first) = self.rx.recv().await else {
            return Change::Closed;
        };
        let mut change = self.take(first);
        // Everything already queued goes into the same frame.
        for _ in 0..BATCH {
            match self.rx.try_recv() {
                Some(m) => {
                    if self.take(m) == Change::Reset {
                        change = Change::Reset;
                    }
                }
                None => break,
            }
        }
        change
    }

    fn state(&self) -> &RunState {
        &self.state
    }

    fn replay(&self) -> Option<&ReplayStatus> {
        self.replay.as_ref()
    }
}

/// Theme, keymap and the problems met loading them.
#[derive(Default)]
pub struct AppOptions {
    pub theme: Theme,
    pub keymap: Keymap,
    pub problems: Vec<LoadProblem>,
    /// The run belongs to another process (`conclave attach`): quitting leaves it going.
    pub attached: bool,
    /// `ViewState::run_id_len`: characters of an id that tell the store's runs apart.
    pub run_id_len: usize,
    /// Whether the bell rings and the title counts what waits (`[ui] bell`, `title`).
    pub attention: AttentionConfig,
}

impl AppOptions {
    /// Loads `[ui] theme` and `keymap` (names or paths) with user files from `config_dir`
    /// (`<config_dir>/themes/`, `<config_dir>/keymaps/`). Problems are kept for the screen.
    pub fn load(theme: &str, keymap: &str, config_dir: Option<&Path>) -> AppOptions {
        let t = Theme::load(theme, config_dir);
        let k = Keymap::load(keymap, config_dir);
        let mut problems = t.problems;
        problems.extend(k.problems);
        AppOptions {
            theme: t.value,
            keymap: k.value,
            problems,
            attached: false,
            run_id_len: 0,
            attention: AttentionConfig::default(),
        }
    }
}

/// What a loop did, for tests and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoopStats {
    pub frames: u64,
    pub commands: u64,
}

/// Where what the person asks goes: commands to the engine of a live run, controls to the
/// player of a replay.
pub struct Outbox {
    pub commands: mpsc::UnboundedSender<Command>,
    pub replay: Option<mpsc::UnboundedSender<ReplayControl>>,
}

impl Outbox {
    /// For a live run.
    pub fn live(commands: mpsc::UnboundedSender<Command>) -> Outbox {
        Outbox {
            commands,
            replay: None,
        }
    }

    /// For a replay: it takes no commands (the receiver is gone, so one would say so).
    pub fn replay(controls: mpsc::UnboundedSender<ReplayControl>) -> Outbox {
        Outbox {
            commands: mpsc::unbounded_channel().0,
            replay: Some(controls),
        }
    }
}

/// Runs the UI on the real terminal until the person quits, the input ends, or SIGTERM /
/// SIGHUP arrives; the terminal is restored on every path, panics included.
pub async fn run<F: StateFeed>(
    feed: F,
    commands: mpsc::UnboundedSender<Command>,
    opts: AppOptions,
) -> io::Result<()> {
    run_with(feed, Outbox::live(commands), opts).await
}

/// `run` for any outbox (a replay's).
pub async fn run_with<F: StateFeed>(feed: F, out: Outbox, opts: AppOptions) -> io::Result<()> {
    run_until(feed, out, opts, shutdown_signal()).await
}

/// `run_with` that ends when `stop` completes instead of on SIGTERM / SIGHUP: `stop` must
/// listen for them itself (`terminal_signal`), and may end the screen for more (an attached
/// run whose process went away).
pub async fn run_until<F: StateFeed>(
    feed: F,
    out: Outbox,
    opts: AppOptions,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    // Syntax sets take tens of milliseconds to load: do it while the first frame draws.
    std::thread::spawn(highlight::warm_up);
    let (mut term, guard) = terminal::enter()?;
    let mut ui = Ui::new(opts.theme, opts.keymap);
    ui.view.attached = opts.attached;
    // A person watches: the run's clock counts between events (`ViewState::now_ms`).
    ui.view.now_ms = Some(crate::util::now_ms());
    ui.view.run_id_len = opts.run_id_len;
    ui.show_problems(&opts.problems);
    let mut feed = feed;
    let mut attention = Attention::new(opts.attention, Box::new(io::stdout()));
    let result = drive(
        &mut term,
        &mut ui,
        &mut feed,
        EventStream::new(),
        &out,
        &mut attention,
        stop,
    )
    .await;
    let _ = attention.finish();
    drop(guard);
    result.map(|_| ())
}

/// Which signal ended a screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// SIGTERM: stop.
    Terminate,
    /// SIGHUP: the terminal went away.
    Hangup,
}

/// SIGTERM or SIGHUP, whichever comes first. Once a screen listened for them they no longer
/// end the process by themselves, so every screen loop must listen. After SIGHUP the standard
/// streams lead nowhere (`terminal::abandon`).
#[cfg(unix)]
pub async fn terminal_signal() -> Ending {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => Ending::Terminate,
        _ = hup.recv() => {
            terminal::abandon();
            Ending::Hangup
        }
    }
}

#[cfg(not(unix))]
pub async fn terminal_signal() -> Ending {
    std::future::pending().await
}

/// SIGTERM or SIGHUP (the terminal went away).
pub(crate) async fn shutdown_signal() {
    terminal_signal().await;
}

/// The loop itself, on any backend and input stream (tests use `TestBackend` and a stream of
/// crossterm events). Draws once at start, then only after a change; after each frame,
/// `attention` tells the terminal what waits. A fork asked of a replay ends the loop: the
/// caller starts the fork.
pub async fn drive<B, S, F>(
    term: &mut Terminal<B>,
    ui: &mut Ui,
    feed: &mut F,
    mut input: S,
    out: &Outbox,
    attention: &mut Attention,
    shutdown: impl Future<Output = ()>,
) -> io::Result<LoopStats>
where
    B: Backend,
    S: Stream<Item = io::Result<TermEvent>> + Unpin,
    F: StateFeed,
{
    let mut stats = LoopStats::default();
    let mut feed_open = true;
    let mut dirty = true;
    ui.view.replay = feed.replay().cloned();
    tokio::pin!(shutdown);
    loop {
        if dirty {
            if ui.view.now_ms.is_some() {
                ui.view.now_ms = Some(crate::util::now_ms());
            }
            term.draw(|f| ui.draw(f, feed.state()))?;
            stats.frames += 1;
            dirty = false;
            // A title or a bell the terminal missed is no reason to stop the screen.
            let _ = attention.tell(feed.state(), &ui.view);
        }
        // The one redraw no change causes: a live run's clock showing another second.
        let tick = ui.view.clock_wait(feed.state());
        tokio::select! {
            change = feed.next(), if feed_open => {
                match change {
                    Change::Closed => feed_open = false,
                    Change::Reset => ui.forget_caches(),
                    Change::Updated => {}
                }
                ui.view.replay = feed.replay().cloned();
                dirty = true;
            }
            ev = input.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => {
                    let e = ui.handle_key(k, feed.state());
                    if send(e, ui, out, &mut stats) == Sent::Quit {
                        break;
                    }
                    dirty = true;
                }
                Some(Ok(TermEvent::Mouse(m))) => {
                    // Pointer motion changes nothing on screen: no frame for it. A drag only
                    // matters on a replay's timeline (it seeks).
                    let drag = matches!(m.kind, MouseEventKind::Drag(_));
                    if !matches!(m.kind, MouseEventKind::Moved) && (!drag || ui.view.replay.is_some()) {
                        let e = ui.handle_mouse(m, feed.state());
                        if send(e, ui, out, &mut stats) == Sent::Quit {
                            break;
                        }
                        // A drag's seek redraws when the player answers.
                        dirty = !drag;
                    }
                }
                Some(Ok(TermEvent::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => break,
            },
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(tick.unwrap_or_default()), if tick.is_some() => dirty = true,
        }
    }
    Ok(stats)
}

#[derive(PartialEq)]
enum Sent {
    Quit,
    Stay,
}

/// Sends what an input asked for; says whether the loop ends.
fn send(e: Effect, ui: &mut Ui, out: &Outbox, stats: &mut LoopStats) -> Sent {
    match e {
        Effect::Quit => return Sent::Quit,
        Effect::Command(c) => {
            stats.commands += 1;
            if out.commands.send(c).is_err() {
                ui.view.flash = Some("the engine is not listening: command dropped".into());
            }
        }
        Effect::Replay(c) => {
            stats.commands += 1;
            let fork = matches!(c, ReplayControl::Fork { .. });
            match &out.replay {
                Some(tx) if tx.send(c).is_ok() => {
                    if fork {
                        return Sent::Quit;
                    }
                }
                _ => ui.view.flash = Some("nothing is playing: control dropped".into()),
            }
        }
        Effect::None | Effect::Flash(_) => {}
    }
    Sent::Stay
}
