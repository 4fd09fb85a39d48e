//! The metrics table, drawn when the pane is tall and wide enough: a header, a row per agent
//! (the picked one highlighted while the pane has focus), the run's totals, then the KPIs: as
//! pairs, or (when there is room) a row each against its target.

use super::MetricsPane;
use super::{circuit_pairs, kpi_pieces, put_pairs, role_name, sparkline, target_text};
use crate::model::kpi::kpi_rows;
use crate::model::{AgentState, RunState, TaskStatus};
use crate::tui::text::{ellipsize, human_count, human_ms, paint, put};
use crate::tui::theme::Theme;
use crate::util::{cost_long, cost_short};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

/// Column widths: a wide pane also shows each agent's model and a longer sparkline.
struct Columns {
    wide: bool,
    spark_w: usize,
    model_w: usize,
}

impl Columns {
    fn for_width(width: u16) -> Columns {
        let wide = width >= 120;
        Columns {
            wide,
            spark_w: if wide { 24 } else { 12 },
            model_w: if wide { 20 } else { 0 },
        }
    }

    fn header(&self) -> String {
        let (model_w, spark_w) = (self.model_w, self.spark_w);
        format!(
            "{:<12} {:<11} {:<model_w$}{:<spark_w$} {:>7} {:>7} {:>8} {:>4} {:>3} {:>6} {:>6}",
            "agent",
            "role",
            if self.wide { "model" } else { "" },
            "tokens/s",
            "in",
            "out",
            "cost",
            "req",
            "err",
            "p50",
            "p95"
        )
    }
}

/// Writes `text` from `x` on row `y`, clipped to `area`; returns where the next cell starts.
fn cell(buf: &mut Buffer, area: Rect, x: u16, y: u16, text: &str, style: Style) -> u16 {
    put(buf, x, y, text, area.right().saturating_sub(x), style)
}

impl MetricsPane {
    /// The table in `area`; the KPIs a row each when `kpi_table`; the agent at index
    /// `picked` highlighted.
    pub(super) fn draw_table(
        &self,
        area: Rect,
        buf: &mut Buffer,
        state: &RunState,
        theme: &Theme,
        kpi_table: bool,
        picked: Option<usize>,
    ) {
        let cols = Columns::for_width(area.width);
        let label = theme.style("metric.label");
        cell(buf, area, area.x, area.y, &cols.header(), label);
        let mut y = area.y + 1;
        for (i, a) in state.agents.iter().enumerate() {
            if y >= area.bottom() {
                return;
            }
            if picked == Some(i) {
                paint(
                    buf,
                    Rect::new(area.x, y, area.width, 1),
                    theme.style("ui.selection"),
                );
            }
            draw_agent_row(buf, area, y, a, &cols, theme);
            y += 1;
        }
        if y >= area.bottom() {
            return;
        }
        y = put_pairs(buf, area, y, &summary_pairs(state, theme), theme);
        if kpi_table {
            draw_kpi_rows(buf, area, y + 1, state, theme);
        } else {
            put_pairs(buf, area, y, &kpi_pieces(state, theme, true), theme);
        }
    }
}

/// One agent: name, role (and model), tokens/s, usage, errors and latency.
fn draw_agent_row(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    a: &AgentState,
    cols: &Columns,
    theme: &Theme,
) {
    let value = theme.style("metric.value");
    let name = ellipsize(&a.name, 12);
    let model_w = cols.model_w;
    let model = if cols.wide {
        format!("{:<model_w$}", ellipsize(&a.model, model_w - 1))
    } else {
        String::new()
    };
    let who = format!("{name:<12} {:<11} {model}", role_name(a));
    let x = cell(buf, area, area.x, y, &who, value);
    let spark = sparkline(&a.tokens_per_s, cols.spark_w);
    cell(buf, area, x, y, &spark, theme.style("metric.sparkline"));
    let x = x + cols.spark_w as u16 + 1;
    let u = &a.usage;
    let tokens = format!(
        "{:>7} {:>7} ",
        human_count(u.input_tokens),
        human_count(u.output_tokens),
    );
    let x = cell(buf, area, x, y, &tokens, value);
    let cost = format!("{:>8} ", cost_short(u.cost_usd, u.unpriced));
    let x = cell(buf, area, x, y, &cost, theme.style("metric.cost"));
    let x = cell(buf, area, x, y, &format!("{:>4} ", u.requests), value);
    let err_style = if a.errors > 0 {
        theme.style("metric.bad")
    } else {
        value
    };
    let x = cell(buf, area, x, y, &format!("{:>3} ", a.errors), err_style);
    let lat = format!(
        "{:>6} {:>6}",
        human_ms(a.latency_p50_ms),
        human_ms(a.latency_p95_ms)
    );
    cell(buf, area, x, y, &lat, value);
}

/// The run's totals: cost, tokens, tasks, and every breaker that ever opened.
fn summary_pairs(state: &RunState, theme: &Theme) -> Vec<(String, String, Style)> {
    let u = &state.usage;
    let value = theme.style("metric.value");
    let mut pairs = vec![
        (
            "cost".into(),
            cost_long(u.cost_usd, u.unpriced),
            theme.style("metric.cost"),
        ),
        (
            "tokens".into(),
            format!(
                "{} in {} out",
                human_count(u.input_tokens),
                human_count(u.output_tokens)
            ),
            value,
        ),
        (
            "tasks".into(),
            format!(
                "{} done {} running {} failed",
                state.count(TaskStatus::Done),
                state.active_tasks(),
                state.count(TaskStatus::Failed)
            ),
            value,
        ),
    ];
    pairs.extend(circuit_pairs(state, theme));
    pairs
}

/// A row per KPI from `y`: its value, its target, and whether it meets it.
fn draw_kpi_rows(buf: &mut Buffer, area: Rect, mut y: u16, state: &RunState, theme: &Theme) {
    let label = theme.style("metric.label");
    for ((_, label_text, v, target), (_, shown, style)) in kpi_rows(&state.kpis)
        .iter()
        .zip(kpi_pieces(state, theme, false))
    {
        if y >= area.bottom() {
            return;
        }
        let x = cell(buf, area, area.x, y, &format!("{label_text:<16}"), label);
        let x = cell(buf, area, x, y, &format!("{shown:>6}  "), style);
        let goal = format!("target {:<6} ", target_text(*target));
        let x = cell(buf, area, x, y, &goal, label);
        let mark = match v {
            Some(v) => target.verdict(*v),
            None => "nothing measured yet",
        };
        cell(buf, area, x, y, mark, style);
        y += 1;
    }
}
