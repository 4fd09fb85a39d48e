//! Layers drawn over the panes (helix compositor style): dialogs, confirmations, help, load
//! problems and lists (rules, anomalies). The top layer gets each key first and says whether
//! it used it.
//!
//! Owns the `Layer` enum, key routing between layers, and the shared dialog frame. Layers
//! never block: they are view state, drawn by the same pure render as the panes while the
//! run keeps updating underneath. Must not send commands itself: it returns an `Effect`.

mod anomalies;
mod confirm;
mod help;
mod notice;
mod plan_editor;
mod rules;
mod text_dialog;

pub use anomalies::{anomaly_count, AnomaliesOverlay};
pub use confirm::{Ask, ConfirmDialog};
pub use help::HelpOverlay;
pub use notice::NoticeOverlay;
pub use rules::RulesOverlay;
pub use text_dialog::{TextDialog, TextPurpose};

use super::action::Action;
use super::keymap::{Keymap, Mode};
use super::text;
use super::theme::Theme;
use super::ui::Effect;
use super::view::PaneId;
use crate::model::RunState;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Clear, Widget};

#[derive(Clone, Debug)]
pub enum Layer {
    /// Boxed: a text area is large and layers are few.
    Text(Box<TextDialog>),
    Confirm(ConfirmDialog),
    Help(HelpOverlay),
    Notice(NoticeOverlay),
    Rules(RulesOverlay),
    Anomalies(AnomaliesOverlay),
}

/// What a layer did with a key.
#[derive(Debug, PartialEq)]
pub enum LayerOutcome {
    /// Used it; the layer stays.
    Keep(Effect),
    /// Used it and closes.
    Close(Effect),
    /// Not for this layer: the next one down gets it.
    Pass,
}

/// What every layer may read while drawing.
pub struct LayerCtx<'a> {
    pub state: &'a RunState,
    pub keymap: &'a Keymap,
    pub theme: &'a Theme,
    pub focus: PaneId,
    pub replay: Option<&'a crate::model::replay::ReplayStatus>,
    /// `ViewState::run_id_len`.
    pub run_id_len: usize,
}

impl LayerCtx<'_> {
    /// The run's id as short as the store's runs allow, `min` characters at least.
    pub fn run_prefix(&self, min: usize) -> String {
        self.state
            .run
            .map_or(String::new(), |r| r.prefix(self.run_id_len.max(min)))
    }
}

impl Layer {
    pub fn mode(&self) -> Mode {
        match self {
            Layer::Text(d) => d.mode(),
            Layer::Confirm(_) => Mode::Confirm,
            Layer::Help(_) | Layer::Notice(_) | Layer::Anomalies(_) => Mode::Help,
            Layer::Rules(_) => Mode::Rules,
        }
    }

    /// `action` is what the key means in this layer's mode, if anything.
    pub fn handle(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        state: &RunState,
    ) -> LayerOutcome {
        match self {
            Layer::Text(d) => d.handle(key, action, state),
            Layer::Confirm(d) => d.handle(action),
            Layer::Help(h) => h.handle(action),
            Layer::Notice(n) => n.handle(action),
            Layer::Rules(r) => r.handle(action, state),
            Layer::Anomalies(a) => a.handle(action, state),
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, ctx: &LayerCtx) {
        match self {
            Layer::Text(d) => d.render(area, buf, ctx),
            Layer::Confirm(d) => d.render(area, buf, ctx),
            Layer::Help(h) => h.render(area, buf, ctx),
            Layer::Notice(n) => n.render(area, buf, ctx),
            Layer::Rules(r) => r.render(area, buf, ctx),
            Layer::Anomalies(a) => a.render(area, buf, ctx),
        }
    }
}

/// Clears a centred box of at most `w`×`h` inside `area`, frames it with a title and returns
/// the inside.
pub(crate) fn dialog_box(
    area: Rect,
    buf: &mut Buffer,
    w: u16,
    h: u16,
    title: &str,
    theme: &Theme,
) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(area.width.min(20));
    let h = h.min(area.height.saturating_sub(2)).max(area.height.min(5));
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(r, buf);
    let title = Span::styled(format!(" {title} "), theme.style("ui.dialog.title"));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style("ui.dialog.border"))
        .style(theme.style("ui.dialog"))
        .title(title);
    let inner = block.inner(r);
    block.render(r, buf);
    inner
}

/// `enter send · esc cancel`: the keys of `actions` in `mode` (its fallback's included), read
/// from the keymap.
pub(crate) fn key_hints(keymap: &Keymap, mode: Mode, actions: &[(Action, &str)]) -> String {
    actions
        .iter()
        .filter_map(|(a, label)| keymap.key_for(mode, *a).map(|k| format!("{k} {label}")))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Writes wrapped plain text into rows of `area` from `y`, at most `max_rows`; returns the
/// next free row.
pub(crate) fn put_wrapped(
    buf: &mut Buffer,
    area: Rect,
    mut y: u16,
    s: &str,
    style: ratatui::style::Style,
    max_rows: u16,
) -> u16 {
    let bottom = area.bottom().min(y.saturating_add(max_rows));
    let mut rows = Vec::new();
    for line in s.split('\n') {
        rows.clear();
        text::wrap::wrap_line(line, 0, area.width as usize, &mut rows);
        for &(a, b) in &rows {
            if y >= bottom {
                return y;
            }
            text::put(
                buf,
                area.x,
                y,
                &line[a as usize..b as usize],
                area.width,
                style,
            );
            y += 1;
        }
    }
    y
}
