//! MCP tools under the policy, in a real run over HTTP: the implementer is offered the tools
//! of the python3 MCP server in tests/it/support (started in its worktree) and calls `note`,
//! which appends a line to `mcp-notes.txt` there. At level 2 its `network` grade asks a
//! person, and what the person does is what happens:
//! - approved: the line is in the file that lands on `main`, and the tool's answer is in the
//!   implementer's next request;
//! - rejected: no file, and the next request tells the model it was rejected, and why;
//! - "always": a sticky rule for `mcp__notes__note`, which decides the next call itself;
//! - a server that does not exist: a note in the implementer's transcript, the run finishes.

use super::*;
use conclave::config::{McpServerConfig, ToolGrade};
use conclave::model::RuleEffect;

const NOTE: &str = "mcp__notes__note";

fn server(name: &str, command: &str) -> McpServerConfig {
    McpServerConfig {
        name: name.into(),
        command: command.into(),
        args: vec![concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/it/support/mcp_server.py"
        )
        .into()],
        env: vec![],
        roles: vec![Role::Implementer],
        tools: None,
        grade: ToolGrade::Network,
        timeout_s: 60,
    }
}

/// The implementer's turns: (a text its request holds, what it says, the tools it calls).
type Script<'a> = Vec<(&'a str, &'a str, Vec<(&'a str, Value)>)>;

/// The run of `setup` at level 2 with `servers`, the implementer's answers replaced by
/// `script` (when, text, calls).
async fn mcp_setup(servers: Vec<McpServerConfig>, script: Script<'_>) -> Setup {
    mcp_setup_on(ProviderKind::Anthropic, servers, script).await
}

/// `mcp_setup` with the implementer on a `kind` server.
async fn mcp_setup_on(
    kind: ProviderKind,
    servers: Vec<McpServerConfig>,
    script: Script<'_>,
) -> Setup {
    let mut s = setup(AutonomyLevel::SemiAutonomous).await;
    s.implementer = Harness::start(kind).await;
    s.config
        .providers
        .insert("impl".into(), s.implementer.profile());
    for (when, text, calls) in script {
        s.implementer.say(when, text, calls);
    }
    s.config.mcp = servers;
    s
}

fn note(text: &str) -> (&'static str, Value) {
    (NOTE, json!({"text": text}))
}

fn finish() -> (&'static str, Value) {
    ("finish", json!({"summary": "done"}))
}

fn bodies(h: &Harness) -> Vec<String> {
    h.server
        .requests()
        .iter()
        .map(|r| r.raw_body.clone())
        .collect()
}

/// The file the MCP server wrote, as `main` has it (None when it never landed).
fn landed_notes(s: &Setup) -> Option<String> {
    let repo = git2::Repository::open(&s.repo).unwrap();
    let tree = repo
        .find_branch("main", git2::BranchType::Local)
        .unwrap()
        .get()
        .peel_to_tree()
        .unwrap();
    let entry = tree.get_path(Path::new("mcp-notes.txt")).ok()?;
    let blob = entry.to_object(&repo).unwrap().peel_to_blob().unwrap();
    Some(String::from_utf8(blob.content().to_vec()).unwrap())
}

fn tool_approvals(events: &[Event]) -> Vec<(String, String, String)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ApprovalRequested {
                approval,
                subject,
                why,
                ..
            } if approval.starts_with("mcp-") => {
                Some((approval.clone(), subject.clone(), why.clone()))
            }
            _ => None,
        })
        .collect()
}

fn system_notes(events: &[Event], agent: &str) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Transcript {
                agent: a,
                part: TranscriptPart::System,
                text,
                ..
            } if a == agent => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// The implementer is on Gemini, whose test server refuses a tool schema outside the
