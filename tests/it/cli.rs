//! The command-line contract of design §2, through the real binary.

#[path = "cli/completions.rs"]
mod completions;
#[path = "cli/metrics.rs"]
mod metrics;
#[path = "cli/provider_errors.rs"]
mod provider_errors;

use crate::support::runs::{conclave, run_ok, text, write_run};

#[test]
fn help_lists_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = conclave(dir.path());
    c.arg("--help");
    let out = text(&run_ok(c).stdout);
    for cmd in [
        "run", "runs", "replay", "resume", "fork", "export", "import", "demo", "doctor", "rules",
    ] {
        assert!(
            out.lines()
                .any(|l| l.trim_start().starts_with(&format!("{cmd} "))),
            "{cmd} missing:\n{out}"
        );
    }
}

#[test]
fn runs_json_on_an_empty_store_is_an_empty_list() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = conclave(dir.path());
    c.args(["runs", "--json"]);
    assert_eq!(text(&run_ok(c).stdout).trim(), "[]");
}

#[test]
fn runs_lists_a_run_in_table_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let (run, _) = write_run(dir.path(), 300, 3);
    let mut c = conclave(dir.path());
    c.arg("runs");
    let table = text(&run_ok(c).stdout);
    assert!(table.contains(&run.to_string()[..12]), "{table}");
    assert!(table.contains("add rate limiting"), "{table}");
    let mut c = conclave(dir.path());
    c.args(["runs", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&run_ok(c).stdout).unwrap();
    assert_eq!(v[0]["id"], run.to_string());
    assert_eq!(v[0]["events"], 300);
    assert!(v[0]["kpis"].is_object());
}

