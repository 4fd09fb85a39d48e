//! Config loading tests: every message names file, line and key.

use super::*;
use std::io::Write;

fn load_text(user: &str, repo: Option<&str>) -> Result<Loaded, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let user_file = dir.path().join("config.toml");
    std::fs::File::create(&user_file)
        .unwrap()
        .write_all(user.as_bytes())
        .unwrap();
    let repo_dir = dir.path().join("repo");
    std::fs::create_dir(&repo_dir).unwrap();
    if let Some(r) = repo {
        std::fs::write(repo_dir.join(".conclave.toml"), r).unwrap();
    }
    load(&ConfigSources {
        user_file: Some(user_file),
        user_file_required: true,
        repo: Some(repo_dir),
    })
}

fn err(user: &str) -> String {
    load_text(user, None).unwrap_err().to_string()
}

#[test]
fn defaults_load_and_are_complete() {
    let l = load_text("", None).unwrap();
    assert_eq!(l.config.run.level, AutonomyLevel::SemiAutonomous);
    assert_eq!(l.config.agents.len(), 4);
    assert!(l
        .config
        .secret_vars()
        .contains(&"OPENAI_API_KEY".to_string()));
}

#[test]
fn a_bad_level_names_run_level_and_its_line() {
    let e = err("[ui]\ntheme = \"light\"\n\n[run]\nlevel = \"seven\"\n");
    assert!(e.contains("config.toml:5: run.level:"), "{e}");
    assert!(e.contains("seven"), "{e}");
    let e = err("[run]\nlevel = 7\n");
    assert!(e.contains(":2: run.level:") && e.contains("1 to 5"), "{e}");
}

#[test]
fn typos_and_syntax_errors_say_where() {
    let e = err("[run]\nlevle = 3\n");
    assert!(e.contains("config.toml:2") && e.contains("levle"), "{e}");
    let e = err("[run\nlevel = 3\n");
    assert!(e.contains("config.toml:1: (syntax): not valid TOML"), "{e}");
    let e = err("[[agents]]\nname = \"x\"\nrole = \"boss\"\nprovider = \"gpt\"\n");
    assert!(
        e.contains(":3: agents[0].role:") && e.contains("boss"),
        "{e}"
    );
}

