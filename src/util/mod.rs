//! Small helpers with no better home: time, money and text formatting (`words`: plurals and
//! articles).
//!
//! Owns nothing stateful; every function is pure (`contain` excepted: see there).

pub mod contain;
pub mod words;

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

/// Dollars, with four decimals under a cent so a cheap call does not read as free.
pub fn dollars(x: f64) -> String {
    if x > 0.0 && x < 0.01 {
        format!("${x:.4}")
    } else {
        format!("${x:.2}")
    }
}

/// What a cost reads as in a narrow column: dollars, or `?` when calls without a known price
/// (`unpriced`) are all there is, or `$0.12+?` when some calls had one and some did not. A
/// model priced at zero (a local one) is free, not unknown: it reads `$0.00`.
pub fn cost_short(usd: f64, unpriced: u64) -> String {
    match unpriced {
        0 => dollars(usd),
        _ if usd <= 0.0 => "?".into(),
        _ => format!("{}+?", dollars(usd)),
    }
}

/// `cost_short` where there is room for words: `price unknown`, `$0.12 + unpriced calls`.
pub fn cost_long(usd: f64, unpriced: u64) -> String {
    match unpriced {
        0 => dollars(usd),
        _ if usd <= 0.0 => "price unknown".into(),
        n => format!(
            "{} + {} of unknown price",
            dollars(usd),
            words::count(n, "call")
        ),
    }
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
    fn unknown_prices_are_not_free() {
        assert_eq!(cost_short(0.0, 0), "$0.00");
        assert_eq!(cost_short(0.0, 3), "?");
        assert_eq!(cost_short(0.12, 1), "$0.12+?");
        assert_eq!(cost_long(0.0, 2), "price unknown");
        assert_eq!(cost_long(0.004, 1), "$0.0040 + 1 call of unknown price");
        assert_eq!(cost_long(1.5, 0), "$1.50");
    }

    #[test]
    fn shortening() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("abcdefgh", 5), "abcd…");
        assert_eq!(shorten("ab\ncd", 5), "ab…");
    }
}
