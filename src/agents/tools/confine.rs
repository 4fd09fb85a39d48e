//! Path confinement: every path an agent names is resolved inside its task's worktree or
//! refused with a reason the model can act on.
//!
//! Rules: relative paths only; `..` may not climb above the root; symlinks are followed and
//! must land inside; `.git` is off limits (it points into the user's repository).

use std::path::{Component, Path, PathBuf};

#[derive(Clone, Debug)]
pub struct Confined {
    root: PathBuf,
}

impl Confined {
    pub fn new(root: &Path) -> std::io::Result<Confined> {
        Ok(Confined {
            root: root.canonicalize()?,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path relative to the root, for showing (always `/`-separated).
    pub fn relative(&self, p: &Path) -> String {
        let rel = p.strip_prefix(&self.root).unwrap_or(p);
        let s = rel.to_string_lossy().replace('\\', "/");
        if s.is_empty() {
            ".".into()
        } else {
            s
        }
    }

    /// Lexical checks and normalisation, before touching the disk.
    fn lexical(&self, rel: &str) -> Result<PathBuf, String> {
        let p = Path::new(rel.trim());
        if rel.trim().is_empty() {
            return Ok(self.root.clone());
        }
        let mut out = PathBuf::new();
        for c in p.components() {
            match c {
                Component::Prefix(_) | Component::RootDir => {
                    return Err(format!(
                        "`{rel}` is an absolute path; use a path relative to the task's worktree"
                    ))
                }
                Component::CurDir => {}
                Component::ParentDir => {
                    if !out.pop() {
                        return Err(format!("`{rel}` leads outside the task's worktree"));
                    }
                }
                Component::Normal(n) => {
                    if n == ".git" {
                        return Err(format!("`{rel}` is inside .git, which tools may not touch"));
                    }
                    out.push(n)
                }
            }
        }
        Ok(self.root.join(out))
    }

    fn inside(&self, real: &Path, rel: &str) -> Result<(), String> {
        if real.starts_with(&self.root) {
            Ok(())
        } else {
            Err(format!(
                "`{rel}` leads outside the task's worktree (through a symlink)"
            ))
        }
    }

    /// An existing file or directory inside the root.
    pub fn existing(&self, rel: &str) -> Result<PathBuf, String> {
        let p = self.lexical(rel)?;
        let real = p
            .canonicalize()
            .map_err(|_| format!("`{rel}` does not exist"))?;
        self.inside(&real, rel)?;
        Ok(real)
    }

    /// A path to write: it may not exist yet, but its deepest existing ancestor (and the file
    /// itself, if it is a symlink) must resolve inside the root.
    pub fn writable(&self, rel: &str) -> Result<PathBuf, String> {
        if rel.trim().is_empty() {
            return Err("a file path is needed".into());
        }
        let p = self.lexical(rel)?;
        if p == self.root {
            return Err(format!("`{rel}` is the worktree itself, not a file"));
        }
        if p.symlink_metadata().is_ok() {
            let real = p
                .canonicalize()
                .map_err(|_| format!("`{rel}` is a broken symlink"))?;
            self.inside(&real, rel)?;
            if real.is_dir() {
                return Err(format!("`{rel}` is a directory"));
            }
            return Ok(real);
        }
        let mut ancestor = p.parent();
        while let Some(a) = ancestor {
            if a.symlink_metadata().is_ok() {
                let real = a
                    .canonicalize()
                    .map_err(|_| format!("`{rel}`: a parent is a broken symlink"))?;
                self.inside(&real, rel)?;
                if !real.is_dir() {
                    return Err(format!(
                        "`{rel}`: {} is a file, not a directory",
                        self.relative(&real)
                    ));
                }
                let rest = p
                    .strip_prefix(a)
                    .map_err(|_| format!("`{rel}` cannot be resolved"))?;
                return Ok(real.join(rest));
            }
            ancestor = a.parent();
        }
        Err(format!("`{rel}` cannot be resolved"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_refused() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("wt");
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(outer.path().join("secret.txt"), "x").unwrap();
        std::os::unix::fs::symlink(outer.path(), root.join("up")).unwrap();
        std::os::unix::fs::symlink(outer.path().join("secret.txt"), root.join("s.txt")).unwrap();
        let c = Confined::new(&root).unwrap();
        for bad in [
            "../secret.txt",
            "/etc/passwd",
            "src/../../secret.txt",
            "up/secret.txt",
            "s.txt",
            ".git/config",
            "up/new.txt",
        ] {
            assert!(c.writable(bad).is_err(), "write {bad}");
            assert!(c.existing(bad).is_err(), "read {bad}");
        }
        assert_eq!(
            c.writable("src/../a/b.rs").unwrap(),
            c.root().join("a/b.rs")
        );
        assert_eq!(c.existing("./src").unwrap(), c.root().join("src"));
        assert!(c.writable("src").is_err());
    }
}
