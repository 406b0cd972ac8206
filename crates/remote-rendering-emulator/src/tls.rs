//! Self-signed TLS for `--tls` / `EmulatorBuilder::tls`.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::EmulatorError;

/// A server configuration plus the PEM of the CA that signed its certificate.
pub(crate) struct TlsSetup {
    pub(crate) config: Arc<rustls::ServerConfig>,
    pub(crate) ca_pem: String,
}

/// Generates a throwaway CA and a server certificate for `localhost` and
/// `127.0.0.1` signed by it. A separate CA (rather than one self-signed leaf)
/// keeps strict verifiers such as webpki and OpenSSL equally happy.
pub(crate) fn generate() -> Result<TlsSetup, EmulatorError> {
    let tls_err = |e: rcgen::Error| EmulatorError::Tls(e.to_string());

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls_err)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "arr-emulator local CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(tls_err)?)
        .map_err(tls_err)?;

    let mut leaf_params = CertificateParams::new(vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ])
    .map_err(tls_err)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().map_err(tls_err)?;
    let leaf = leaf_params.signed_by(&leaf_key, &ca).map_err(tls_err)?;

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| EmulatorError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
        .map_err(|e| EmulatorError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsSetup {
        config: Arc::new(config),
        ca_pem: ca.pem(),
    })
}
