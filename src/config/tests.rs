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
