//! The list of sticky command rules in force for the run's repo (from `RunState`, which the
//! engine's RuleSaved/RuleRemoved/RulesInForce events keep), with a key to revoke one.
//!
//! Owns the list's selection and layout. Must not write rules: revoking sends
//! `Command::RemoveRule` and the engine removes it and says so in an event.

use super::{dialog_box, key_hints, LayerCtx, LayerOutcome};
use crate::model::{Command, RuleEffect, RunState};
use crate::tui::action::Action;
use crate::tui::keymap::Mode;
use crate::tui::text::{ellipsize, put};
use crate::tui::ui::Effect;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RulesOverlay {
    pub selected: usize,
    /// Opened over a replay: it shows the rules of that moment and revokes nothing.
    pub replay: bool,
}

impl RulesOverlay {
    pub fn new(replay: bool) -> RulesOverlay {
        RulesOverlay {
            selected: 0,
            replay,
        }
    }

    pub(super) fn handle(&mut self, action: Option<Action>, state: &RunState) -> LayerOutcome {
        let n = state.rules.len();
        let last = n.saturating_sub(1);
        self.selected = self.selected.min(last);
        match action {
            Some(Action::Cancel | Action::ShowRules) => return LayerOutcome::Close(Effect::None),
            Some(Action::Down) => self.selected = (self.selected + 1).min(last),
            Some(Action::Up) => self.selected = self.selected.saturating_sub(1),
            Some(Action::Top) => self.selected = 0,
            Some(Action::Bottom) => self.selected = last,
            Some(Action::RevokeRule) if self.replay => {
                let msg = "a replay shows the rules of that moment: revoke one in a live run";
                return LayerOutcome::Keep(Effect::Flash(msg.into()));
            }
            Some(Action::RevokeRule) => {
                return match state.rules.get(self.selected) {
                    Some(r) => {
                        LayerOutcome::Keep(Effect::Command(Command::RemoveRule(r.id.clone())))
                    }
                    None => LayerOutcome::Keep(Effect::Flash("no rule to revoke".into())),
                }
            }
            _ => {}
        }
        LayerOutcome::Keep(Effect::None)
    }

    pub(super) fn render(&self, area: Rect, buf: &mut Buffer, ctx: &LayerCtx) {
        let rules = &ctx.state.rules;
        let h = (rules.len() as u16).max(2) + 4;
        let inner = dialog_box(area, buf, 72, h, "Command rules for this repo", ctx.theme);
        if inner.height < 2 {
            return;
        }
        let body = ctx.theme.style("ui.dialog");
        let dim = super::text_dialog::dim_on(ctx.theme, body);
        if rules.is_empty() {
            let how = key_hints(
                ctx.keymap,
                Mode::Global,
                &[
                    (
                        Action::ApproveAlways,
                        "approves it and always allows its prefix",
                    ),
                    (Action::RejectNever, "rejects it and never allows it"),
                ],
            );
            let msg = format!("No rules yet. On a waiting command, {how}.");
            super::put_wrapped(buf, inner, inner.y, &msg, body, inner.height - 1);
        }
        let list_h = inner.height.saturating_sub(1) as usize;
        let top = self.selected.saturating_sub(list_h.saturating_sub(1));
        for (i, r) in rules.iter().enumerate().skip(top).take(list_h) {
            let y = inner.y + (i - top) as u16;
            let selected = i == self.selected;
            if selected {
                crate::tui::text::paint(
                    buf,
                    Rect::new(inner.x, y, inner.width, 1),
                    ctx.theme.style("ui.selection"),
                );
            }
            let (mark, style) = match r.effect {
                RuleEffect::Allow => ("always ", ctx.theme.style("approval.approved")),
                RuleEffect::Deny => ("never  ", ctx.theme.style("approval.rejected")),
            };
            let marker = if selected { "▶ " } else { "  " };
            let mut x = put(buf, inner.x, y, marker, 2, body);
            x = put(buf, x, y, &format!("{:<5}", r.id), 6, dim);
            x = put(buf, x, y, mark, 7, style);
            let room = inner.right().saturating_sub(x);
            let text = format!("`{}`", r.prefix_text());
            put(buf, x, y, &ellipsize(&text, room as usize), room, body);
        }
        let hint = key_hints(
            ctx.keymap,
            Mode::Rules,
            &[
                (Action::Down, "select"),
                (Action::RevokeRule, "revoke"),
                (Action::Cancel, "close"),
            ],
        );
        put(buf, inner.x, inner.bottom() - 1, &hint, inner.width, dim);
    }
}
