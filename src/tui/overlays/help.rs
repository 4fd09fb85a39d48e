//! The help overlay: every binding of the active keymap with its action's one-line doc,
//! generated from the keymap so it can never disagree with what a key does.
//!
//! Owns the listing's layout and scrolling. Must not hold a copy of the bindings.

use super::{dialog_box, key_hints, LayerCtx, LayerOutcome};
use crate::tui::action::Action;
use crate::tui::keymap::{Keymap, Mode};
use crate::tui::text::wrap::str_width;
use crate::tui::text::{ellipsize, put};
use crate::tui::ui::Effect;
use crate::tui::view::PaneId;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelpOverlay {
    pub scroll: usize,
}

/// One row of the listing: a section title, or keys with their action.
#[derive(Debug, PartialEq, Eq)]
pub enum HelpRow {
    Section(String),
    Binding { keys: String, action: Action },
}

fn section_title(mode: Mode) -> String {
    match mode {
        Mode::Global => "Everywhere".into(),
        Mode::Dialog => "In a text dialog (other keys type)".into(),
        Mode::Confirm => "In a question".into(),
        Mode::Help => "In this help".into(),
        Mode::Rules => "In the list of rules".into(),
        Mode::Replay => "In a replay (before the keys above)".into(),
        m => format!("In the {} pane", m.name()),
    }
}

/// The rows for a keymap, with the focused pane's section right after the global one; in a
/// replay, the replay's keys come first.
pub fn help_rows(keymap: &Keymap, focus: PaneId, replay: bool) -> Vec<HelpRow> {
    let mut modes = if replay {
        vec![Mode::Replay, Mode::Global, focus.mode()]
    } else {
        vec![Mode::Global, focus.mode()]
    };
    for p in PaneId::ORDER {
        if p != focus {
            modes.push(p.mode());
        }
    }
    modes.extend([Mode::Dialog, Mode::Confirm, Mode::Help, Mode::Rules]);
    if !replay {
        modes.push(Mode::Replay);
    }
    let mut rows = Vec::new();
    for mode in modes {
        let mut section = Vec::new();
        for &a in Action::ALL {
            let keys = keymap.keys_for(mode, a);
            if keys.is_empty() {
                continue;
            }
            let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
            section.push(HelpRow::Binding {
                keys: keys.join(", "),
                action: a,
            });
        }
        if !section.is_empty() {
            rows.push(HelpRow::Section(section_title(mode)));
            rows.extend(section);
        }
    }
    rows
}

/// Widths of the keys and the action-name columns for a listing `width` wide. Each fits its
/// longest entry (a name is never cut: it is what a keymap file is written with); keys are
/// cut only past a generous cap. The names show only when the docs keep room to read (a
/// doc that still does not fit is shortened, not the name); at 80 columns they give way.
fn columns(rows: &[HelpRow], width: u16) -> (u16, u16) {
    /// Keys longer than this (many bindings for one action) are cut with `…`.
    const KEYS_CAP: usize = 24;
    /// What the docs keep at least, or the names are left out.
    const DOC_MIN: u16 = 50;
    let (mut keys, mut name) = (0, 0);
    for r in rows {
        if let HelpRow::Binding { keys: k, action } = r {
            keys = keys.max(str_width(k));
            name = name.max(action.name().len());
        }
    }
    // One column of margin before the keys and one space after each column.
    let key_w = (keys.min(KEYS_CAP) + 2) as u16;
    let name_w = (name + 1) as u16;
    if width >= key_w + name_w + DOC_MIN {
        (key_w, name_w)
    } else {
        (key_w, 0)
    }
}

impl HelpOverlay {
    pub(super) fn handle(&mut self, action: Option<Action>) -> LayerOutcome {
        match action {
            Some(Action::Cancel) => return LayerOutcome::Close(Effect::None),
            Some(Action::Down) => self.scroll += 1,
            Some(Action::Up) => self.scroll = self.scroll.saturating_sub(1),
            Some(Action::PageDown) => self.scroll += 10,
            Some(Action::PageUp) => self.scroll = self.scroll.saturating_sub(10),
            Some(Action::Top) => self.scroll = 0,
            Some(Action::Bottom) => self.scroll = usize::MAX / 2,
            _ => {}
        }
        LayerOutcome::Keep(Effect::None)
    }

    pub(super) fn render(&self, area: Rect, buf: &mut Buffer, ctx: &LayerCtx) {
        let title = format!("Keys · keymap {}", ctx.keymap.name);
        let inner = dialog_box(
            area,
            buf,
            110,
            area.height.saturating_sub(2),
            &title,
            ctx.theme,
        );
        if inner.height < 2 {
            return;
        }
        let rows = help_rows(ctx.keymap, ctx.focus, ctx.replay.is_some());
        let list_h = (inner.height - 1) as usize;
        let top = self.scroll.min(rows.len().saturating_sub(list_h));
        let (key_w, name_w) = columns(&rows, inner.width);
        let body = ctx.theme.style("ui.dialog");
        let dim = super::text_dialog::dim_on(ctx.theme, body);
        for (i, row) in rows.iter().skip(top).take(list_h).enumerate() {
            let y = inner.y + i as u16;
            match row {
                HelpRow::Section(t) => {
                    put(
                        buf,
                        inner.x,
                        y,
                        t,
                        inner.width,
                        ctx.theme.style("ui.help.section"),
                    );
                }
                HelpRow::Binding { keys, action } => {
                    let k = ellipsize(keys, key_w as usize - 2);
                    put(
                        buf,
                        inner.x + 1,
                        y,
                        &k,
                        key_w - 1,
                        ctx.theme.style("ui.help.key"),
                    );
                    let mut x = inner.x + key_w;
                    if name_w > 0 {
                        put(buf, x, y, action.name(), name_w - 1, dim);
                        x += name_w;
                    }
                    let w = inner.right().saturating_sub(x);
                    put(buf, x, y, &ellipsize(action.doc(), w as usize), w, body);
                }
            }
        }
        let more = if top + list_h < rows.len() {
            "more below · "
        } else {
            ""
        };
        let hint = format!(
            "{more}{}",
            key_hints(
                ctx.keymap,
                Mode::Help,
                &[(Action::Down, "scroll"), (Action::Cancel, "close")]
            )
        );
        put(buf, inner.x, inner.bottom() - 1, &hint, inner.width, dim);
    }
}
