//! Calling the person back when something waits for them and they may be looking elsewhere:
//! the terminal bell when an approval starts waiting for a person, and the terminal's title
//! saying how many wait (`conclave · 2 waiting`), in another window or tab too.
//!
//! Owns when to ring and what the title says (`look`, a pure function of what it has seen)
//! and writing BEL and the title's escape sequences. Must not draw. Rings only for approvals
//! that wait for a person (not what the policy answers at once), once each, never in a
//! replay, and not for what already waited when the screen opened.

use super::view::ViewState;
use crate::model::{RunState, TIGHT_LEN};
use std::io::{self, Write};

/// `[ui] bell` and `[ui] title` of the config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttentionConfig {
    pub bell: bool,
    pub title: bool,
}

impl Default for AttentionConfig {
    fn default() -> Self {
        AttentionConfig {
            bell: true,
            title: true,
        }
    }
}

/// What to tell the terminal after a change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notice {
    pub bell: bool,
    /// The new title, when its words changed.
    pub title: Option<String>,
}

pub struct Attention {
    config: AttentionConfig,
    /// Approvals looked at so far (`RunState::approvals` only grows while a run is shown).
    looked: Option<usize>,
    shown: Option<String>,
    /// The title before ours was saved on the terminal's title stack.
    saved: bool,
    out: Box<dyn Write + Send>,
}

/// The title for a state: how many approvals wait for a person, else which run this is.
pub fn title_of(state: &RunState, view: &ViewState) -> String {
    let run = state.run.map(|r| view.run_prefix(r, TIGHT_LEN));
    let over = state.status.is_over();
    match (run, view.replay.is_some()) {
        (None, _) => "conclave".into(),
        (Some(r), true) => format!("conclave · replay {r}"),
        (Some(_), false) if state.waiting_for_person > 0 && !over => {
            format!("conclave · {} waiting", state.waiting_for_person)
        }
        (Some(r), false) if over => format!("conclave · {r} {}", state.status.name()),
        (Some(r), false) => format!("conclave · {r}"),
    }
}

impl Attention {
    /// Tells the terminal through `out` (stdout for the real one).
    pub fn new(config: AttentionConfig, out: Box<dyn Write + Send>) -> Attention {
        Attention {
            config,
            looked: None,
            shown: None,
            saved: false,
            out,
        }
    }

    /// Tells nothing to anyone (tests of the loop).
    pub fn off() -> Attention {
        let config = AttentionConfig {
            bell: false,
            title: false,
        };
        Attention::new(config, Box::new(io::sink()))
    }

    /// What changed for the person since the last look. The first look only notes what
    /// already waits (a resumed or attached run's): the person has just opened the screen.
    pub fn look(&mut self, state: &RunState, view: &ViewState) -> Notice {
        let n = state.approvals.len();
        let from = self.looked.unwrap_or(n).min(n);
        self.looked = Some(n);
        let newly_waiting = state.approvals[from..]
            .iter()
            .any(|a| a.waits && a.is_pending());
        let title = Some(title_of(state, view)).filter(|t| self.shown.as_ref() != Some(t));
        if title.is_some() {
            self.shown = title.clone();
        }
        Notice {
            bell: self.config.bell && newly_waiting && view.replay.is_none(),
            title: title.filter(|_| self.config.title),
        }
    }

    /// Looks, and tells the terminal.
    pub fn tell(&mut self, state: &RunState, view: &ViewState) -> io::Result<()> {
        let n = self.look(state, view);
        if n == Notice::default() {
            return Ok(());
        }
        if let Some(t) = &n.title {
            if !self.saved {
                // xterm's title stack (tmux and most terminals keep one): the person's own
                // title comes back at the end.
                self.out.write_all(b"\x1b[22;0t")?;
                self.saved = true;
            }
            crossterm::queue!(self.out, crossterm::terminal::SetTitle(t))?;
        }
        if n.bell {
            self.out.write_all(b"\x07")?;
        }
        self.out.flush()
    }

