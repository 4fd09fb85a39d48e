//! The integration tests, one binary (so the crate links once): a module per area, and the
//! shared test support (servers speaking each provider's wire, repos, tmux, runs).

// A test: a failed unwrap is a failed test (the product code denies unwrap).
#![allow(clippy::unwrap_used)]

mod support;

mod agent_loop;
mod cli;
mod command_control;
mod demo_headless;
mod doctor_ping;
mod engine_adaptation;
mod engine_control;
mod engine_detection;
mod engine_level_change;
mod engine_levels;
mod engine_person;
mod engine_plan_edit;
mod engine_resume;
mod engine_wires;
mod git_worktrees;
mod history_e2e;
mod history_fork;
mod history_replay;
mod learning_adaptation;
mod learning_detection;
mod learning_gate_output;
mod learning_lessons;
mod providers_fallback;
mod providers_faults;
mod providers_ping;
mod providers_scripted;
mod providers_secrets;
mod providers_sse;
mod providers_wire;
mod replay_player;
mod runner_sandbox;
mod store_crash;
mod tui_anomalies;
mod tui_config;
mod tui_e2e;
mod tui_home;
mod tui_keys;
mod tui_mouse;
mod tui_notices;
mod tui_plan_editor;
mod tui_render;
mod tui_replay;
mod tui_run_ids;
mod tui_snapshots;
mod tui_words;
