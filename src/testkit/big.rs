//! The render benchmark's state (design §11): 8 agents, 100k transcript lines for the shown
//! agent (streamed as coalesced ~4 KB events, with tool calls between), a 5k-line diff
//! waiting for approval, sparklines for everyone.

use super::builder::LogBuilder;
use super::synthetic::AGENTS;
use crate::model::*;
use serde_json::json;

/// A Rust-looking diff of about `lines` lines: hunks of 40 lines across several files.
fn big_patch(lines: usize) -> (String, Vec<DiffFile>) {
    let mut patch = String::new();
    let mut files = Vec::new();
    let hunks = lines / 42 + 1;
    let per_file = 12;
    for h in 0..hunks {
        if h % per_file == 0 {
            let path = format!("src/module_{}.rs", h / per_file);
            patch.push_str(&format!(
                "diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
            ));
            files.push(DiffFile {
                path,
                change: FileChange::Modified,
                added: 0,
                removed: 0,
                binary: false,
            });
        }
        let start = 10 + (h % per_file) * 100;
        patch.push_str(&format!("@@ -{start},30 +{start},40 @@ impl Worker {{\n"));
        for i in 0..40 {
            let line = match i % 4 {
                0 => format!(" fn step_{h}_{i}(&mut self, input: &str) -> Result<usize, Error> {{\n"),
                1 => format!("+    let parsed = input.trim().parse::<u64>().map_err(Error::Parse)?; // {i}\n"),
                2 => format!("+    self.total += parsed as usize * {i};\n"),
                _ => " }\n".to_string(),
            };
            patch.push_str(&line);
        }
        if let Some(f) = files.last_mut() {
            f.added += 20;
        }
    }
    (patch, files)
}

/// Folds the benchmark's run: `lines` transcript lines for "impl-1", a diff of `diff_lines`.
pub fn big_state(lines: usize, diff_lines: usize) -> RunState {
    let mut b = LogBuilder::new();
    b.push(EventKind::RunStarted {
        repo: "/tmp/repo".into(),
        base_commit: "0123456789abcdef0123456789abcdef01234567".into(),
        branch: "main".into(),
        goal: "make the worker fast".into(),
        level: AutonomyLevel::SemiAutonomous,
        agents: AGENTS
            .iter()
            .map(|n| AgentSpec {
                name: n.to_string(),
                role: Role::Implementer,
                provider: "scripted".into(),
                model: "cassette".into(),
            })
            .collect(),
        parent: None,
        config: None,
    });
    let tasks = (0..50)
        .map(|i| PlannedTask {
            id: format!("t{i}"),
            title: format!("optimise step {i}"),
            description: String::new(),
            kind: TaskKind::Perf,
            deps: if i > 0 {
                vec![format!("t{}", i - 1)]
            } else {
                vec![]
            },
            priority: 2,
            estimate_min: None,
            risk: None,
        })
        .collect();
    b.push(EventKind::PlanProposed {
        agent: "strategist".into(),
        tasks,
    });
    for (i, a) in AGENTS.iter().enumerate() {
        b.push(EventKind::TaskAssigned {
            task: format!("t{i}"),
            agent: a.to_string(),
            why: AssignReason::Router,
        });
        b.status(&format!("t{i}"), TaskStatus::Running);
        for k in 0..40u64 {
            b.usage(
                a,
                None,
                1_000,
                100 + (k * 37 + i as u64 * 11) % 400,
                0.002,
                500 + (k * 53) % 900,
            );
        }
        b.say(
            a,
            Some(&format!("t{i}")),
            TranscriptPart::Text,
            "Starting.\n",
        );
    }
    // ~50 lines of ~80 bytes per event: about what 50 ms of streaming coalesces to.
    let mut chunk = String::new();
    let mut written = 0;
    let mut calls = 0;
    while written < lines {
        chunk.clear();
        for _ in 0..50.min(lines - written) {
            chunk.push_str(&format!(
                "line {written} of the answer, with some words to wrap and a `code span` {}\n",
                written % 97
            ));
            written += 1;
        }
        b.say("impl-1", Some("t1"), TranscriptPart::Text, &chunk);
        if written % 1_000 == 0 {
            calls += 1;
            let id = format!("c{calls}");
            b.call(
                &id,
                "impl-1",
                "t1",
                "read_file",
                json!({"path": format!("src/module_{calls}.rs")}),
            );
            b.result(&id, true, &"fn f() {}\n".repeat(20), 4);
        }
    }
    let (patch, files) = big_patch(diff_lines);
    b.diff("t1", "dbig", patch, files);
    b.ask(
        "abig",
        ApprovalWhat::Diff,
        Some("t1"),
        "diff",
        "L2 asks for diffs over 50 lines",
        Some("dbig"),
    );
    fold(&b.events())
}
