//! Failures of a command and the exit code each one maps to.

use remote_rendering::Error;
use std::fmt;

/// Exit code: success.
pub const SUCCESS: u8 = 0;
/// Exit code: the result could not be written to stdout (e.g. a full disk).
pub const OUTPUT: u8 = 1;
/// Exit code: usage or validation error (also what clap uses).
pub const USAGE: u8 = 2;
/// Exit code: the credentials were refused.
pub const AUTHENTICATION: u8 = 3;
/// Exit code: the service or the network failed.
pub const SERVICE: u8 = 4;
/// Exit code: the waited-for operation ended in a failure state.
pub const FAILED: u8 = 5;
/// Exit code: interrupted by Ctrl-C (128 + SIGINT, as shells report it).
pub const INTERRUPTED: u8 = 130;

/// The exit-code table shown at the end of `arr --help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    success
  1    the result could not be written to stdout
  2    usage or validation error (bad flag, missing setting, invalid lease,
       an operation the --api-version does not have...)
  3    authentication failure (account key or token refused)
  4    service or network error
  5    the waited-for operation ended in a failure state
       (session Error, Expired or Stopped; conversion Failed or Cancelled)
  130  interrupted (Ctrl-C)";

/// A command failure: a one-line message for stderr and an exit code.
#[derive(Debug)]
pub struct CliError {
    /// The process exit code.
    pub code: u8,
    /// What went wrong, without any secret.
    pub message: String,
}

impl CliError {
    /// A usage or configuration problem (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: USAGE,
            message: message.into(),
        }
    }

    /// The user pressed Ctrl-C (exit 130); `message` says how to go on.
    pub fn interrupted(message: impl Into<String>) -> Self {
        Self {
            code: INTERRUPTED,
            message: message.into(),
        }
    }

    /// A local I/O or service-side problem that is not the user's input (exit 4).
    pub fn service(message: impl Into<String>) -> Self {
        Self {
            code: SERVICE,
            message: message.into(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The exit code for a client error.
pub fn exit_code(error: &Error) -> u8 {
    match error {
        // Unsupported: the chosen --api-version lacks the operation.
        Error::Validation { .. } | Error::Configuration(_) | Error::Unsupported { .. } => USAGE,
        Error::Authentication { .. } => AUTHENTICATION,
        Error::SessionFailed { .. } | Error::ConversionFailed { .. } => FAILED,
        // Service, Transport, Timeout, InvalidResponse, ResponseTooLarge and
        // anything added later.
        _ => SERVICE,
    }
}

impl From<Error> for CliError {
    fn from(error: Error) -> Self {
        // The client's errors never carry a secret, so Display is safe to print.
        Self {
            code: exit_code(&error),
            message: error.to_string(),
        }
    }
}

/// Result alias for commands.
pub type CliResult<T = ()> = Result<T, CliError>;
