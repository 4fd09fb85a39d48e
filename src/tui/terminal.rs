//! The real terminal: raw mode, alternate screen and mouse capture on the way in, and the
//! way back out on every exit path (design §13): a normal quit (the guard's `Drop`), a panic
//! (a hook that restores before the message prints) and SIGTERM/SIGHUP (the app loop stops
//! and the guard drops).
//!
//! Owns terminal modes only; must not draw.

use crossterm::cursor::Show;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

pub type RealTerminal = Terminal<CrosstermBackend<Stdout>>;

/// Whether the terminal is in our modes, so restoring twice (guard and hook) is harmless.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Restores the terminal when dropped.
pub struct TerminalGuard(());

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = restore();
    }
}

/// Enters raw mode and the alternate screen with mouse capture.
pub fn enter() -> io::Result<(RealTerminal, TerminalGuard)> {
    install_panic_hook();
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let guard = TerminalGuard(());
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.clear()?;
    Ok((terminal, guard))
}

/// Leaves our modes if we are in them: the screen the person had comes back.
pub fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let raw = disable_raw_mode();
    execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        Show
    )?;
    raw
}

/// The terminal went away (SIGHUP): standard input, output and error are pointed at
/// /dev/null, so what is still written (the restore, ratatui's own cursor message, a last
/// word on stderr) goes nowhere instead of failing, and a failed `eprintln!` cannot panic
/// the process that may go on without a screen.
#[cfg(unix)]
pub fn abandon() {
    use std::os::fd::AsRawFd;
    let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    else {
        return;
    };
    for fd in 0..=2 {
        // SAFETY: dup2 onto the standard descriptors only swaps what they refer to; every
        // handle to them stays valid.
        unsafe {
            libc::dup2(null.as_raw_fd(), fd);
        }
    }
}

#[cfg(not(unix))]
pub fn abandon() {}

/// A panic restores the terminal first, so its message is readable and the shell usable.
pub fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // A panic `contain` turns into an error leaves the screen as it is.
            if crate::util::contain::is_contained() {
                return;
            }
            let _ = restore();
            previous(info);
        }));
    });
}
