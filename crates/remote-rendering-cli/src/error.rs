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

/// A command failure: a one-line message for stderr, an exit code, and
/// what `--output json` reports about it (see [`crate::error_document`]).
#[derive(Debug)]
pub struct CliError {
    /// The process exit code.
    pub code: u8,
    /// What went wrong, without any secret.
    pub message: String,
    /// A stable machine name of the failure (`usage`, `service`,
    /// `timeout`...), the `code` of the JSON error document.
    pub kind: &'static str,
    /// The HTTP status behind the failure, when there was an answer.
    pub status: Option<u16>,
    /// The `MS-CV` correlation vector of the failing response, when known.
    pub ms_cv: Option<String>,
}

impl CliError {
    /// A failure with exit code `code`, named after the exit code.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            kind: kind_of_exit_code(code),
            status: None,
            ms_cv: None,
        }
    }

    /// A client error reported with another `message` (e.g. with a hint
    /// appended); exit code, name, status and MS-CV come from `error`.
    pub fn from_client(error: &Error, message: impl Into<String>) -> Self {
        Self {
            code: exit_code(error),
            message: message.into(),
            kind: kind_of(error),
            status: error.status(),
            ms_cv: error.ms_cv().map(str::to_string),
        }
    }

    /// A usage or configuration problem (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(USAGE, message)
    }

    /// The user pressed Ctrl-C (exit 130); `message` says how to go on.
    pub fn interrupted(message: impl Into<String>) -> Self {
        Self::new(INTERRUPTED, message)
    }

    /// A local I/O or service-side problem that is not the user's input (exit 4).
    pub fn service(message: impl Into<String>) -> Self {
        Self::new(SERVICE, message)
    }

    /// The command's overall `--timeout` ran out (exit 4).
    pub fn timeout(message: impl Into<String>) -> Self {
        Self {
            kind: "timeout",
            ..Self::new(SERVICE, message)
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

/// The stable machine name of a client error, for `--output json`.
pub fn kind_of(error: &Error) -> &'static str {
    if let Some(unreachable) = error.unreachable() {
        return match unreachable {
            remote_rendering::Unreachable::ConnectionRefused => "connectionRefused",
            remote_rendering::Unreachable::NameNotResolved => "nameNotResolved",
            remote_rendering::Unreachable::UntrustedCertificate => "untrustedCertificate",
            _ => "transport",
        };
    }
    match error {
        Error::Validation { .. } => "validation",
        Error::Unsupported { .. } => "unsupported",
        Error::Configuration(_) => "configuration",
        Error::Authentication { .. } => "authentication",
        Error::Service(_) => "service",
        Error::Transport { .. } => "transport",
        Error::Timeout { .. } => "timeout",
        Error::InvalidResponse { .. } => "invalidResponse",
        Error::SessionFailed { .. } => "sessionFailed",
        Error::ConversionFailed { .. } => "conversionFailed",
        _ => "error",
    }
}

/// The machine name of a failure known only by its exit code.
fn kind_of_exit_code(code: u8) -> &'static str {
    match code {
        OUTPUT => "output",
        USAGE => "usage",
        AUTHENTICATION => "authentication",
        SERVICE => "service",
        FAILED => "failed",
        INTERRUPTED => "interrupted",
        _ => "error",
    }
}

impl From<Error> for CliError {
    fn from(error: Error) -> Self {
        // The client's errors never carry a secret, so Display is safe to print.
        Self::from_client(&error, error.to_string())
    }
}

/// Result alias for commands.
pub type CliResult<T = ()> = Result<T, CliError>;
