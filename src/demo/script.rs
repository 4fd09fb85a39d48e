//! The demo's recorded session: what the strategist, two implementers and the reviewer say,
//! turn by turn, as a cassette for the scripted provider.
//!
//! The story: a plan of four tasks (t1 and t2 run at once, t3 needs both, t4 needs t3); t2's
//! first median is wrong and the gate fails, the feedback fixes it; the review of t1 asks for
//! a test; t1 and t2 both add a test at the same place, so whichever merges second conflicts
//! and its implementer resolves it (both have the resolving turns; only one uses them); the
//! strategist distils two lessons. Turns are keyed by task, so the replay is the same whatever
//! order the parallel tasks finish in. A task a person adds in the plan editor gets the
//! stand-in turns (`"task": "*"`): the implementer leaves a note saying the recording has no
//! work for it, the reviewer approves, so the run still finishes.

use super::sample::GATE;
use crate::providers::{CassetteTurn, TokenUsage, ToolCall};
use serde_json::{json, Value};

struct Script {
    turns: Vec<CassetteTurn>,
}

impl Script {
    fn say(&mut self, agent: &str, task: Option<&str>, text: &str, calls: Vec<(&str, Value)>) {
        let n = self.turns.iter().filter(|t| t.agent == agent).count() as u32;
        let tool_calls = calls
            .into_iter()
            .enumerate()
            .map(|(i, (name, args))| ToolCall {
                id: format!("{agent}-{n}-{i}"),
                name: name.into(),
                args,
                signature: None,
            })
            .collect::<Vec<_>>();
        let input = 1200 + 350 * n as u64;
        let output = 40 + text.len() as u64 / 3 + 60 * tool_calls.len() as u64;
        self.turns.push(CassetteTurn {
            agent: agent.into(),
            turn: n,
            text: text.into(),
            thinking: String::new(),
            tool_calls,
            usage: TokenUsage::known(input, output, input / 4),
            stop: None,
            model: None,
            task: task.map(String::from),
        });
    }
}

const MEAN_LINE: &str = "        self.assertEqual(calc.mean([1, 2, 3]), 2)\n";

const RESOLVED_TESTS: &str = r#"import unittest

import calc


class CalcTest(unittest.TestCase):
    def test_mean(self):
        self.assertEqual(calc.mean([1, 2, 3]), 2)

    def test_add(self):
        self.assertEqual(calc.add(2, 3), 5)

    def test_median(self):
        self.assertEqual(calc.median([3, 1, 2]), 2)
        self.assertEqual(calc.median([4, 1, 3, 2]), 2.5)
"#;

const README: &str = r#"# calc

A tiny statistics helper.

## API

- `add(a, b)`: the sum of `a` and `b`.
- `mean(values)`: the arithmetic mean; raises `ValueError` for an empty list.
- `median(values)`: the middle value; for an even count, the mean of the middle two.

Run the tests with `python3 -m unittest`.
"#;

fn task(
    id: &str,
    title: &str,
    description: &str,
    kind: &str,
    deps: &[&str],
    priority: u8,
) -> Value {
    json!({"id": id, "title": title, "description": description, "kind": kind, "deps": deps, "priority": priority})
}

/// The turns that resolve the test-file conflict, for the implementer of `t`.
fn resolve(s: &mut Script, agent: &str, t: &str) {
    s.say(
        agent,
        Some(t),
        "The merge left conflict markers in test_calc.py; let me look.",
        vec![("read_file", json!({"path": "test_calc.py"}))],
    );
    s.say(
        agent,
        Some(t),
        "Both sides added a test after test_mean. Keeping both.",
        vec![(
            "write_file",
            json!({"path": "test_calc.py", "content": RESOLVED_TESTS}),
        )],
    );
    s.say(
        agent,
        Some(t),
        "Checking the merged tests.",
        vec![("run_command", json!({"command": GATE}))],
    );
    s.say(
        agent,
        Some(t),
        "Resolved: both tests kept, suite green.",
        vec![(
            "finish",
            json!({"summary": "Resolved the test_calc.py conflict by keeping both new tests."}),
        )],
    );
}

