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
    let ca = certificate_authority(now).map_err(tls_err)?;
    let leaf_key = KeyPair::generate().map_err(tls_err)?;
    let leaf = leaf(&names(), &leaf_key, &ca, now).map_err(tls_err)?;

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

/// The constrained, short-lived CA.
fn certificate_authority(
    now: time::OffsetDateTime,
) -> Result<CertifiedIssuer<'static, KeyPair>, rcgen::Error> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
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
    CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)
}

fn names() -> Vec<String> {
    DNS_NAMES
        .iter()
        .map(|n| (*n).to_owned())
        .chain(IP_ADDRESSES.iter().map(IpAddr::to_string))
        .collect()
}

/// A server certificate for `names`, signed by `ca`.
fn leaf(
    names: &[String],
    key: &KeyPair,
    ca: &CertifiedIssuer<'static, KeyPair>,
    now: time::OffsetDateTime,
) -> Result<rcgen::Certificate, rcgen::Error> {
    let mut params = CertificateParams::new(names.to_vec())?;
    params.not_before = now - BACKDATE;
    params.not_after = now + VALIDITY;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    params.signed_by(key, ca)
}

#[cfg(test)]
mod tests {
    use rustls::client::WebPkiServerVerifier;
    use rustls::client::danger::ServerCertVerifier as _;
    use rustls::pki_types::{ServerName, UnixTime};

    use super::*;

    /// Verifies a certificate for `name` signed by `ca`, at `at`.
    fn verify(
        ca: &CertifiedIssuer<'static, KeyPair>,
        name: &str,
        at: time::OffsetDateTime,
    ) -> Result<(), rustls::Error> {
        let now = time::OffsetDateTime::now_utc();
        let key = KeyPair::generate().unwrap();
        let cert = leaf(&[name.to_owned()], &key, ca, now).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca.der().clone()).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .unwrap();
        let seconds = u64::try_from(at.unix_timestamp()).unwrap();
        verifier
            .verify_server_cert(
                cert.der(),
                &[],
                &ServerName::try_from(name.to_owned()).unwrap(),
                &[],
                UnixTime::since_unix_epoch(std::time::Duration::from_secs(seconds)),
            )
            .map(|_| ())
    }

    #[test]
    fn the_ca_vouches_only_for_the_served_names_and_not_for_long() {
        let now = time::OffsetDateTime::now_utc();
        let ca = certificate_authority(now).unwrap();
        for name in ["localhost", "127.0.0.1", "::1"] {
            verify(&ca, name, now).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        // Even a certificate the CA signed is refused for any other name.
        for name in ["example.com", "login.microsoftonline.com", "10.0.0.1"] {
            assert!(verify(&ca, name, now).is_err(), "{name} was accepted");
        }
        // And it expires within the validity window.
        assert!(verify(&ca, "localhost", now + VALIDITY + time::Duration::days(1)).is_err());
    }
}
