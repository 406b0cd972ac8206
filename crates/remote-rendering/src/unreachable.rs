//! Transport failures that will not heal by retrying, told apart from the
//! ones that may (a reset, a timeout): a closed port, a name that does not
//! resolve, a certificate the client does not trust. Retrying those only
//! makes the user wait in silence; they fail fast with what to do.

use std::error::Error as StdError;

/// Why a service could not be reached at all; see [`Error::unreachable`](crate::Error::unreachable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unreachable {
    /// Nothing listens at the endpoint's port (retried once: a restarting
    /// server may come back in a moment).
    ConnectionRefused,
    /// The endpoint's host name does not resolve.
    NameNotResolved,
    /// The server's TLS certificate is not trusted by this client.
    UntrustedCertificate,
}

impl Unreachable {
    /// What the user can do about it, in a phrase.
    pub fn hint(self) -> &'static str {
        match self {
            Unreachable::ConnectionRefused => {
                "nothing accepts connections there: check the endpoint and that the service runs"
            }
            Unreachable::NameNotResolved => {
                "the host name does not resolve: check the endpoint or region"
            }
            Unreachable::UntrustedCertificate => {
                "the server's certificate is not trusted: pass --ca-cert PATH or set ARR_CA_CERT"
            }
        }
    }

    /// Classifies a transport error by its chain of causes.
    pub(crate) fn of(error: &(dyn StdError + 'static)) -> Option<Self> {
        let mut cause = Some(error);
        while let Some(current) = cause {
            if let Some(io) = current.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::ConnectionRefused
            {
                return Some(Unreachable::ConnectionRefused);
            }
            // reqwest does not expose hyper-util's resolver error or rustls'
            // certificate error as types: their messages are stable enough.
            let text = current.to_string();
            if text.starts_with("dns error") || text.contains("failed to lookup address") {
                return Some(Unreachable::NameNotResolved);
            }
            if text.contains("invalid peer certificate") || text.contains("UnknownIssuer") {
                return Some(Unreachable::UntrustedCertificate);
            }
            cause = current.source();
        }
        None
    }
}
