//! Patch texts for the handwritten logs, written line by line so editors cannot strip the
//! significant leading spaces of context lines.

fn join(lines: &[&str]) -> String {
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

/// t1: parse the rate limit from config (one file, one hunk).
pub fn config_patch() -> String {
    join(&[
        "diff --git a/src/config.rs b/src/config.rs",
        "index 1b2c3d4..5e6f7a8 100644",
        "--- a/src/config.rs",
        "+++ b/src/config.rs",
        "@@ -8,4 +8,7 @@ pub struct HttpConfig {",
        "     pub base_url: String,",
        "     pub timeout_ms: u64,",
        "+    /// Requests per second allowed to one host; 0 means no limit.",
        "+    #[serde(default)]",
        "+    pub rate_limit: u32,",
        " }",
        " ",
    ])
}

/// t4: document the limit (markdown, no syntax colours needed).
pub fn docs_patch() -> String {
    join(&[
        "diff --git a/README.md b/README.md",
        "--- a/README.md",
        "+++ b/README.md",
        "@@ -12,3 +12,6 @@ ## Configuration",
        " `base_url` and `timeout_ms` set where and how long.",
        "+",
        "+`rate_limit` caps requests per second to one host. Requests over the limit",
        "+wait for a token instead of failing.",
        " ",
    ])
}

/// t5: retry with backoff on 429 (two files, three hunks, 34 added, 2 removed).
pub fn retry_patch() -> String {
    join(&[
        "diff --git a/src/http.rs b/src/http.rs",
        "index 3f2a1c0..8b7e4d2 100644",
        "--- a/src/http.rs",
        "+++ b/src/http.rs",
        "@@ -1,5 +1,7 @@",
        " use std::time::Duration;",
        " ",
        "+use crate::retry::Backoff;",
        "+",
        " pub struct Client {",
        "     inner: reqwest::Client,",
        "     base: String,",
        "@@ -20,6 +22,15 @@ impl Client {",
        "     pub async fn get(&self, path: &str) -> Result<String, Error> {",
        "         let url = format!(\"{}{}\", self.base, path);",
        "-        let resp = self.inner.get(&url).send().await?;",
        "-        Ok(resp.text().await?)",
        "+        let mut backoff = Backoff::new(Duration::from_millis(200), 5);",
        "+        loop {",
        "+            let resp = self.inner.get(&url).send().await?;",
        "+            if resp.status() != 429 {",
        "+                return Ok(resp.text().await?);",
        "+            }",
        "+            match backoff.next_delay() {",
        "+                Some(d) => tokio::time::sleep(d).await,",
        "+                None => return Err(Error::RateLimited),",
        "+            }",
        "+        }",
        "     }",
        " }",
        "diff --git a/src/retry.rs b/src/retry.rs",
        "new file mode 100644",
        "--- /dev/null",
        "+++ b/src/retry.rs",
        "@@ -0,0 +1,21 @@",
        "+//! Exponential backoff for rate-limited requests.",
        "+use std::time::Duration;",
        "+",
        "+pub struct Backoff {",
        "+    delay: Duration,",
        "+    left: u32,",
        "+}",
        "+",
        "+impl Backoff {",
        "+    pub fn new(first: Duration, tries: u32) -> Self {",
        "+        Backoff { delay: first, left: tries }",
        "+    }",
        "+",
        "+    /// The next delay, doubling each time; `None` when no tries are left.",
        "+    pub fn next_delay(&mut self) -> Option<Duration> {",
        "+        self.left = self.left.checked_sub(1)?;",
        "+        let d = self.delay;",
        "+        self.delay *= 2;",
        "+        Some(d)",
        "+    }",
        "+}",
    ])
}

/// t2 and t3 at the end of the finished run.
pub fn limiter_patch() -> String {
    join(&[
        "diff --git a/src/limiter.rs b/src/limiter.rs",
        "new file mode 100644",
        "--- /dev/null",
        "+++ b/src/limiter.rs",
        "@@ -0,0 +1,6 @@",
        "+//! A token bucket per host.",
        "+pub struct Limiter {",
        "+    per_second: u32,",
        "+    tokens: f64,",
        "+    last: std::time::Instant,",
        "+}",
    ])
}

pub fn tests_patch() -> String {
    join(&[
        "diff --git a/tests/limiter.rs b/tests/limiter.rs",
        "new file mode 100644",
        "--- /dev/null",
        "+++ b/tests/limiter.rs",
        "@@ -0,0 +1,4 @@",
        "+#[test]",
        "+fn a_burst_waits_for_tokens() {",
        "+    assert!(shop::limiter::Limiter::new(2).try_take());",
        "+}",
    ])
}
