//! .NET timespans, as the `v1` protocol writes leases and elapsed times
//! (the grammar lives in `remote-rendering-duration`, shared with the client).

use std::time::Duration;

pub(super) use remote_rendering_duration::parse_timespan as parse;

/// `minutes` as `hh:mm:ss`, or `d.hh:mm:ss` from a day on.
pub(super) fn from_minutes(minutes: i64) -> String {
    let minutes = u64::try_from(minutes).unwrap_or(0);
    remote_rendering_duration::format_timespan(Duration::from_secs(minutes * 60))
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
