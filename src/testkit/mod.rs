//! Test scaffolding shared by the unit tests, the integration tests and the benches; compiled
//! only for them (`cfg(test)` or the `testkit` feature), never into the product.
//!
//! Owns handwritten logs of a small run (`live_run`, `finished_run`), a big state for the
//! render benchmark (`big_state`), generated runs (`synthetic`), and helpers to draw a `Ui`
//! into text. States are always folded from events with `model::fold`, as the real UI would
//! see them. Must not be used by product code.

// Scaffolding, like a test: a failed unwrap here is a failed test.
#![allow(clippy::unwrap_used)]

mod big;
mod builder;
mod logs;
mod patches;
mod rules;
pub mod synthetic;

pub use big::big_state;
pub use builder::{LogBuilder, RUN_ID};
pub use logs::{finished_run, live_run, plan_waiting, with_level};
pub use rules::{command_waiting, mcp_call_waiting, rule, COMMAND_APPROVAL, MCP_APPROVAL};

use crate::model::{fold, Event, RunState};
use crate::tui::keymap::Key;
use crate::tui::ui::Ui;
use crossterm::event::KeyEvent;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// `events` with every call `agent` made priced as unknown (its model is in no price
/// table): recorded as $0 *and* unpriced, as the engine records such a call.
pub fn with_unpriced(mut events: Vec<Event>, agent: &str) -> Vec<Event> {
    for e in &mut events {
        if let crate::model::EventKind::Usage {
            agent: a,
            cost_usd,
            unpriced,
            ..
        } = &mut e.kind
        {
            if a == agent {
                *cost_usd = 0.0;
                *unpriced = true;
            }
        }
    }
    events
}

/// The state a log folds to.
pub fn state_of(events: &[Event]) -> RunState {
    fold(events)
}

/// The screen as text, one quoted line per row (ratatui's `TestBackend` format).
pub fn screen_text(ui: &Ui, state: &RunState, width: u16, height: u16) -> String {
    let mut t = match Terminal::new(TestBackend::new(width, height)) {
        Ok(t) => t,
        Err(e) => return format!("no test terminal: {e}"),
    };
    if let Err(e) = t.draw(|f| ui.draw(f, state)) {
        return format!("draw failed: {e}");
    }
    t.backend().to_string()
}

/// A buffer as text in the same quoted-row format as `screen_text`.
pub fn buffer_text(buf: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    let area = buf.area;
    for y in area.top()..area.bottom() {
        out.push('"');
        let mut skip = 0usize;
        for x in area.left()..area.right() {
            let sym = buf[(x, y)].symbol();
            if skip > 0 {
                skip -= 1;
                continue;
            }
            out.push_str(sym);
            skip = crate::tui::text::wrap::str_width(sym).saturating_sub(1);
        }
        out.push_str("\"\n");
    }
    out
}

/// A key event from a keymap spelling (`"a"`, `"ctrl-c"`, `"esc"`); panics on a typo, as a
/// test should.
pub fn key(spec: &str) -> KeyEvent {
    match Key::parse(spec) {
        Ok(k) => k.to_event(),
        Err(e) => panic!("bad key in test: {e}"),
    }
}

/// Types text into whatever has the keys (a dialog), one key per character.
pub fn type_text(ui: &mut Ui, state: &RunState, text: &str) {
    for c in text.chars() {
        let ev = KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        );
        ui.handle_key(ev, state);
    }
}
