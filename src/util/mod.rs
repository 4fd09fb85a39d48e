//! Small helpers with no better home: time formatting and text shortening.
//!
//! Owns nothing stateful; every function is pure (`contain` excepted: see there).

pub mod contain;

/// `2024-11-23 21:33:20` (UTC) for milliseconds since the epoch.
pub fn format_utc(ms: u64) -> String {
    // 9999-12-31 23:59:59, the last second `time` represents: a corrupt stamp shows as that
    // rather than failing a screen.
    const LAST: u64 = 253_402_300_799;
    let secs = (ms / 1000).min(LAST) as i64;
    let t =
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// At most `max` characters, with `…` when cut.
pub fn shorten(s: &str, max: usize) -> String {
    let line = s.lines().next().unwrap_or("");
    if line.chars().count() <= max && !s.contains('\n') {
        return line.to_string();
    }
    let mut out: String = line.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Milliseconds since the epoch, now (the engine stamps events with it; the reducer never
/// reads a clock).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A span of recorded time as `m:ss`, or `h:mm:ss` from an hour on.
pub fn format_duration_ms(ms: u64) -> String {
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(1_732_400_000_123), "2024-11-23 22:13:20");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(format_utc(u64::MAX), "9999-12-31 23:59:59");
    }

    #[test]
    fn shortening() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("abcdefgh", 5), "abcd…");
        assert_eq!(shorten("ab\ncd", 5), "ab…");
    }
}
