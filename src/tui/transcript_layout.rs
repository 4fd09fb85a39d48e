//! Wrapped layouts of transcript entries, cached per (agent, entry, width) and grown in place
//! as streamed text arrives (design §4: the screen appends to what it laid out; it never
//! re-wraps what did not change).
//!
//! Owns: turning a `TranscriptEntry` into display rows (byte ranges plus a row style), the
//! cache, and its validity rules. A layout is reused while the entry keeps its `first_seq`,
//! the width and fold state are the same and its text only grew; growth re-wraps only the
//! last logical line. Entries are laid out on demand, so a 100k-line transcript costs only
//! the entries someone scrolled past. Must not draw.

use crate::model::{TranscriptEntry, TranscriptPart};
use crate::tui::text::wrap::{str_width, wrap_line};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowStyle {
    /// `── t2 add limiter` before the first entry of another task.
    TaskHeader,
    Text,
    Thinking,
    System,
    /// A tool call's header line; `ok` is `None` while it runs.
    Tool {
        ok: Option<bool>,
    },
    /// Arguments and output of an unfolded call, and tool_result parts.
    ToolOutput,
}

impl RowStyle {
    /// Drawn before the row's text (wrap width leaves room for it).
    pub fn prefix(self) -> &'static str {
        match self {
            RowStyle::Thinking => "┊ ",
            RowStyle::System => "· ",
            RowStyle::ToolOutput => "│ ",
            _ => "",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LRow {
    pub start: u32,
    pub end: u32,
    pub style: RowStyle,
}

/// Where a row's bytes come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// The entry's own text (streamed parts): nothing copied.
    Entry,
    /// Text made for display (tool calls).
    Owned,
}

#[derive(Clone, Debug)]
pub struct EntryLayout {
    first_seq: u64,
    expanded: bool,
    src_len: usize,
    /// For tool calls: whether the result was there and its length, to notice it arriving.
    result_key: Option<(bool, usize)>,
    source: Source,
    owned: String,
    header: Option<String>,
    pub rows: Vec<LRow>,
    /// First row and first byte of the last logical line: what growth re-wraps.
    tail_row: usize,
    tail_start: usize,
}

impl EntryLayout {
    pub fn height(&self) -> usize {
        self.rows.len()
    }

    /// The text of a row (without its prefix).
    pub fn row_text<'a>(&'a self, entry: &'a TranscriptEntry, row: &LRow) -> &'a str {
        let src = match (row.style, self.source) {
            (RowStyle::TaskHeader, _) => self.header.as_deref().unwrap_or(""),
            (_, Source::Entry) => entry.text.as_str(),
            (_, Source::Owned) => self.owned.as_str(),
        };
        src.get(row.start as usize..row.end as usize).unwrap_or("")
    }
}

fn part_style(part: TranscriptPart) -> RowStyle {
    match part {
        TranscriptPart::Text => RowStyle::Text,
        TranscriptPart::Thinking => RowStyle::Thinking,
        TranscriptPart::System => RowStyle::System,
        TranscriptPart::ToolCall | TranscriptPart::ToolResult => RowStyle::ToolOutput,
    }
}

/// Wraps `text[from..]` line by line into `rows`; returns where its last logical line starts
/// (row index, byte offset).
fn wrap_from(
    text: &str,
    from: usize,
    width: usize,
    style: RowStyle,
    rows: &mut Vec<LRow>,
) -> (usize, usize) {
    let w = width.saturating_sub(str_width(style.prefix())).max(1);
    let mut tmp = Vec::new();
    let mut pos = from;
    loop {
        let rest = &text[pos..];
        let (line, next) = match rest.find('\n') {
            Some(i) => (&rest[..i], Some(pos + i + 1)),
            None => (rest, None),
        };
        let row_index = rows.len();
        if next.is_some() || !line.is_empty() {
            tmp.clear();
            wrap_line(line, pos, w, &mut tmp);
            rows.extend(tmp.iter().map(|&(start, end)| LRow { start, end, style }));
        }
        match next {
            Some(n) => pos = n,
            None => return (row_index, pos),
        }
    }
}

/// `read_file src/lib.rs`: the argument a person wants to see first.
fn call_summary(tool: &str, args: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(args).unwrap_or(serde_json::Value::Null);
    let key = ["path", "command", "pattern", "summary", "verdict"]
        .iter()
        .find_map(|k| v.get(*k).and_then(|x| x.as_str()).map(str::to_string));
    let arg = key.unwrap_or_else(|| args.to_string());
    let one_line = arg.replace('\n', " ⏎ ");
    format!("{tool} {one_line}")
}

fn lay_out_call(entry: &TranscriptEntry, expanded: bool, width: usize) -> (String, Vec<LRow>) {
    let Some(call) = &entry.call else {
        return (String::new(), Vec::new());
    };
    let ok = call.result.as_ref().map(|r| r.ok);
    let status = match &call.result {
        None => "  … running".to_string(),
        Some(r) => format!(
            "  {} {}",
            if r.ok { "✓" } else { "✗" },
            crate::tui::text::human_ms(r.ms)
        ),
    };
    let mut owned = String::new();
    let mut rows = Vec::new();
    let glyph = if expanded { "▾ " } else { "▸ " };
    let head = format!("{glyph}{}{status}", call_summary(&call.tool, &call.args));
    owned.push_str(&head);
    rows.push(LRow {
        start: 0,
        end: head.len() as u32,
        style: RowStyle::Tool { ok },
    });
    if !expanded {
        return (owned, rows);
    }
    owned.push('\n');
    let args = serde_json::from_str::<serde_json::Value>(&call.args)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| call.args.clone());
    let from = owned.len();
    owned.push_str(&args);
    owned.push('\n');
    if let Some(r) = &call.result {
        owned.push_str(&r.output);
    }
    wrap_from(&owned, from, width, RowStyle::ToolOutput, &mut rows);
    (owned, rows)
}

