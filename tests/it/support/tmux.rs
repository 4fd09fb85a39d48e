//! The real binary in a real terminal: a tmux server of its own per test, keys sent and the
//! screen read back as a person would.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    pub fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "e2e"])
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.cmd(&args);
    }

    pub fn text(&self, s: &str) {
        self.cmd(&["send-keys", "-t", "e2e", "-l", s]);
    }

    /// Waits until the screen shows `what`; the screen on failure. The wait is at least 30 s
    /// whatever `secs` says: it costs nothing when the screen is right, and a loaded 2-core
    /// machine can take that long to draw.
    pub fn wait_for(&self, what: &str, secs: u64) -> Result<String, String> {
        self.seen_within(what, secs.max(30))
    }

    /// Like `wait_for` but for exactly `secs`: for looking at one tab after another, where
    /// not seeing `what` soon is an answer too.
    pub fn seen_within(&self, what: &str, secs: u64) -> Result<String, String> {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if s.contains(what) {
                return Ok(s);
            }
            if Instant::now() > end {
                return Err(s);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Tmux {
    /// Waits until the screen shows one of `whats` (30 s at least, as `wait_for`); which one.
    pub fn wait_for_any(&self, whats: &[&str], secs: u64) -> Result<(usize, String), String> {
        let end = Instant::now() + Duration::from_secs(secs.max(30));
        loop {
            let s = self.screen();
            if let Some(i) = whats.iter().position(|w| s.contains(w)) {
                return Ok((i, s));
            }
            if Instant::now() > end {
                return Err(s);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A tmux format about the pane (`#{pane_title}`, `#{window_bell_flag}`), as tmux says it.
    pub fn format(&self, f: &str) -> String {
        self.cmd(&["display-message", "-p", "-t", "e2e", f])
            .trim_end()
            .to_string()
    }

    /// Waits (30 s at least, as `wait_for`) until the format `f` satisfies `want`; its last
    /// value either way.
    pub fn wait_format(
        &self,
        f: &str,
        want: impl Fn(&str) -> bool,
        secs: u64,
    ) -> Result<String, String> {
        let end = Instant::now() + Duration::from_secs(secs.max(30));
        loop {
            let v = self.format(f);
            if want(&v) {
                return Ok(v);
            }
            if Instant::now() > end {
                return Err(format!("{f} was `{v}`; the screen:\n{}", self.screen()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the screen no longer shows `what` (30 s at least): a dialog closed.
    pub fn wait_gone(&self, what: &str, secs: u64) -> Result<String, String> {
        let end = Instant::now() + Duration::from_secs(secs.max(30));
        loop {
            let s = self.screen();
            if !s.contains(what) {
                return Ok(s);
            }
            if Instant::now() > end {
                return Err(s);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `q`, then `y` if the program asks because agents still work; waits for the exit
    /// marker the test's script echoes.
    pub fn quit(&self) -> String {
        self.keys(&["q"]);
        let (i, _) = must_any(
            self.wait_for_any(&["Quit while agents work?", "EXITED"], 30),
            "the quit question or the exit",
        );
        if i == 0 {
            self.keys(&["y"]);
        }
        must(self.wait_for("EXITED", 30), "the program's exit")
    }

    /// Approves the approval at the head of the queue (the line `head`, as `waiting` found
    /// it), then waits until the head has moved on, so the next look at the screen never
    /// sees the old head again and approves something it did not mean to.
    pub fn approve(&self, head: &str) {
        self.keys(&["a"]);
        let end = Instant::now() + Duration::from_secs(30);
        while waiting(&self.screen()).as_deref() == Some(head) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The approval at the head of the Approvals pane (its `▶ ` line), if one waits.
pub fn waiting(screen: &str) -> Option<String> {
    screen
        .lines()
        .find(|l| l.starts_with("▶ "))
        .map(str::to_string)
}

fn must_any(r: Result<(usize, String), String>, what: &str) -> (usize, String) {
    r.unwrap_or_else(|screen| panic!("never saw {what}; the screen was:\n{screen}"))
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.cmd(&["kill-server"]);
    }
}

pub fn must(r: Result<String, String>, what: &str) -> String {
    r.unwrap_or_else(|screen| panic!("never saw {what}; the screen was:\n{screen}"))
}

impl Tmux {
    /// A server named after the test and this process, with `script` running in a session
    /// named `e2e` of `w`×`h`; panics when tmux is missing (.ci/run installs it).
    pub fn start(name: &str, script: &str, w: u16, h: u16) -> Tmux {
        if Command::new("tmux").arg("-V").output().is_err() {
            panic!("tmux is needed for this test (.ci/run installs it)");
        }
        let t = Tmux {
            socket: format!("conclave-{name}-{}", std::process::id()),
        };
        let (w, h) = (w.to_string(), h.to_string());
        t.cmd(&["new-session", "-d", "-s", "e2e", "-x", &w, "-y", &h, script]);
        t
    }
}
