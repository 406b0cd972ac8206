//! Self-signed TLS for `--tls` / `EmulatorBuilder::tls`.

use std::sync::Arc;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, CidrSubnet, DnType, GeneralSubtree, IsCa,
    KeyPair, KeyUsagePurpose, NameConstraints,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::EmulatorError;

/// A server configuration plus the PEM of the CA that signed its certificate.
pub(crate) struct TlsSetup {
    pub(crate) config: Arc<rustls::ServerConfig>,
    pub(crate) ca_pem: String,
}

/// How long the generated certificates are valid: long enough for a service
/// left running, short enough that a leaked CA soon stops mattering.
const VALIDITY: time::Duration = time::Duration::days(30);
/// Backdating, for clocks slightly behind this machine's.
const BACKDATE: time::Duration = time::Duration::hours(1);

/// The names the certificate serves, and the only ones the CA may vouch for.
const DNS_NAMES: [&str; 1] = ["localhost"];
const IP_ADDRESSES: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::LOCALHOST),
    IpAddr::V6(Ipv6Addr::LOCALHOST),
];

/// Generates a throwaway CA and a server certificate for `localhost`,
/// `127.0.0.1` and `::1` signed by it. A separate CA (rather than one
/// self-signed leaf) keeps strict verifiers such as webpki and OpenSSL
/// equally happy. Trusting the CA must not let it vouch for anything else,
/// so it is name-constrained to those names, may not sign other CAs, and
/// expires after [`VALIDITY`].
pub(crate) fn generate() -> Result<TlsSetup, EmulatorError> {
    let tls_err = |e: rcgen::Error| EmulatorError::Tls(e.to_string());
    let now = time::OffsetDateTime::now_utc();

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls_err)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "arr-emulator local CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.not_before = now - BACKDATE;
    ca_params.not_after = now + VALIDITY;
    ca_params.name_constraints = Some(NameConstraints {
        permitted_subtrees: DNS_NAMES
            .iter()
            .map(|name| GeneralSubtree::DnsName((*name).to_owned()))
            .chain(IP_ADDRESSES.iter().map(|ip| {
                let bits = if ip.is_ipv4() { 32 } else { 128 };
                GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(*ip, bits))
            }))
            .collect(),
        excluded_subtrees: Vec::new(),
    });
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(tls_err)?)
        .map_err(tls_err)?;

    let names = DNS_NAMES
        .iter()
        .map(|n| (*n).to_owned())
        .chain(IP_ADDRESSES.iter().map(IpAddr::to_string))
        .collect::<Vec<_>>();
    let mut leaf_params = CertificateParams::new(names).map_err(tls_err)?;
    leaf_params.not_before = now - BACKDATE;
    leaf_params.not_after = now + VALIDITY;
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
