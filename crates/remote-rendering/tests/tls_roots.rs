//! Which roots a client trusts: the platform's when none are given, and
//! only the given ones otherwise (the platform's are then not even loaded,
//! which keeps one-shot commands fast).
//!
//! The "platform" here is `SSL_CERT_FILE` (honoured on Linux), pointed at one
//! emulator's CA. A test binary of its own because it sets an environment
//! variable for the whole process.

use remote_rendering::{Client, Credential, Error, RetryPolicy, SessionId};
use remote_rendering_emulator::{Emulator, EmulatorHandle};
use std::time::Duration;

fn builder(emu: &EmulatorHandle) -> remote_rendering::ClientBuilder {
    Client::builder(&emu.account_id().to_string(), &emu.account_domain())
        .endpoint(emu.endpoint().as_str())
        .sts_endpoint(emu.sts_endpoint().as_str())
        .credential(Credential::account_key(emu.account_key()))
        .retry_policy(RetryPolicy::none())
        .request_timeout(Duration::from_secs(10))
}

/// Whether a GET reaches the emulator through TLS (any answer, even a 404
/// for an unknown session, does; a certificate error does not).
async fn reaches(client: &Client) -> bool {
    !matches!(
        client.get_session(&SessionId::generate()).await,
        Err(Error::Transport { .. })
    )
}

#[tokio::test]
async fn given_roots_replace_the_platform_roots() {
    let platform = Emulator::builder().tls().start().await.unwrap();
    let other = Emulator::builder().tls().start().await.unwrap();
    let platform_ca = std::env::temp_dir().join(format!("tls-roots-{}-ca.pem", std::process::id()));
    std::fs::write(&platform_ca, platform.ca_cert_pem().unwrap()).unwrap();
    // SAFETY: set before any client exists, in a test binary with this one
    // test, so no other thread reads the environment meanwhile.
    unsafe { std::env::set_var("SSL_CERT_FILE", &platform_ca) };

    // No roots given: the platform's roots are loaded and trusted.
    let client = builder(&platform).build().unwrap();
    assert!(reaches(&client).await, "the platform's roots were not used");

    // Another emulator's root given: only it is trusted, not the platform's.
    let client = builder(&platform)
        .add_root_certificate_pem(other.ca_cert_pem().unwrap())
        .build()
        .unwrap();
    assert!(
        !reaches(&client).await,
        "the platform's roots were trusted although a root was given"
    );
    let client = builder(&other)
        .add_root_certificate_pem(other.ca_cert_pem().unwrap())
        .build()
        .unwrap();
    assert!(reaches(&client).await, "the given root was not trusted");
    let _ = std::fs::remove_file(&platform_ca);
}