/// documented subset: the server's `$schema` and `additionalProperties` must not get there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_mcp_call_runs_in_the_worktree_and_its_answer_reaches_the_model() {
    let s = mcp_setup_on(
        ProviderKind::Gemini,
        vec![server("notes", "python3")],
        vec![
            (
                "Your task t1:",
                "Noting it.",
                vec![note("hello from the model")],
            ),
            ("noted: hello from the model", "Done.", vec![finish()]),
        ],
    )
    .await;
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |_, a| {
        if a.id.starts_with("mcp-") {
            // The person sees the tool, its server and the arguments before deciding.
            assert!(
                a.subject.contains(&format!(
                    r#"tool `{NOTE}` of MCP server notes {{"text":"hello from the model"}}"#
                )),
                "{}",
                a.subject
            );
        }
        approve(a)
    })
    .await;
    finished(&end, &events);
    let asked = tool_approvals(&events);
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].2.contains("uses the network"), "{asked:?}");
    // The server wrote in the worktree, so its line landed with the task.
    assert_eq!(landed_notes(&s).as_deref(), Some("hello from the model\n"));
    let b = bodies(&s.implementer);
    assert!(b[0].contains(NOTE), "the tool is offered to the model");
    assert!(b[1].contains("noted: hello from the model"), "{}", b[1]);
    // The call and its result are events like any tool's.
    assert!(events.iter().any(|e| matches!(&e.kind,
        EventKind::ToolCall { tool, .. } if tool == NOTE)));
    assert!(
        events.iter().any(|e| matches!(&e.kind,
        EventKind::ToolResult { ok: true, output, .. } if output == "noted: hello from the model"))
    );
    let notes = system_notes(&events, "impl-1");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("MCP tools offered: mcp__notes__note")),
        "{notes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_mcp_call_never_reaches_the_server_and_the_model_is_told_why() {
    const REASON: &str = "no notes from tools today";
    let s = mcp_setup(
        vec![server("notes", "python3")],
        vec![
            (
                "Your task t1:",
                "Noting it.",
                vec![note("should not be written")],
            ),
            (
                REASON,
                "Editing instead.",
                vec![edit("line 2\n", "line two\n"), finish()],
            ),
        ],
    )
    .await;
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |_, a| {
        if a.id.starts_with("mcp-") {
            Act::Send(Command::Reject {
                approval: a.id.clone(),
                reason: REASON.into(),
            })
        } else {
            approve(a)
        }
    })
    .await;
    finished(&end, &events);
    assert_eq!(tool_approvals(&events).len(), 1);
    assert_eq!(landed_notes(&s), None, "the server was called");
    assert!(
        s.on_main().contains("line two\n"),
        "the task's own edit landed"
    );
    let b = bodies(&s.implementer);
    assert!(
        b[1].contains(&format!("tool call not made: rejected: {REASON}")),
        "{}",
        b[1]
    );
    assert!(events.iter().any(|e| matches!(&e.kind,
        EventKind::ToolResult { ok: false, output, .. } if output.contains(REASON))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn always_allowing_an_mcp_tool_is_a_rule_that_decides_its_next_call() {
    let s = mcp_setup(
        vec![server("notes", "python3")],
        vec![
            ("Your task t1:", "First note.", vec![note("one")]),
            ("noted: one", "Second note.", vec![note("two")]),
            ("noted: two", "Done.", vec![finish()]),
        ],
    )
    .await;
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |_, a| {
        if a.id.starts_with("mcp-") {
            assert_eq!(a.id, "mcp-t1-1-1", "only the first call asks a person");
            Act::Send(Command::Remember {
                approval: a.id.clone(),
                effect: RuleEffect::Allow,
            })
        } else {
            approve(a)
        }
    })
    .await;
    finished(&end, &events);
    let saved: Vec<Vec<String>> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RuleSaved { rule, .. } => Some(rule.prefix.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(saved, vec![vec![NOTE.to_string()]]);
    let second = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ApprovalDecided {
                approval,
                by,
                reason,
                ..
            } if approval == "mcp-t1-1-2" => Some((*by, reason.clone())),
            _ => None,
        })
        .expect("the second call was decided");
    assert_eq!(second.0, conclave::model::DecidedBy::Policy);
    assert!(
        second.1.contains(&format!("always allow `{NOTE}`")),
        "{second:?}"
    );
    assert_eq!(landed_notes(&s).as_deref(), Some("one\ntwo\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_does_not_exist_is_a_note_and_the_run_finishes() {
    let s = mcp_setup(
        vec![server("ghost", "/nonexistent/conclave-mcp-ghost")],
        vec![(
            "Your task t1:",
            "Editing.",
            vec![edit("line 2\n", "line two\n"), finish()],
        )],
    )
    .await;
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |_, a| approve(a)).await;
    finished(&end, &events);
    let notes = system_notes(&events, "impl-1");
    let note = notes
        .iter()
        .find(|n| n.contains("MCP server `ghost`"))
        .unwrap_or_else(|| panic!("no note about the server: {notes:#?}"));
    assert!(
        note.contains("`/nonexistent/conclave-mcp-ghost "),
        "names the command: {note}"
    );
    assert!(
        note.contains("did not start") && note.contains("No such file"),
        "{note}"
    );
    assert!(!bodies(&s.implementer)[0].contains("mcp__ghost"));
    assert!(s.on_main().contains("line two\n"));
}

/// A resumed run takes its `[[mcp]]` servers from the person's configuration now, not from
/// the log: an imported run's log must not be able to start a program here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_run_starts_the_servers_of_the_config_now_not_of_its_log() {
    let s = mcp_setup(
        vec![server("notes", "python3")],
        vec![(
            "Your task t1:",
            "Editing.",
            vec![edit("line 2\n", "line two\n"), finish()],
        )],
    )
    .await;
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let run = h.run;
    let (end, _) = drive(h, rx, |_, a| match a.what {
        ApprovalWhat::Plan => Act::Interrupt,
        _ => approve(a),
    })
    .await;
    assert_eq!(end, DriveEnd::Interrupted);
    let recorded = store.all_events(run).unwrap();
    assert!(
        recorded.iter().any(|e| matches!(&e.kind,
            EventKind::RunStarted { config: Some(c), .. } if c["mcp"][0]["name"] == "notes")),
        "the log names the server"
    );
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut opts = s.opts(Stand::Person, tx);
    opts.config.mcp.clear();
    let h = engine::resume(&store, run, opts).unwrap();
    let (end, events) = drive(h, rx, |_, a| approve(a)).await;
    finished(&end, &events);
    let b = bodies(&s.implementer);
    assert!(
        !b.is_empty() && !b[0].contains(NOTE),
        "offered from the log"
    );
    assert!(system_notes(&events, "impl-1")
        .iter()
        .all(|n| !n.contains("MCP")));
}