fn lay_out(
    entry: &TranscriptEntry,
    header: Option<String>,
    width: u16,
    expanded: bool,
) -> EntryLayout {
    let mut l = EntryLayout {
        first_seq: entry.first_seq,
        expanded,
        src_len: entry.text.len(),
        result_key: entry.call.as_ref().map(|c| {
            (
                c.result.is_some(),
                c.result.as_ref().map_or(0, |r| r.output.len()),
            )
        }),
        source: Source::Entry,
        owned: String::new(),
        header,
        rows: Vec::new(),
        tail_row: 0,
        tail_start: 0,
    };
    if let Some(h) = &l.header {
        l.rows.push(LRow {
            start: 0,
            end: h.len() as u32,
            style: RowStyle::TaskHeader,
        });
    }
    if entry.call.is_some() {
        let (owned, rows) = lay_out_call(entry, expanded, width as usize);
        l.owned = owned;
        l.source = Source::Owned;
        l.rows.extend(rows);
        l.tail_row = l.rows.len();
        return l;
    }
    let (tail_row, tail_start) = wrap_from(
        &entry.text,
        0,
        width as usize,
        part_style(entry.part),
        &mut l.rows,
    );
    l.tail_row = tail_row;
    l.tail_start = tail_start;
    l
}

/// Layouts of every agent's entries at one width.
#[derive(Debug, Default)]
pub struct TranscriptLayout {
    width: u16,
    agents: Vec<Vec<Option<EntryLayout>>>,
    /// How many entries were laid out from scratch or grown since the last `take_work`, so
    /// tests can check that drawing stays lazy.
    work: usize,
}

