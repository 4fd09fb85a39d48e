//! An MCP tool call from the model: asked of the gate like a command (graded as its server's
//! `[[mcp]]` entry says), then made, its result capped like a command's output.
//!
//! Owns the order (gate first: a refused call never reaches the server) and what the model
//! is told. Must not decide anything itself (the gate does) nor speak the protocol
//! (`crate::mcp` does).

use super::{ToolBox, ToolReply};
use crate::config::ToolGrade;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// What the gate is asked about one MCP tool call.
#[derive(Clone, Copy, Debug)]
pub struct ToolAsk<'a> {
    /// As the model calls it: `mcp__<server>__<tool>`.
    pub name: &'a str,
    pub server: &'a str,
    /// The server's own name for it.
    pub tool: &'a str,
    pub args: &'a Value,
    pub grade: ToolGrade,
}

/// The first `cap` bytes of `text`, with a note of what was left out.
fn cap_head(text: String, cap: usize) -> String {
    if text.len() <= cap {
        return text;
    }
    let mut end = cap;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n[… {} more bytes of the tool's answer not shown …]",
        &text[..end],
        text.len() - end
    )
}

impl ToolBox {
    pub(super) async fn mcp_call(
        &self,
        name: &str,
        args: &Value,
        cancel: CancellationToken,
    ) -> ToolReply {
        let Some(t) = self.mcp.tool(name) else {
            return ToolReply::err(format!("no MCP tool `{name}` in this session"));
        };
        if !(args.is_object() || args.is_null()) {
            return ToolReply::err(format!(
                "arguments for {name} must be a JSON object, not {args}"
            ));
        }
        let ask = ToolAsk {
            name,
            server: &t.server,
            tool: &t.tool,
            args,
            grade: t.grade,
        };
        if let Err(why) = self.gate.check_tool(&ask).await {
            return ToolReply::err(format!("tool call not made: {why}"));
        }
        match self.mcp.call(name, args, &cancel).await {
            Ok(out) => ToolReply {
                ok: out.ok,
                output: cap_head(out.text, self.output_cap.max(1)),
                effect: super::ToolEffect::None,
            },
            Err(e) => ToolReply::err(e),
        }
    }
}
