//! Typed errors. None carries a secret: no account key, no SAS, no token, and no URL (a URL may
//! carry a SAS in its query).

use std::path::PathBuf;

/// What went wrong talking to Blob storage or reading/writing local files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The service answered with an error status.
    #[error("storage service answered {status} {code}: {message}")]
    Service {
        /// The HTTP status.
        status: u16,
        /// The storage error code (`x-ms-error-code` or the body's `Code`), e.g.
        /// `AuthenticationFailed`; empty when the service sent none.
        code: String,
        /// The service's message (first line; request ids and timestamps dropped).
        message: String,
    },
    /// The request did not complete (connection refused or reset, timeout).
    #[error("storage request failed: {0}")]
    Transport(#[source] reqwest::Error),
    /// A local file or folder could not be read or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done (`reading`, `creating`, ...).
        action: &'static str,
        /// The local path concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An account key that is not valid base64.
    #[error("the storage account key is not valid base64")]
    InvalidAccountKey,
    /// A SAS that is not a query string of `name=value` pairs.
    #[error("the SAS token is not a query string")]
    InvalidSas,
    /// An endpoint, container or blob name that does not form a valid URL.
    #[error("invalid storage endpoint or name: {0}")]
    InvalidUrl(String),
    /// A blob name that would escape the download folder (`..`, absolute path).
    #[error("blob name {0:?} is not a safe relative path")]
    UnsafeBlobName(String),
    /// The service's answer could not be understood.
    #[error("unexpected storage response: {0}")]
    Protocol(String),
    /// The Entra credential could not provide a token.
    #[cfg(feature = "entra")]
    #[error("the Entra credential failed: {0}")]
    Credential(String),
}

impl StorageError {
    /// The HTTP status when the service answered, else `None`.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Service { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether trying the same request again may succeed (throttling, server errors, lost
    /// connections).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Service { status, .. } => matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
            Self::Transport(_) => true,
            _ => false,
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// Wraps a transport error, dropping its URL (which may hold a SAS).
    pub(crate) fn transport(error: reqwest::Error) -> Self {
        Self::Transport(error.without_url())
    }
}
