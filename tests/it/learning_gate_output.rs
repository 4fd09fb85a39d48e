//! Work detection from gate output: warnings and failures in output captured verbatim from
//! cargo, clippy, gcc, pytest and eslint (clang's from its documented format), and the goals
//! made of them together with TODO findings.

use conclave::engine::detection::{
    detect_todos, failing_gate_finding, findings_from_gate_output, goals_from_findings,
    relative_locations,
};
use conclave::model::{Finding, FindingKind};
use proptest::prelude::*;
use std::path::Path;

fn located(f: &[Finding]) -> Vec<(String, String)> {
    f.iter()
        .map(|f| (f.location.clone().unwrap_or_default(), f.text.clone()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// `cargo build` of a crate with three warnings (cargo 1.95, verbatim).
const CARGO_BUILD: &str = r#"   Compiling rs v0.1.0 (/tmp/fx/rs)
warning: unused import: `std::collections::HashMap`
 --> src/lib.rs:1:5
  |
1 | use std::collections::HashMap;
  |     ^^^^^^^^^^^^^^^^^^^^^^^^^
  |
  = note: `#[warn(unused_imports)]` (part of `#[warn(unused)]`) on by default

warning: unused variable: `unused`
 --> src/lib.rs:4:9
  |
4 |     let unused = 5;
  |         ^^^^^^ help: if this is intentional, prefix it with an underscore: `_unused`
  |
  = note: `#[warn(unused_variables)]` (part of `#[warn(unused)]`) on by default

warning: function `helper` is never used
  --> src/lib.rs:12:4
   |
12 | fn helper() {}
   |    ^^^^^^
   |
   = note: `#[warn(dead_code)]` (part of `#[warn(unused)]`) on by default

warning: `rs` (lib) generated 3 warnings (run `cargo fix --lib -p rs` to apply 2 suggestions)
    Finished `dev` profile [unoptimized + debuginfo] target(s) in 0.16s
"#;

/// `cargo clippy` (verbatim).
const CLIPPY: &str = r#"    Checking rs v0.1.0 (/tmp/fx/rs)
warning: length comparison to zero
 --> src/lib.rs:2:8
  |
2 |     if xs.len() == 0 {
  |        ^^^^^^^^^^^^^ help: using `is_empty` is clearer and more explicit: `xs.is_empty()`
  |
  = help: for further information visit https://rust-lang.github.io/rust-clippy/rust-1.95.0/index.html#len_zero
  = note: `#[warn(clippy::len_zero)]` on by default

warning: `rs` (lib) generated 1 warning (run `cargo clippy --fix --lib -p rs -- ` to apply 1 suggestion)
    Finished `dev` profile [unoptimized + debuginfo] target(s) in 0.16s
"#;

#[test]
fn cargo_and_clippy_warnings() {
    let f = findings_from_gate_output("build", CARGO_BUILD);
    assert!(f.iter().all(|f| f.kind == FindingKind::Warning));
    assert_eq!(
        located(&f),
        pairs(&[
            (
                "src/lib.rs:1",
                "unused import: `std::collections::HashMap` (unused_imports)"
            ),
            (
                "src/lib.rs:4",
                "unused variable: `unused` (unused_variables)"
            ),
            (
                "src/lib.rs:12",
                "function `helper` is never used (dead_code)"
            ),
        ])
    );
    let f = findings_from_gate_output("clippy", CLIPPY);
    assert_eq!(
        located(&f),
        pairs(&[(
            "src/lib.rs:2",
            "length comparison to zero (clippy::len_zero)"
        )])
    );
    // The same build seen twice (lib and lib test targets) gives each warning once.
    let twice = format!("{CARGO_BUILD}{CARGO_BUILD}");
    assert_eq!(findings_from_gate_output("test", &twice).len(), 3);
    // Forced colours do not hide anything.
    let coloured = CLIPPY.replace("warning:", "\x1b[1m\x1b[33mwarning\x1b[0m\x1b[1m:\x1b[0m");
    assert_eq!(findings_from_gate_output("clippy", &coloured).len(), 1);
}

/// `gcc -Wall -Wextra` 12.2 (verbatim) and clang's equivalent.
const GCC: &str = "w.c: In function ‘main’:
w.c:3:9: warning: unused variable ‘unused’ [-Wunused-variable]
    3 |     int unused;
      |         ^~~~~~
w.c:5:19: warning: ‘%d’ directive writing 5 bytes into a region of size 4 [-Wformat-overflow=]
    5 |     sprintf(buf, \"%d\", 12345);
      |                   ^~
w.c:5:5: note: ‘sprintf’ output 6 bytes into a destination of size 4
    5 |     sprintf(buf, \"%d\", 12345);
      |     ^~~~~~~~~~~~~~~~~~~~~~~~~
";
const CLANG: &str = "src/parse.c:14:7: warning: variable 'len' set but not used [-Wunused-but-set-variable]
  int len = 0;
      ^
src/parse.c:22:17: warning: comparison of integers of different signs: 'int' and 'size_t' (aka 'unsigned long') [-Wsign-compare]
  for (i = 0; i < n; i++) {
              ~ ^ ~
2 warnings generated.
";

#[test]
fn gcc_and_clang_warnings() {
    assert_eq!(
        located(&findings_from_gate_output("make", GCC)),
        pairs(&[
            ("w.c:3", "unused variable ‘unused’ [-Wunused-variable]"),
            (
                "w.c:5",
                "‘%d’ directive writing 5 bytes into a region of size 4 [-Wformat-overflow=]"
            ),
        ])
    );
    let f = findings_from_gate_output("make", CLANG);
    assert_eq!(f.len(), 2);
    assert_eq!(f[1].location.as_deref(), Some("src/parse.c:22"));
    assert!(f[1]
        .text
        .starts_with("comparison of integers of different signs"));
}

/// `pytest -q` 9.2 with a failing test and a deprecation warning (verbatim).
const PYTEST: &str =
    "..F                                                                      [100%]
=================================== FAILURES ===================================
__________________________________ test_ratio __________________________________

    def test_ratio():
>       assert calc.ratio(1, 2) == 0.25
E       assert 0.5 == 0.25
E        +  where 0.5 = <function ratio at 0x7f7092e9cb80>(1, 2)
E        +    where <function ratio at 0x7f7092e9cb80> = calc.ratio

tests/test_calc.py:12: AssertionError
=============================== warnings summary ===============================
tests/test_calc.py::test_add
tests/test_calc.py::test_add_again
  /tmp/fx/py/calc.py:4: DeprecationWarning: add() is deprecated, use plus()
    warnings.warn(\"add() is deprecated, use plus()\", DeprecationWarning)

-- Docs: https://docs.pytest.org/en/stable/how-to/capture-warnings.html
=========================== short test summary info ============================
FAILED tests/test_calc.py::test_ratio - assert 0.5 == 0.25
1 failed, 2 passed, 2 warnings in 0.04s
";

/// `python -W default` (verbatim).
const PYTHON: &str = "/tmp/fx/py/calc.py:4: DeprecationWarning: add() is deprecated, use plus()
  warnings.warn(\"add() is deprecated, use plus()\", DeprecationWarning)
";

#[test]
fn python_warnings_with_paths_made_relative() {
    let mut f = findings_from_gate_output("test", PYTEST);
    relative_locations(&mut f, Path::new("/tmp/fx/py"));
    assert_eq!(
        located(&f),
        pairs(&[(
            "calc.py:4",
            "DeprecationWarning: add() is deprecated, use plus()"
        )])
    );
    let mut g = findings_from_gate_output("run", PYTHON);
    relative_locations(&mut g, Path::new("/tmp/fx/py"));
    assert_eq!(located(&g), located(&f));
}

/// `eslint src` 9 with the default `stylish` formatter (verbatim), and the compact format.
const ESLINT: &str = "
/tmp/fx/js/src/app.js
  1:7   warning  'fs' is assigned a value but never used  no-unused-vars
  3:9   warning  Expected '===' and instead saw '=='      eqeqeq
  4:12  error    'missing' is not defined                 no-undef

✖ 3 problems (1 error, 2 warnings)

";
const ESLINT_COMPACT: &str = "/w/src/app.js: line 1, col 7, Warning - 'fs' is assigned a value but never used. (no-unused-vars)
/w/src/app.js: line 4, col 12, Error - 'missing' is not defined. (no-undef)

2 problems
";

#[test]
fn eslint_warnings() {
    let mut f = findings_from_gate_output("lint", ESLINT);
    relative_locations(&mut f, Path::new("/tmp/fx/js"));
    assert_eq!(
        located(&f),
        pairs(&[
            (
                "src/app.js:1",
                "'fs' is assigned a value but never used (no-unused-vars)"
            ),
            (
                "src/app.js:3",
                "Expected '===' and instead saw '==' (eqeqeq)"
            ),
        ])
    );
    let f = findings_from_gate_output("lint", ESLINT_COMPACT);
    assert_eq!(
        located(&f),
        pairs(&[(
            "/w/src/app.js:1",
            "'fs' is assigned a value but never used. (no-unused-vars)"
        )])
    );
}

/// `cargo test` with a failing assertion, and `cargo build` with an error (verbatim).
const CARGO_TEST_FAIL: &str =
    "    Finished `test` profile [unoptimized + debuginfo] target(s) in 0.25s
     Running unittests src/lib.rs (target/debug/deps/rs-a35a48c092d3f767)

running 1 test
test tests::sums ... FAILED

failures:

---- tests::sums stdout ----

thread 'tests::sums' (8819) panicked at src/lib.rs:12:9:
assertion `left == right` failed
  left: 3
 right: 4
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    tests::sums

test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

error: test failed, to rerun pass `--lib`
";
const CARGO_ERROR: &str = "   Compiling rs v0.1.0 (/tmp/fx/rs)
error[E0425]: cannot find value `y` in this scope
 --> src/lib.rs:5:23
  |
5 |     xs.iter().sum() + y
  |                       ^ not found in this scope

For more information about this error, try `rustc --explain E0425`.
error: could not compile `rs` (lib) due to 1 previous error
";

#[test]
fn failing_gates_say_what_failed_and_where() {
    let cases = [
        (
            CARGO_TEST_FAIL,
            "gate `test` fails: test `tests::sums` panicked: assertion `left == right` failed",
            Some("src/lib.rs:12"),
        ),
        (
            CARGO_ERROR,
            "gate `test` fails: error[E0425]: cannot find value `y` in this scope",
            Some("src/lib.rs:5"),
        ),
        (
            PYTEST,
            "gate `test` fails: tests/test_calc.py::test_ratio failed: assert 0.5 == 0.25",
            Some("tests/test_calc.py:12"),
        ),
        (
            "cc -c w.c\nw.c:9:1: error: expected ';' before '}' token\nmake: *** [w.o] Error 1\n",
            "gate `test` fails: error: expected ';' before '}' token",
            Some("w.c:9"),
        ),
        (
            ESLINT,
            "gate `test` fails: error: 'missing' is not defined (no-undef)",
            Some("/tmp/fx/js/src/app.js:4"),
        ),
    ];
    for (out, text, loc) in cases {
        let f = failing_gate_finding("test", out);
        assert_eq!(f.kind, FindingKind::FailingGate);
        assert_eq!(f.text, text);
        assert_eq!(f.location.as_deref(), loc, "{text}");
    }
}

#[test]
fn detected_work_becomes_ranked_goals() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    // Spelled with `\x4F` so that detection on conclave itself does not report this fixture.
    std::fs::write(
        src.join("lib.rs"),
        "fn f() {}\n\n// TOD\x4F: handle overflow\n",
    )
    .unwrap();
    let mut findings = detect_todos(tmp.path());
    findings.extend(findings_from_gate_output("build", CARGO_BUILD));
    findings.extend(findings_from_gate_output("clippy", CARGO_BUILD));
    findings.push(failing_gate_finding("test", CARGO_TEST_FAIL));
    let goals = goals_from_findings(&findings, 4);
    assert_eq!(
        goals,
        [
            "Make the failing gate pass: gate `test` fails: test `tests::sums` panicked: assertion `left == right` failed (src/lib.rs:12)",
            "Fix the warning at src/lib.rs:1: unused import: `std::collections::HashMap` (unused_imports)",
            "Fix the warning at src/lib.rs:4: unused variable: `unused` (unused_variables)",
            "Fix the warning at src/lib.rs:12: function `helper` is never used (dead_code)",
        ]
    );
    let all = goals_from_findings(&findings, 100);
    assert_eq!(all.len(), 5, "{all:#?}");
    assert_eq!(all[4], "Resolve TODO: handle overflow (src/lib.rs:3)");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any output, however mangled, parses without panicking into well-formed findings.
    #[test]
    fn any_output_parses_safely(
        picks in proptest::collection::vec(0usize..8, 0..40),
        noise in "[ -~\n]{0,200}",
    ) {
        let sources = [CARGO_BUILD, CLIPPY, GCC, CLANG, PYTEST, ESLINT, ESLINT_COMPACT, CARGO_ERROR];
        let all: Vec<&str> = sources.iter().flat_map(|s| s.lines()).collect();
        let mut out: String = picks.iter().enumerate()
            .map(|(i, p)| all[(p * 7 + i * 13) % all.len()])
            .collect::<Vec<_>>()
            .join("\n");
        out.push_str(&noise);
        for f in findings_from_gate_output("g", &out) {
            prop_assert_eq!(f.kind, FindingKind::Warning);
            if let Some(loc) = &f.location {
                let (_, line) = loc.rsplit_once(':').expect("path:line");
                prop_assert!(line.parse::<u64>().is_ok(), "{}", loc);
            }
            prop_assert!(f.text.chars().count() <= 200);
        }
        let g = failing_gate_finding("g", &out);
        prop_assert!(g.text.starts_with("gate `g` fails"));
    }

    /// Goals: never over the cap, never twice the same, most urgent kinds first.
    #[test]
    fn goals_are_capped_unique_and_ordered(
        items in proptest::collection::vec((0u8..4, 0u8..5, 0u8..3), 0..30),
        cap in 0usize..12,
    ) {
        let kinds = [FindingKind::FailingGate, FindingKind::Warning, FindingKind::Todo, FindingKind::Gap];
        let findings: Vec<Finding> = items.iter().map(|(k, loc, t)| Finding {
            kind: kinds[*k as usize],
            location: (*loc > 0).then(|| format!("f.rs:{loc}")),
            text: format!("thing {t}"),
        }).collect();
        let goals = goals_from_findings(&findings, cap);
        prop_assert!(goals.len() <= cap);
        let mut seen = std::collections::HashSet::new();
        for g in &goals {
            prop_assert!(seen.insert(g.to_lowercase()), "duplicate {}", g);
        }
        let rank = |g: &String| if g.starts_with("Make") { 0 } else if g.starts_with("Fix") { 1 } else if g.starts_with("Resolve") { 2 } else { 3 };
        prop_assert!(goals.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])));
    }
}
