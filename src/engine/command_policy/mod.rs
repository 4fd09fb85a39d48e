//! The command policy on parsed argv: a command line is split into the simple commands a
//! shell would run (`parse`), each is graded against one table of prefix rules per program
//! (`table`, `grade`), and the line's grade is its most dangerous part. The deny-list is a
//! separate flag: a denied command is always a person's decision.
//!
//! Owns what a command can do. Must not decide who approves it (the policy matrix does) nor
//! run anything.

mod argv;
mod grade;
pub mod parse;
mod reach;
pub mod table;

pub use grade::{assess, assess_in, Assessment, Grade, Part};

/// How a command approval names its command (`` `cargo test` in task t1 ``): made here and
/// read back here, so the TUI can show which prefix a rule would take.
pub fn subject_for(command: &str, task: &str) -> String {
    format!("`{command}` in task {task}")
}

/// The command a subject made by [`subject_for`] names.
pub fn command_in_subject(subject: &str) -> Option<&str> {
    subject
        .strip_prefix('`')?
        .rsplit_once("` in task ")
        .map(|(c, _)| c)
}

/// Characters of an MCP tool call's arguments its approval shows.
const TOOL_ARGS_SHOWN: usize = 1000;

/// How an MCP tool call's approval names it, with its server and arguments:
/// `` tool `mcp__notes__note` of MCP server notes {"text":"hi"} in task t1 ``.
pub fn tool_subject_for(name: &str, server: &str, args: &serde_json::Value, task: &str) -> String {
    let mut a = if args.is_null() {
        "{}".to_string()
    } else {
        args.to_string()
    };
    if a.chars().count() > TOOL_ARGS_SHOWN {
        a = a.chars().take(TOOL_ARGS_SHOWN).collect::<String>() + "…";
    }
    format!("tool `{name}` of MCP server {server} {a} in task {task}")
}

/// The tool a subject made by [`tool_subject_for`] names: also what a sticky rule made
/// from it matches.
pub fn tool_in_subject(subject: &str) -> Option<&str> {
    subject
        .strip_prefix("tool `")?
        .split_once('`')
        .map(|(name, _)| name)
        .filter(|n| n.starts_with("mcp__"))
}

/// The words a sticky rule made from this command would match (`cargo test`), if any.
pub fn rule_prefix_of(command: &str) -> Vec<String> {
    assess(command, &[]).rule_prefix()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_subject_gives_its_command_back() {
        let s = super::subject_for("echo '` in task x' && cargo test", "t1");
        assert_eq!(
            super::command_in_subject(&s),
            Some("echo '` in task x' && cargo test")
        );
        assert_eq!(super::command_in_subject("plan of 3 tasks"), None);
    }

    #[test]
    fn a_tool_subject_names_server_arguments_and_gives_its_tool_back() {
        let args = serde_json::json!({"text": "` in task x` and `more`"});
        let s = super::tool_subject_for("mcp__notes__note", "notes", &args, "t1");
        assert_eq!(
            s,
            r#"tool `mcp__notes__note` of MCP server notes {"text":"` in task x` and `more`"} in task t1"#
        );
        assert_eq!(super::tool_in_subject(&s), Some("mcp__notes__note"));
        assert_eq!(super::command_in_subject(&s), None);
        // A command is never taken for a tool, whatever it says.
        let c = super::subject_for("echo tool `mcp__x__y`", "t1");
        assert_eq!(super::tool_in_subject(&c), None);
        let long = serde_json::json!({"text": "é".repeat(2000)});
        let s = super::tool_subject_for("mcp__notes__note", "notes", &long, "t1");
        assert!(
            s.ends_with("… in task t1") && s.chars().count() < 1100,
            "{s}"
        );
    }
}
