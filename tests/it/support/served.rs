//! A run another process owns: the demo's sample repo, its recorded session as a cassette and
//! a config file whose agents play it, for `conclave run` through the real binary (headless,
//! detached) and `conclave attach` beside it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Demo {
    pub dir: tempfile::TempDir,
    pub data: PathBuf,
    pub repo: PathBuf,
    pub config: PathBuf,
}

/// The sample repo, the cassette and a config file naming scripted agents.
pub fn demo() -> Demo {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let repo = dir.path().join("calc");
    std::fs::create_dir_all(&data).expect("data dir");
    conclave::demo::sample::create(&repo).expect("sample repo");
    let cassette = dir.path().join("demo.cassette.jsonl");
    conclave::demo::write_cassette(&cassette).expect("cassette");
    let mut cfg = String::from("[run]\nmax_parallel = 2\n\n");
    for (name, model) in [
        ("demo-gpt", "gpt-4o"),
        ("demo-claude", "claude-sonnet-4-5"),
        ("demo-gemini", "gemini-2.5-pro"),
    ] {
        cfg.push_str(&format!(
            "[providers.{name}]\nkind = \"scripted\"\nmodel = \"{model}\"\ncassette = \"{}\"\n\n",
            cassette.display()
        ));
    }
    for (name, role, provider, skills) in [
        ("strategist", "strategist", "demo-gpt", ""),
        (
            "impl-1",
            "implementer",
            "demo-claude",
            "\"feature\", \"bugfix\", \"test\", \"refactor\"",
        ),
        (
            "impl-2",
            "implementer",
            "demo-gpt",
            "\"feature\", \"bugfix\", \"test\", \"docs\", \"perf\", \"security\"",
        ),
        ("reviewer", "reviewer", "demo-gemini", ""),
    ] {
        cfg.push_str(&format!(
            "[[agents]]\nname = \"{name}\"\nrole = \"{role}\"\nprovider = \"{provider}\"\nskills = [{skills}]\n\n"
        ));
    }
    let config = dir.path().join("config.toml");
    std::fs::write(&config, cfg).expect("config");
    Demo {
        dir,
        data,
        repo,
        config,
    }
}

impl Demo {
    /// The binary on this data dir, config and repo.
    pub fn conclave(&self) -> Command {
        self.conclave_in(&self.repo)
    }

    /// The binary on this data dir and config, on another repository.
    pub fn conclave_in(&self, repo: &Path) -> Command {
        let mut c = super::runs::conclave(&self.data);
        c.arg("--config").arg(&self.config).arg("--repo").arg(repo);
        c
    }

    /// A second copy of the sample repo beside the first (same data dir, same config).
    pub fn another_repo(&self, name: &str) -> PathBuf {
        let repo = self.dir.path().join(name);
        conclave::demo::sample::create(&repo).expect("sample repo");
        repo
    }

    /// The same as a shell command line (for a tmux pane), with `args` after it.
    pub fn shell(&self, args: &str) -> String {
        format!(
            "env CONCLAVE_DATA_DIR={} XDG_CONFIG_HOME={} HOME={} {} --config {} --repo {} {args}",
            self.data.display(),
            self.data.join("no-config").display(),
            self.data.join("home").display(),
            env!("CARGO_BIN_EXE_conclave"),
            self.config.display(),
            self.repo.display(),
        )
    }

    /// `conclave run --headless --on-approval wait --level 1` on the demo's goal, its stdout
    /// written to `out`; returns the child and the run's id (from its first event).
    pub fn start_waiting(&self, out: &Path) -> (Child, String) {
        self.start_waiting_in(&self.repo, out)
    }

    /// `start_waiting` on another repository.
    pub fn start_waiting_in(&self, repo: &Path, out: &Path) -> (Child, String) {
        let mut child = self
            .conclave_in(repo)
            .args(["run", "--headless", "--on-approval", "wait", "--level", "1"])
            .arg(conclave::demo::GOAL)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("conclave runs");
        let stdout = child.stdout.take().expect("stdout");
        let out = out.to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        // Copies every line to `out`; the first one's run id goes back.
        std::thread::spawn(move || {
            use std::io::Write;
            let mut file = std::fs::File::create(&out).expect("output file");
            let mut first = true;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if first {
                    let v: serde_json::Value = serde_json::from_str(&line).expect("an event");
                    let _ = tx.send(v["run"].as_str().unwrap_or_default().to_string());
                    first = false;
                }
                let _ = writeln!(file, "{line}");
                let _ = file.flush();
            }
        });
        let run = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the run never printed its first event");
        (child, run)
    }

    pub fn socket(&self, run: &str) -> PathBuf {
        self.data.join("sockets").join(format!("{run}.sock"))
    }

    /// Waits (generously) until the run's socket is there.
    pub fn wait_served(&self, run: &str) {
        let end = Instant::now() + Duration::from_secs(60);
        while !self.socket(run).exists() {
            assert!(Instant::now() < end, "run {run} was never served");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Waits for `child` to exit (generous deadline); its exit code.
pub fn wait_exit(child: &mut Child, secs: u64) -> Option<i32> {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(s) = child.try_wait().expect("wait") {
            return s.code();
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("the process did not exit within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A raw client of a run's socket: JSON lines in and out, as any script would speak it.
pub struct Client {
    lines: BufReader<std::os::unix::net::UnixStream>,
    out: std::os::unix::net::UnixStream,
}

impl Client {
    pub fn connect(socket: &Path) -> Client {
        let s = std::os::unix::net::UnixStream::connect(socket).expect("the socket answers");
        s.set_read_timeout(Some(Duration::from_secs(180)))
            .expect("timeout");
        Client {
            out: s.try_clone().expect("clone"),
            lines: BufReader::new(s),
        }
    }

    pub fn send(&mut self, line: &str) {
        use std::io::Write;
        self.out.write_all(line.as_bytes()).expect("send");
        self.out.write_all(b"\n").expect("send");
    }

    /// The next line as JSON; `None` when the server closed.
    pub fn next(&mut self) -> Option<serde_json::Value> {
        let mut line = String::new();
        let n = self
            .lines
            .read_line(&mut line)
            .expect("a line within 180 s");
        (n > 0).then(|| serde_json::from_str(&line).expect("the server sends JSON"))
    }

    /// Reads until a message matches; every message read on the way, that one last.
    pub fn until(&mut self, want: impl Fn(&serde_json::Value) -> bool) -> Vec<serde_json::Value> {
        let mut seen = Vec::new();
        loop {
            let m = self
                .next()
                .expect("the server closed before the message came");
            let hit = want(&m);
            seen.push(m);
            if hit {
                return seen;
            }
        }
    }
}
