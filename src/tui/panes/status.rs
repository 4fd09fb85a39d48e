//! The status bar: autonomy level, run, what runs and waits, and key hints generated from the
//! active keymap (style: hints can never lie), or a short message after a key.
//!
//! Owns the bottom row. Must not hold key names: they come from the keymap.

use crate::model::{AutonomyLevel, RunState, RunStatus, TIGHT_LEN};
use crate::tui::action::Action;
use crate::tui::keymap::{Keymap, Mode};
use crate::tui::text::wrap::str_width;
use crate::tui::text::{ellipsize, paint, put};
use crate::tui::theme::Theme;
use crate::tui::view::{PaneId, ViewState};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

#[derive(Default)]
pub struct StatusBar;

/// Pane-specific hints shown while the pane has the focus, most useful first.
fn pane_hints(p: PaneId) -> &'static [(Action, &'static str)] {
    match p {
        PaneId::Tasks => &[(Action::CancelTask, "abandon task")],
        PaneId::Transcript => &[
            (Action::NextTab, "next agent"),
            (Action::ToggleFold, "fold"),
        ],
        PaneId::Approvals => &[],
        PaneId::Diff => &[
            (Action::ToggleHunk, "keep/drop hunk"),
            (Action::NextHunk, "next hunk"),
        ],
        PaneId::Metrics => &[(Action::NextTab, "next agent")],
    }
}

/// The hints for the current focus and state, most important first.
pub fn hints(keymap: &Keymap, state: &RunState, view: &ViewState) -> Vec<String> {
    let mode: Mode = view.focus.mode();
    let key = |a: Action| keymap.hint_key(mode, a).map(|k| k.to_string());
    let mut out = Vec::new();
    if let Some(k) = key(Action::Help) {
        out.push(format!("{k} help"));
    }
    if view.replay.is_some() {
        let rkey = |a: Action| keymap.hint_key(Mode::Replay, a).map(|k| k.to_string());
        let pair = |a: Action, b: Action, label: &str| match (rkey(a), rkey(b)) {
            (Some(x), Some(y)) => Some(format!("{x}/{y} {label}")),
            _ => None,
        };
        let hints = [
            rkey(Action::ReplayPlay).map(|k| format!("{k} play/pause")),
            pair(Action::ReplayStepBack, Action::ReplayStepForward, "step"),
            pair(
                Action::ReplayPrevDecision,
                Action::ReplayNextDecision,
                "decision",
            ),
            pair(Action::ReplaySlower, Action::ReplayFaster, "speed"),
            rkey(Action::Fork).map(|k| format!("{k} fork")),
        ];
        out.extend(hints.into_iter().flatten());
        return out;
    }
    let live = !state.status.is_over() && state.status != RunStatus::Empty;
    if state.pending_approvals > 0 && live {
        if let Some(k) = key(Action::Approve) {
            out.push(format!("{k} approve"));
        }
        if let Some(k) = key(Action::Reject) {
            out.push(format!("{k} reject"));
        }
        let plan = view
            .current_approval(state)
            .is_some_and(|a| a.what == crate::model::ApprovalWhat::Plan);
        if let (true, Some(k)) = (plan, key(Action::EditPlan)) {
            out.push(format!("{k} edit plan"));
        }
        let command = view
            .current_approval(state)
            .is_some_and(|a| a.what == crate::model::ApprovalWhat::Command);
        if let (true, Some(y), Some(v)) = (
            command,
            key(Action::ApproveAlways),
            key(Action::RejectNever),
        ) {
            out.push(format!("{y}/{v} always/never"));
        }
    }
    if live {
        match (key(Action::LevelUp), key(Action::LevelDown)) {
            (Some(u), Some(d)) => out.push(format!("{u}/{d} level")),
            (Some(u), None) => out.push(format!("{u} level")),
            _ => {}
        }
    }
    if state.anomaly_count > 0 {
        if let Some(k) = key(Action::ShowAnomalies) {
            out.push(format!("{k} anomalies"));
        }
    }
    for (a, label) in pane_hints(view.focus) {
        if *a == Action::CancelTask && !live {
            continue;
        }
        if let Some(k) = key(*a) {
            out.push(format!("{k} {label}"));
        }
    }
    out
}

