//! The repository's own instructions (AGENTS.md, `.conclave/prompts/`) in a real run: in the
//! bytes each role's requests carry and in what the person sees.

use super::*;

/// The repository's AGENTS.md goes into every role's system prompt (the bytes on the wire),
/// and the person sees it in the transcript's first turn; a repo prompt replaces a role's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_repos_agents_md_reaches_every_request_and_the_transcript() {
    let s = setup(AutonomyLevel::Full).await;
    let rules = "Run `make check` before you finish.\nNever touch vendor/.";
    std::fs::write(s.repo.join("AGENTS.md"), rules).unwrap();
    std::fs::create_dir_all(s.repo.join(".conclave/prompts")).unwrap();
    std::fs::write(
        s.repo.join(".conclave/prompts/strategist.md"),
        "You plan in one task at most. (repo prompt)",
    )
    .unwrap();
    let r = git2::Repository::open(&s.repo).unwrap();
    crate::support::repo::commit_all(&r, "agent instructions");
    let store = Store::open(&s.data).unwrap();
    let (h, rx) = s.start(&store);
    let (end, events) = drive(h, rx, |_, a| approve(a)).await;
    finished(&end, &events);
    // OpenAI puts the system prompt in a system message, Anthropic in `system`.
    let plan = &s.planner.server.requests()[0].body;
    let system = plan["messages"][0]["content"].as_str().unwrap_or_default();
    assert!(
        system.starts_with("You plan in one task at most. (repo prompt)"),
        "{system}"
    );
    assert!(
        system.contains("# Project instructions (AGENTS.md)") && system.contains(rules),
        "{system}"
    );
    for req in s.implementer.server.requests() {
        let system = req.body["system"].to_string();
        assert!(
            system.contains("Run `make check` before you finish."),
            "{system}"
        );
        assert!(
            !system.contains("(repo prompt)"),
            "the override is the strategist's only"
        );
    }
    let state = conclave::model::fold(&events);
    for agent in ["strategist", "impl-1"] {
        let first = state.transcripts[state.agent_index(agent).unwrap()]
            .iter()
            .find(|t| t.part == TranscriptPart::System)
            .map(|t| t.text.clone())
            .unwrap_or_default();
        assert!(
            first.contains("project instructions from AGENTS.md"),
            "{agent}: {first}"
        );
        assert!(first.contains("Never touch vendor/."), "{agent}: {first}");
    }
}