#[test]
fn references_are_checked_and_blame_the_right_file() {
    let e = load_text(
        "",
        Some("[[agents]]\nname = \"s\"\nrole = \"strategist\"\nprovider = \"gpt\"\n\n[[agents]]\nname = \"i\"\nrole = \"implementer\"\nprovider = \"claud\"\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains(".conclave.toml:9: agents[1].provider: no provider profile named `claud`"),
        "{e}"
    );
    let e = err("[providers.local]\nkind = \"openai-compatible\"\nmodel = \"qwen\"\n");
    assert!(
        e.contains("providers.local.base_url: an openai-compatible profile needs base_url"),
        "{e}"
    );
}

#[test]
fn repo_settings_merge_over_user_settings() {
    let l = load_text(
        "[run]\nlevel = 3\nmax_parallel = 5\n",
        Some("[run]\nlevel = 1\n\n[providers.gpt]\nmodel = \"gpt-4o-mini\"\n\n[[gates]]\nname = \"test\"\ncommand = \"cargo test\"\n"),
    )
    .unwrap();
    assert_eq!(l.config.run.level, AutonomyLevel::Assisted);
    assert_eq!(l.config.run.max_parallel, 5);
    assert_eq!(l.config.providers["gpt"].model, "gpt-4o-mini");
    assert_eq!(
        l.config.providers["gpt"].api_key_env.as_deref(),
        Some("OPENAI_API_KEY")
    );
    assert_eq!(l.config.gates[0].timeout_s, 600);
    assert_eq!(l.files.len(), 2);
}

#[test]
fn a_named_config_file_must_exist() {
    let e = load(&ConfigSources {
        user_file: Some("/nonexistent/conclave.toml".into()),
        user_file_required: true,
        repo: None,
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("/nonexistent/conclave.toml: (file): cannot read it"),
        "{e}"
    );
}

#[test]
fn the_sandbox_defaults_enforce_without_network() {
    let c = load_text("", None).unwrap().config;
    assert_eq!(c.sandbox, SandboxConfig::default());
    assert_eq!(c.sandbox.mode, SandboxMode::Enforce);
    assert!(!c.sandbox.network);
    assert!(c.sandbox.read.iter().any(|p| p == "~/.cargo"));
}

#[test]
fn sandbox_settings_load_and_expand_home() {
    let c = load_text(
        "[sandbox]\nmode = \"off\"\nread = [\"~/data\"]\nwrite = [\"/srv/cache\"]\nenv = [\"CARGO_HOME\"]\nnetwork = true\n",
        None,
    )
    .unwrap()
    .config;
    assert_eq!(c.sandbox.mode, SandboxMode::Off);
    assert!(c.sandbox.network);
    assert_eq!(c.sandbox.env, ["CARGO_HOME"]);
    let home = std::path::PathBuf::from(std::env::var("HOME").unwrap());
    assert_eq!(SandboxConfig::expand("~/data"), Some(home.join("data")));
    assert_eq!(
        SandboxConfig::expand("/srv/cache"),
        Some("/srv/cache".into())
    );
    assert_eq!(SandboxConfig::expand("relative/dir"), None);
}

#[test]
fn bad_sandbox_values_name_file_line_and_key() {
    let e = err("[sandbox]\nmode = \"sometimes\"\n");
    assert!(e.contains("config.toml:2: sandbox.mode:"), "{e}");
    assert!(e.contains("sometimes"), "{e}");
    let e = err("[sandbox]\nwrite = [\"cache\"]\n");
    assert!(e.contains("config.toml:2: sandbox.write[0]:"), "{e}");
    assert!(e.contains("~/path"), "{e}");
    let e = err("[sandbox]\nnetwork = \"yes\"\n");
    assert!(e.contains("config.toml:2: sandbox.network:"), "{e}");
}

#[test]
fn a_secret_named_in_sandbox_env_is_refused() {
    for name in ["AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "OPENAI_API_KEY"] {
        let e = err(&format!("[sandbox]\n\nenv = [\"LANG\", \"{name}\"]\n"));
        assert!(e.contains("config.toml:3: sandbox.env[1]:"), "{e}");
        assert!(e.contains("holds a secret"), "{e}");
    }
    // A variable the config names as secret, whatever its name.
    let e = err("secret_env = [\"MY_CORP_VAR\"]\n[sandbox]\nenv = [\"MY_CORP_VAR\"]\n");
    assert!(e.contains("sandbox.env[0]"), "{e}");
    let e = err("[sandbox]\nenv = [\"NOT-A-NAME\"]\n");
    assert!(e.contains("not a variable name"), "{e}");
}

#[test]
fn a_repository_cannot_set_its_own_sandbox() {
    let e = load_text(
        "",
        Some("[[gates]]\nname = \"t\"\ncommand = \"true\"\n\n[sandbox]\nmode = \"off\"\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains(".conclave.toml:5: sandbox:"), "{e}");
    assert!(e.contains("config.toml"), "{e}");
    // The user's own file may.
    let c = load_text("[sandbox]\nmode = \"off\"\n", Some(""))
        .unwrap()
        .config;
    assert_eq!(c.sandbox.mode, SandboxMode::Off);
}

#[test]
fn an_openai_responses_profile_loads_with_openai_defaults() {
    let l = load_text(
        "[providers.codex]\nkind = \"openai-responses\"\nmodel = \"gpt-5-codex\"\napi_key_env = \"OPENAI_API_KEY\"\n",
        None,
    )
    .unwrap();
    let s = l.config.providers["codex"].settings("codex");
    assert_eq!(s.kind, crate::providers::ProviderKind::OpenaiResponses);
    assert_eq!(s.effective_base_url().unwrap(), "https://api.openai.com/v1");
    let e = err("[providers.codex]\nkind = \"openai-responses\"\nmodel = \"gpt-5\"\n");
    assert!(
        e.contains("providers.codex.api_key_env: an openai-responses profile needs api_key_env"),
        "{e}"
    );
}

const MCP_OK: &str = "[[mcp]]\nname = \"notes\"\ncommand = \"python3\"\nargs = [\"server.py\"]\n";

#[test]
fn an_mcp_server_loads_with_its_defaults() {
    let c = load_text(MCP_OK, None).unwrap().config;
    assert_eq!(c.mcp.len(), 1);
    let s = &c.mcp[0];
    assert_eq!((s.name.as_str(), s.command.as_str()), ("notes", "python3"));
    assert_eq!(s.args, ["server.py"]);
    assert_eq!(s.roles, [crate::model::Role::Implementer]);
    assert_eq!(s.grade, ToolGrade::Network);
    assert_eq!((s.timeout_s, s.tools.clone()), (60, None));
    assert!(s.env.is_empty());
    let c = load_text(
        &format!("{MCP_OK}roles = [\"reviewer\", \"implementer\"]\ntools = [\"note\"]\ngrade = \"read-only\"\ntimeout_s = 5\nenv = [\"GITHUB_TOKEN\"]\n"),
        None,
    )
    .unwrap()
    .config;
    assert_eq!(c.mcp[0].grade, ToolGrade::ReadOnly);
    assert_eq!(c.mcp[0].tools.as_deref(), Some(&["note".to_string()][..]));
    assert!(c.mcp[0].offered_to(crate::model::Role::Reviewer));
    assert!(!c.mcp[0].offered_to(crate::model::Role::Strategist));
}

#[test]
fn bad_mcp_entries_name_file_line_and_key() {
    let e = err(&format!("{MCP_OK}colour = \"red\"\n"));
    assert!(
        e.contains("config.toml:5: mcp[0]") && e.contains("colour"),
        "{e}"
    );
    let e = err(&format!("{MCP_OK}grade = \"harmless\"\n"));
    assert!(e.contains("config.toml:5: mcp[0].grade:"), "{e}");
    assert!(e.contains("harmless") && e.contains("read-only"), "{e}");
    let e = err(&format!(
        "{MCP_OK}\n[[mcp]]\nname = \"notes\"\ncommand = \"other\"\n"
    ));
    assert!(e.contains("config.toml:7: mcp[1].name:"), "{e}");
    assert!(e.contains("two [[mcp]] servers are named `notes`"), "{e}");
    let e = err("[[mcp]]\nname = \"My Notes\"\ncommand = \"x\"\n");
    assert!(
        e.contains("config.toml:2: mcp[0].name:") && e.contains("lowercase"),
        "{e}"
    );
    let e = err("[[mcp]]\nname = \"x\"\n");
    assert!(e.contains("mcp[0]") && e.contains("command"), "{e}");
    let e = err(&format!("{MCP_OK}env = [\"PATH\", \"OPENAI_API_KEY\"]\n"));
    assert!(
        e.contains("config.toml:5: mcp[0].env[1]:") && e.contains("provider's key"),
        "{e}"
    );
    let e = err(&format!("{MCP_OK}env = [\"HOME\"]\n"));
    assert!(
        e.contains("mcp[0].env[0]") && e.contains("scratch dir"),
        "{e}"
    );
    let e = err(&format!("{MCP_OK}roles = [\"boss\"]\n"));
    assert!(
        e.contains("config.toml:5: mcp[0].roles") && e.contains("boss"),
        "{e}"
    );
    let e = err(&format!("{MCP_OK}timeout_s = 0\n"));
    assert!(e.contains("config.toml:5: mcp[0].timeout_s:"), "{e}");
}

#[test]
fn a_repository_cannot_name_mcp_servers() {
    let e = load_text(
        "",
        Some("[[gates]]\nname = \"t\"\ncommand = \"true\"\n\n[[mcp]]\nname = \"x\"\ncommand = \"sh\"\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains(".conclave.toml:5: mcp:"), "{e}");
    assert!(e.contains("config.toml"), "{e}");
    // The same entry in the user's own file is fine.
    let c = load_text("[[mcp]]\nname = \"x\"\ncommand = \"sh\"\n", Some("")).unwrap();
    assert_eq!(c.config.mcp.len(), 1);
}

#[test]
fn bell_and_title_are_on_unless_turned_off_and_a_bad_value_says_where() {
    let ui = load_text("", None).unwrap().config.ui;
    assert!(ui.bell && ui.title);
    let ui = load_text("[ui]\nbell = false\n", None).unwrap().config.ui;
    assert!(!ui.bell && ui.title);
    let e = err("[ui]\ntheme = \"light\"\ntitle = \"no\"\n");
    assert!(e.contains("config.toml:3: ui.title:"), "{e}");
    assert!(e.contains("boolean"), "{e}");
    let e = err("[ui]\nbel = true\n");
    assert!(e.contains("config.toml:2") && e.contains("bel"), "{e}");
}
