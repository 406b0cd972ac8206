//! .NET timespans, as the `v1` protocol writes leases and elapsed times:
//! `[d.]h:m:s[.fraction]`.

use std::time::Duration;

/// Parses `[d.]h:m:s[.fraction]` (`4:0:0`, `04:00:00`, `1.00:00:00`,
/// `00:00:01.5`); `None` for anything else.
pub(super) fn parse(text: &str) -> Option<Duration> {
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

/// `minutes` as `hh:mm:ss`, or `d.hh:mm:ss` from a day on (.NET would read
/// `24:00:00` as 24 days).
pub(super) fn from_minutes(minutes: i64) -> String {
    let minutes = minutes.max(0);
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if days > 0 {
        format!("{days}.{hours:02}:{minutes:02}:00")
    } else {
        format!("{hours:02}:{minutes:02}:00")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans_round_trip() {
        assert_eq!(parse("4:0:0"), Some(Duration::from_secs(4 * 3600)));
        assert_eq!(parse("1.00:00:00"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse("00:00:01.25"), Some(Duration::from_millis(1250)));
        for bad in ["", "4:00", "24:00:00", "-1:0:0", "1:2:3:4", "x"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        for minutes in [0, 1, 59, 61, 1439, 1440] {
            let text = from_minutes(minutes);
            assert_eq!(
                parse(&text),
                Some(Duration::from_secs(minutes as u64 * 60)),
                "{text}"
            );
        }
        assert_eq!(from_minutes(240), "04:00:00");
        assert_eq!(from_minutes(1440), "1.00:00:00");
    }
}
