//! Running code that may panic on data it cannot read (sled does, on some damaged files), so
//! that the panic becomes an error the caller reports, and prints nothing meanwhile.
//!
//! Owns the one panic hook wrapper that stays silent for a contained panic; every other panic
//! goes to the hook that was there before (the terminal's, which restores the screen).

use std::cell::Cell;
use std::sync::Once;

thread_local! {
    static CONTAINED: Cell<u32> = const { Cell::new(0) };
}

/// Whether this thread is inside `contain` (a panic hook must then stay silent).
pub fn is_contained() -> bool {
    CONTAINED.with(|c| c.get() > 0)
}

/// Runs `f`; a panic in it comes back as its message.
pub fn contain<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !is_contained() {
                previous(info);
            }
        }));
    });
    CONTAINED.with(|c| c.set(c.get() + 1));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(c.get() - 1));
    out.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "an unexpected failure".into())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_inside_comes_back_as_its_message() {
        assert_eq!(super::contain(|| 7), Ok(7));
        let err = super::contain(|| -> u8 { panic!("tried to serialize Uninitialized") });
        assert_eq!(err, Err("tried to serialize Uninitialized".into()));
        assert!(!super::is_contained());
    }
}
