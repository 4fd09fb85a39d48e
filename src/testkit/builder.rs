//! `LogBuilder`: appends events with consecutive seqs and a moving clock, with shorthands
//! for the kinds the handwritten logs use.

use crate::model::*;

/// The fixed run id of the handwritten logs (so snapshots are stable).
pub const RUN_ID: &str = "01JD7AAAAAAAAAAAAAAAAAAAAA";

/// Appends events with consecutive seqs and a clock that moves as asked.
pub struct LogBuilder {
    run: RunId,
    events: Vec<Event>,
    now: u64,
}

impl Default for LogBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl LogBuilder {
    pub fn new() -> Self {
        let run = RUN_ID.parse().unwrap_or_else(|_| RunId::new_at(0));
        LogBuilder {
            run,
            events: Vec::new(),
            now: 1_732_400_000_000,
        }
    }

    pub fn from_events(events: Vec<Event>) -> Self {
        let mut b = Self::new();
        if let Some(last) = events.last() {
            b.run = last.run;
            b.now = last.at_ms;
        }
        b.events = events;
        b
    }

    /// Moves the clock forward.
    pub fn wait(&mut self, ms: u64) -> &mut Self {
        self.now += ms;
        self
    }

    pub fn push(&mut self, kind: EventKind) -> &mut Self {
        let seq = self.events.len() as u64;
        self.now += 250;
        self.events.push(Event {
            run: self.run,
            seq,
            at_ms: self.now,
            kind,
        });
        self
    }

    pub fn say(
        &mut self,
        agent: &str,
        task: Option<&str>,
        part: TranscriptPart,
        text: &str,
    ) -> &mut Self {
        self.push(EventKind::Transcript {
            agent: agent.into(),
            task: task.map(Into::into),
            part,
            text: text.into(),
        })
    }

    pub fn call(
        &mut self,
        call: &str,
        agent: &str,
        task: &str,
        tool: &str,
        args: serde_json::Value,
    ) -> &mut Self {
        // An empty task is a run-level call (the strategist planning).
        let task = (!task.is_empty()).then(|| task.to_string());
        self.push(EventKind::ToolCall {
            call: call.into(),
            agent: agent.into(),
            task,
            tool: tool.into(),
            args,
            signature: None,
        })
    }

    pub fn result(&mut self, call: &str, ok: bool, output: &str, ms: u64) -> &mut Self {
        self.push(EventKind::ToolResult {
            call: call.into(),
            ok,
            output: output.into(),
            ms,
        })
    }

    pub fn status(&mut self, task: &str, status: TaskStatus) -> &mut Self {
        self.push(EventKind::TaskStatus {
            task: task.into(),
            status,
        })
    }

    pub fn usage(
        &mut self,
        agent: &str,
        task: Option<&str>,
        input: u64,
        output: u64,
        cost: f64,
        ms: u64,
    ) -> &mut Self {
        let (provider, model) = match agent {
            "strategist" => ("openai", "gpt-4o"),
            "impl-1" => ("anthropic", "claude-sonnet-4-5"),
            "impl-2" => ("local", "qwen2.5-coder:7b"),
            _ => ("gemini", "gemini-2.5-pro"),
        };
        self.push(EventKind::Usage {
            agent: agent.into(),
            task: task.map(Into::into),
            provider: provider.into(),
            model: model.into(),
            input_tokens: input,
            output_tokens: output,
            cached_tokens: 0,
            cost_usd: cost,
            unpriced: false,
            ms,
        })
    }

    pub fn ask(
        &mut self,
        id: &str,
        what: ApprovalWhat,
        task: Option<&str>,
        subject: &str,
        why: &str,
        diff: Option<&str>,
    ) -> &mut Self {
        self.push(EventKind::ApprovalRequested {
            approval: id.into(),
            what,
            task: task.map(Into::into),
            subject: subject.into(),
            why: why.into(),
            diff: diff.map(Into::into),
            waits: true,
        })
    }

    pub fn decide(
        &mut self,
        id: &str,
        decision: Decision,
        reason: &str,
        by: DecidedBy,
        level: Option<AutonomyLevel>,
    ) -> &mut Self {
        self.push(EventKind::ApprovalDecided {
            approval: id.into(),
            decision,
            reason: reason.into(),
            by,
            level,
            keep_hunks: None,
        })
    }

    pub fn diff(&mut self, task: &str, id: &str, patch: String, files: Vec<DiffFile>) -> &mut Self {
        let added = files.iter().map(|f| f.added).sum();
        let removed = files.iter().map(|f| f.removed).sum();
        self.push(EventKind::DiffProposed {
            task: task.into(),
            diff: id.into(),
            files,
            added,
            removed,
            hunks: hunks_of(&patch),
            patch,
        })
    }

    pub fn gate(&mut self, task: &str, gate: &str, passed: bool, tail: &str) -> &mut Self {
        self.push(EventKind::GateResult {
            task: task.into(),
            gate: gate.into(),
            passed,
            output_tail: tail.into(),
            ms: 2_400,
        })
    }

    pub fn review(&mut self, task: &str, verdict: Verdict, summary: &str) -> &mut Self {
        self.push(EventKind::Review {
            task: task.into(),
            reviewer: "reviewer".into(),
            verdict,
            summary: summary.into(),
            comments: vec![],
        })
    }

    pub fn events(&self) -> Vec<Event> {
        self.events.clone()
    }
}

/// Hunk records for a hand-written patch, as git would have named them (ids from the
/// header's position), so screens built from test logs can keep and drop hunks.
fn hunks_of(patch: &str) -> Vec<crate::model::DiffHunk> {
    let p = crate::tui::patch::Patch::parse(patch, &[]);
    let starts: Vec<u32> = p.hunks.iter().map(|h| p.rows[h.row].start).collect();
    p.hunks
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let header = &p.rows[h.row];
            let end = starts.get(i + 1).copied().unwrap_or(patch.len() as u32);
            crate::model::DiffHunk {
                id: format!("h{i}"),
                path: p
                    .files
                    .get(h.file)
                    .map_or(String::new(), |f| f.path.clone()),
                header: patch[header.start as usize..header.end as usize].to_string(),
                old_start: 0,
                old_lines: 0,
                new_start: 0,
                new_lines: 0,
                added: 0,
                removed: 0,
                start: header.start,
                end,
            }
        })
        .collect()
}
