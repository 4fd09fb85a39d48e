//! Every bypass of issue 13 through `conclave run`/`conclave fork --headless`, at level 4 and
//! level 2 with a stand-in that rejects and at level 4 with one that approves.

use super::*;
use conclave::engine::rules;
use conclave::model::RuleEffect;
use conclave::providers::ProviderKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bypasses_are_refused_or_asked_at_level_4_and_level_2() {
    let h = Harness::start(ProviderKind::Openai).await;
    let w = world(&h);
    let before = refs(&w.repo);
    let abs = w.absolute.display().to_string();

    // Level 4, a stand-in that rejects: what level 4 used to let through.
    let l4: Vec<String> = vec![
        "echo pwned > ../../outside".into(),
        "cp notes.txt ../../outside".into(),
        format!("touch {abs}"),
        "git update-ref refs/heads/agent-made HEAD".into(),
        "git -C . push origin HEAD".into(),
        "cd \"$HOME\" && touch stolen".into(),
    ];
    plan(&h);
    implementer_tries(&h, &l4);
    let (code, events, err) = binary(
        &w,
        [
            "run",
            "write notes",
            "--level",
            "4",
            "--headless",
            "--on-approval",
            "reject",
        ]
        .map(String::from)
        .to_vec(),
    )
    .await;
    assert!(!events.is_empty(), "exit {code:?}: {err}");
    let run = events[0].run.to_string();
    let all = command_decisions(&events);
    for c in &l4 {
        let (_, decision, by, reason) = decided(&all, c);
        assert_eq!(
            (decision, by),
            (&Decision::Rejected, &DecidedBy::Person),
            "{c}: {reason}"
        );
    }
    assert_eq!(std::fs::read_to_string(&w.outside).unwrap(), ORIGINAL);
    assert!(!w.absolute.exists());
    assert!(!w.data.join("home/stolen").exists());
    assert_eq!(foreign_refs(&w.repo, &before), Vec::<String>::new());
    // The agent was told, and the outside file's content never reached the model.
    let asked: String = h
        .server
        .requests()
        .iter()
        .map(|r| r.body.to_string())
        .collect();
    assert!(asked.contains("rejected"), "the agent never heard");

    // Level 2 (a fork of that run right after its plan was approved), the stand-in rejects,
    // and the person's sticky rules are in force: `touch` always, `wc` never.
    let store = Store::open(&w.data).unwrap();
    let memory = store.memory().unwrap();
    let key = rules::repo_key(&w.repo);
    let allow = rules::save(&memory, &key, vec!["touch".into()], RuleEffect::Allow, 1).unwrap();
    let never = rules::save(&memory, &key, vec!["wc".into()], RuleEffect::Deny, 2).unwrap();
    drop(memory);
    drop(store);
    let l2: Vec<String> = vec![
        "cat ../../outside".into(),
        "echo $(touch X)".into(),
        "find . -fprint F".into(),
        "sort -o F2 a.txt".into(),
        "ls\nrm -rf src".into(),
        "git -C . push".into(),
        "cd \"$HOME\"".into(),
        "touch made-by-rule.txt".into(),
        "wc -l a.txt".into(),
    ];
    let sent_before = h.server.requests().len();
    implementer_tries(&h, &l2);
    let at = plan_decided_seq(&w.data, &run);
    let (events, all) =
        fork_decisions(&w, &run, at, &["--level", "2", "--on-approval", "reject"]).await;
    for c in &l2[..7] {
        let (_, decision, by, reason) = decided(&all, c);
        assert_eq!(
            (decision, by),
            (&Decision::Rejected, &DecidedBy::Person),
            "{c}: {reason}"
        );
    }
    let (_, d, by, reason) = decided(&all, "touch made-by-rule.txt");
    assert_eq!((d, by), (&Decision::Approved, &DecidedBy::Policy));
    assert_eq!(reason, &allow.describe());
    let (_, d, by, reason) = decided(&all, "wc -l a.txt");
    assert_eq!((d, by), (&Decision::Rejected, &DecidedBy::Policy));
    assert_eq!(reason, &never.describe());
    assert!(events.iter().any(|e| matches!(&e.kind,
        EventKind::RulesInForce { rules } if rules.len() == 2)));
    // Outcomes: the diff the task proposes (its worktree as committed) holds the note and
    // the rule's file, nothing the rejected commands would have made, and `src` untouched;
    // the file outside is unchanged and its content never reached the model.
    let diffs: Vec<(String, conclave::model::FileChange)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::DiffProposed { files, .. } => Some(files.clone()),
            _ => None,
        })
        .flatten()
        .map(|f| (f.path, f.change))
        .collect();
    let paths: Vec<&str> = diffs.iter().map(|(p, _)| p.as_str()).collect();
    assert!(paths.contains(&"notes.txt"), "{diffs:?}");
    assert!(
        paths.contains(&"made-by-rule.txt"),
        "the rule's command did not run: {diffs:?}"
    );
    for made in ["X", "F", "F2"] {
        assert!(!paths.contains(&made), "{made} was made: {diffs:?}");
    }
    assert!(!paths.iter().any(|p| p.starts_with("src/")), "{diffs:?}");
    assert_eq!(std::fs::read_to_string(&w.outside).unwrap(), ORIGINAL);
    let asked: String = h.server.requests()[sent_before..]
        .iter()
        .map(|r| r.body.to_string())
        .collect();
    assert!(!asked.contains("outside every worktree"));
    assert_eq!(foreign_refs(&w.repo, &before), Vec::<String>::new());

    // Level 4 with a stand-in that approves: the deny-listed rows are still refused.
    let denied: Vec<String> = vec![
        "echo pwned > ../../outside".into(),
        "git update-ref refs/heads/agent-made HEAD".into(),
        "git -C . push origin HEAD".into(),
        "cat ../../outside".into(),
    ];
    let sent_before = h.server.requests().len();
    implementer_tries(&h, &denied);
    let (_, all) = fork_decisions(&w, &run, at, &["--on-approval", "approve"]).await;
    for c in &denied {
        let (_, decision, by, reason) = decided(&all, c);
        assert_eq!(
            (decision, by),
            (&Decision::Rejected, &DecidedBy::Person),
            "{c}: {reason}"
        );
        assert!(reason.contains("deny-listed"), "{c}: {reason}");
    }
    assert_eq!(std::fs::read_to_string(&w.outside).unwrap(), ORIGINAL);
    assert_eq!(foreign_refs(&w.repo, &before), Vec::<String>::new());
    let asked: String = h.server.requests()[sent_before..]
        .iter()
        .map(|r| r.body.to_string())
        .collect();
    assert!(!asked.contains("outside every worktree"));
}

/// Forks `run` after its event `at` through the binary, headless with `args`: the events
/// the fork made on its own (after `at`), and the command decisions among them.
async fn fork_decisions(
    w: &World,
    run: &str,
    at: u64,
    args: &[&str],
) -> (Vec<Event>, Vec<(String, Decision, DecidedBy, String)>) {
    let mut argv: Vec<String> = vec![
        "fork".into(),
        run.to_string(),
        "--at".into(),
        at.to_string(),
        "--headless".into(),
    ];
    argv.extend(args.iter().map(|a| a.to_string()));
    let (code, events, err) = binary(w, argv).await;
    assert!(!events.is_empty(), "exit {code:?}: {err}");
    let fork = events.last().unwrap().run;
    let own: Vec<Event> = events
        .into_iter()
        .filter(|e| e.run == fork && e.seq > at)
        .collect();
    let decisions = command_decisions(&own);
    (own, decisions)
}
