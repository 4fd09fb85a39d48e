//! `conclave doctor --ping` through the real binary against a test server on 127.0.0.1 that
//! answers the first request with 429 (then 529 for a second profile) and the retry normally.

use crate::support::harness::Harness;
use crate::support::provider_server::Reply;
use crate::support::runs::{conclave, text};
use crate::support::wire_scripts::Answer;
use crate::support::{KEY, KEY_ENV};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_survives_a_first_429_and_529_and_never_prints_the_key() {
    let openai = Harness::start(conclave::providers::ProviderKind::Openai).await;
    let anthropic = Harness::start(conclave::providers::ProviderKind::Anthropic).await;
    openai.server.push(
        Reply::status(
            429,
            openai.error_body(429, "rate_limit_exceeded", "slow down"),
        )
        .with_header("retry-after", "0"),
    );
    openai.push_answer(&Answer {
        text: vec!["pong".into()],
        usage: Some((5, 1, 0)),
        ..Answer::default()
    });
    anthropic.server.push(Reply::status(
        529,
        anthropic.error_body(529, "overloaded_error", "Overloaded"),
    ));
    anthropic.push_answer(&Answer {
        text: vec!["pong".into()],
        usage: Some((6, 2, 0)),
        ..Answer::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[providers.gpt]\nbase_url = \"{}\"\napi_key_env = \"{KEY_ENV}\"\n\n\
             [providers.claude]\nbase_url = \"{}\"\napi_key_env = \"{KEY_ENV}\"\n\n\
             [providers.gemini]\nbase_url = \"http://127.0.0.1:1\"\napi_key_env = \"{KEY_ENV}\"\n\n\
             [providers.spare]\nkind = \"openai\"\nmodel = \"gpt-4o\"\nbase_url = \"http://127.0.0.1:1\"\n\
             api_key_env = \"{KEY_ENV}\"\n",
            openai.server.base_url(),
            anthropic.server.base_url()
        ),
    )
    .unwrap();
    let mut cmd = conclave(dir.path());
    cmd.env(KEY_ENV, KEY)
        .arg("--config")
        .arg(&cfg)
        .args(["doctor", "--ping"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stdout = text(&out.stdout);
    let line = |p: &str| {
        stdout
            .lines()
            .find(|l| l.contains("ping") && l.contains(&format!(" {p} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("gpt").starts_with("  ok    ping"), "{stdout}");
    assert!(
        line("gpt").contains("5 in / 1 out") && line("gpt").contains("after 1 failed attempt"),
        "{stdout}"
    );
    assert!(line("gpt").contains("429"), "{stdout}");
    assert!(
        line("claude").starts_with("  ok    ping") && line("claude").contains("529"),
        "{stdout}"
    );
    // The third profile is unreachable: reported in words, and the exit code says so.
    assert!(line("gemini").starts_with("  FAIL  ping"), "{stdout}");
    assert!(
        line("gemini").contains("connection refused: is the server running"),
        "{stdout}"
    );
    // A profile no agent uses is checked but cannot fail a run: a note.
    assert!(line("spare").starts_with("  note  ping"), "{stdout}");
    assert!(
        line("spare").contains("no agent uses this profile"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(1));
    for output in [&stdout, &text(&out.stderr)] {
        assert!(!output.contains(KEY), "the key leaked: {output}");
    }
    let log = std::fs::read_to_string(dir.path().join("logs/conclave.log")).unwrap_or_default();
    assert!(!log.contains(KEY));
}

/// `doctor --ping` also starts each `[[mcp]]` server, lists its tools and stops it; one that
/// cannot start is named with its command and the error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_starts_each_mcp_server_and_lists_its_tools() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    crate::support::repo::repo_with(&repo, &[("README.md", b"hi\n")]);
    let server = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/support/mcp_server.py"
    );
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[mcp]]\nname = \"notes\"\ncommand = \"python3\"\nargs = [\"{server}\"]\n\n\
             [[mcp]]\nname = \"gone\"\ncommand = \"conclave-test-no-such-server\"\n"
        ),
    )
    .unwrap();
    let mut cmd = conclave(dir.path());
    cmd.env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("GEMINI_API_KEY")
        .arg("--config")
        .arg(&cfg)
        .arg("--repo")
        .arg(&repo)
        .args(["doctor", "--ping"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stdout = text(&out.stdout);
    let line = |name: &str| {
        stdout
            .lines()
            .find(|l| l.contains(" mcp ") && l.contains(&format!(" {name}: ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("notes").starts_with("  ok    mcp"), "{stdout}");
    assert!(line("notes").contains("mcp__notes__note"), "{stdout}");
    assert!(line("gone").starts_with("  FAIL  mcp"), "{stdout}");
    assert!(
        line("gone").contains("conclave-test-no-such-server"),
        "{stdout}"
    );
}
