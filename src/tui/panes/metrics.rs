//! Metrics (design §9): per agent tokens/s sparkline, tokens, cost, requests, errors and
//! latency p50/p95; per run the KPIs against their targets, from `model::kpi::kpi_rows`.
//!
//! Owns the drawing only; every number comes from the reducer (style: derived numbers are
//! computed once, not re-derived in widgets). Adapts to its height: one summary line at
//! 80×24, a table per agent when taller (`metrics_table`), a KPI table when zoomed.

#[path = "metrics_table.rs"]
mod table;

use super::{framed, Pane};
use crate::model::kpi::{kpi_rows, Target};
use crate::model::{AgentState, Role, RunState};
use crate::tui::action::Action;
use crate::tui::text::put;
use crate::tui::theme::Theme;
use crate::tui::view::{PaneId, ViewState};
use crate::util::{cost_long, format_duration_ms};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;

#[derive(Default)]
pub struct MetricsPane;

const BARS: [&str; 8] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/// The last `width` values as bar characters scaled to their maximum.
pub fn sparkline(values: &[u64], width: usize) -> String {
    let tail = &values[values.len().saturating_sub(width)..];
    let max = tail.iter().copied().max().unwrap_or(0).max(1);
    tail.iter()
        .map(|&v| BARS[((v * 7 + max / 2) / max).min(7) as usize])
        .collect()
}

fn percent(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn target_text(t: Target) -> String {
    match t {
        Target::AtLeast(x) => format!("≥{:.0}%", x * 100.0),
        Target::Below(x) => format!("<{:.0}%", x * 100.0),
    }
}

/// KPI pieces (label, value, style) in screen order.
fn kpi_pieces(state: &RunState, theme: &Theme, with_target: bool) -> Vec<(String, String, Style)> {
    kpi_rows(&state.kpis)
        .iter()
        .map(|(_, label, value, target)| {
            let (v, style) = match value {
                Some(v) if target.met(*v) => (percent(*v), theme.style("metric.good")),
                Some(v) => (percent(*v), theme.style("metric.bad")),
                None => ("—".to_string(), theme.style("metric.none")),
            };
            let v = if with_target {
                format!("{v}/{}", target_text(*target))
            } else {
                v
            };
            (label.to_string(), v, style)
        })
        .collect()
}

/// Writes `label value` pairs across rows of `area` from `y`, wrapping between pairs.
fn put_pairs(
    buf: &mut Buffer,
    area: Rect,
    mut y: u16,
    pairs: &[(String, String, Style)],
    theme: &Theme,
) -> u16 {
    let mut x = area.x;
    for (label, value, style) in pairs {
        let w = (label.chars().count() + value.chars().count() + 3) as u16;
        if x > area.x && x + w > area.right() {
            y += 1;
            x = area.x;
        }
        if y >= area.bottom() {
            return y;
        }
        x = put(
            buf,
            x,
            y,
            label,
            area.right().saturating_sub(x),
            theme.style("metric.label"),
        ) + 1;
        x = put(buf, x, y, value, area.right().saturating_sub(x), *style) + 2;
    }
    y + 1
}

fn role_name(a: &AgentState) -> &'static str {
    match a.role {
        Some(Role::Strategist) => "strategist",
        Some(Role::Implementer) => "implementer",
        Some(Role::Reviewer) => "reviewer",
        None => "—",
    }
}

/// Each profile whose breaker ever opened: open ones first catch the eye (design §7).
fn circuit_pairs(state: &RunState, theme: &Theme) -> Vec<(String, String, Style)> {
    use crate::model::CircuitState;
    state
        .circuits
        .iter()
        .filter(|c| c.opened > 0)
        .map(|c| {
            let style = match c.state {
                CircuitState::Closed => theme.style("metric.value"),
                _ => theme.style("metric.bad"),
            };
            (
                format!("circuit {}", c.provider),
                format!("{} (opened {}×)", c.state.name(), c.opened),
                style,
            )
        })
        .collect()
}

impl MetricsPane {
    fn draw_compact(
        &self,
        area: Rect,
        buf: &mut Buffer,
        state: &RunState,
        view: &ViewState,
        theme: &Theme,
    ) {
        let agent = view
            .transcript
            .shown_agent(state)
            .and_then(|i| state.agents.get(i));
        let mut pairs = Vec::new();
        if let Some(a) = agent {
            let spark = sparkline(&a.tokens_per_s, 12);
            let spark = if spark.is_empty() {
                "—".to_string()
            } else {
                spark
            };
            pairs.push((
                format!("{} tok/s", a.name),
                spark,
                theme.style("metric.sparkline"),
            ));
        }
        pairs.push((
            "cost".into(),
            cost_long(state.usage.cost_usd, state.usage.unpriced),
            theme.style("metric.cost"),
        ));
        pairs.extend(
            circuit_pairs(state, theme)
                .into_iter()
                .filter(|(_, v, _)| !v.starts_with("closed")),
        );
        pairs.extend(kpi_pieces(state, theme, false));
        put_pairs(buf, area, area.y, &pairs, theme);
    }
}

impl Pane for MetricsPane {
    fn id(&self) -> PaneId {
        PaneId::Metrics
    }

    fn render(
        &self,
        area: Rect,
        buf: &mut Buffer,
        state: &RunState,
        view: &ViewState,
        theme: &Theme,
    ) {
        // The run's clock: whole seconds, as the timeline and the home screen show time, so
        // a live clock redraws once a second and no more.
        let extra = if state.run.is_some() {
            vec![Span::styled(
                format!(" {}", format_duration_ms(view.run_elapsed_ms(state))),
                theme.style("ui.text.dim"),
            )]
        } else {
            vec![]
        };
        let inner = framed(area, buf, PaneId::Metrics, "Metrics", extra, view, theme);
        if inner.height == 0 || inner.width < 8 {
            return;
        }
        let table_rows = state.agents.len() as u16 + 3;
        if inner.height >= table_rows && inner.width >= 80 {
            let kpi_table = inner.height >= table_rows + 9;
            // Focused, the agent `next_tab` picks (the transcript's tab too) stands out.
            let picked = (view.focus == PaneId::Metrics)
                .then(|| view.transcript.shown_agent(state))
                .flatten();
            self.draw_table(inner, buf, state, theme, kpi_table, picked);
        } else {
            self.draw_compact(inner, buf, state, view, theme);
        }
    }

    fn handle(&self, action: Action, state: &RunState, view: &mut ViewState) -> bool {
        match action {
            Action::NextTab | Action::PrevTab => {
                view.transcript.step_tab(state, action == Action::NextTab);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_the_window() {
        assert_eq!(sparkline(&[0, 50, 100], 10), "▁▅█");
        assert_eq!(sparkline(&[1, 2, 3, 4], 2), "▆█");
        assert_eq!(sparkline(&[], 5), "");
    }
}
