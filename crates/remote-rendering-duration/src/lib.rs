//! One duration grammar and one formatter for `arr`, `arr-emulator` and the
//! remote-rendering client's messages, so a duration printed by one of them
//! is read back by any other.
//!
//! Accepted forms:
//! - units, alone or compound: `4h`, `90m`, `1h30m`, `45s`, `250ms`, `2d`,
//!   `1min`, with decimals (`1.5s`, `0.5h`) and optional spaces (`3 s`);
//! - a bare number of seconds: `90`, `1.5`;
//! - clock form: `hh:mm:ss`, `h:m:s` and .NET's `d.hh:mm:ss`.
//!
//! ```
//! use std::time::Duration;
//! use remote_rendering_duration::{format_duration, parse_duration};
//!
//! let d = parse_duration("1h30m").unwrap();
//! assert_eq!(d, Duration::from_secs(5400));
//! assert_eq!(format_duration(d), "1h30m");
//! assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
//! ```

use std::fmt;
use std::time::Duration;

mod format;
mod parse;
mod timespan;

pub use format::format_duration;
pub use parse::parse_duration;
pub use timespan::{format_timespan, parse_timespan};

/// Why a text is not a duration; its message names the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDurationError {
    message: String,
}

impl ParseDurationError {
    pub(crate) fn new(message: String) -> Self {
        Self { message }
    }
}

impl fmt::Display for ParseDurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseDurationError {}

impl From<ParseDurationError> for String {
    fn from(error: ParseDurationError) -> Self {
        error.message
    }
}

/// The largest duration either form accepts: a whole number of milliseconds
/// that fits in `u64`, so every parsed duration can be printed and read back.
pub const MAX: Duration = Duration::from_millis(u64::MAX);
