//! Durations as people type them (`4h`, `90m`, `1h30m`, `45s`) and as the
//! sample scripts' `arrconfig.json` writes them (`hh:mm:ss`, .NET `d.hh:mm:ss`).

use std::time::Duration;

const FORMS: &str = "use a form like 4h, 90m, 1h30m, 45s or hh:mm:ss";

/// Parses a duration in unit form (`1h30m`, `45s`, `2d`, `250ms`) or clock form
/// (`hh:mm:ss`, `h:m:s`, `d.hh:mm:ss`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("empty duration; {FORMS}"));
    }
    if text.contains(':') {
        parse_clock(text)
    } else {
        parse_units(text)
    }
}

/// Parses a lease: a positive duration in whole minutes, because the service
/// counts leases in minutes and silently rounding would change what was asked.
pub fn parse_lease(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration.is_zero() {
        return Err(format!("a lease must be at least one minute, not `{text}`"));
    }
    if !remote_rendering::Lease::is_whole_minutes(duration) {
        return Err(format!(
            "a lease is a whole number of minutes; `{text}` is not (try e.g. 1m or 90m)"
        ));
    }
    Ok(duration)
}

/// Shows a duration of whole minutes as `45m` or `1h30m`, and anything else
/// as seconds.
pub fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    if !secs.is_multiple_of(60) || secs == 0 {
        return format!("{:.0}s", duration.as_secs_f64());
    }
    let minutes = secs / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m:02}m"),
    }
}

fn parse_units(text: &str) -> Result<Duration, String> {
    let mut total = 0u64;
    let mut rest = text;
    let mut seen = Vec::new();
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("`{text}` is not a duration; {FORMS}"));
        }
        let value: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{text}` is too large"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (unit, tail) = rest.split_at(unit_len);
        // In milliseconds: `ms` suits poll intervals.
        let scale = match unit {
            "d" => 86_400_000,
            "h" => 3_600_000,
            "m" | "min" => 60_000,
            "s" => 1_000,
            "ms" => 1,
            "" => return Err(format!("`{text}` needs a unit; {FORMS}")),
            other => return Err(format!("unknown unit `{other}` in `{text}`; {FORMS}")),
        };
        // `1h1h` is almost certainly a typo; refuse it rather than guess.
        if seen.contains(&scale) {
            return Err(format!("`{text}` repeats a unit; {FORMS}"));
        }
        seen.push(scale);
        total = value
            .checked_mul(scale)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("`{text}` is too large"))?;
        rest = tail;
    }
    Ok(Duration::from_millis(total))
}

fn parse_clock(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not hh:mm:ss; {FORMS}");
    let (days, clock) = match text.split_once('.') {
        // .NET TimeSpan writes 24 hours as `1.00:00:00`.
        Some((days, clock)) if !days.contains(':') => {
            (days.parse::<u64>().map_err(|_| bad())?, clock)
        }
        _ => (0, text),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let [h, m, s] = parts.as_slice() else {
        return Err(bad());
    };
    let number = |part: &str| -> Result<u64, String> {
        if part.is_empty() || !part.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        part.parse().map_err(|_| bad())
    };
    let (h, m, s) = (number(h)?, number(m)?, number(s)?);
    if m >= 60 || s >= 60 {
        return Err(format!("`{text}`: minutes and seconds must be below 60"));
    }
    let total = days
        .checked_mul(24)
        .and_then(|d| d.checked_add(h))
        .and_then(|h| h.checked_mul(3600))
        .and_then(|v| v.checked_add(m * 60 + s))
        // The unit form counts in milliseconds: the same bound here keeps
        // every parsed duration printable and readable back.
        .filter(|v| v.checked_mul(1000).is_some())
        .ok_or_else(|| format!("`{text}` is too large"))?;
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mins(m: u64) -> Duration {
        Duration::from_secs(m * 60)
    }

    #[test]
    fn unit_forms() {
        assert_eq!(parse_duration("4h").unwrap(), mins(240));
        assert_eq!(parse_duration("90m").unwrap(), mins(90));
        assert_eq!(parse_duration("1h30m").unwrap(), mins(90));
        assert_eq!(parse_duration("45s").unwrap(), Duration::from_secs(45));
        assert_eq!(parse_duration("1d").unwrap(), mins(1440));
        assert_eq!(parse_duration("2m30s").unwrap(), Duration::from_secs(150));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
    }

    #[test]
    fn clock_forms() {
        assert_eq!(parse_duration("04:00:00").unwrap(), mins(240));
        assert_eq!(parse_duration("4:0:0").unwrap(), mins(240));
        assert_eq!(parse_duration("01:30:00").unwrap(), mins(90));
        assert_eq!(parse_duration("1.00:00:00").unwrap(), mins(1440));
        assert_eq!(parse_duration("24:00:00").unwrap(), mins(1440));
    }

    #[test]
    fn rejects_nonsense_with_the_accepted_forms() {
        for bad in [
            "", "90", "h", "1x", "1h1h", "1:2", "1:60:00", "a:b:c", "-1h", "1.5h",
        ] {
            let error = parse_duration(bad).unwrap_err();
            assert!(!error.is_empty(), "{bad}");
        }
        assert!(parse_duration("90").unwrap_err().contains("4h, 90m"));
    }

    #[test]
    fn leases_are_whole_positive_minutes() {
        assert_eq!(parse_lease("1h30m").unwrap(), mins(90));
        assert!(
            parse_lease("45s")
                .unwrap_err()
                .contains("whole number of minutes")
        );
        assert!(parse_lease("00:00:30").is_err());
        assert!(parse_lease("0m").is_err());
        assert!(parse_lease("90500ms").is_err());
    }

    #[test]
    fn both_forms_share_one_upper_bound() {
        // Found by the `duration` fuzz target: a clock-form duration too
        // large for the unit form printed as text that did not parse.
        assert!(parse_duration("244073709559516:15:0").is_err());
        let largest = parse_duration("5124095576030:00:00").unwrap();
        assert_eq!(parse_duration(&format_duration(largest)), Ok(largest));
    }

    #[test]
    fn formatting() {
        assert_eq!(format_duration(mins(90)), "1h30m");
        assert_eq!(format_duration(mins(120)), "2h");
        assert_eq!(format_duration(mins(5)), "5m");
        assert_eq!(format_duration(Duration::from_secs(5)), "5s");
        assert_eq!(format_duration(Duration::ZERO), "0s");
    }
}
