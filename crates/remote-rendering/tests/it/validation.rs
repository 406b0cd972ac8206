//! Local validation (nothing reaches the network), configuration and TLS.

use remote_rendering::{
    ApiVersion, Client, ConversionId, ConversionInput, ConversionOutput, Credential, Error,
    RetryPolicy, SessionId, SessionOptions, SessionSize,
};
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

fn field(error: &Error) -> &'static str {
    match error {
        Error::Validation { field, .. } => field,
        other => panic!("not a validation error: {other:?}"),
    }
}

#[tokio::test]
async fn invalid_input_never_reaches_the_network() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();

    for lease in [
        Duration::ZERO,
        Duration::from_secs(90),
        MINUTE * 1441,
        Duration::from_millis(60_001),
    ] {
        let options = SessionOptions::new(SessionSize::Standard, lease);
        let error = client.start_session(&id, &options).await.unwrap_err();
        assert_eq!(field(&error), "lease", "{lease:?}");
        assert_eq!(
            field(&client.update_lease(&id, lease).await.unwrap_err()),
            "lease"
        );
        assert_eq!(
            field(&client.extend_lease(&id, lease).await.unwrap_err()),
            "lease"
        );
    }
    for bad in ["", "a b", "../x", "x".repeat(257).as_str(), "ü"] {
        assert_eq!(field(&SessionId::new(bad).unwrap_err()), "session id");
        assert_eq!(field(&ConversionId::new(bad).unwrap_err()), "conversion id");
    }
    assert_eq!(
        field(&ConversionInput::new("not a url", "a.fbx").unwrap_err()),
        "input container"
    );
    assert_eq!(
        field(
            &ConversionInput::new("https://s.blob.core.windows.net/c?sig=x", "a.fbx").unwrap_err()
        ),
        "input container"
    );
    for asset in [
        "",
        "/abs.fbx",
        "../up.fbx",
        "a//b.fbx",
        "https://x/a.fbx",
        "a\\b.fbx",
    ] {
        assert_eq!(
            field(&ConversionInput::new("https://s.blob.core.windows.net/c", asset).unwrap_err()),
            "input asset path",
            "{asset:?}"
        );
    }
    assert_eq!(
        field(&ConversionOutput::new("ftp://x/c").unwrap_err()),
        "output container"
    );
    let output = ConversionOutput::new("https://s.blob.core.windows.net/c").unwrap();
    assert_eq!(
        field(&output.with_output_asset_name("dir/a.arrAsset").unwrap_err()),
        "output asset name"
    );
    assert!(client.resume_session_poller("no spaces allowed").is_err());
    assert!(client.resume_conversion_poller("").is_err());

    assert!(emu.requests().is_empty(), "{:?}", emu.requests());
}

fn builder(endpoint: &str) -> remote_rendering::ClientBuilder {
    Client::builder(
        "30ea64bd-100f-4bf0-adc9-29fa45d4880c",
        "eastus.mixedreality.azure.com",
    )
    .endpoint(endpoint)
    .credential(Credential::account_key("key"))
}

