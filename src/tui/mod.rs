//! The terminal UI (design §10): a full-screen view of one run that a person supervises.
//!
//! Owns drawing a `RunState` and turning keys and mouse events into `Command`s. It reads
//! state produced only by `model::apply` and never calls providers, git or the store
//! (design §3): the app loop receives state changes from a feed and sends commands on a
//! channel. Rendering is a pure function of (RunState, ViewState, Theme); frames are drawn
//! only when something changed.
//!
//! Map: `app` (loop and feeds), `attention` (bell and title when something waits), `terminal`
//! (raw mode, restore on quit/panic/SIGTERM), `ui` (routing and global actions), `screen` and
//! `layout` (composition), `panes/` (one file per pane), `overlays/` (dialogs as layers),
//! `keymap/` and `theme/` (data files; `inherits` follows their chains), `action` (named
//! actions), caches (`transcript_layout`, `diff_cache`, `highlight`, `patch`).

pub mod action;
pub mod app;
pub mod attention;
pub mod diff_cache;
pub mod highlight;
pub mod home;
pub mod inherits;
pub mod keymap;
pub mod layout;
pub mod overlays;
pub mod panes;
pub mod patch;
pub mod plan_text;
pub mod problem;
pub mod replay;
pub mod screen;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod transcript_layout;
pub mod ui;
pub mod view;

pub use action::Action;
pub use app::{
    run, run_until, run_with, terminal_signal, AppOptions, Ending, EventFeed, FeedMsg, Outbox,
    StateFeed,
};
pub use keymap::{Key, Keymap, Mode};
pub use problem::{LoadProblem, Loaded};
pub use theme::Theme;
pub use ui::{Effect, Ui};
pub use view::{PaneId, ViewState};
