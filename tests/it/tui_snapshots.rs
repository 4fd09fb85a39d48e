//! Snapshots of the screen as a person would see it (text only; styles are checked in
//! `tui_render.rs`): every pane, the whole screen at each level and size, live and finished,
//! and the layers over it. Review changes with `cargo insta review`.

use conclave::model::{AutonomyLevel, RunState};
use conclave::testkit::*;
use conclave::tui::panes::Pane;
use conclave::tui::*;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

fn ui() -> Ui {
    Ui::new(Theme::default(), Keymap::default())
}

fn live() -> RunState {
    state_of(&live_run())
}

fn finished() -> RunState {
    state_of(&finished_run())
}

fn pane_text(pane: &dyn Pane, state: &RunState, view: &ViewState, w: u16, h: u16) -> String {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    pane.render(area, &mut buf, state, view, &Theme::default());
    buffer_text(&buf)
}

#[test]
fn whole_screen_at_every_level_size_and_phase() {
    for (phase, log) in [("live", live_run()), ("finished", finished_run())] {
        for level in AutonomyLevel::ALL {
            let state = state_of(&with_level(log.clone(), level));
            assert_eq!(state.anomaly_count, 0, "{:?}", state.anomalies);
            for (w, h) in [(80, 24), (160, 50)] {
                let name = format!("screen_{phase}_l{}_{w}x{h}", level.number());
                insta::assert_snapshot!(name, screen_text(&ui(), &state, w, h));
            }
        }
    }
}

#[test]
fn each_pane_live_and_finished() {
    let u = ui();
    let view = ViewState::default();
    for (phase, state) in [("live", live()), ("finished", finished())] {
        let p = u.panes();
        let panes: [(&str, &dyn Pane); 5] = [
            ("tasks", &p.tasks),
            ("transcript", &p.transcript),
            ("approvals", &p.approvals),
            ("diff", &p.diff),
            ("metrics", &p.metrics),
        ];
        for (name, pane) in panes {
            insta::assert_snapshot!(
                format!("pane_{name}_{phase}"),
                pane_text(pane, &state, &view, 72, 16)
            );
        }
    }
}

#[test]
fn empty_state_and_too_small() {
    let empty = RunState::default();
    insta::assert_snapshot!("screen_empty_80x24", screen_text(&ui(), &empty, 80, 24));
    insta::assert_snapshot!("screen_too_small", screen_text(&ui(), &live(), 50, 12));
}

#[test]
fn layers_over_the_screen() {
    let state = live();
    let mut u = ui();
    u.handle_key(key("r"), &state);
    type_text(&mut u, &state, "use our own limiter, no new deps");
    insta::assert_snapshot!("layer_reject_80x24", screen_text(&u, &state, 80, 24));

    let mut u = ui();
    u.handle_key(key("g"), &state);
    insta::assert_snapshot!("layer_add_goal_80x24", screen_text(&u, &state, 80, 24));

    let mut u = ui();
    u.handle_key(key("+"), &state);
    u.handle_key(key("+"), &state);
    let l3 = state_of(&with_level(live_run(), AutonomyLevel::Strategic));
    u.handle_key(key("+"), &l3);
    insta::assert_snapshot!("layer_confirm_l4_80x24", screen_text(&u, &l3, 80, 24));

    let mut u = ui();
    u.handle_key(key("q"), &state);
    insta::assert_snapshot!("layer_confirm_quit_80x24", screen_text(&u, &state, 80, 24));

    let mut u = ui();
    u.handle_key(key("?"), &state);
    insta::assert_snapshot!("layer_help_80x24", screen_text(&u, &state, 80, 24));
    insta::assert_snapshot!("layer_help_160x50", screen_text(&u, &state, 160, 50));

    // Editing the waiting plan: the whole plan as text, with the error of a bad edit.
    let planning = state_of(&plan_waiting());
    let mut u = ui();
    u.handle_key(key("E"), &planning);
    insta::assert_snapshot!(
        "layer_edit_plan_160x50",
        screen_text(&u, &planning, 160, 50)
    );
    u.handle_key(key("enter"), &planning);
    type_text(&mut u, &planning, "t6 test after t9 check it");
    u.handle_key(key("ctrl-s"), &planning);
    insta::assert_snapshot!(
        "layer_edit_plan_bad_80x24",
        screen_text(&u, &planning, 80, 24)
    );

    let mut u = ui();
    let problems = Keymap::from_text(
        std::path::Path::new("/home/ana/.config/conclave/keymaps/mine.toml"),
        "[global]\n\"a\" = \"aprove\"\n",
        None,
    )
    .problems;
    u.show_problems(&problems);
    insta::assert_snapshot!("layer_notice_80x24", screen_text(&u, &state, 80, 24));
}

