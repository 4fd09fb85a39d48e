//! The approval queue: what waits for a person (kind, task, subject) and, for the selected
//! item, why the policy asks; below it, the latest decisions and who made them.
//!
//! Owns drawing the queue and the approval selection. Must not decide anything: approving
//! and rejecting are global actions that send commands carrying the approval's id.

use super::{framed, moved, Pane};
use crate::model::{ApprovalState, ApprovalWhat, DecidedBy, Decision, RunState};
use crate::tui::action::Action;
use crate::tui::text::{ellipsize, put, wrap};
use crate::tui::theme::Theme;
use crate::tui::view::{DiffSource, PaneId, ViewState};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;

#[derive(Default)]
pub struct ApprovalsPane;

/// The short name of what is asked, as the queue shows it.
pub fn what_name(w: ApprovalWhat) -> &'static str {
    match w {
        ApprovalWhat::Plan => "plan",
        ApprovalWhat::Assign => "assign",
        ApprovalWhat::Command => "cmd",
        ApprovalWhat::Diff => "diff",
        ApprovalWhat::Retry => "retry",
        ApprovalWhat::Merge => "merge",
        ApprovalWhat::Land => "land",
    }
}

/// What rejecting an item of this kind does, in the words the reject dialog shows (the
/// engine does exactly this: `task_flow`, `merging`, `orchestrator`).
pub fn reject_outcome(w: ApprovalWhat) -> &'static str {
    match w {
        ApprovalWhat::Plan => "the strategist plans again with your reason",
        ApprovalWhat::Assign => "the task does not start: it fails, and tasks after it are cancelled",
        ApprovalWhat::Command => "the command does not run; the agent gets your reason instead",
        ApprovalWhat::Diff | ApprovalWhat::Merge => {
            "the task goes back to its implementer with your reason, within the retry budget (cancel the task to abandon it)"
        }
        ApprovalWhat::Retry => "the task fails, and tasks after it are cancelled",
        ApprovalWhat::Land => "nothing lands; the work stays on the run's integration branch",
    }
}

/// For a waiting command: the prefix a sticky rule saved from it would match.
fn remembered_prefix(a: &ApprovalState) -> Option<String> {
    if a.what != ApprovalWhat::Command {
        return None;
    }
    if let Some(tool) = crate::engine::command_policy::tool_in_subject(&a.subject) {
        return Some(tool.to_string());
    }
    let command = crate::engine::command_policy::command_in_subject(&a.subject)?;
    let words = crate::engine::command_policy::rule_prefix_of(command);
    (!words.is_empty()).then(|| words.join(" "))
}

/// For the land: how its gates on the integration branch went (latest round), as the Tasks
/// pane says a task's.
fn land_gates(a: &ApprovalState, state: &RunState) -> Option<String> {
    if a.what != ApprovalWhat::Land {
        return None;
    }
    let gates: Vec<String> = state
        .latest_run_gates()
        .map(|g| format!("{}{}", if g.passed { "✓" } else { "✗" }, g.gate))
        .collect();
    (!gates.is_empty()).then(|| format!("gates {}", gates.join(" ")))
}

/// One display line: text pieces with styles, and whether it is the selection's.
struct Line {
    spans: Vec<(String, Style)>,
    selected: bool,
}

fn pending_line(a: &ApprovalState, selected: bool, theme: &Theme) -> Line {
    let marker = if selected { "▶ " } else { "  " };
    let mut spans = vec![
        (marker.to_string(), theme.style("approval.what")),
        (
            format!("{:<6} ", what_name(a.what)),
            theme.style("approval.what"),
        ),
    ];
    if let Some(t) = &a.task {
        spans.push((format!("{t} "), theme.style("ui.text.dim")));
    }
    spans.push((a.subject.clone(), theme.style("approval.subject")));
    Line { spans, selected }
}

fn decided_line(a: &ApprovalState, state: &RunState, theme: &Theme) -> Option<Line> {
    let d = a.decision.as_ref()?;
    let (mark, key) = match d.decision {
        Decision::Approved => ("✓ ", "approval.approved"),
        Decision::Rejected => ("✗ ", "approval.rejected"),
    };
    let by = match (d.by, d.level) {
        (DecidedBy::Person, _) => "person".to_string(),
        (DecidedBy::Policy, Some(l)) => format!("policy L{}", l.number()),
        (DecidedBy::Policy, None) => "policy".to_string(),
    };
    let task = a.task.as_deref().map_or(String::new(), |t| format!(" {t}"));
    let reason = if d.reason.is_empty() {
        String::new()
    } else {
        format!(": {}", d.reason)
    };
    let gates = land_gates(a, state).map_or(String::new(), |g| format!(" · {g}"));
    Some(Line {
        spans: vec![
            (mark.to_string(), theme.style(key)),
            (
                format!("{}{task}{gates} · {by}{reason}", what_name(a.what)),
                theme.style("ui.text.dim"),
            ),
        ],
        selected: false,
    })
}

