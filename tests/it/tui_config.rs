//! Themes and keymaps as data: every shipped file loads cleanly, user files merge over the
//! defaults, and each kind of bad file is reported with its path, line, column and an exact
//! message, while the default is used.

use conclave::tui::keymap::{parse_keymap_file, BUILTIN_KEYMAPS};
use conclave::tui::theme::{BUILTIN_THEMES, STYLE_KEYS};
use conclave::tui::*;
use ratatui::style::{Color, Modifier};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn theme_problems(text: &str) -> Vec<String> {
    let l = Theme::from_text(Path::new("/cfg/themes/bad.toml"), text, None);
    if !l.problems.is_empty() {
        assert_eq!(
            l.value,
            Theme::default(),
            "a bad theme falls back to the default"
        );
    }
    l.problems.iter().map(|p| p.to_string()).collect()
}

fn keymap_problems(text: &str) -> Vec<String> {
    let l = Keymap::from_text(Path::new("/cfg/keymaps/bad.toml"), text, None);
    if !l.problems.is_empty() {
        assert_eq!(
            l.value,
            Keymap::default(),
            "a bad keymap falls back to the default"
        );
    }
    l.problems.iter().map(|p| p.to_string()).collect()
}

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn every_shipped_theme_loads_and_colours_every_key() {
    for (name, _) in BUILTIN_THEMES {
        let l = Theme::load(name, None);
        assert!(l.problems.is_empty(), "{name}: {:?}", l.problems);
        assert_eq!(l.value.name, *name);
        for (key, _) in STYLE_KEYS {
            let s = l.value.style(key);
            assert!(
                s.fg.is_some() || s.bg.is_some() || !s.add_modifier.is_empty(),
                "{name}: `{key}` has no style at all"
            );
        }
    }
    let light = Theme::load("light", None).value;
    assert_eq!(light.syntax.as_deref(), Some("InspiredGitHub"));
    assert_eq!(
        light.style("ui.background").bg,
        Some(Color::Rgb(0xfa, 0xfa, 0xfa))
    );
    let hc = Theme::load("high-contrast", None).value;
    assert_eq!(hc.syntax, None);
    assert!(hc.style("diff.plus").add_modifier.contains(Modifier::BOLD));
}

#[test]
fn every_shipped_keymap_loads_with_no_key_bound_twice() {
    for (name, text) in BUILTIN_KEYMAPS {
        // Checked file by file: a key bound twice in one mode of one file is a problem.
        let parsed = parse_keymap_file(Path::new(name), text);
        assert!(parsed.is_ok(), "{name}: {:?}", parsed.err());
        let l = Keymap::load(name, None);
        assert!(l.problems.is_empty(), "{name}: {:?}", l.problems);
        // Every action a person needs is reachable in every shipped keymap.
        for a in [
            Action::Approve,
            Action::Reject,
            Action::LevelUp,
            Action::LevelDown,
            Action::Help,
            Action::Quit,
        ] {
            assert!(
                l.value.hint_key(Mode::Global, a).is_some(),
                "{name}: no key for {}",
                a.name()
            );
        }
        for (mode, a) in [
            (Mode::Dialog, Action::Submit),
            (Mode::Dialog, Action::Cancel),
            (Mode::Confirm, Action::Confirm),
            (Mode::Editor, Action::Submit),
            (Mode::Editor, Action::Newline),
            (Mode::Diff, Action::ToggleHunk),
        ] {
            assert!(
                !l.value.keys_for(mode, a).is_empty(),
                "{name}: no key for {} in {}",
                a.name(),
                mode.name()
            );
        }
        // The editor closes with the dialog's cancel key (it binds none of its own).
        assert!(
            l.value.key_for(Mode::Editor, Action::Cancel).is_some(),
            "{name}: the plan editor cannot be closed"
        );
    }
}

#[test]
fn a_key_bound_twice_in_one_mode_is_an_error() {
    assert_eq!(
        keymap_problems("[global]\n\"ctrl-c\" = \"quit\"\n\"C-c\" = \"help\"\n"),
        vec!["/cfg/keymaps/bad.toml:3:1: `C-c` is bound twice in [global]: it is the same key as `ctrl-c` on line 2"]
    );
    // The same key in two modes is fine: the pane's binding wins while it has the focus.
    assert!(keymap_problems(
        "[global]\n\"space\" = \"zoom\"\n[diff]\n\"space\" = \"toggle_hunk\"\n"
    )
    .is_empty());
}

