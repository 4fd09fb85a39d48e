//! Tool dispatch tests on real files in a temp dir.

use super::*;
use crate::runner::LocalRunner;

struct Allow;
impl CommandGate for Allow {
    fn check<'a>(
        &'a self,
        _: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<CommandGrant, String>> + Send + 'a>> {
        Box::pin(async { Ok(CommandGrant::default()) })
    }
}

struct Deny;
impl CommandGate for Deny {
    fn check<'a>(
        &'a self,
        c: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<CommandGrant, String>> + Send + 'a>> {
        Box::pin(async move { Err(format!("a person rejected `{c}`")) })
    }
}

fn toolbox(root: &std::path::Path, role: Role, gate: Arc<dyn CommandGate>) -> ToolBox {
    ToolBox {
        confined: Confined::new(root).unwrap(),
        role,
        runner: Arc::new(LocalRunner::default()),
        gate,
        command_timeout: Duration::from_secs(10),
        output_cap: 4096,
        env_remove: vec![],
        redactor: Arc::new(crate::secrets::Redactor::default()),
        known_tasks: vec![],
        mcp: Default::default(),
    }
}

fn call(tb: &ToolBox, tool: &str, args: Value) -> ToolReply {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(tb.call(tool, &args, CancellationToken::new()))
}

#[test]
fn the_implementer_reads_edits_and_finishes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("calc.py"),
        "def add(a, b):\n    return a - b\n",
    )
    .unwrap();
    let tb = toolbox(dir.path(), Role::Implementer, Arc::new(Allow));
    let r = call(&tb, "read_file", json!({"path": "calc.py"}));
    assert_eq!(r.output, "1: def add(a, b):\n2:     return a - b\n");
    let r = call(
        &tb,
        "edit_file",
        json!({"path": "calc.py", "old": "a - b", "new": "a + b"}),
    );
    assert!(r.ok, "{}", r.output);
    assert!(std::fs::read_to_string(dir.path().join("calc.py"))
        .unwrap()
        .contains("a + b"));
    let r = call(
        &tb,
        "write_file",
        json!({"path": "tests/test_calc.py", "content": "x\n"}),
    );
    assert!(r.ok, "{}", r.output);
    assert_eq!(
        call(&tb, "list_files", json!({})).output,
        "calc.py\ntests/test_calc.py"
    );
    assert_eq!(
        call(&tb, "search", json!({"pattern": "a \\+ b"})).output,
        "calc.py:2:     return a + b"
    );
    let r = call(
        &tb,
        "run_command",
        json!({"command": "cat calc.py | wc -l"}),
    );
    assert!(
        r.ok && r.output.starts_with("exit code 0") && r.output.contains('2'),
        "{}",
        r.output
    );
    let r = call(&tb, "finish", json!({"summary": "fixed add"}));
    assert_eq!(
        r.effect,
        ToolEffect::Finish {
            summary: "fixed add".into()
        }
    );
}

#[test]
fn malformed_arguments_and_unknown_tools_are_errors_for_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let tb = toolbox(dir.path(), Role::Implementer, Arc::new(Allow));
    for (tool, args, want) in [
        (
            "read_file",
            json!({}),
            "invalid arguments for read_file: missing field `path`",
        ),
        (
            "read_file",
            json!({"path": 3}),
            "invalid arguments for read_file",
        ),
        (
            "edit_file",
            json!({"path": "a", "old": "x", "new": "y", "extra": 1}),
            "unknown field `extra`",
        ),
        (
            "submit_review",
            json!({"verdict": "approve"}),
            "unknown tool `submit_review`",
        ),
        ("rm_rf", json!(null), "unknown tool `rm_rf`"),
        (
            "read_file",
            json!({"path": "nope.txt"}),
            "`nope.txt` does not exist",
        ),
    ] {
        let r = call(&tb, tool, args);
        assert!(!r.ok && r.output.contains(want), "{tool}: {}", r.output);
    }
}

#[test]
fn a_refused_command_does_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let tb = toolbox(dir.path(), Role::Implementer, Arc::new(Deny));
    let r = call(&tb, "run_command", json!({"command": "touch ran"}));
    assert!(!r.ok && r.output.contains("a person rejected `touch ran`"));
    assert!(!dir.path().join("ran").exists());
}

#[test]
fn plans_and_reviews_become_effects() {
    let dir = tempfile::tempdir().unwrap();
    let tb = toolbox(dir.path(), Role::Strategist, Arc::new(Allow));
    let task = |id: &str, deps: Value| json!({"id": id, "title": id, "description": "", "kind": "feature", "deps": deps, "priority": 1});
    let r = call(
        &tb,
        "submit_plan",
        json!({"tasks": [task("a", json!(["b"])), task("b", json!(["a"]))]}),
    );
    assert!(!r.ok && r.output.contains("cycle"), "{}", r.output);
    let r = call(
        &tb,
        "submit_plan",
        json!({"tasks": [task("a", json!([])), task("b", json!(["a"]))]}),
    );
    assert!(matches!(r.effect, ToolEffect::Plan { ref tasks } if tasks.len() == 2));
    let tb = toolbox(dir.path(), Role::Reviewer, Arc::new(Allow));
    let r = call(
        &tb,
        "submit_review",
        json!({"verdict": "request_changes", "summary": "s", "comments": [{"path": "a.rs", "line": 3, "body": "off by one"}]}),
    );
    assert!(
        matches!(r.effect, ToolEffect::Review { verdict: Verdict::RequestChanges, ref comments, .. } if comments[0].line == 3)
    );
}

#[test]
fn outputs_are_capped_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let big: String = (0..3000).map(|i| format!("line {i} needle\n")).collect();
    std::fs::write(dir.path().join("big.txt"), &big).unwrap();
    for i in 0..600 {
        std::fs::write(dir.path().join(format!("f{i:03}.txt")), "").unwrap();
    }
    let tb = toolbox(dir.path(), Role::Implementer, Arc::new(Allow));
    assert!(call(&tb, "read_file", json!({"path": "big.txt"}))
        .output
        .contains("read on with start_line="));
    assert!(call(&tb, "search", json!({"pattern": "needle"}))
        .output
        .contains("2800 more matches not shown"));
    assert!(call(&tb, "list_files", json!({}))
        .output
        .contains("101 more files not listed"));
    assert_eq!(
        call(
            &tb,
            "read_file",
            json!({"path": "big.txt", "start_line": 2999})
        )
        .output,
        "2999: line 2998 needle\n3000: line 2999 needle\n"
    );
}

#[test]
fn every_role_has_its_tools_with_object_schemas() {
    let names = |r| tools_for(r).into_iter().map(|t| t.name).collect::<Vec<_>>();
    assert_eq!(
        names(Role::Strategist),
        ["submit_plan", "list_files", "read_file", "search"]
    );
    assert!(names(Role::Implementer).contains(&"finish"));
    assert!(names(Role::Reviewer).contains(&"submit_review"));
    assert_eq!(all_tools().len(), 9);
    for t in all_tools() {
        assert_eq!(t.schema["type"], "object", "{}", t.name);
    }
}
