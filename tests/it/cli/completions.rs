//! `conclave --version` names the commit; `conclave completions SHELL` prints a script the
//! shell accepts, without touching the data dir.

use crate::support::runs::{conclave, run_ok, text};
use std::process::Command;

#[test]
fn version_names_the_commit_it_was_built_from() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = conclave(dir.path());
    c.arg("--version");
    let out = text(&run_ok(c).stdout);
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let head = text(&head.stdout).trim().to_string();
    assert_eq!(
        out.trim(),
        format!("conclave {} ({head})", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bash_completion_is_accepted_by_bash_and_completes_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut c = conclave(dir.path());
    c.env("CONCLAVE_DATA_DIR", &data)
        .args(["completions", "bash"]);
    let script = dir.path().join("conclave.bash");
    std::fs::write(&script, run_ok(c).stdout).unwrap();
    assert!(!data.exists(), "completions created the data dir");
    // Source it, then ask the completion function what follows `conclave re`.
    let probe = format!(
        "source {}; COMP_WORDS=(conclave re); COMP_CWORD=1; COMP_LINE='conclave re'; \
         COMP_POINT=11; _conclave conclave re conclave; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let out = Command::new("bash").args(["-c", &probe]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let words: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    for w in ["replay", "resume"] {
        assert!(words.iter().any(|x| x == w), "{w} not offered: {words:?}");
    }
    assert!(
        !words.iter().any(|w| w == "run" || w == "rules"),
        "{words:?}"
    );
}

#[test]
fn every_shell_gets_a_script_and_an_unknown_one_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let mut c = conclave(dir.path());
        c.args(["completions", shell]);
        let out = text(&run_ok(c).stdout);
        assert!(out.contains("conclave"), "{shell}: {out}");
    }
    let out = conclave(dir.path())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("tcsh"), "{}", text(&out.stderr));
}