#[test]
fn bad_keymaps_say_where_and_what() {
    let cases: &[(&str, &str)] = &[
        ("[global]\n\"a\" = \"aprove\"\n", "/cfg/keymaps/bad.toml:2:7: unknown action `aprove` (did you mean `approve`?)"),
        ("[global]\n\"hyper-a\" = \"approve\"\n", "/cfg/keymaps/bad.toml:2:1: unknown modifier `hyper` in `hyper-a` (use ctrl, alt or shift)"),
        ("[global]\n\"pgupp\" = \"page_up\"\n", "/cfg/keymaps/bad.toml:2:1: unknown key `pgupp` in `pgupp` (a character, or space, enter, esc, tab, up, pageup, f1...)"),
        ("[tasks]\n\"space\" = \"toggle_hunk\"\n", "/cfg/keymaps/bad.toml:2:11: action `toggle_hunk` does nothing in [tasks]; it belongs in [diff]"),
        ("[normal]\n\"a\" = \"approve\"\n", "/cfg/keymaps/bad.toml:1:2: unknown field `normal`, expected one of `inherits`, `global`, `tasks`, `transcript`, `approvals`, `diff`, `metrics`, `dialog`, `editor`, `confirm`, `help`, `rules`, `replay`"),
        ("[global]\n\"a\" = \"approve\"\n\"a\" = \"reject\"\n", "/cfg/keymaps/bad.toml:3:1: duplicate key `a` in table `global`"),
        ("[global]\n\"a\" = 3\n", "/cfg/keymaps/bad.toml:2:7: invalid type: integer `3`, expected a string"),
        ("[global\n", "/cfg/keymaps/bad.toml:1:8: invalid table header; expected `.`, `]`"),
        ("inherits = \"nope\"\n", "/cfg/keymaps/bad.toml:1:12: no keymap named `nope` to inherit (known: default, emacs, vim; or give a path to a .toml file)"),
    ];
    for (text, want) in cases {
        let got = keymap_problems(text);
        assert_eq!(got, vec![want.to_string()], "for {text:?}");
    }
    let missing = Keymap::load("/cfg/keymaps/missing.toml", None);
    assert_eq!(missing.problems.len(), 1);
    assert!(missing.problems[0]
        .to_string()
        .starts_with("/cfg/keymaps/missing.toml: cannot read keymap: "));
    let unknown = Keymap::load("dvorak", None);
    assert_eq!(
        unknown.problems[0].to_string(),
        "dvorak: no keymap named `dvorak` (known: default, emacs, vim; or give a path to a .toml file)"
    );
}

#[test]
fn user_keymaps_merge_over_the_default_and_may_override_a_shipped_name() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "keymaps/mine.toml",
        "[global]\n\"a\" = \"none\"\n\"y\" = \"approve\"\n",
    );
    let l = Keymap::load("mine", Some(dir.path()));
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let y = Key::parse("y").unwrap();
    let a = Key::parse("a").unwrap();
    assert_eq!(l.value.lookup(Mode::Global, y), Some(Action::Approve));
    assert_eq!(l.value.lookup(Mode::Global, a), None);
    assert_eq!(
        l.value.lookup(Mode::Global, Key::parse("r").unwrap()),
        Some(Action::Reject)
    );
    // A user `vim.toml` goes over the shipped vim, which goes over the default.
    write(
        dir.path(),
        "keymaps/vim.toml",
        "inherits = \"vim\"\n[global]\n\"Z\" = \"zoom\"\n",
    );
    let v = Keymap::load("vim", Some(dir.path()));
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    assert_eq!(
        v.value.lookup(Mode::Global, Key::parse("Z").unwrap()),
        Some(Action::Zoom)
    );
    assert_eq!(
        v.value.lookup(Mode::Global, Key::parse("G").unwrap()),
        Some(Action::Bottom)
    );
    // Two user files inheriting each other are caught.
    write(dir.path(), "keymaps/x.toml", "inherits = \"y\"\n");
    write(dir.path(), "keymaps/y.toml", "inherits = \"x\"\n");
    let c = Keymap::load("x", Some(dir.path()));
    assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
    assert!(
        c.problems[0]
            .message
            .contains("cannot be inherited from here"),
        "{}",
        c.problems[0]
    );
}