#[test]
fn a_bad_config_exits_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let err =
        crate::support::runs::config_error(dir.path(), "bad.toml", "[run]\nlevel = \"seven\"\n");
    assert!(err.contains("bad.toml:2: run.level"), "{err}");
    // A repo's .conclave.toml is read too.
    std::fs::write(
        dir.path().join(".conclave.toml"),
        "[[gates]]\nname = \"t\"\ncommand = \"\"\n",
    )
    .unwrap();
    let out = conclave(dir.path()).args(["runs"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(".conclave.toml:3: gates[0].command"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn replay_of_an_unknown_run_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    write_run(dir.path(), 10, 1);
    let out = conclave(dir.path())
        .args(["replay", "01ZZZZ", "--headless"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no run matches `01ZZZZ`"));
}

#[test]
fn export_import_elsewhere_replays_identically() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (run, _) = write_run(a.path(), 5000, 9);
    let file = a.path().join("run.jsonl");
    run_ok({
        let mut c = conclave(a.path());
        c.args(["export", &run.to_string()[..10], "-o"]).arg(&file);
        c
    });
    let lines = std::fs::read_to_string(&file).unwrap();
    assert!(lines
        .lines()
        .next()
        .unwrap()
        .contains("\"format\":\"conclave-events\""));
    assert_eq!(lines.lines().count(), 5001);
    let out = run_ok({
        let mut c = conclave(b.path());
        c.arg("import").arg(&file);
        c
    });
    assert!(text(&out.stdout).contains(&format!("imported run {run} (5000 events)")));
    let replay = |d: &std::path::Path| {
        let mut c = conclave(d);
        c.args(["replay", &run.to_string(), "--headless"]);
        run_ok(c).stdout
    };
    let (ra, rb) = (replay(a.path()), replay(b.path()));
    assert_eq!(ra, rb);
    let state: serde_json::Value = serde_json::from_slice(&ra).unwrap();
    assert_eq!(state["next_seq"], 5000);
}

#[test]
fn a_bad_import_exits_2_names_the_line_and_leaves_the_store_alone() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (run, _) = write_run(a.path(), 50, 4);
    write_run(b.path(), 20, 5);
    let mut out = conclave(a.path());
    out.args(["export", &run.to_string()]);
    let good = text(&run_ok(out).stdout);
    let listing = |d: &std::path::Path| {
        let mut c = conclave(d);
        c.args(["runs", "--json"]);
        run_ok(c).stdout
    };
    let before = listing(b.path());
    let mut lines: Vec<&str> = good.lines().collect();
    lines[12] = "{\"run\": oops";
    let cases = [
        (lines.join("\n"), ":13: not a valid event"),
        (good[..good.len() / 2].to_string(), "run.jsonl:"),
        (
            good.replacen("\"version\":1", "\"version\":2", 1),
            ":1: export format version 2 is newer",
        ),
    ];
    for (content, want) in cases {
        let f = b.path().join("run.jsonl");
        std::fs::write(&f, content).unwrap();
        let out = conclave(b.path()).arg("import").arg(&f).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{want}");
        assert!(
            text(&out.stderr).contains(want),
            "{} should say {want}",
            text(&out.stderr)
        );
        assert_eq!(listing(b.path()), before);
    }
}

#[test]
fn run_refuses_what_it_cannot_do_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    // Not a git repository.
    let out = conclave(dir.path())
        .args(["run", "fix it", "--headless"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is not inside a git repository"),
        "{}",
        text(&out.stderr)
    );
    // No goal, a bad level, an unknown profile, no terminal for the TUI.
    let out = conclave(dir.path())
        .args(["run", "--headless"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("a goal is needed"));
    let out = conclave(dir.path())
        .args(["run", "--level", "9", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = conclave(dir.path())
        .args(["run", "x", "--headless", "--profile", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--profile nope: no such provider profile"));
    let out = conclave(dir.path()).args(["run", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("needs a terminal; add --headless"));
    let out = conclave(dir.path())
        .args(["resume", "01ZZZ", "--headless"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn verbose_logs_go_to_a_file_in_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let out = conclave(dir.path()).args(["-vv", "runs"]).output().unwrap();
    assert!(out.status.success());
    assert!(dir.path().join("logs/conclave.log").exists());
}

#[test]
fn a_damaged_run_is_named_costs_only_itself_and_doctor_repair_salvages_it() {
    let dir = tempfile::tempdir().unwrap();
    let (damaged, events) = write_run(dir.path(), 50, 1);
    let (whole, _) = write_run(dir.path(), 30, 2);
    // Damage the run database's configuration file in place, as a bad disk or a stray
    // write would.
    let conf = dir
        .path()
        .join("runs")
        .join(damaged.to_string())
        .join("db/conf");
    let mut bytes = std::fs::read(&conf).unwrap();
    for b in bytes.iter_mut().skip(3).take(7) {
        *b ^= 0x5a;
    }
    std::fs::write(&conf, bytes).unwrap();

    // Every other command goes on; the other run is untouched.
    let listed = {
        let mut c = conclave(dir.path());
        c.args(["runs", "--json"]);
        run_ok(c)
    };
    let rows: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    {
        let mut c = conclave(dir.path());
        c.args(["export", &whole.to_string()]);
        run_ok(c)
    };

    // The damaged one is named, with what to do, not in sled's words.
    let out = conclave(dir.path())
        .args(["export", &damaged.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("run {damaged}'s log at"))
            && err.contains("is damaged")
            && err.contains("conclave doctor --repair"),
        "{err}"
    );
    assert!(
        !err.contains("backtrace") && !err.contains("panicked"),
        "{err}"
    );
    let out = conclave(dir.path()).args(["doctor"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains(&format!("{damaged} is damaged")));

    // (doctor exits 1 here anyway: no provider keys are set in tests.)
    let out = conclave(dir.path())
        .args(["doctor", "--repair"])
        .output()
        .unwrap();
    let said = text(&out.stdout);
    assert!(
        said.contains(&format!("{damaged}: kept 50 events of the 50 it had")),
        "{said}"
    );
    let exported = {
        let mut c = conclave(dir.path());
        c.args(["export", &damaged.to_string()]);
        run_ok(c)
    };
    let lines: Vec<&str> = std::str::from_utf8(&exported.stdout)
        .unwrap()
        .lines()
        .collect();
    assert_eq!(lines.len(), events.len() + 1);
    let out = conclave(dir.path()).args(["doctor"]).output().unwrap();
    let said = text(&out.stdout);
    assert!(!said.contains("damaged"), "{said}");
    assert!(said.contains("(2 runs, 0 live now)"), "{said}");
}

#[path = "cli/service.rs"]
mod service;

#[test]
fn retry_is_only_for_a_failed_run_and_says_what_to_do_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let (run, _) = write_run(dir.path(), 40, 3);
    let out = conclave(dir.path())
        .args(["resume", &run.to_string(), "--retry", "--headless"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("has not failed") || err.contains("only a failed run can be retried"),
        "{err}"
    );
    // Nothing was appended.
    let store = conclave::store::Store::open(dir.path()).unwrap();
    assert_eq!(store.event_count(run).unwrap(), 40);
}

#[test]
fn demo_speed_must_be_a_positive_number() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0", "-2", "nan", "inf"] {
        let out = conclave(dir.path())
            .args(["demo", "--headless", &format!("--speed={bad}"), "--dir"])
            .arg(dir.path().join("calc"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "--speed {bad}");
        let err = text(&out.stderr).to_lowercase();
        assert!(err.contains(&format!("--speed {bad}")), "{err}");
        assert!(
            !dir.path().join("calc").exists(),
            "--speed {bad} made the repo"
        );
    }
}

/// Issue 17: a theme or keymap the config names that does not exist is said by doctor,
/// naming what there is, rather than ignored.
#[test]
fn doctor_names_a_theme_or_keymap_that_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("conclave.toml");
    std::fs::write(&cfg, "[ui]\ntheme = \"solarised\"\nkeymap = \"vim\"\n").unwrap();
    let out = conclave(dir.path())
        .arg("--config")
        .arg(&cfg)
        .arg("doctor")
        .output()
        .unwrap();
    let said = text(&out.stdout);
    let line = said
        .lines()
        .find(|l| l.contains("screen"))
        .unwrap_or_else(|| panic!("no screen line:\n{said}"));
    assert!(line.contains("FAIL"), "{said}");
    assert!(line.contains("no theme named `solarised`"), "{line}");
    assert!(
        line.contains("high-contrast"),
        "names the themes there are: {line}"
    );
    assert_eq!(out.status.code(), Some(1));
    // A name that exists is fine.
    std::fs::write(&cfg, "[ui]\ntheme = \"light\"\nkeymap = \"vim\"\n").unwrap();
    let out = conclave(dir.path())
        .arg("--config")
        .arg(&cfg)
        .arg("doctor")
        .output()
        .unwrap();
    let said = text(&out.stdout);
    assert!(
        said.lines()
            .any(|l| l.contains("ok") && l.contains("theme `light`, keymap `vim`")),
        "{said}"
    );
}