impl Pane for ApprovalsPane {
    fn id(&self) -> PaneId {
        PaneId::Approvals
    }

    fn render(
        &self,
        area: Rect,
        buf: &mut Buffer,
        state: &RunState,
        view: &ViewState,
        theme: &Theme,
    ) {
        let n = state.pending_approvals;
        let count = if n > 0 {
            format!(" ({n})")
        } else {
            String::new()
        };
        let extra = vec![Span::styled(count, theme.style("approval.what"))];
        let inner = framed(
            area,
            buf,
            PaneId::Approvals,
            "Approvals",
            extra,
            view,
            theme,
        );
        if inner.height == 0 || inner.width < 4 {
            return;
        }
        let current = view.current_approval(state).map(|a| a.id.as_str());
        let mut lines: Vec<Line> = Vec::new();
        let mut sel_end = 0;
        for a in state.pending() {
            let selected = Some(a.id.as_str()) == current;
            lines.push(pending_line(a, selected, theme));
            if selected {
                // Why the policy asks, under the selected item, at most two rows.
                let mut rows = Vec::new();
                let width = inner.width.saturating_sub(4) as usize;
                wrap::wrap_line(&a.why, 0, width, &mut rows);
                for &(s, e) in rows.iter().take(2) {
                    let text = format!("    {}", &a.why[s as usize..e as usize]);
                    lines.push(Line {
                        spans: vec![(text, theme.style("approval.why"))],
                        selected: true,
                    });
                }
                if let Some(gates) = land_gates(a, state) {
                    lines.push(Line {
                        spans: vec![(
                            format!("    on the integration branch: {gates}"),
                            theme.style("ui.text.dim"),
                        )],
                        selected: true,
                    });
                }
                if let Some(prefix) = remembered_prefix(a) {
                    lines.push(Line {
                        spans: vec![(
                            format!("    a rule would remember `{prefix}`"),
                            theme.style("ui.text.dim"),
                        )],
                        selected: true,
                    });
                }
                sel_end = lines.len();
            }
        }
        if lines.is_empty() {
            let msg = if state.status.is_over() {
                "nothing left waiting"
            } else {
                "nothing waiting"
            };
            lines.push(Line {
                spans: vec![(msg.to_string(), theme.style("ui.text.dim"))],
                selected: false,
            });
        }
        let decided: Vec<&ApprovalState> = state
            .approvals
            .iter()
            .rev()
            .filter(|a| !a.is_pending())
            .take(inner.height as usize)
            .collect();
        if !decided.is_empty() {
            lines.push(Line {
                spans: vec![("recent".to_string(), theme.style("ui.text.dim"))],
                selected: false,
            });
            lines.extend(decided.iter().filter_map(|a| decided_line(a, state, theme)));
        }
        let h = inner.height as usize;
        let top = (sel_end).saturating_sub(h);
        for (i, line) in lines.iter().skip(top).take(h).enumerate() {
            let y = inner.y + i as u16;
            if line.selected {
                crate::tui::text::paint(
                    buf,
                    Rect::new(inner.x, y, inner.width, 1),
                    theme.style("ui.selection"),
                );
            }
            let mut x = inner.x;
            for (text, style) in &line.spans {
                let room = inner.right().saturating_sub(x);
                x = put(buf, x, y, &ellipsize(text, room as usize), room, *style);
            }
        }
    }

    fn handle(&self, action: Action, state: &RunState, view: &mut ViewState) -> bool {
        let pending: Vec<&ApprovalState> = state.pending().collect();
        let current = view.current_approval(state).map(|a| a.id.clone());
        let index = current
            .and_then(|id| pending.iter().position(|a| a.id == id))
            .unwrap_or(0);
        let Some(next) = moved(index, pending.len(), action, 5) else {
            return matches!(
                action,
                Action::Up
                    | Action::Down
                    | Action::PageUp
                    | Action::PageDown
                    | Action::Top
                    | Action::Bottom
            );
        };
        view.approvals.selected = pending.get(next).map(|a| a.id.clone());
        view.diff_source = DiffSource::Approval;
        true
    }
}
