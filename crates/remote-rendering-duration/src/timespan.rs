//! .NET timespans, as the `v1` session protocol writes leases and elapsed
//! times: `[d.]h:m:s[.fraction]`. The client writes them and the emulator
//! reads them, so both use this one grammar.

use std::time::Duration;

/// A duration as a .NET timespan: `hh:mm:ss` below a day, `d.hh:mm:ss` from
/// a day on (.NET reads `24:00:00` as 24 days). Fractions of a second are
/// dropped.
pub fn format_timespan(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (days, hours) = (seconds / 86_400, seconds / 3600 % 24);
    let (minutes, seconds) = (seconds / 60 % 60, seconds % 60);
    if days > 0 {
        format!("{days}.{hours:02}:{minutes:02}:{seconds:02}")
    } else {
        format!("{hours:02}:{minutes:02}:{seconds:02}")
    }
}

/// Parses a .NET timespan `[d.]h:m:s[.fraction]` (`4:0:0`, `04:00:00`,
/// `1.00:00:00`, `00:00:01.5`); `None` for anything else.
pub fn parse_timespan(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (days, clock) = match text.split_once('.') {
        // A dot before the first colon separates days; after it, a fraction.
        Some((days, rest)) if !days.contains(':') => (number(days)?, rest),
        _ => (0, text),
    };
    let (clock, fraction) = match clock.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (clock, None),
    };
    let mut parts = clock.split(':');
    let hours = number(parts.next()?)?;
    let minutes = number(parts.next()?)?;
    let seconds = number(parts.next()?)?;
    if parts.next().is_some() || hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    let nanos = match fraction {
        None => 0,
        Some(digits) if !digits.is_empty() && digits.len() <= 9 => {
            u32::try_from(number(digits)?).ok()? * 10u32.pow(9 - digits.len() as u32)
        }
        Some(_) => return None,
    };
    let whole = days
        .checked_mul(86_400)?
        .checked_add(hours * 3600 + minutes * 60 + seconds)?;
    Some(Duration::new(whole, nanos))
}

fn number(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}