#[test]
fn zoomed_diff_with_a_dropped_hunk_and_unfolded_calls() {
    let state = live();
    let mut u = ui();
    u.handle_key(key("4"), &state);
    u.handle_key(key("n"), &state);
    u.handle_key(key("space"), &state);
    u.handle_key(key("z"), &state);
    insta::assert_snapshot!("zoom_diff_dropped_80x24", screen_text(&u, &state, 80, 24));

    let mut u = ui();
    u.handle_key(key("2"), &state);
    u.handle_key(key("e"), &state);
    u.handle_key(key("z"), &state);
    insta::assert_snapshot!(
        "zoom_transcript_unfolded_80x24",
        screen_text(&u, &state, 80, 24)
    );

    let mut u = ui();
    u.handle_key(key("5"), &state);
    u.handle_key(key("z"), &state);
    insta::assert_snapshot!("zoom_metrics_160x50", screen_text(&u, &state, 160, 50));
}

#[test]
fn a_waiting_command_and_the_rules_list() {
    let state = state_of(&command_waiting());
    let mut u = ui();
    u.handle_key(key("3"), &state);
    insta::assert_snapshot!(
        "command_waiting_rule_prefix_80x24",
        screen_text(&u, &state, 80, 24)
    );
    insta::assert_snapshot!(
        "command_waiting_rule_prefix_160x50",
        screen_text(&u, &state, 160, 50)
    );
    u.handle_key(key("L"), &state);
    u.handle_key(key("j"), &state);
    insta::assert_snapshot!("layer_rules_80x24", screen_text(&u, &state, 80, 24));
    let mcp = state_of(&mcp_call_waiting());
    let mut u = ui();
    u.handle_key(key("3"), &mcp);
    u.handle_key(key("z"), &mcp);
    insta::assert_snapshot!(
        "mcp_call_waiting_zoomed_120x24",
        screen_text(&u, &mcp, 120, 24)
    );
    let none = state_of(&live_run());
    let mut u = ui();
    u.handle_key(key("L"), &none);
    insta::assert_snapshot!("layer_rules_empty_80x24", screen_text(&u, &none, 80, 24));
}

#[test]
fn a_failing_provider_is_explained_in_the_status_bar_transcript_and_metrics() {
    use conclave::model::{CircuitState, EventKind};
    let mut b = LogBuilder::from_events(live_run());
    let refused = "`claude` refused the key in ANTHROPIC_API_KEY (HTTP 401: invalid x-api-key) — check the key or point agent `impl-1` at another profile";
    b.push(EventKind::ProviderError {
        agent: "impl-1".into(),
        provider: "claude".into(),
        error: "HTTP 401 (authentication_error): invalid x-api-key".into(),
        attempt: 1,
        retry_in_ms: None,
        fallback: Some("local".into()),
        advice: Some(refused.into()),
    });
    b.push(EventKind::Circuit {
        provider: "claude".into(),
        state: CircuitState::Open,
        reason: refused.into(),
        cooldown_ms: Some(600_000),
    });
    b.push(EventKind::ProviderError {
        agent: "impl-1".into(),
        provider: "local".into(),
        error: "connection failed: Connection refused (os error 111)".into(),
        attempt: 3,
        retry_in_ms: None,
        fallback: None,
        advice: Some("cannot reach `local` at http://127.0.0.1:11434/v1: connection refused: is the server running? (start it, e.g. `ollama serve`, or fix base_url) (Connection refused (os error 111))".into()),
    });
    let state = state_of(&b.events());
    let screen = screen_text(&ui(), &state, 160, 50);
    let status = screen.lines().last().unwrap_or("");
    assert!(
        status.contains("✗ impl-1: cannot reach `local`"),
        "{status}"
    );
    insta::assert_snapshot!("screen_provider_problem_160x50", screen);
    let p = ui();
    let panes = p.panes();
    let metrics = pane_text(&panes.metrics, &state, &ViewState::default(), 120, 16);
    assert!(
        metrics.contains("circuit claude") && metrics.contains("open (opened 1×)"),
        "{metrics}"
    );
}
