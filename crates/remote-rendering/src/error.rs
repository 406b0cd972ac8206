//! The one error type of the crate.

use crate::api_version::ApiVersion;
use crate::status::{ConversionStatus, ServiceErrorDetail, SessionStatus};
use crate::unreachable::Unreachable;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Everything that can go wrong, by cause.
///
/// `Display` is one readable line; service errors include the `MS-CV`
/// correlation vector that Azure support asks for. No variant ever holds an
/// account key, access token or SAS.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input was rejected locally; nothing was sent.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// Which input (e.g. `session id`, `lease`, `endpoint`).
        field: &'static str,
        /// Why it was rejected.
        reason: String,
    },

    /// The client's API version does not have this operation (e.g.
    /// conversions on `v1`); nothing was sent.
    #[error("{operation} is not supported by API version {api_version}")]
    Unsupported {
        /// What was asked for.
        operation: &'static str,
        /// The version that cannot do it.
        api_version: ApiVersion,
    },

    /// The client could not be configured (missing setting, unreadable certificate...).
    #[error("configuration: {0}")]
    Configuration(String),

    /// The credentials were refused, or the STS could not issue a token.
    #[error("authentication failed{}: {message}{}", status_suffix(*status), ms_cv_suffix(ms_cv))]
    Authentication {
        /// HTTP status, when the failure came from a response.
        status: Option<u16>,
        /// What the service or credential said.
        message: String,
        /// Correlation vector of the failing response.
        ms_cv: Option<String>,
    },

    /// The service answered with an error status.
    #[error("{0}")]
    Service(Box<ServiceError>),

    /// The request could not be sent or the response could not be read.
    #[error("transport error during {operation}: {message}")]
    Transport {
        /// The operation being attempted.
        operation: &'static str,
        /// What went wrong (connection refused, reset...).
        message: String,
        /// The underlying error (shared, so that one failure can be handed
        /// to every caller that waited for it).
        #[source]
        source: Option<Arc<reqwest::Error>>,
    },

    /// A request or an overall wait took longer than allowed.
    #[error("{operation} timed out after {}", remote_rendering_duration::format_duration(*after))]
    Timeout {
        /// The operation (or poll) that timed out.
        operation: &'static str,
        /// How long it ran.
        after: Duration,
    },

    /// The service answered with a body this client cannot understand.
    #[error("unexpected response to {operation}: {message}{}", ms_cv_suffix(ms_cv))]
    InvalidResponse {
        /// The operation.
        operation: &'static str,
        /// What was wrong with it.
        message: String,
        /// Correlation vector of the response.
        ms_cv: Option<String>,
        /// Whether the body looked damaged in transit (cut short, not JSON)
        /// rather than well-formed but of another shape: only the former
        /// is worth asking again.
        transient: bool,
    },

    /// The answer's body was larger than the client reads
    /// ([`ClientOptions::body_limits`](crate::ClientOptions::body_limits)).
    /// It was read no further than the limit (not at all when its
    /// `Content-Length` said so) and the call is not retried: a server that
    /// sends too much will do so again.
    #[error(
        "the answer to {operation} (HTTP {status}) is larger than the client's {} limit{}; \
         it was not read further{}{}",
        format_bytes(*limit),
        declared_suffix(*content_length),
        excerpt_suffix(excerpt),
        ms_cv_suffix(ms_cv)
    )]
    ResponseTooLarge {
        /// The operation.
        operation: &'static str,
        /// The answer's HTTP status.
        status: u16,
        /// The limit that applied, in bytes.
        limit: u64,
        /// The `Content-Length` the answer declared, when that is what
        /// exceeded the limit.
        content_length: Option<u64>,
        /// The start of an error body (up to [`Error::EXCERPT_CHARS`]
        /// characters), which often says what went wrong.
        excerpt: Option<String>,
        /// Correlation vector of the response, when its headers were read.
        ms_cv: Option<String>,
    },

    /// A session reached a state that will never become Ready.
    #[error("session {id} ended {status}{}", detail_suffix(error))]
    SessionFailed {
        /// The session.
        id: String,
        /// Error, Expired, Stopped or a status this client does not know.
        status: SessionStatus,
        /// The service's error object, when it gave one.
        error: Option<Box<ServiceErrorDetail>>,
    },

    /// A conversion ended without producing an asset.
    #[error("conversion {id} ended {status}{}", detail_suffix(error))]
    ConversionFailed {
        /// The conversion.
        id: String,
        /// Failed, Cancelled or a terminal status this client does not know.
        status: ConversionStatus,
        /// The service's error object, when it gave one.
        error: Option<Box<ServiceErrorDetail>>,
    },
}

