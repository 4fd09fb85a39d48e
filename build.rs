//! Names the commit a binary was built from, for `conclave --version`: `CONCLAVE_COMMIT` is
//! the short hash, or "unknown commit" outside a git checkout (a tarball, an archive).

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Rebuild when `path` changes; only for a file that exists, since cargo reruns the script
/// on every build for one that does not.
fn watch(path: Option<String>) {
    if let Some(p) = path.filter(|p| Path::new(p).exists()) {
        println!("cargo:rerun-if-changed={p}");
    }
}

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]);
    println!(
        "cargo:rustc-env=CONCLAVE_COMMIT={}",
        commit.as_deref().unwrap_or("unknown commit")
    );
    // HEAD moves on a checkout (HEAD), a commit (the ref it names) or a gc (packed-refs).
    // Not the index or the work tree: that would rebuild the crate on every `git add`.
    watch(git(&["rev-parse", "--git-path", "HEAD"]));
    if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch(git(&["rev-parse", "--git-path", &r]));
    }
    watch(git(&["rev-parse", "--git-path", "packed-refs"]));
    println!("cargo:rerun-if-changed=build.rs");
}
