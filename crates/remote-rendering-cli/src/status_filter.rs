//! `--status` of `arr session list` and `arr conversion list`: the states a
//! user may name (any case) and the filter they make. The service lists
//! everything; filtering happens here.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use remote_rendering::{ConversionStatus, SessionStatus};

/// The session states `--status` accepts, as listed in `--help`.
const SESSION_STATES: [&str; 6] = [
    "starting", "ready", "stopping", "stopped", "expired", "error",
];

/// The conversion states `--status` accepts.
const CONVERSION_STATES: [&str; 5] = ["notstarted", "running", "succeeded", "failed", "cancelled"];

/// Parses one session state; clap lists the valid ones on a typo (exit 2).
pub fn session_status_parser() -> impl TypedValueParser<Value = SessionStatus> {
    PossibleValuesParser::new(SESSION_STATES)
        .try_map(|name: String| SessionStatus::known(&name).ok_or("not a session state"))
}

/// Parses one conversion state.
pub fn conversion_status_parser() -> impl TypedValueParser<Value = ConversionStatus> {
    PossibleValuesParser::new(CONVERSION_STATES)
        .try_map(|name: String| ConversionStatus::known(&name).ok_or("not a conversion state"))
}

/// Whether `status` passes the filter `wanted` (an empty filter passes everything).
pub fn matches<T: PartialEq>(wanted: &[T], status: &T) -> bool {
    wanted.is_empty() || wanted.contains(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_state_is_a_known_state() {
        // A name the parser offers but the client does not know would be
        // accepted by clap and then refused.
        for name in SESSION_STATES {
            assert!(SessionStatus::known(name).is_some(), "{name}");
        }
        for name in CONVERSION_STATES {
            assert!(ConversionStatus::known(name).is_some(), "{name}");
        }
    }

    #[test]
    fn an_empty_filter_passes_everything() {
        assert!(matches(&[], &SessionStatus::Ready));
        assert!(matches(&[SessionStatus::Ready], &SessionStatus::Ready));
        assert!(!matches(&[SessionStatus::Ready], &SessionStatus::Starting));
    }
}
