//! `conclave rules [list] [--all] [--json]` and `conclave rules rm ID` through the binary.

use super::*;
use conclave::engine::rules;
use conclave::model::RuleEffect;

#[test]
fn rules_are_listed_and_removed_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    repo_with(&repo, &[("a.txt", b"a\n")]);
    let other = dir.path().join("other");
    let run = |args: &[&str], cwd: &Path| {
        let out = conclave(dir.path())
            .current_dir(cwd)
            .args(args)
            .output()
            .unwrap();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let (code, out, _) = run(&["rules"], &repo);
    assert_eq!(code, Some(0));
    assert!(out.contains("No rules for this repository"), "{out}");
    {
        let store = Store::open(dir.path()).unwrap();
        let m = store.memory().unwrap();
        let key = rules::repo_key(&repo);
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        rules::save(&m, &key, words(&["cargo", "test"]), RuleEffect::Allow, 1).unwrap();
        rules::save(&m, &key, words(&["git", "push"]), RuleEffect::Deny, 2).unwrap();
        rules::save(
            &m,
            "/elsewhere",
            words(&["make", "check"]),
            RuleEffect::Allow,
            3,
        )
        .unwrap();
    }
    let (code, out, _) = run(&["rules", "list"], &repo.join("."));
    assert_eq!(code, Some(0));
    assert!(
        out.contains("r1") && out.contains("allow") && out.contains("cargo test"),
        "{out}"
    );
    assert!(
        out.contains("r2") && out.contains("never") && out.contains("git push"),
        "{out}"
    );
    assert!(!out.contains("make check"), "{out}");
    let (_, out, _) = run(&["rules", "--json"], &repo);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["prefix"], json!(["cargo", "test"]));
    assert_eq!(v[1]["effect"], "deny");
    // Outside a repository only --all lists.
    std::fs::create_dir_all(&other).unwrap();
    let (code, _, err) = run(&["rules"], &other);
    assert_eq!(code, Some(2));
    assert!(err.contains("is not inside a git repository"), "{err}");
    let (code, out, _) = run(&["rules", "list", "--all"], &other);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("make check") && out.contains("/elsewhere"),
        "{out}"
    );
    // Removing: a bad id is a clear error, a good one is gone.
    let (code, _, err) = run(&["rules", "rm", "r9"], &repo);
    assert_eq!(code, Some(2));
    assert!(err.contains("no rule has the id `r9`"), "{err}");
    let (code, out, _) = run(&["rules", "rm", "r2"], &repo);
    assert_eq!(code, Some(0));
    assert!(out.contains("never `git push`"), "{out}");
    let (_, out, _) = run(&["rules", "--json"], &repo);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
}
