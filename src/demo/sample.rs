//! The demo's sample repository: a small Python module with a real bug, a missing function,
//! a TODO, and a gate (`python3 -m unittest`) that runs on a fresh machine.

use git2::{Repository, Signature};
use std::path::Path;

pub const GATE: &str = "python3 -m unittest -q";

pub const CALC_PY: &str = r#""""A tiny statistics helper: conclave's demo repository."""


def add(a, b):
    """Return the sum of a and b."""
    return a - b


def mean(values):
    """Return the arithmetic mean of values."""
    # TODO: an empty list raises ZeroDivisionError; raise ValueError instead
    return sum(values) / len(values)
"#;

pub const TEST_CALC_PY: &str = r#"import unittest

import calc


class CalcTest(unittest.TestCase):
    def test_mean(self):
        self.assertEqual(calc.mean([1, 2, 3]), 2)
"#;

pub const README_MD: &str = "# calc\n\nA tiny statistics helper.\n\nTODO: document the API.\n";

pub fn conclave_toml() -> String {
    format!("# Quality gates conclave runs on every task.\n[[gates]]\nname = \"unittest\"\ncommand = \"{GATE}\"\ntimeout_s = 120\n")
}

/// Creates the repository at `dir` (which must be empty or absent) with one commit on `main`.
pub fn create(dir: &Path) -> Result<(), String> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(format!(
            "{} exists and is not empty; choose a new --dir",
            dir.display()
        ));
    }
    let files = [
        ("calc.py", CALC_PY.to_string()),
        ("test_calc.py", TEST_CALC_PY.to_string()),
        ("README.md", README_MD.to_string()),
        (".conclave.toml", conclave_toml()),
        (".gitignore", "__pycache__/\n".to_string()),
    ];
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, content) in &files {
        std::fs::write(dir.join(name), content).map_err(|e| format!("{name}: {e}"))?;
    }
    let git = |e: git2::Error| format!("git: {e}");
    let repo = Repository::init(dir).map_err(git)?;
    repo.set_head("refs/heads/main").map_err(git)?;
    let mut index = repo.index().map_err(git)?;
    for (name, _) in &files {
        index.add_path(Path::new(name)).map_err(git)?;
    }
    index.write().map_err(git)?;
    let tree = repo
        .find_tree(index.write_tree().map_err(git)?)
        .map_err(git)?;
    let sig = Signature::now("conclave demo", "demo@localhost").map_err(git)?;
    repo.commit(Some("HEAD"), &sig, &sig, "calc: first version", &tree, &[])
        .map_err(git)?;
    Ok(())
}