#[test]
fn bad_themes_say_where_and_what() {
    let cases: &[(&str, &str)] = &[
        ("colour = \"red\"\n", "/cfg/themes/bad.toml:1:1: unknown field `colour`, expected one of `inherits`, `syntax`, `palette`, `styles`"),
        ("[styles]\n\"diff.plsu\" = \"red\"\n", "/cfg/themes/bad.toml:2:1: unknown style key `diff.plsu` (did you mean `diff.plus`?)"),
        ("[styles]\n\"diff.plus\" = \"grene\"\n", "/cfg/themes/bad.toml:2:1: unknown colour `grene` (use #rrggbb, a terminal colour like red or lightblue)"),
        ("[palette]\ngreen = \"#00ff00\"\n[styles]\n\"diff.plus\" = \"gren\"\n", "/cfg/themes/bad.toml:4:1: unknown colour `gren` (use #rrggbb, a terminal colour like red or lightblue, or a palette name (green))"),
        ("[styles]\n\"diff.plus\" = { fg = \"red\", modifiers = [\"blod\"] }\n", "/cfg/themes/bad.toml:2:1: unknown modifier `blod` (known: bold, dim, italic, underlined, slow_blink, rapid_blink, reversed, hidden, crossed_out)"),
        ("[styles]\ndiff.plus = \"red\"\n", "/cfg/themes/bad.toml:2:1: unknown field `plus` in a style (fields: fg, bg, modifiers; quote dotted keys, like \"diff.plus\" = ...)"),
        ("[palette]\nx = \"#12\"\n", "/cfg/themes/bad.toml:2:5: palette colour `#12` is not #rrggbb or a terminal colour name"),
        ("syntax = \"monokai\"\n", "/cfg/themes/bad.toml:1:10: unknown syntax theme `monokai` (known: InspiredGitHub, Solarized (dark), Solarized (light), base16-eighties.dark, base16-mocha.dark, base16-ocean.dark, base16-ocean.light, or none)"),
        ("inherits = \"solarized\"\n", "/cfg/themes/bad.toml:1:12: no theme named `solarized` to inherit (known: default, high-contrast, light)"),
        ("[styles\n", "/cfg/themes/bad.toml:1:8: invalid table header; expected `.`, `]`"),
        ("[styles]\n\"diff.plus\" = 7\n", "/cfg/themes/bad.toml:2:1: a style is a colour, or a table with fg, bg and modifiers"),
    ];
    for (text, want) in cases {
        let got = theme_problems(text);
        assert_eq!(got, vec![want.to_string()], "for {text:?}");
    }
}

#[test]
fn themes_inherit_fall_back_by_scope_and_load_from_the_user_dir() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "themes/mine.toml",
        "inherits = \"light\"\n[palette]\ngreen = \"#00aa00\"\n[styles]\n\"diff\" = \"#123456\"\n\"diff.plus\" = { fg = \"green\", modifiers = [\"bold\"] }\n",
    );
    let l = Theme::load("mine", Some(dir.path()));
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let t = l.value;
    assert_eq!(t.syntax.as_deref(), Some("InspiredGitHub"));
    // The palette change reaches styles the parent set by palette name.
    assert_eq!(t.style("task.done").fg, Some(Color::Rgb(0, 0xaa, 0)));
    // diff.plus.gutter is set by light; diff.plus here; unknown children fall back.
    assert_eq!(t.style("diff.plus").fg, Some(Color::Rgb(0, 0xaa, 0)));
    assert_eq!(t.style("diff.plus.brand_new_key"), t.style("diff.plus"));
    assert_eq!(
        t.style("diff.hunk"),
        Theme::load("light", None).value.style("diff.hunk")
    );
    // A user `default.toml` that inherits `default` goes over the shipped one, not itself.
    write(
        dir.path(),
        "themes/default.toml",
        "inherits = \"default\"\n[styles]\n\"ui.text\" = \"white\"\n",
    );
    let d = Theme::load("default", Some(dir.path()));
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    assert_eq!(d.value.style("ui.text").fg, Some(Color::White));
    // A theme by path.
    let p = write(
        dir.path(),
        "elsewhere/t.toml",
        "inherits = \"high-contrast\"\n",
    );
    assert!(Theme::load(p.to_str().unwrap(), None).problems.is_empty());
    // Two themes inheriting each other are caught.
    write(dir.path(), "themes/a.toml", "inherits = \"b\"\n");
    write(dir.path(), "themes/b.toml", "inherits = \"a\"\n");
    let c = Theme::load("a", Some(dir.path()));
    assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
    assert!(
        c.problems[0]
            .message
            .starts_with("theme `a` cannot be inherited from here"),
        "{}",
        c.problems[0]
    );
    // Unknown names say what exists, including the user's.
    let u = Theme::load("nord", Some(dir.path()));
    assert_eq!(
        u.problems[0].to_string(),
        "nord: no theme named `nord` (known: a, b, default, high-contrast, light, mine; or give a path to a .toml file)"
    );
}

#[test]
fn app_options_collect_problems_from_both_files() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "themes/t.toml",
        "[styles]\n\"ui.txt\" = \"red\"\n",
    );
    write(
        dir.path(),
        "keymaps/k.toml",
        "[global]\n\"a\" = \"nothing\"\n",
    );
    let o = AppOptions::load("t", "k", Some(dir.path()));
    assert_eq!(o.problems.len(), 2);
    assert_eq!(o.theme, Theme::default());
    assert_eq!(o.keymap, Keymap::default());
    let clean = AppOptions::load("light", "vim", None);
    assert!(clean.problems.is_empty());
}

/// Panes and layers never match literal keys: they go through actions (style guide).
#[test]
fn no_pane_or_layer_matches_a_literal_key() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
    let mut offenders = HashMap::new();
    // A pane's own submodules (`panes/diff/rows.rs`) count too.
    let mut dirs: Vec<_> = ["panes", "overlays"].iter().map(|d| root.join(d)).collect();
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            if text.contains("KeyCode::") {
                offenders.insert(p.display().to_string(), ());
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "literal keys in {:?}",
        offenders.keys()
    );
}