#[test]
fn configuration_is_validated_when_building() {
    assert!(
        builder("https://remoterendering.eastus.mixedreality.azure.com")
            .build()
            .is_ok()
    );
    assert!(builder("http://127.0.0.1:1").build().is_ok());
    assert!(builder("http://localhost:1").build().is_ok());
    assert!(builder("http://[::1]:1").build().is_ok());

    // http:// only to loopback hosts.
    let error = builder("http://remoterendering.eastus.mixedreality.azure.com")
        .build()
        .unwrap_err();
    assert_eq!(field(&error), "endpoint");
    assert!(error.to_string().contains("https://"), "{error}");
    let error = builder("https://x.example")
        .sts_endpoint("http://10.0.0.1")
        .build()
        .unwrap_err();
    assert_eq!(field(&error), "STS endpoint");

    // A bare region is not an account domain; the error shows the expected form.
    let error = Client::builder("30ea64bd-100f-4bf0-adc9-29fa45d4880c", "eastus")
        .region("eastus")
        .credential(Credential::account_key("key"))
        .build()
        .unwrap_err();
    assert_eq!(field(&error), "account domain");
    assert!(
        error.to_string().contains("eastus.mixedreality.azure.com"),
        "{error}"
    );

    let error = Client::builder("not-a-uuid", "eastus.mixedreality.azure.com")
        .region("eastus")
        .credential(Credential::account_key("key"))
        .build()
        .unwrap_err();
    assert_eq!(field(&error), "account id");

    // Regions derive endpoints; the STS defaults to sts.{domain}.
    let client = Client::builder(
        "30ea64bd-100f-4bf0-adc9-29fa45d4880c",
        "westus2.mixedreality.azure.com",
    )
    .region("westus2")
    .credential(Credential::account_key("key"))
    .build()
    .unwrap();
    assert_eq!(
        client.endpoint(),
        "https://remoterendering.westus2.mixedreality.azure.com"
    );
    assert_eq!(
        client.sts_endpoint(),
        "https://sts.westus2.mixedreality.azure.com"
    );
    assert_eq!(
        field(&builder("x").region("West US").build().unwrap_err()),
        "endpoint"
    );

    // Missing pieces are configuration errors.
    let error = Client::builder(
        "30ea64bd-100f-4bf0-adc9-29fa45d4880c",
        "eastus.mixedreality.azure.com",
    )
    .credential(Credential::account_key("key"))
    .build()
    .unwrap_err();
    assert!(matches!(error, Error::Configuration(_)), "{error:?}");
    let error = Client::builder(
        "30ea64bd-100f-4bf0-adc9-29fa45d4880c",
        "eastus.mixedreality.azure.com",
    )
    .region("eastus")
    .build()
    .unwrap_err();
    assert!(matches!(error, Error::Configuration(_)), "{error:?}");
    let error = builder("https://x.example")
        .add_root_certificate_pem("not a pem")
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::Configuration(_)), "{error:?}");
    assert_eq!(
        field(&" ".parse::<ApiVersion>().unwrap_err()),
        "api version"
    );
}

#[test]
fn clients_are_cheap_to_share() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<Client>();
    fn assert_send<T: Send>(_: &T) {}
    let client = builder("https://x.example").build().unwrap();
    let id = SessionId::generate();
    let options = SessionOptions::new(SessionSize::Standard, MINUTE);
    assert_send(&client.start_session(&id, &options));
    assert_send(&client.list_sessions());
    assert_send(&client.session_poller(id.clone()).wait());
    assert_send(&client.session_poller(id).updates());
}

#[tokio::test]
async fn the_emulators_tls_certificate_is_trusted_when_added() {
    let emu = crate::common::emulator().tls().start().await.unwrap();
    assert_eq!(emu.endpoint().scheme(), "https");
    let pem = emu.ca_cert_pem().unwrap();
    let client = crate::common::builder(&emu)
        .add_root_certificate_pem(pem)
        .build()
        .unwrap();
    let id = SessionId::generate();
    let session = client
        .start_session(&id, &SessionOptions::new(SessionSize::Standard, MINUTE))
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(session.id, id);

    // Without it the certificate is refused.
    let untrusting = crate::common::builder(&emu)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = untrusting.get_session(&id).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(
        error.to_string().to_lowercase().contains("certificate"),
        "{error}"
    );
}

#[tokio::test]
async fn api_version_and_user_agent_are_configurable() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::builder(&emu)
        .user_agent_suffix("my-app/1.0")
        .api_version(ApiVersion::V2021_01_01Preview)
        .build()
        .unwrap();
    assert_eq!(client.api_version(), ApiVersion::V2021_01_01Preview);
    let error = client
        .get_session(&SessionId::generate())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404), "{error:?}");
    let query = emu.requests().last().unwrap().query.clone().unwrap();
    assert!(query.contains("api-version=2021-01-01-preview"), "{query}");
    // A version the client does not know is refused before anything is sent.
    let error = "2099-01-01".parse::<ApiVersion>().unwrap_err();
    assert!(error.to_string().contains("2021-01-01-preview"), "{error}");
}
