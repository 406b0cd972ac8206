//! Authentication: account keys, static access tokens (e.g. handed from a
//! backend to a device) and Microsoft Entra ID credentials.
//!
//! Runs against an in-process emulator: `cargo run --example auth`.

use futures::TryStreamExt as _;
use remote_rendering::{Client, Credential, SessionId};
use remote_rendering_emulator::{Emulator, EmulatorHandle};
use std::time::Duration;

fn builder(emulator: &EmulatorHandle, credential: Credential) -> remote_rendering::ClientBuilder {
    Client::builder(
        &emulator.account_id().to_string(),
        &emulator.account_domain(),
    )
    .endpoint(emulator.endpoint().as_str())
    .sts_endpoint(emulator.sts_endpoint().as_str())
    .credential(credential)
}

#[cfg(feature = "entra")]
/// Any `azure_core` `TokenCredential` works, e.g. `azure_identity`'s
/// `DeveloperToolsCredential`; this one hands out the emulator's identity tokens.
#[derive(Debug)]
struct EmulatedEntra(String);

#[cfg(feature = "entra")]
#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for EmulatedEntra {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        println!("Entra token requested for {scopes:?}");
        Ok(azure_core::credentials::AccessToken::new(
            self.0.clone(),
            time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // HTTPS, as in Azure: the client trusts the emulator's own certificate.
    let emulator = Emulator::builder().tls().start().await?;
    let ca = emulator.ca_cert_pem().expect("started with TLS");

    // 1. Account key: exchanged at the STS, cached and refreshed ahead of expiry.
    let backend = builder(&emulator, Credential::account_key(emulator.account_key()))
        .add_root_certificate_pem(ca.clone())
        .token_refresh_margin(Duration::from_secs(10 * 60))
        .build()?;
    let token = backend.access_token().await?;
    println!("token (redacted): {token:?}");

    // Clones share the token: many calls, one STS exchange.
    let missing = SessionId::new("missing")?;
    for client in [backend.clone(), backend.clone()] {
        let error = client.get_session(&missing).await.unwrap_err();
        println!("{error}");
    }
    println!("STS exchanges so far: {}", backend.sts_exchanges());

    // 2. A static access token, e.g. given by the backend to a device.
    let device = builder(&emulator, Credential::access_token(token.secret()))
        .add_root_certificate_pem(ca.clone())
        .build()?;
    let sessions: Vec<_> = device.list_sessions().try_collect().await?;
    println!(
        "device sees {} sessions; it used the token as is: {} exchanges",
        sessions.len(),
        device.sts_exchanges()
    );

    // 3. Microsoft Entra ID (feature `entra`, on by default), exchanged at
    //    the STS for an ARR token.
    #[cfg(feature = "entra")]
    {
        let entra = EmulatedEntra(emulator.identity_token(Duration::from_secs(3600)));
        let client = builder(&emulator, Credential::entra(std::sync::Arc::new(entra)))
            .add_root_certificate_pem(ca.clone())
            .build()?;
        let token = client.access_token().await?;
        println!("Entra-based token expires on {:?}", token.expires_on);
    }

    // A wrong key is a typed authentication error; the key never shows up in it.
    let wrong = builder(&emulator, Credential::account_key("wrong-key"))
        .add_root_certificate_pem(emulator.ca_cert_pem().unwrap_or_default())
        .build()?;
    if let Err(error) = wrong.access_token().await {
        println!("{error}");
    }
    Ok(())
}
