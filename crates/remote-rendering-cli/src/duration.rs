//! Durations as people type them (`4h`, `90m`, `1h30m`, `45s`) and as the
//! sample scripts' `arrconfig.json` writes them (`hh:mm:ss`, .NET `d.hh:mm:ss`):
//! the workspace's one grammar and formatter, plus the lease rule.

use std::time::Duration;

pub use remote_rendering_duration::{ParseDurationError, format_duration, parse_duration};

/// Parses a lease: a positive duration in whole minutes, because the service
/// counts leases in minutes and silently rounding would change what was asked.
pub fn parse_lease(text: &str) -> Result<Duration, String> {
    // The generic hint suggests seconds, which a lease never accepts.
    let duration = parse_duration(text).map_err(|_| {
        format!("`{text}` is not a lease; use whole minutes like 30m, 1h30m, 4h or 01:30:00")
    })?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mins(m: u64) -> Duration {
        Duration::from_secs(m * 60)
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
        assert!(parse_lease("90").is_err());
        assert_eq!(parse_lease("1.5h").unwrap(), mins(90));
        // Issue 13: the hint for a bad lease never suggests seconds.
        for bad in ["abc", "4 hours", "1h1h"] {
            let error = parse_lease(bad).unwrap_err();
            assert!(
                !error.contains("45s") && error.contains("30m"),
                "{bad}: {error}"
            );
        }
    }
}
