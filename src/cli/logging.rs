//! Logging to a file in the data dir (never to the terminal, which may hold the TUI).
//!
//! Owns the log file's place, level and redaction: every line passes through the `Redactor`
//! before it is written, so a key that slipped into a message never reaches the disk.

use crate::config::Paths;
use crate::secrets::Redactor;
use std::io::Write;
use std::sync::{Arc, Mutex};

pub const LOG_FILE: &str = "conclave.log";

#[derive(Clone)]
struct RedactingFile {
    file: Arc<Mutex<std::fs::File>>,
    redactor: Arc<Redactor>,
}

impl Write for RedactingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let clean = self.redactor.redact(&text);
        let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        f.write_all(clean.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.lock().unwrap_or_else(|p| p.into_inner()).flush()
    }
}

/// Starts logging at warn (`-v` info, `-vv` debug, `-vvv` trace). Returns false when the log
/// file cannot be opened; conclave then runs without a log rather than failing.
pub fn init(paths: &Paths, verbose: u8) -> bool {
    let dir = paths.log_dir();
    if std::fs::create_dir_all(&dir).is_err() {
        return false;
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(LOG_FILE))
    else {
        return false;
    };
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let writer = RedactingFile {
        file: Arc::new(Mutex::new(file)),
        redactor: Arc::new(Redactor::from_env(Vec::<String>::new())),
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
            "conclave={level}"
        )))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .is_ok()
}
