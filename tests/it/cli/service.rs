//! The run service through the real binary and real sockets: what a script or a second
//! terminal sees of a run another process runs (issue 14).

use crate::support::runs::{conclave, text};
use crate::support::served::{demo, wait_exit, Client};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn is_event(m: &Value, kind: &str) -> bool {
    m["event"]["kind"] == kind
}

#[test]
fn attach_of_a_run_no_process_runs_exits_2_and_says_what_can_be_attached() {
    let dir = tempfile::tempdir().unwrap();
    let out = conclave(dir.path())
        .args(["attach", "01ZZZ"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("no live run matches `01ZZZ`") && err.contains("`conclave runs`"),
        "{err}"
    );
    // A killed process's socket is still on disk: nobody listens, so it is not live, and
    // it is cleared away.
    let run = "01JD7ZZZZZZZZZZZZZZZZZZZZZ";
    let sockets = dir.path().join("sockets");
    std::fs::create_dir_all(&sockets).unwrap();
    let stale = sockets.join(format!("{run}.sock"));
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    assert!(stale.exists());
    let out = conclave(dir.path())
        .args(["attach", "01JD7"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no live run matches `01JD7`"));
    assert!(!stale.exists(), "the stale socket was left");
}

/// Two watchers of one run: each gets the state then every later event, without a gap; bad
/// lines get an error and change nothing; both answer the plan, the first answer decides,
/// both see the one decision, and the log holds it once. The run goes on throughout.
#[test]
fn two_watchers_answer_one_approval_and_the_first_answer_wins() {
    let w = demo();
    let out = w.dir.path().join("headless.jsonl");
    let (mut owner, run) = w.start_waiting(&out);
    w.wait_served(&run);
    let socket = w.socket(&run);
    assert_eq!(mode(&w.data.join("sockets")), 0o700);
    assert_eq!(mode(&socket), 0o600);

    let mut a = Client::connect(&socket);
    a.send("hello?");
    assert!(a.next().unwrap()["error"].is_string());
    a.send(r#"{"command":"pause"}"#);
    let e = a.next().unwrap();
    assert!(e["error"].as_str().unwrap().contains("hello"), "{e}");
    a.send(r#"{"hello":{"want":"watch"}}"#);
    let state = a.next().unwrap()["state"].clone();
    assert_eq!(state["run"], run.as_str());
    let mut b = Client::connect(&socket);
    b.send(r#"{"hello":{"want":"watch"}}"#);
    let b_state = b.next().unwrap()["state"].clone();

    // The plan waits for a person: in the state already, or soon as an event.
    let pending_plan = |s: &Value| {
        s["approvals"].as_array().and_then(|v| {
            v.iter()
                .find(|x| x["what"] == "plan" && x["decision"].is_null())
                .map(|x| x["id"].as_str().unwrap().to_string())
        })
    };
    let mut a_events: Vec<Value> = Vec::new();
    let plan = match pending_plan(&state) {
        Some(p) => p,
        None => {
            let seen =
                a.until(|m| is_event(m, "ApprovalRequested") && m["event"]["what"] == "plan");
            a_events.extend(seen.iter().filter(|m| m.get("event").is_some()).cloned());
            a_events.last().unwrap()["event"]["approval"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };

    // Bad lines from a watcher: an error each, and nothing else happens.
    b.send(r#"{"command":{"approve":{}}}"#);
    b.send(&"x".repeat(3 << 20));
    b.send("\u{0}garbage");
    let mut errors = 0;
    let mut b_events = Vec::new();
    while errors < 3 {
        let m = b.next().expect("b's connection stays open");
        if m["error"].is_string() {
            errors += 1;
        } else {
            b_events.push(m);
        }
    }
    assert!(
        owner.try_wait().unwrap().is_none(),
        "bad lines stopped the run"
    );

    // Both answer; whoever's command reaches the engine first decides.
    a.send(&format!(
        r#"{{"command":{{"approve":{{"approval":"{plan}"}}}}}}"#
    ));
    b.send(&format!(
        r#"{{"command":{{"reject":{{"approval":"{plan}","reason":"second thoughts"}}}}}}"#
    ));
    let decided =
        |m: &Value| is_event(m, "ApprovalDecided") && m["event"]["approval"] == plan.as_str();
    a_events.extend(a.until(decided));
    b_events.extend(b.until(decided));
    let a_decision = a_events.last().unwrap()["event"]["decision"].clone();
    assert_eq!(b_events.last().unwrap()["event"]["decision"], a_decision);
    assert_eq!(a_events.last().unwrap()["event"]["by"], "person");

    // Each watcher's events continue its state exactly.
    for (from, events) in [(&state, &a_events), (&b_state, &b_events)] {
        let first = from["next_seq"].as_u64().unwrap();
        for (i, m) in events.iter().enumerate() {
            assert_eq!(m["event"]["seq"].as_u64(), Some(first + i as u64), "{m}");
        }
    }

    // The whole log so far, from the run's own process: the decision is in it once.
    let events = conclave::service::fetch_events(&w.data, run.parse().unwrap()).unwrap();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.seq, i as u64, "gap or duplicate");
    }
    let decisions = events
        .iter()
        .filter(|e| {
            matches!(&e.kind, conclave::model::EventKind::ApprovalDecided { approval, .. } if *approval == plan)
        })
        .count();
    assert_eq!(decisions, 1);
    // The same as a script asks for it.
    let mut c = Client::connect(&socket);
    c.send(r#"{"hello":{"want":"events"}}"#);
    let all = c.until(|m| m.get("end").is_some());
    let n = all.len() as u64 - 1;
    assert!(n >= events.len() as u64);
    assert_eq!(all.last().unwrap()["end"]["next_seq"].as_u64(), Some(n));
    assert!(
        c.next().is_none(),
        "the events connection stays open after its end"
    );

    if a_decision == "approved" {
        // (A rejected plan goes back to the strategist, whose recorded session has no second
        // plan: then the run may end by itself.)
        assert!(owner.try_wait().unwrap().is_none(), "the run stopped");
    }
    // SIGTERM stops it where it stands, resumable, and takes the socket away.
    let term = std::process::Command::new("kill")
        .args(["-TERM", &owner.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    assert_eq!(wait_exit(&mut owner, 60), Some(1));
    assert!(!socket.exists(), "the socket outlived its process");
    // A watcher gets what was left, then the connection closes (`next` would time out).
    while a.next().is_some() {}
}

#[test]
fn run_detach_prints_the_id_and_the_run_goes_on_in_the_background() {
    let w = demo();
    let out = w
        .conclave()
        .args(["run", "--detach", "--level", "1", conclave::demo::GOAL])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let run = text(&out.stdout).trim().to_string();
    assert_eq!(run.len(), 26, "{run}");
    let said = text(&out.stderr);
    assert!(
        said.contains(&format!("`conclave attach {}`", &run[..10])),
        "{said}"
    );
    // It is served the moment the id is printed, and waits for a person.
    let socket = w.socket(&run);
    let mut c = Client::connect(&socket);
    c.send(r#"{"hello":{"want":"watch"}}"#);
    let state = c.next().unwrap()["state"].clone();
    assert_eq!(state["status"], "running");
    let log = w.data.join("logs").join(format!("{run}.out"));
    let printed = std::fs::read_to_string(&log).unwrap();
    assert!(
        printed.lines().next().unwrap().contains("\"RunStarted\""),
        "{printed}"
    );
    // A command from here ends it: its process goes, and its socket with it.
    c.send(r#"{"command":"cancel_run"}"#);
    let end = c.until(|m| is_event(m, "RunFinished"));
    assert_eq!(end.last().unwrap()["event"]["status"], "cancelled");
    let deadline = Instant::now() + Duration::from_secs(60);
    while socket.exists() {
        assert!(Instant::now() < deadline, "the background run never ended");
        std::thread::sleep(Duration::from_millis(100));
    }
    let printed = std::fs::read_to_string(&log).unwrap();
    assert!(printed.contains("\"RunFinished\""), "{printed}");
}

#[test]
fn run_detach_that_cannot_start_says_why_with_the_childs_exit_code() {
    let w = demo();
    let mut c = w.conclave();
    c.args(["run", "--detach"]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("a goal is needed"),
        "{}",
        text(&out.stderr)
    );
    let mut c = w.conclave();
    c.args(["resume", "01ZZZ", "--detach"]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no run matches `01ZZZ`"),
        "{}",
        text(&out.stderr)
    );
}
