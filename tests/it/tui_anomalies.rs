//! The `⚠` badge of events that did not fit the run: counted in words, and a key away from the
//! list of them (`RunState.anomalies`), which closes as every list does.

use conclave::model::{DecidedBy, Decision, RunState};
use conclave::testkit::*;
use conclave::tui::*;

fn ui() -> Ui {
    Ui::new(Theme::default(), Keymap::default())
}

/// The live run with `n` (1 or 3) events that fit nothing in it.
fn with_anomalies(n: usize) -> RunState {
    let mut b = LogBuilder::from_events(live_run());
    b.gate("t9", "unittest", true, "");
    if n > 1 {
        b.decide("a99", Decision::Approved, "", DecidedBy::Person, None);
        b.status("t42", conclave::model::TaskStatus::Done);
    }
    let s = state_of(&b.events());
    assert_eq!(s.anomaly_count, n as u64, "{:?}", s.anomalies);
    s
}

fn status_bar(ui: &Ui, s: &RunState) -> String {
    let screen = screen_text(ui, s, 160, 50);
    screen.lines().last().unwrap_or_default().to_string()
}

#[test]
fn the_badge_counts_in_words_and_says_which_key_lists_them() {
    let u = ui();
    let one = status_bar(&u, &with_anomalies(1));
    assert!(
        one.contains("⚠ 1 anomaly ") && !one.contains("⚠ 1 anomalies"),
        "{one}"
    );
    assert!(one.contains("! anomalies"), "{one}");
    let three = status_bar(&u, &with_anomalies(3));
    assert!(three.contains("⚠ 3 anomalies"), "{three}");
    let none = status_bar(&u, &state_of(&live_run()));
    assert!(!none.contains('⚠') && !none.contains("anomal"), "{none}");
}

#[test]
fn the_key_opens_the_list_and_esc_closes_it() {
    let s = with_anomalies(3);
    let mut u = ui();
    assert_eq!(u.handle_key(key("!"), &s), Effect::None);
    assert_eq!(u.view.mode(), Mode::Help);
    // While the list is open, "a" does not approve.
    assert_eq!(u.handle_key(key("a"), &s), Effect::None);
    insta::assert_snapshot!("layer_anomalies_80x24", screen_text(&u, &s, 80, 24));
    u.handle_key(key("esc"), &s);
    assert!(u.view.layers.is_empty());
    // A finished run's anomalies are as readable, and so are a clean run's (none).
    let clean = state_of(&finished_run());
    let mut u = ui();
    u.handle_key(key("!"), &clean);
    let screen = screen_text(&u, &clean, 80, 24);
    assert!(
        screen.contains("None: every event of the run fitted."),
        "{screen}"
    );
}

#[test]
fn the_help_lists_the_key() {
    let s = with_anomalies(1);
    let mut u = ui();
    u.handle_key(key("?"), &s);
    let screen = screen_text(&u, &s, 160, 50);
    let line = screen
        .lines()
        .find(|l| l.contains("show_anomalies"))
        .unwrap_or_else(|| panic!("no show_anomalies in the help:\n{screen}"));
    assert!(line.contains(" ! "), "{line}");
}
