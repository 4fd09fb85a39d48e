//! Quality gates: the repo's commands, run in a worktree through the `Runner` (and so in its
//! sandbox), each becoming a GateResult event; their output is redacted before it becomes
//! feedback for a model.

use super::run_log::RunLog;
use crate::config::GateConfig;
use crate::model::EventKind;
use crate::model::EventSink;
use crate::runner::{CommandSpec, Runner};
use std::path::Path;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Bytes of each gate's output kept.
pub const GATE_OUTPUT_CAP: usize = 8 * 1024;

pub struct GateRun {
    pub passed: bool,
    /// Failing gates' names and output tails, as feedback for the implementer.
    pub feedback: Vec<String>,
    pub summary: String,
}

pub async fn run_gates(
    log: &RunLog,
    runner: &dyn Runner,
    gates: &[GateConfig],
    task: &str,
    dir: &Path,
    env_remove: &[String],
    cancel: &CancellationToken,
) -> GateRun {
    let mut out = GateRun {
        passed: true,
        feedback: Vec::new(),
        summary: String::new(),
    };
    for g in gates {
        let spec = CommandSpec {
            command: g.command.clone(),
            cwd: dir.to_path_buf(),
            timeout: Duration::from_secs(g.timeout_s),
            output_cap: GATE_OUTPUT_CAP,
            env_remove: env_remove.to_vec(),
            network: false,
        };
        let (passed, tail, ms) = match runner.run(spec, cancel.clone()).await {
            Ok(o) => (
                o.success(),
                format!("{}\n{}", o.status_line(), o.output_with_note()),
                o.ms,
            ),
            Err(e) => (false, format!("could not start `{}`: {e}", g.command), 0),
        };
        // The tail becomes the implementer's feedback: scrubbed before any model sees it.
        let tail = log.redactor().redact(&tail).into_owned();
        log.emit(EventKind::GateResult {
            task: task.to_string(),
            gate: g.name.clone(),
            passed,
            output_tail: tail.clone(),
            ms,
        });
        out.summary.push_str(&format!(
            "gate {} ({}): {}\n",
            g.name,
            g.command,
            if passed { "passed" } else { "FAILED" }
        ));
        if !passed {
            out.passed = false;
            let text = format!("The gate `{}` (`{}`) failed:\n{tail}", g.name, g.command);
            out.feedback.push(log.redactor().redact(&text).into_owned());
        }
    }
    out
}
