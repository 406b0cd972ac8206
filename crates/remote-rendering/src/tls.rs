//! The HTTP client's TLS configuration: rustls with the `ring` provider, and
//! only the root certificates a client needs.
//!
//! Loading the platform's roots costs ≈ 10 ms per client (tens of millions
//! of instructions), which dominates a one-shot command. So the roots are
//! loaded only when they can be used: not for plain `http://` endpoints, and
//! not when the caller names its own roots (a CA file), which are then the
//! only ones trusted.

use crate::error::{Error, Result};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use std::sync::Arc;

/// Which certificates a client trusts.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Trust {
    /// No endpoint uses TLS: trust nothing, load nothing.
    Nothing,
    /// Only the given roots (from `add_root_certificate_pem` / a CA file).
    Only(Vec<CertificateDer<'static>>),
    /// The platform's verifier and roots.
    Platform,
}

impl Trust {
    /// What to trust for endpoints that use TLS or not and extra roots
    /// given as PEM texts.
    pub(crate) fn choose(any_https: bool, pems: &[Vec<u8>]) -> Result<Self> {
        let roots = parse_roots(pems)?;
        Ok(if !roots.is_empty() {
            Trust::Only(roots)
        } else if any_https {
            Trust::Platform
        } else {
            Trust::Nothing
        })
    }
}

/// Every certificate in the PEM texts; an error for a text without any.
fn parse_roots(pems: &[Vec<u8>]) -> Result<Vec<CertificateDer<'static>>> {
    let mut roots = Vec::new();
    for pem in pems {
        let bundle = CertificateDer::pem_slice_iter(pem)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| {
                Error::Configuration(format!("the root certificate file is not valid PEM: {e}"))
            })?;
        // Text without any certificate is an error rather than silently
        // trusting nothing.
        if bundle.is_empty() {
            return Err(Error::Configuration(
                "the root certificate file holds no `-----BEGIN CERTIFICATE-----` block".into(),
            ));
        }
        roots.extend(bundle);
    }
    Ok(roots)
}

/// The rustls configuration for `trust`, ready for reqwest's
/// `tls_backend_preconfigured`.
pub(crate) fn client_config(trust: Trust) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?;
    let mut config = match trust {
        Trust::Nothing => builder
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
        Trust::Only(roots) => {
            let mut store = rustls::RootCertStore::empty();
            for root in roots {
                store.add(root).map_err(|e| {
                    Error::Configuration(format!(
                        "the root certificate file holds an unusable certificate: {e}"
                    ))
                })?;
            }
            builder.with_root_certificates(store).with_no_client_auth()
        }
        Trust::Platform => {
            let verifier = rustls_platform_verifier::Verifier::new(provider).map_err(tls_error)?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth()
        }
    };
    // reqwest takes ALPN from a preconfigured backend as it is.
    config.alpn_protocols = if cfg!(feature = "http2") {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(config)
}

fn tls_error(e: rustls::Error) -> Error {
    Error::Configuration(format!("cannot set up TLS: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_PEM: &[u8] = b"hello";

    #[test]
    fn plain_http_without_roots_trusts_nothing() {
        assert_eq!(Trust::choose(false, &[]).unwrap(), Trust::Nothing);
    }

    #[test]
    fn https_without_roots_uses_the_platform() {
        assert_eq!(Trust::choose(true, &[]).unwrap(), Trust::Platform);
    }

    #[test]
    fn text_without_a_certificate_is_an_error() {
        assert!(Trust::choose(true, &[NOT_PEM.to_vec()]).is_err());
    }
}
