//! The real binary in tmux: an approval that starts waiting rings the terminal bell once and
//! puts the count in the terminal's title (`conclave · 1 waiting`), the title follows the run
//! and is given back on exit; `[ui] bell = false` keeps the bell quiet (the title still counts).

use crate::support::tmux::{must, Tmux};
use std::path::Path;

/// The demo in tmux under a shell title of `shell`, started once `go` exists (so the test can
/// set tmux up first); `config` is the person's config.toml.
fn demo(name: &str, dir: &Path, config: &str) -> Tmux {
    let cfg = dir.join("cfg");
    std::fs::create_dir_all(cfg.join("conclave")).unwrap();
    std::fs::write(cfg.join("conclave").join("config.toml"), config).unwrap();
    let go = dir.join("go");
    let script = format!(
        "printf '\\033]2;shell\\007'; while [ ! -e {go} ]; do sleep 0.1; done; env CONCLAVE_DATA_DIR={data} XDG_CONFIG_HOME={cfg} {bin} demo --dir {repo}; echo EXITED; sleep 60",
        go = go.display(),
        data = dir.join("data").display(),
        cfg = cfg.display(),
        bin = env!("CARGO_BIN_EXE_conclave"),
        repo = dir.join("calc").display(),
    );
    let t = Tmux::start(name, &script, 120, 40);
    must(
        t.wait_format("#{pane_title}", |v| v == "shell", 30),
        "the shell's title",
    );
    t
}

fn bells(file: &Path) -> usize {
    std::fs::read_to_string(file).map_or(0, |s| s.lines().count())
}

/// Opens help and closes it: two more frames drawn, after everything before them.
fn redraw(t: &Tmux) {
    t.keys(&["?"]);
    must(
        t.wait_for("Show every key of the active keymap", 10),
        "the help overlay",
    );
    t.keys(&["Escape"]);
    must(
        t.wait_gone("Show every key of the active keymap", 10),
        "the help closed",
    );
}

#[test]
fn a_waiting_approval_rings_once_and_shows_in_the_title() {
    let dir = tempfile::tempdir().unwrap();
    let t = demo("notices", dir.path(), "");
    // Count every bell tmux hears from the pane.
    let rung = dir.path().join("bells");
    let hook = format!("run-shell 'echo rang >> {}'", rung.display());
    t.cmd(&["set-hook", "-g", "alert-bell", &hook]);
    std::fs::write(dir.path().join("go"), "").unwrap();
    must(t.wait_for("plan of 4 tasks", 30), "the plan waiting");
    must(
        t.wait_format("#{pane_title}", |v| v == "conclave · 1 waiting", 30),
        "the title counting the plan",
    );
    must(
        t.wait_format("#{window_bell_flag}", |v| v == "1", 30),
        "the bell",
    );
    let end = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while bells(&rung) == 0 && std::time::Instant::now() < end {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // More frames, the same approval: no more bells.
    redraw(&t);
    redraw(&t);
    assert_eq!(bells(&rung), 1, "one bell for one waiting approval");
    // Approved: nothing waits; the title names the run instead.
    t.keys(&["a"]);
    let title = must(
        t.wait_format("#{pane_title}", |v| !v.contains("waiting"), 30),
        "the title after the approval",
    );
    let screen = t.screen();
    let run = screen
        .lines()
        .last()
        .and_then(|l| l.split("run ").nth(1))
        .and_then(|r| r.split('…').next())
        .unwrap_or_default()
        .to_string();
    assert!(
        !run.is_empty() && title == format!("conclave · {run}"),
        "{title} / {screen}"
    );
    // Quit: the shell's own title comes back.
    t.quit();
    must(
        t.wait_format("#{pane_title}", |v| v == "shell", 30),
        "the shell's title back",
    );
}

#[test]
fn with_the_bell_off_nothing_rings_and_the_title_still_counts() {
    let dir = tempfile::tempdir().unwrap();
    let t = demo("notices-quiet", dir.path(), "[ui]\nbell = false\n");
    std::fs::write(dir.path().join("go"), "").unwrap();
    must(t.wait_for("plan of 4 tasks", 30), "the plan waiting");
    must(
        t.wait_format("#{pane_title}", |v| v == "conclave · 1 waiting", 30),
        "the title counting the plan",
    );
    // Frames drawn after the one that showed the plan: a bell would have come before them.
    redraw(&t);
    assert_eq!(t.format("#{window_bell_flag}"), "0", "the bell rang");
    t.quit();
}
