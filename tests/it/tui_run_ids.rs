//! Run ids as a person reads and types them back: runs started close together share a long
//! prefix (`01M8W…` can match several), so every short id shown (status bar, quit and fork
//! dialogs, the home list) is as long as the store's runs need to tell it apart, and never
//! shorter than before.

use conclave::model::{unique_prefix_len, RunId, SHORT_LEN, TIGHT_LEN};
use conclave::store::Store;
use conclave::testkit::*;
use conclave::tui::home::{Home, HomeInput};
use conclave::tui::*;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// A run id sharing its first 12 characters with `id` (the 13th differs).
fn twin(id: RunId) -> RunId {
    let s = id.to_string();
    let next = if &s[12..13] == "Z" { "Y" } else { "Z" };
    format!("{}{next}{}", &s[..12], &s[13..]).parse().unwrap()
}

#[test]
fn the_store_counts_what_tells_its_runs_apart() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let a = RunId::new_at(1_790_000_000_000);
    let b = twin(a);
    for run in [a, b] {
        let mut w = store.create_run(run).unwrap();
        w.append_events(conclave::testkit::synthetic::realistic_run(run, 3, 7))
            .unwrap();
        w.flush().unwrap();
    }
    assert_eq!(store.unique_prefix_len(TIGHT_LEN), 13);
    assert_eq!(store.unique_prefix_len(SHORT_LEN), 13);
    for run in [a, b] {
        assert_eq!(store.resolve(&run.prefix(13)).unwrap(), run);
    }
    // What used to be shown matches both.
    assert!(store.resolve(&a.prefix(TIGHT_LEN)).is_err());
    assert!(store.resolve(&a.short()).is_err());
}

#[test]
fn the_status_bar_and_the_quit_question_show_a_prefix_that_finds_the_run() {
    let state = state_of(&live_run());
    let run = state.run.unwrap();
    let mut u = Ui::new(Theme::default(), Keymap::default());
    // Alone in its store, the run shows as before.
    let bar = screen_text(&u, &state, 160, 50);
    assert!(
        bar.contains(&format!("run {}…", run.prefix(TIGHT_LEN))),
        "{bar}"
    );
    u.view.run_id_len = unique_prefix_len([run, twin(run)], TIGHT_LEN);
    let long = run.prefix(13);
    let screen = screen_text(&u, &state, 160, 50);
    let bar = screen.lines().last().unwrap();
    assert!(bar.contains(&format!("run {long}…")), "{bar}");
    // Agents work: quitting asks, and names the resume that finds this run.
    u.handle_key(key("q"), &state);
    let screen = screen_text(&u, &state, 80, 24);
    assert!(screen.contains("Quit while agents work?"), "{screen}");
    assert!(
        screen.contains(&format!("`conclave resume {long}`")),
        "{screen}"
    );
}

#[test]
fn the_home_list_shows_ids_that_differ() {
    let state = state_of(&finished_run());
    let first = state.run.unwrap();
    let second = twin(first);
    let summary = |id: RunId, goal: &str| {
        let mut s = conclave::store::RunSummary::of(id, &state);
        s.goal = goal.into();
        s
    };
    let home = Home::new(HomeInput {
        runs: vec![summary(first, "the first"), summary(second, "the twin")],
        repo: None,
        label: "/tmp".into(),
        show_all: true,
        note: String::new(),
        selected: None,
    });
    let mut t = Terminal::new(TestBackend::new(120, 12)).unwrap();
    t.draw(|f| home.draw(f, &AppOptions::default())).unwrap();
    let screen = buffer_text(t.backend().buffer());
    for (id, goal) in [(first, "the first"), (second, "the twin")] {
        let line = screen
            .lines()
            .find(|l| l.contains(goal))
            .unwrap_or_else(|| panic!("no {goal} in:\n{screen}"));
        assert!(line.contains(&id.prefix(13)), "{line}");
    }
}