/// An error status from the service, with everything it said about it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ServiceError {
    /// The operation that failed.
    pub operation: &'static str,
    /// HTTP status code.
    pub status: u16,
    /// The service's error code (e.g. `InvalidArgument`), when the body had one.
    pub code: Option<String>,
    /// The service's message, or the HTTP reason phrase when the body was empty.
    pub message: String,
    /// Nested details from the error body.
    pub details: Vec<ServiceErrorDetail>,
    /// The field or resource the error is about.
    pub target: Option<String>,
    /// The `MS-CV` correlation vector of the response.
    pub ms_cv: Option<String>,
    /// The service's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed with HTTP {}", self.operation, self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(target) = &self.target {
            write!(f, " (target: {target})")?;
        }
        f.write_str(&ms_cv_suffix(&self.ms_cv))
    }
}

impl Error {
    /// How many characters of an oversized error body
    /// [`Error::ResponseTooLarge`] keeps.
    pub const EXCERPT_CHARS: usize = 200;

    pub(crate) fn validation(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Validation {
            field,
            reason: reason.into(),
        }
    }

    /// Whether trying the same call again may succeed: throttling, server
    /// errors, connection failures, timeouts and bodies damaged in transit.
    /// A well-formed body that does not match the API is not retried. This
    /// is the one place that decides; the request pipeline asks it.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Service(e) => matches!(e.status, 408 | 429 | 500 | 502 | 503 | 504),
            Error::Transport { .. } => !matches!(
                self.unreachable(),
                Some(Unreachable::NameNotResolved | Unreachable::UntrustedCertificate)
            ),
            Error::Timeout { .. } => true,
            Error::InvalidResponse { transient, .. } => *transient,
            _ => false,
        }
    }

    /// Why the service could not be reached at all, when that is the cause
    /// (a closed port, an unresolvable name, an untrusted certificate):
    /// failures that retrying will not heal.
    pub fn unreachable(&self) -> Option<Unreachable> {
        match self {
            Error::Transport {
                source: Some(source),
                ..
            } => Unreachable::of(source.as_ref()),
            _ => None,
        }
    }

    /// Whether the endpoint answered a web page instead of the API (a wrong
    /// endpoint, or a gateway's glitch): retried once at most.
    pub(crate) fn is_html_answer(&self) -> bool {
        matches!(self, Error::InvalidResponse { message, .. } if message == crate::response::HTML_ANSWER)
    }

    /// The `MS-CV` correlation vector of the response behind this error, if any.
    pub fn ms_cv(&self) -> Option<&str> {
        match self {
            Error::Service(e) => e.ms_cv.as_deref(),
            Error::Authentication { ms_cv, .. }
            | Error::InvalidResponse { ms_cv, .. }
            | Error::ResponseTooLarge { ms_cv, .. } => ms_cv.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status behind this error, if it came from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Service(e) => Some(e.status),
            Error::Authentication { status, .. } => *status,
            Error::ResponseTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The service error, for service failures.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Error::Service(e) => Some(e),
            _ => None,
        }
    }

    /// The delay the service asked for, if any.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Service(e) => e.retry_after,
            _ => None,
        }
    }
}

fn status_suffix(status: Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

fn ms_cv_suffix(ms_cv: &Option<String>) -> String {
    ms_cv
        .as_ref()
        .map(|cv| format!(" [MS-CV {cv}]"))
        .unwrap_or_default()
}

/// `4 MiB`, `64 KiB` or `1000 bytes`.
fn format_bytes(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    match bytes {
        0 => "0-byte".into(),
        b if b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b}-byte"),
    }
}

fn declared_suffix(content_length: Option<u64>) -> String {
    content_length
        .map(|n| format!(" (it declared {n} bytes)"))
        .unwrap_or_default()
}

/// The excerpt as one line: server text with control characters escaped,
/// so that it cannot forge lines or move the cursor.
fn excerpt_suffix(excerpt: &Option<String>) -> String {
    match excerpt.as_deref() {
        Some(text) if !text.is_empty() => format!("; it began: \"{}\"", text.escape_debug()),
        _ => String::new(),
    }
}

fn detail_suffix(error: &Option<Box<ServiceErrorDetail>>) -> String {
    error
        .as_ref()
        .map(|e| format!(": {} {}", e.code, e.message))
        .unwrap_or_default()
}

impl From<std::convert::Infallible> for Error {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
