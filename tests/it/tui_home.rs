//! The home screen's runs browser: this repository's runs or every one's, and what each key
//! chooses (replay, resume, new run, export with a path, delete only after a yes).

use conclave::model::{ForkOrigin, RunId};
use conclave::store::RunSummary;
use conclave::testkit::{buffer_text, key};
use conclave::tui::home::{Home, HomeChoice, HomeInput};
use conclave::tui::AppOptions;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::PathBuf;

const T0: u64 = 1_790_000_000_000;

fn summary(n: u64, repo: &str, goal: &str, status: &str) -> RunSummary {
    RunSummary {
        id: RunId::new_at(T0 + n * 3_600_000),
        started_at_ms: T0 + n * 3_600_000,
        last_at_ms: T0 + n * 3_600_000 + 754_000,
        repo: repo.into(),
        goal: goal.into(),
        level: Some(2),
        status: status.into(),
        tasks_done: 3,
        tasks_total: 4,
        input_tokens: 52_000,
        output_tokens: 7_000,
        cost_usd: 0.19,
        unpriced: 0,
        events: 228,
        parent: None,
        kpis: Default::default(),
        merges: 4,
        conflicts: 1,
        live: false,
    }
}

/// The same runs (ids included) on every call.
fn runs() -> Vec<RunSummary> {
    static RUNS: std::sync::OnceLock<Vec<RunSummary>> = std::sync::OnceLock::new();
    RUNS.get_or_init(make_runs).clone()
}

fn make_runs() -> Vec<RunSummary> {
    let mut fork = summary(3, "/home/ana/shop", "add rate limiting", "running");
    let parent = summary(1, "/home/ana/shop", "add rate limiting", "finished");
    fork.parent = Some(ForkOrigin {
        run: parent.id,
        seq: 17,
    });
    // The blog's run used a model of no known price: its cost is unknown, not $0.00.
    let mut blog = summary(2, "/home/ana/blog", "fix the feed", "failed");
    blog.cost_usd = 0.0;
    blog.unpriced = 12;
    vec![parent, blog, fork]
}

fn home(show_all: bool) -> Home {
    Home::new(HomeInput {
        runs: runs(),
        repo: Some(PathBuf::from("/home/ana/shop")),
        label: "/home/ana/shop".into(),
        show_all,
        note: String::new(),
        selected: None,
    })
}

fn screen(h: &Home, opts: &AppOptions) -> String {
    screen_sized(h, opts, 110, 12)
}

fn screen_sized(h: &Home, opts: &AppOptions, w: u16, height: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, height)).unwrap();
    t.draw(|f| h.draw(f, opts)).unwrap();
    buffer_text(t.backend().buffer())
}

#[test]
fn lists_this_repos_runs_newest_first_or_every_repos() {
    let opts = AppOptions::default();
    let mut h = home(false);
    assert_eq!(h.shown().len(), 2);
    assert_eq!(h.shown()[0].id, runs()[2].id, "newest first");
    insta::assert_snapshot!("home_this_repo", screen(&h, &opts));
    // Selection follows the run across the switch.
    h.handle_key(key("j"), &opts);
    let picked = h.selected().unwrap().id;
    assert_eq!(h.handle_key(key("A"), &opts), None);
    assert!(h.show_all);
    assert_eq!(h.shown().len(), 3);
    assert_eq!(h.selected().unwrap().id, picked);
    insta::assert_snapshot!("home_every_repo", screen(&h, &opts));
}

#[test]
fn keys_choose_replay_resume_new_run_and_export() {
    let opts = AppOptions::default();
    let r = runs();
    let mut h = home(false);
    assert_eq!(
        h.handle_key(key("enter"), &opts),
        Some(HomeChoice::Replay(r[2].id))
    );
    assert_eq!(
        h.handle_key(key("R"), &opts),
        Some(HomeChoice::Resume(r[2].id)),
        "an unfinished run resumes"
    );
    h.handle_key(key("j"), &opts);
    assert_eq!(
        h.handle_key(key("R"), &opts),
        None,
        "a finished one does not"
    );
    assert!(screen(&h, &opts).contains("is finished: nothing to resume"));

    // Export asks where, with a file name ready.
    assert_eq!(h.handle_key(key("e"), &opts), None);
    let s = screen(&h, &opts);
    assert!(s.contains("Export run"), "{s}");
    assert!(
        s.contains(&format!("conclave-{}.jsonl", r[0].id.short())),
        "{s}"
    );
    assert_eq!(
        h.handle_key(key("enter"), &opts),
        Some(HomeChoice::Export {
            run: r[0].id,
            path: PathBuf::from(format!("conclave-{}.jsonl", r[0].id.short()))
        })
    );

    let mut h = home(false);
    h.handle_key(key("n"), &opts);
    assert_eq!(
        h.handle_key(key("enter"), &opts),
        None,
        "an empty goal starts nothing"
    );
    for c in "add a cache".chars() {
        h.handle_key(key(&c.to_string()), &opts);
    }
    assert_eq!(
        h.handle_key(key("enter"), &opts),
        Some(HomeChoice::NewRun("add a cache".into()))
    );
    assert_eq!(
        home(false).handle_key(key("q"), &opts),
        Some(HomeChoice::Quit)
    );
}

#[test]
fn delete_only_after_a_yes() {
    let opts = AppOptions::default();
    let r = runs();
    let mut h = home(false);
    assert_eq!(h.handle_key(key("D"), &opts), None);
    insta::assert_snapshot!("home_delete_question", screen(&h, &opts));
    // Keys other than yes/no do nothing while it asks; no closes it.
    assert_eq!(
        h.handle_key(key("enter"), &opts),
        Some(HomeChoice::Delete(r[2].id))
    );
    let mut h = home(false);
    h.handle_key(key("D"), &opts);
    assert_eq!(h.handle_key(key("x"), &opts), None);
    assert_eq!(h.handle_key(key("n"), &opts), None);
    assert_eq!(
        h.handle_key(key("enter"), &opts),
        Some(HomeChoice::Replay(r[2].id)),
        "the question is gone"
    );
}

#[test]
fn question_mark_lists_the_home_keys_and_the_footer_hints_every_choice() {
    let opts = AppOptions::default();
    let mut h = home(false);
    let s = screen(&h, &opts);
    let footer = s.lines().last().unwrap();
    for hint in [
        "enter replay",
        "R resume",
        "n new run",
        "e export",
        "D delete",
        "A every repo",
        "? help",
        "q quit",
    ] {
        assert!(
            footer.contains(hint),
            "{hint} missing from the footer: {footer}"
        );
    }
    // Narrow, the later hints give way but help and quit stay.
    let narrow = screen_sized(&h, &opts, 60, 12);
    let footer = narrow.lines().last().unwrap();
    assert!(footer.contains("? help · q quit"), "{footer}");
    assert!(footer.contains("enter replay"), "{footer}");

    assert_eq!(h.handle_key(key("?"), &opts), None);
    assert!(h.help_open());
    insta::assert_snapshot!("home_help", screen_sized(&h, &opts, 110, 24));
    // While it shows, keys choose nothing; `?` (or esc) closes it.
    assert_eq!(h.handle_key(key("enter"), &opts), None);
    assert_eq!(h.handle_key(key("?"), &opts), None);
    assert!(!h.help_open());
    h.handle_key(key("?"), &opts);
    h.handle_key(key("esc"), &opts);
    assert!(!h.help_open());
    assert_eq!(
        h.handle_key(key("enter"), &opts),
        Some(HomeChoice::Replay(runs()[2].id))
    );
}
