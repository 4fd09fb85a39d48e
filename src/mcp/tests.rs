//! The client against a real server process: the python3 MCP server in tests/it/support.

use super::*;
use crate::config::McpServerConfig;
use std::path::PathBuf;
use std::time::Duration;

fn script() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/support/mcp_server.py"
    )
    .to_string()
}

fn entry(name: &str, extra: &[&str]) -> McpServerConfig {
    let mut args = vec![script()];
    args.extend(extra.iter().map(|s| s.to_string()));
    McpServerConfig {
        name: name.into(),
        command: "python3".into(),
        args,
        env: vec![],
        roles: vec![Role::Implementer],
        tools: None,
        grade: ToolGrade::Network,
        timeout_s: 30,
    }
}

async fn start(entries: &[McpServerConfig], cwd: &Path) -> (McpSession, Vec<String>) {
    McpSession::start(entries, Role::Implementer, cwd, &["OPENAI_API_KEY".into()]).await
}

fn names(s: &McpSession) -> Vec<String> {
    s.tools().map(|t| t.name.clone()).collect()
}

async fn until(what: &str, cond: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_lists_calls_and_hears_errors_in_the_protocols_order() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("methods.log");
    let (s, notes) = start(
        &[entry("notes", &["--log", log.to_str().unwrap()])],
        dir.path(),
    )
    .await;
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(
        names(&s),
        [
            "mcp__notes__note",
            "mcp__notes__fail",
            "mcp__notes__picture",
            "mcp__notes__env_names",
            "mcp__notes__slow"
        ]
    );
    let note = s.tool("mcp__notes__note").unwrap();
    assert_eq!(
        (note.server.as_str(), note.tool.as_str()),
        ("notes", "note")
    );
    assert_eq!(note.schema["required"], serde_json::json!(["text"]));
    assert!(note.schema.get("$schema").is_none());
    assert_eq!(
        s.tool("mcp__notes__picture").unwrap().schema["properties"],
        serde_json::json!({})
    );
    let cancel = CancellationToken::new();
    let out = s
        .call(
            "mcp__notes__note",
            &serde_json::json!({"text": "hello"}),
            &cancel,
        )
        .await
        .unwrap();
    assert_eq!(
        out,
        McpOutput {
            ok: true,
            text: "noted: hello".into()
        }
    );
    // The side effect is in the session's directory.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mcp-notes.txt")).unwrap(),
        "hello\n"
    );
    let out = s
        .call("mcp__notes__fail", &serde_json::Value::Null, &cancel)
        .await
        .unwrap();
    assert_eq!(
        out,
        McpOutput {
            ok: false,
            text: "the fail tool always fails".into()
        }
    );
    let out = s
        .call("mcp__notes__picture", &serde_json::json!({}), &cancel)
        .await
        .unwrap();
    assert!(out.ok);
    assert!(
        out.text.starts_with("a picture:\n[image image/png"),
        "{}",
        out.text
    );
    let e = s
        .call(
            "mcp__notes__note",
            &serde_json::json!(["not", "an object"]),
            &cancel,
        )
        .await
        .unwrap_err();
    assert!(e.contains("must be a JSON object"), "{e}");
    let methods = std::fs::read_to_string(&log).unwrap();
    let methods: Vec<&str> = methods.lines().collect();
    assert_eq!(
        methods[..3],
        ["initialize", "notifications/initialized", "tools/list"],
        "{methods:?}"
    );
    assert_eq!(methods.iter().filter(|m| **m == "tools/call").count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_gets_only_the_allow_listed_environment() {
    let dir = tempfile::tempdir().unwrap();
    // Cargo sets these for the test binary; only the named ones not withheld may pass.
    for v in ["CARGO_PKG_NAME", "CARGO_PKG_VERSION", "CARGO_MANIFEST_DIR"] {
        assert!(
            std::env::var_os(v).is_some(),
            "{v} is not set for this test"
        );
    }
    let mut e = entry("envs", &[]);
    e.env = vec!["CARGO_PKG_NAME".into(), "CARGO_PKG_VERSION".into()];
    let (s, notes) = McpSession::start(
        &[e],
        Role::Implementer,
        dir.path(),
        &["CARGO_PKG_VERSION".into()],
    )
    .await;
    assert!(notes.is_empty(), "{notes:?}");
    let out = s
        .call(
            "mcp__envs__env_names",
            &serde_json::json!({}),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    let lines: Vec<&str> = out.text.lines().collect();
    assert!(lines.contains(&"PATH"), "{lines:?}");
    assert!(lines.contains(&"CARGO_PKG_NAME"), "{lines:?}");
    assert!(!lines.contains(&"CARGO_MANIFEST_DIR"), "{lines:?}");
    assert!(!lines.contains(&"CARGO_PKG_VERSION"), "withheld: {lines:?}");
    let home = lines.last().unwrap().strip_prefix("HOME=").unwrap();
    let real = std::env::var("HOME").unwrap_or_default();
    assert!(
        !home.is_empty() && home != real,
        "HOME is a scratch dir: {home}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_allow_list_picks_tools_and_names_the_ones_missing() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = entry("notes", &[]);
    e.tools = Some(vec!["note".into(), "nope".into()]);
    let (s, notes) = start(&[e], dir.path()).await;
    assert_eq!(names(&s), ["mcp__notes__note"]);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("has no tool `nope`") && notes[0].contains("note, fail"),
        "{notes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_that_cannot_start_are_notes_and_the_others_still_work() {
    let dir = tempfile::tempdir().unwrap();
    let mut ghost = entry("ghost", &[]);
    ghost.command = "/nonexistent/conclave-mcp-ghost".into();
    ghost.args = vec!["--stdio".into()];
    let crash = entry("crash", &["--crash"]);
    let mut silent = entry("silent", &["--silent"]);
    silent.timeout_s = 1;
    let mut reviewer_only = entry("rev", &[]);
    reviewer_only.roles = vec![Role::Reviewer];
    let (s, notes) = start(
        &[ghost, crash, silent, reviewer_only, entry("notes", &[])],
        dir.path(),
    )
    .await;
    assert_eq!(names(&s).len(), 5, "only `notes` is up: {:?}", names(&s));
    assert!(names(&s).iter().all(|n| n.starts_with("mcp__notes__")));
    assert_eq!(notes.len(), 3, "{notes:#?}");
    let about = |server: &str| {
        notes
            .iter()
            .find(|n| n.starts_with(&format!("MCP server `{server}`")))
            .unwrap_or_else(|| panic!("no note about {server}: {notes:#?}"))
    };
    let g = about("ghost");
    assert!(
        g.contains("`/nonexistent/conclave-mcp-ghost --stdio`"),
        "{g}"
    );
    assert!(
        g.contains("did not start") && g.contains("No such file"),
        "{g}"
    );
    assert!(g.contains("not offered in this session"), "{g}");
    let c = about("crash");
    assert!(c.contains("did not initialize"), "{c}");
    assert!(
        c.contains("crashed on purpose"),
        "the server's stderr explains it: {c}"
    );
    let q = about("silent");
    assert!(q.contains("did not answer `initialize` within 1 s"), "{q}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_past_its_timeout_or_cancelled_ends_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = entry("notes", &[]);
    e.timeout_s = 1;
    let (s, _) = start(&[e], dir.path()).await;
    let slow = serde_json::json!({"seconds": 60});
    let err = s
        .call("mcp__notes__slow", &slow, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(err.contains("did not answer within 1 s"), "{err}");
    let cancel = CancellationToken::new();
    cancel.cancel();
    let err = s
        .call("mcp__notes__slow", &slow, &cancel)
        .await
        .unwrap_err();
    assert_eq!(err, "cancelled");
}

fn alive(pid: i32) -> bool {
    // Gone, or a zombie nobody reaped yet: either way it runs no more.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_server_outlives_its_session() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file: PathBuf = dir.path().join("pid");
    let (s, notes) = start(
        &[entry("notes", &["--pid-file", pid_file.to_str().unwrap()])],
        dir.path(),
    )
    .await;
    assert!(notes.is_empty(), "{notes:?}");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(alive(pid));
    drop(s);
    until("the server is gone", || !alive(pid)).await;
}