impl TranscriptLayout {
    /// The layout of `entries[idx]` of agent `agent`, from the cache when still valid.
    /// `header` is the task header to show above it, if the task changed.
    pub fn entry(
        &mut self,
        agent: usize,
        idx: usize,
        entries: &[TranscriptEntry],
        width: u16,
        expanded: bool,
        header: impl FnOnce() -> Option<String>,
    ) -> &EntryLayout {
        if width != self.width {
            // A new width invalidates every wrap; entries are laid out again as they show.
            self.agents.clear();
            self.width = width;
        }
        if self.agents.len() <= agent {
            self.agents.resize_with(agent + 1, Vec::new);
        }
        let slots = &mut self.agents[agent];
        if slots.len() < entries.len() {
            slots.resize_with(entries.len(), || None);
        }
        let e = &entries[idx];
        let slot = &mut slots[idx];
        let reuse = slot.as_ref().is_some_and(|l| {
            let call_key = e.call.as_ref().map(|c| {
                (
                    c.result.is_some(),
                    c.result.as_ref().map_or(0, |r| r.output.len()),
                )
            });
            l.first_seq == e.first_seq
                && l.expanded == expanded
                && l.result_key == call_key
                && e.text.len() >= l.src_len
        });
        if !reuse {
            *slot = None;
        }
        let work = &mut self.work;
        let l = slot.get_or_insert_with(|| {
            *work += 1;
            lay_out(e, header(), width, expanded)
        });
        if e.text.len() > l.src_len && l.source == Source::Entry {
            // Streamed text grew: re-wrap only the last logical line onwards.
            *work += 1;
            l.rows.truncate(l.tail_row);
            let (tr, ts) = wrap_from(
                &e.text,
                l.tail_start,
                width as usize,
                part_style(e.part),
                &mut l.rows,
            );
            l.tail_row = tr;
            l.tail_start = ts;
            l.src_len = e.text.len();
        }
        l
    }

    /// Entries laid out or grown since the last call.
    pub fn take_work(&mut self) -> usize {
        std::mem::take(&mut self.work)
    }

    /// Drops layouts of agents or entries that no longer exist (a new run or a replay seek).
    pub fn forget_beyond(&mut self, agents: usize) {
        self.agents.truncate(agents);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ToolCallInfo, ToolOutcome};

    fn text_entry(text: &str) -> TranscriptEntry {
        TranscriptEntry {
            task: None,
            part: TranscriptPart::Text,
            text: text.into(),
            call: None,
            first_seq: 1,
            at_ms: 0,
        }
    }

    fn texts(l: &EntryLayout, e: &TranscriptEntry) -> Vec<String> {
        l.rows
            .iter()
            .map(|r| l.row_text(e, r).to_string())
            .collect()
    }

    #[test]
    fn growth_rewraps_only_the_tail_and_matches_a_fresh_layout() {
        let mut cache = TranscriptLayout::default();
        let mut entries = vec![text_entry("first line\nsecond li")];
        let rows = texts(cache.entry(0, 0, &entries, 12, false, || None), &entries[0]);
        assert_eq!(rows, vec!["first line", "second li"]);
        assert_eq!(cache.take_work(), 1);
        entries[0].text.push_str("ne goes on and on\nthird\n");
        let grown = texts(cache.entry(0, 0, &entries, 12, false, || None), &entries[0]);
        let fresh = texts(&lay_out(&entries[0], None, 12, false), &entries[0]);
        assert_eq!(grown, fresh);
        assert_eq!(
            grown,
            vec!["first line", "second line ", "goes on and ", "on", "third"]
        );
        assert_eq!(cache.take_work(), 1);
        // Unchanged: no work at all.
        cache.entry(0, 0, &entries, 12, false, || None);
        assert_eq!(cache.take_work(), 0);
        // A new width lays out again.
        cache.entry(0, 0, &entries, 30, false, || None);
        assert_eq!(cache.take_work(), 1);
    }

    #[test]
    fn tool_calls_fold_and_notice_their_result() {
        let mut e = text_entry("");
        e.part = TranscriptPart::ToolCall;
        e.call = Some(ToolCallInfo {
            call: "c1".into(),
            tool: "read_file".into(),
            args: r#"{"path":"src/a.rs"}"#.into(),
            result: None,
        });
        let mut cache = TranscriptLayout::default();
        let entries = vec![e.clone()];
        let l = cache.entry(0, 0, &entries, 40, false, || None);
        assert_eq!(
            texts(l, &entries[0]),
            vec!["▸ read_file src/a.rs  … running"]
        );
        e.call.as_mut().unwrap().result = Some(ToolOutcome {
            ok: true,
            output: "fn a() {}\n".into(),
            ms: 12,
        });
        let entries = vec![e];
        let l = cache.entry(0, 0, &entries, 40, true, || Some("── t1".into()));
        let rows = texts(l, &entries[0]);
        assert_eq!(rows[0], "── t1");
        assert_eq!(rows[1], "▾ read_file src/a.rs  ✓ 12ms");
        assert!(rows.contains(&"fn a() {}".to_string()));
    }
}
