//! `Client::from_env` and `ClientBuilder::from_env` with the `ARR_*`
//! variables. Its own test binary (one test), because it changes the
//! process environment.

use remote_rendering::config::env;
use remote_rendering::{ApiVersion, Client, ClientBuilder, Error, SessionId};
use std::time::Duration;

fn set(name: &str, value: &str) {
    // SAFETY: the only test of this binary; no other thread reads the environment.
    unsafe { std::env::set_var(name, value) }
}

fn unset(name: &str) {
    // SAFETY: as above.
    unsafe { std::env::remove_var(name) }
}

#[tokio::test]
async fn clients_are_configured_from_arr_variables() {
    let emu = crate::common::emulator().tls().start().await.unwrap();
    let ca = std::env::temp_dir().join(format!("arr-ca-{}.pem", std::process::id()));
    std::fs::write(&ca, emu.ca_cert_pem().unwrap()).unwrap();

    // Nothing set: says which variable is missing.
    let error = Client::from_env().unwrap_err();
    assert!(
        matches!(&error, Error::Configuration(m) if m.contains(env::ACCOUNT_ID)),
        "{error}"
    );

    set(env::ACCOUNT_ID, &emu.account_id().to_string());
    set(env::ACCOUNT_DOMAIN, &emu.account_domain());
    set(env::ENDPOINT, emu.endpoint().as_str());
    set(env::STS_ENDPOINT, emu.sts_endpoint().as_str());
    set(env::CA_CERT, ca.to_str().unwrap());
    let error = Client::from_env().unwrap_err();
    assert!(
        matches!(&error, Error::Configuration(m) if m.contains(env::ACCOUNT_KEY)),
        "{error}"
    );

    set(env::ACCOUNT_KEY, &emu.account_key());
    let client = Client::from_env().unwrap();
    let missing = SessionId::new("missing").unwrap();
    assert_eq!(
        client.get_session(&missing).await.unwrap_err().status(),
        Some(404)
    );
    assert_eq!(emu.sts_requests(), 1);

    // The builder form takes further options.
    let client = ClientBuilder::from_env()
        .unwrap()
        .polling_interval(Duration::from_millis(20))
        .build()
        .unwrap();
    let token = client.access_token().await.unwrap();

    // A ready access token instead of a key: no exchange.
    unset(env::ACCOUNT_KEY);
    set(env::ACCESS_TOKEN, token.secret());
    let client = Client::from_env().unwrap();
    assert_eq!(
        client.get_session(&missing).await.unwrap_err().status(),
        Some(404)
    );
    assert_eq!(emu.sts_requests(), 2);

    // A region instead of an endpoint.
    unset(env::ENDPOINT);
    unset(env::STS_ENDPOINT);
    set(env::REGION, "westus2");
    set(env::ACCOUNT_DOMAIN, "westus2.mixedreality.azure.com");
    let client = Client::from_env().unwrap();
    assert_eq!(
        client.endpoint(),
        "https://remoterendering.westus2.mixedreality.azure.com"
    );
    assert_eq!(
        client.sts_endpoint(),
        "https://sts.westus2.mixedreality.azure.com"
    );

    // The API version, by its name.
    assert_eq!(
        Client::from_env().unwrap().api_version(),
        ApiVersion::V2021_01_01
    );
    set(env::API_VERSION, "v1");
    assert_eq!(Client::from_env().unwrap().api_version(), ApiVersion::V1);
    set(env::API_VERSION, "1.0");
    let error = Client::from_env().unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Validation {
                field: "api version",
                ..
            }
        ),
        "{error}"
    );
    unset(env::API_VERSION);

    // An unreadable CA file is reported.
    set(env::CA_CERT, "/nonexistent/ca.pem");
    let error = Client::from_env().unwrap_err();
    assert!(
        matches!(&error, Error::Configuration(m) if m.contains(env::CA_CERT)),
        "{error}"
    );
    let _ = std::fs::remove_file(ca);
}