pub fn turns() -> Vec<CassetteTurn> {
    let mut s = Script { turns: Vec::new() };
    // The strategist looks, then plans.
    s.say(
        "strategist",
        None,
        "I'll start by looking at the repository layout.",
        vec![("list_files", json!({}))],
    );
    s.say(
        "strategist",
        None,
        "Reading the module the goal is about.",
        vec![("read_file", json!({"path": "calc.py"}))],
    );
    s.say(
        "strategist",
        None,
        "add() subtracts, median() is missing, mean() fails on an empty list and the README has no API section. \
         t1 and t2 touch different functions, so they can run at once; t3 waits for both, the docs come last.",
        vec![(
            "submit_plan",
            json!({"tasks": [
                task("t1", "Fix add()", "calc.add returns a - b; it must return a + b. Keep the change minimal.", "bugfix", &[], 1),
                task("t2", "Add median()", "Add calc.median(values): the middle value of the sorted list; for an even count the mean of the two middle values. Add test_median to test_calc.py.", "feature", &[], 1),
                task("t3", "Reject empty lists in mean()", "calc.mean([]) raises ZeroDivisionError; raise ValueError with a clear message instead (see the TODO). Add a test.", "bugfix", &["t1", "t2"], 2),
                task("t4", "Document the API", "Replace the README's TODO with an API section covering add, mean and median.", "docs", &["t3"], 3),
            ]}),
        )],
    );
    // t1, attempt 1: the fix without a test; the review asks for one.
    s.say(
        "impl-1",
        Some("t1"),
        "Let me read calc.py.",
        vec![("read_file", json!({"path": "calc.py"}))],
    );
    s.say(
        "impl-1",
        Some("t1"),
        "The sign is wrong in add(). Fixing it.",
        vec![(
            "edit_file",
            json!({"path": "calc.py", "old": "    return a - b\n", "new": "    return a + b\n"}),
        )],
    );
    s.say(
        "impl-1",
        Some("t1"),
        "Done: add() now adds.",
        vec![("finish", json!({"summary": "Fixed the sign in add()."}))],
    );
    s.say("reviewer", Some("t1"), "The fix is right, but nothing tests add(); a regression would go unnoticed.", vec![(
        "submit_review",
        json!({"verdict": "request_changes", "summary": "Correct fix, but add() has no test.", "comments": [{"path": "test_calc.py", "line": 8, "body": "Add test_add so this bug cannot come back."}]}),
    )]);
    // t1, attempt 2: the test.
    s.say("impl-1", Some("t1"), "Adding the test the reviewer asked for.", vec![(
        "edit_file",
        json!({"path": "test_calc.py", "old": MEAN_LINE, "new": format!("{MEAN_LINE}\n    def test_add(self):\n        self.assertEqual(calc.add(2, 3), 5)\n")}),
    )]);
    s.say(
        "impl-1",
        Some("t1"),
        "Running the tests.",
        vec![("run_command", json!({"command": GATE}))],
    );
    s.say(
        "impl-1",
        Some("t1"),
        "All green.",
        vec![(
            "finish",
            json!({"summary": "Fixed add() and added test_add."}),
        )],
    );
    s.say(
        "reviewer",
        Some("t1"),
        "Fix and test both look right.",
        vec![(
            "submit_review",
            json!({"verdict": "approve", "summary": "Looks good.", "comments": []}),
        )],
    );
    resolve(&mut s, "impl-1", "t1");
    // t2, attempt 1: an off-by-one median; the gate catches it.
    s.say(
        "impl-2",
        Some("t2"),
        "Reading calc.py to see where median() fits.",
        vec![("read_file", json!({"path": "calc.py"}))],
    );
    s.say("impl-2", Some("t2"), "Adding median() after mean() and a test for it.", vec![
        ("edit_file", json!({"path": "calc.py", "old": "    return sum(values) / len(values)\n", "new": "    return sum(values) / len(values)\n\n\ndef median(values):\n    \"\"\"Return the median of values.\"\"\"\n    ordered = sorted(values)\n    return ordered[len(ordered) // 2]\n"})),
        ("edit_file", json!({"path": "test_calc.py", "old": MEAN_LINE, "new": format!("{MEAN_LINE}\n    def test_median(self):\n        self.assertEqual(calc.median([3, 1, 2]), 2)\n        self.assertEqual(calc.median([4, 1, 3, 2]), 2.5)\n")})),
    ]);
    s.say(
        "impl-2",
        Some("t2"),
        "median() is in place.",
        vec![("finish", json!({"summary": "Added median() with a test."}))],
    );
    // t2, attempt 2: the gate's output shows the even case is wrong.
    s.say("impl-2", Some("t2"), "The gate shows median([4, 1, 3, 2]) returned 3: even counts must average the middle pair.", vec![(
        "edit_file",
        json!({"path": "calc.py", "old": "    return ordered[len(ordered) // 2]\n", "new": "    mid = len(ordered) // 2\n    if len(ordered) % 2 == 0:\n        return (ordered[mid - 1] + ordered[mid]) / 2\n    return ordered[mid]\n"}),
    )]);
    s.say(
        "impl-2",
        Some("t2"),
        "Fixed the even case.",
        vec![(
            "finish",
            json!({"summary": "median() averages the middle pair for even counts."}),
        )],
    );
    s.say(
        "reviewer",
        Some("t2"),
        "median() handles odd and even counts and is tested.",
        vec![(
            "submit_review",
            json!({"verdict": "approve", "summary": "Good.", "comments": []}),
        )],
    );
    resolve(&mut s, "impl-2", "t2");
    // t3 and t4.
    s.say("impl-1", Some("t3"), "Following the TODO in mean().", vec![
        ("edit_file", json!({"path": "calc.py", "old": "    # TODO: an empty list raises ZeroDivisionError; raise ValueError instead\n", "new": "    if not values:\n        raise ValueError(\"mean() of an empty list\")\n"})),
        ("write_file", json!({"path": "test_empty.py", "content": "import unittest\n\nimport calc\n\n\nclass EmptyTest(unittest.TestCase):\n    def test_mean_of_nothing(self):\n        with self.assertRaises(ValueError):\n            calc.mean([])\n"})),
    ]);
    s.say(
        "impl-1",
        Some("t3"),
        "mean([]) now raises ValueError.",
        vec![(
            "finish",
            json!({"summary": "mean() rejects an empty list with ValueError; tested."}),
        )],
    );
    s.say(
        "reviewer",
        Some("t3"),
        "Clear error, tested.",
        vec![(
            "submit_review",
            json!({"verdict": "approve", "summary": "Good.", "comments": []}),
        )],
    );
    s.say(
        "impl-2",
        Some("t4"),
        "Writing the API section.",
        vec![
            (
                "write_file",
                json!({"path": "README.md", "content": README}),
            ),
            (
                "finish",
                json!({"summary": "Documented add, mean and median."}),
            ),
        ],
    );
    s.say(
        "reviewer",
        Some("t4"),
        "The docs match the code.",
        vec![(
            "submit_review",
            json!({"verdict": "approve", "summary": "Accurate.", "comments": []}),
        )],
    );
    // Lessons from the two tasks that needed feedback.
    s.say(
        "strategist",
        Some("t1"),
        "Ship every bug fix with a test that would have caught it; reviewers ask for one.",
        vec![],
    );
    s.say(
        "strategist",
        Some("t2"),
        "Test statistics functions on both odd and even input sizes before finishing.",
        vec![],
    );
    // At level 5 the router may pick either implementer for t1–t3 (it explores): each gets
    // the other's turns for the tasks it has none for, so the story plays the same either way.
    let mut extra = Vec::new();
    for (from, to) in [("impl-1", "impl-2"), ("impl-2", "impl-1")] {
        for task in ["t1", "t2", "t3"] {
            if s.turns
                .iter()
                .any(|t| t.agent == to && t.task.as_deref() == Some(task))
            {
                continue;
            }
            for t in s
                .turns
                .iter()
                .filter(|t| t.agent == from && t.task.as_deref() == Some(task))
            {
                let mut copy = t.clone();
                copy.agent = to.to_string();
                extra.push(copy);
            }
        }
    }
    for mut t in extra {
        t.turn = s.turns.iter().filter(|x| x.agent == t.agent).count() as u32;
        s.turns.push(t);
    }
    stand_ins(&mut s);
    s.turns
}

/// What any task the recording does not know gets (a person added it to the plan).
fn stand_ins(s: &mut Script) {
    const ANY: Option<&str> = Some(crate::providers::ANY_TASK);
    for agent in ["impl-1", "impl-2"] {
        s.say(
            agent,
            ANY,
            "This demo's recording has no work for {task}, so I'm leaving a note where a real \
             agent would have done it.",
            vec![
                (
                    "write_file",
                    json!({"path": "notes/{task}.md", "content": "# {task}\n\nAdded to the plan by a person. The demo's recorded agents have no work for it;\nwith a real provider an agent would have done it here.\n"}),
                ),
                (
                    "finish",
                    json!({"summary": "Left a note for {task}: the recording has no work for it."}),
                ),
            ],
        );
    }
    s.say(
        "reviewer",
        ANY,
        "A note standing in for the task; nothing else changed.",
        vec![(
            "submit_review",
            json!({"verdict": "approve", "summary": "Stand-in note.", "comments": []}),
        )],
    );
}
