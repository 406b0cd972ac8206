//! The one formatter: short, exact for whole minutes, readable back by
//! [`crate::parse_duration`].

use std::time::Duration;

/// Shows a duration as `0s`, `0.3s`, `45s`, `45m`, `1h30m` or `2m05s`.
///
/// Under a minute it keeps a tenth of a second (timeouts and poll intervals
/// are often fractional); from a minute on it drops sub-seconds, and whole
/// minutes print without seconds because leases are whole minutes.
pub fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs < 60 {
        let tenths = (duration.as_millis() + 50) / 100;
        return match (tenths / 10, tenths % 10) {
            (s, 0) => format!("{s}s"),
            (s, t) => format!("{s}.{t}s"),
        };
    }
    let (hours, minutes, seconds) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (hours, minutes, seconds) {
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, 0) => format!("{h}h{m:02}m"),
        (h, m, s) => format!("{h}h{m:02}m{s:02}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_duration;

    fn mins(m: u64) -> Duration {
        Duration::from_secs(m * 60)
    }

    #[test]
    fn formatting() {
        assert_eq!(format_duration(mins(90)), "1h30m");
        assert_eq!(format_duration(mins(120)), "2h");
        assert_eq!(format_duration(mins(5)), "5m");
        assert_eq!(format_duration(Duration::from_secs(5)), "5s");
        assert_eq!(format_duration(Duration::ZERO), "0s");
        assert_eq!(format_duration(Duration::from_millis(300)), "0.3s");
        assert_eq!(format_duration(Duration::from_millis(1530)), "1.5s");
        assert_eq!(format_duration(Duration::from_millis(59_990)), "60s");
        assert_eq!(format_duration(Duration::from_secs(125)), "2m05s");
        assert_eq!(format_duration(Duration::from_secs(3723)), "1h02m03s");
    }

    #[test]
    fn what_is_shown_reads_back() {
        for d in [
            Duration::from_millis(300),
            Duration::from_secs(59),
            Duration::from_secs(125),
            Duration::from_secs(3723),
            mins(1440),
        ] {
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
        }
    }
}