impl StatusBar {
    pub fn render(
        &self,
        area: Rect,
        buf: &mut Buffer,
        state: &RunState,
        view: &ViewState,
        theme: &Theme,
        keymap: &Keymap,
    ) {
        if area.height == 0 {
            return;
        }
        let bar = theme.style("ui.statusline");
        paint(buf, area, bar);
        for x in area.left()..area.right() {
            put(buf, x, area.y, " ", 1, bar);
        }
        let level = state.level_or_default();
        let level_style = if level >= AutonomyLevel::Full {
            theme.style("ui.statusline.level.high")
        } else {
            theme.style("ui.statusline.level")
        };
        let label = match state.level {
            None => "no run".to_string(),
            Some(l) if area.width >= 70 => l.label(),
            Some(l) => format!("L{}", l.number()),
        };
        let mut x = put(
            buf,
            area.x,
            area.y,
            &format!(" {label} "),
            area.width,
            level_style,
        );
        let mut facts: Vec<String> = Vec::new();
        if let Some(run) = state.run {
            facts.push(format!("run {}…", view.run_prefix(run, TIGHT_LEN)));
        }
        if view.replay.is_some() {
            facts.push("replay".into());
        }
        if view.attached {
            // Another process runs it: quitting this screen leaves it going.
            facts.push("attached".into());
        }
        match (state.status, &state.failure) {
            (RunStatus::Empty | RunStatus::Running, _) => {}
            (RunStatus::Failed, Some(why)) => facts.push(format!("failed: {why}")),
            (s, _) => facts.push(s.name().into()),
        }
        facts.push(format!("{} running", state.active_tasks()));
        facts.push(format!("{} waiting", state.pending_approvals));
        if state.anomaly_count > 0 {
            facts.push(format!(
                "⚠ {}",
                crate::tui::overlays::anomaly_count(state.anomaly_count)
            ));
        }
        if let Some(n) = rejection_notice(state) {
            facts.push(n);
        }
        if let Some(p) = provider_problem(state) {
            facts.push(p);
        }
        let left = format!(" {}", facts.join(" · "));
        // Hints take what the facts leave, dropping the least important first.
        let right: String = match &view.flash {
            Some(msg) => msg.clone(),
            None => {
                let all = hints(keymap, state, view);
                let room =
                    (area.right().saturating_sub(x) as usize).saturating_sub(str_width(&left) + 3);
                let mut shown: Vec<String> = Vec::new();
                for h in all {
                    let mut with = shown.clone();
                    with.push(h);
                    let text = reorder(&with).join(" · ");
                    if str_width(&text) <= room {
                        shown = with;
                    }
                }
                reorder(&shown).join(" · ")
            }
        };
        let right_w = str_width(&right) as u16;
        let left_room = area.right().saturating_sub(x + right_w + 2);
        x = put(
            buf,
            x,
            area.y,
            &ellipsize(&left, left_room as usize),
            left_room,
            bar,
        );
        let style = if view.flash.is_some() {
            theme.style("ui.statusline.flash")
        } else {
            theme.style("ui.statusline.hint")
        };
        let rx = area.right().saturating_sub(right_w + 1).max(x + 1);
        put(
            buf,
            rx,
            area.y,
            &right,
            area.right().saturating_sub(rx),
            style,
        );
    }
}

/// What became of the task a person just rejected the diff or merge of, as the engine logged
/// it: sent back to its implementer (a new attempt started) or failed (budget spent).
pub fn rejection_notice(state: &RunState) -> Option<String> {
    use crate::model::TaskStatus;
    let r = state.last_rejection.as_ref()?;
    let t = state.task(&r.task)?;
    let agent = t.agent.as_deref().unwrap_or("its implementer");
    Some(match t.status {
        TaskStatus::Failed => format!("{} failed: retry budget spent after your reject", t.id),
        TaskStatus::Cancelled => format!("{} abandoned", t.id),
        _ if t.attempts > r.attempts_then => format!(
            "{} sent back to {agent} with your reason (attempt {})",
            t.id, t.attempts
        ),
        _ => format!("{}: your reason goes back to {agent}…", t.id),
    })
}

/// The failure keeping an agent from working, in words, while the run goes on.
pub fn provider_problem(state: &RunState) -> Option<String> {
    if state.status.is_over() {
        return None;
    }
    state
        .agents
        .iter()
        .find_map(|a| a.problem.as_ref().map(|p| format!("✗ {}: {p}", a.name)))
}

/// Help goes last on screen (where people look for it), though it is kept first.
fn reorder(h: &[String]) -> Vec<String> {
    let mut v: Vec<String> = h.iter().skip(1).cloned().collect();
    if let Some(first) = h.first() {
        v.push(first.clone());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::rejection_notice;
    use crate::model::{fold, DecidedBy, Decision, TaskStatus};
    use crate::testkit::{live_run, LogBuilder};

    #[test]
    fn the_notice_follows_what_became_of_a_rejected_task() {
        // a4 asks about t5's diff (impl-2's task).
        let mut b = LogBuilder::from_events(live_run());
        b.decide(
            "a4",
            Decision::Rejected,
            "test the bounds",
            DecidedBy::Person,
            None,
        );
        let notice = |b: &LogBuilder| rejection_notice(&fold(&b.events()));
        assert_eq!(
            notice(&b).as_deref(),
            Some("t5: your reason goes back to impl-2…")
        );
        b.status("t5", TaskStatus::Running);
        let sent = notice(&b).unwrap();
        assert!(
            sent.starts_with("t5 sent back to impl-2 with your reason (attempt"),
            "{sent}"
        );
        b.status("t5", TaskStatus::Failed);
        assert_eq!(
            notice(&b).as_deref(),
            Some("t5 failed: retry budget spent after your reject")
        );
        // A later decision of anything else ends the notice.
        b.decide("a5", Decision::Approved, "", DecidedBy::Person, None);
        assert_eq!(notice(&b), None);
    }
}