    /// Gives the terminal its title back, if ours replaced it.
    pub fn finish(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.saved) {
            self.out.write_all(b"\x1b[23;0t")?;
            self.out.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{fold, ApprovalWhat, DecidedBy, Decision, EventKind};
    use crate::testkit::{live_run, LogBuilder};
    use std::sync::{Arc, Mutex};

    fn ask(b: &mut LogBuilder, id: &str, waits: bool) {
        b.push(EventKind::ApprovalRequested {
            approval: id.into(),
            what: ApprovalWhat::Command,
            task: Some("t2".into()),
            subject: "`ls` in task t2".into(),
            why: "why".into(),
            diff: None,
            waits,
        });
    }

    #[test]
    fn rings_once_per_approval_that_starts_waiting_for_a_person() {
        let view = ViewState::default();
        let mut b = LogBuilder::from_events(live_run());
        let mut a = Attention::off();
        a.config = AttentionConfig::default();
        // What waits when the screen opens (two items here) does not ring.
        let first = a.look(&fold(&b.events()), &view);
        assert!(!first.bell);
        assert_eq!(first.title.as_deref(), Some("conclave · 2 waiting"));
        // Another frame of the same state: nothing new.
        assert_eq!(a.look(&fold(&b.events()), &view), Notice::default());
        // What the policy answers at once never rings, even seen before its answer.
        ask(&mut b, "p1", false);
        assert_eq!(a.look(&fold(&b.events()), &view), Notice::default());
        // A person is asked: one ring, and the title counts it.
        ask(&mut b, "c1", true);
        let n = a.look(&fold(&b.events()), &view);
        assert!(n.bell);
        assert_eq!(n.title.as_deref(), Some("conclave · 3 waiting"));
        assert!(!a.look(&fold(&b.events()), &view).bell);
        // Answered before it was seen waiting: nobody to call.
        ask(&mut b, "c2", true);
        b.decide("c2", Decision::Approved, "", DecidedBy::Person, None);
        assert!(!a.look(&fold(&b.events()), &view).bell);
        for id in ["a4", "a5", "c1"] {
            b.decide(id, Decision::Approved, "", DecidedBy::Person, None);
        }
        let s = fold(&b.events());
        let run = s.run.unwrap().prefix(TIGHT_LEN);
        assert_eq!(a.look(&s, &view).title, Some(format!("conclave · {run}")));
    }

    #[test]
    fn never_rings_in_a_replay_and_each_switch_is_its_own() {
        let mut b = LogBuilder::from_events(live_run());
        let replay = ViewState {
            replay: Some(crate::model::replay::ReplayStatus::new(10)),
            ..ViewState::default()
        };
        let mut a = Attention::off();
        a.config = AttentionConfig::default();
        a.look(&fold(&b.events()), &replay);
        ask(&mut b, "c1", true);
        let n = a.look(&fold(&b.events()), &replay);
        assert!(!n.bell);
        assert_eq!(n.title, None, "a replay's title does not count what waits");
        // Bell off: the title still counts; title off: the bell still rings.
        let view = ViewState::default();
        for (bell, title) in [(false, true), (true, false)] {
            let mut a = Attention::off();
            a.config = AttentionConfig { bell, title };
            a.look(&fold(&live_run()), &view);
            let n = a.look(&fold(&b.events()), &view);
            assert_eq!(n.bell, bell);
            assert_eq!(n.title.is_some(), title);
        }
    }

    /// A writer tests can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn writes_bel_and_the_title_and_gives_the_old_title_back() {
        let out = Shared::default();
        let mut a = Attention::new(AttentionConfig::default(), Box::new(out.clone()));
        let mut b = LogBuilder::from_events(live_run());
        a.tell(&fold(&b.events()), &ViewState::default()).unwrap();
        ask(&mut b, "c1", true);
        a.tell(&fold(&b.events()), &ViewState::default()).unwrap();
        a.finish().unwrap();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "\x1b[22;0t\x1b]0;conclave · 2 waiting\x07\x1b]0;conclave · 3 waiting\x07\x07\x1b[23;0t"
        );
    }
}
