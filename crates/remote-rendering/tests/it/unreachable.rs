//! Issue 13, item 5: failures that will not heal fail fast and say what to
//! do. Times to fail are printed (`--nocapture`), not asserted.

use crate::hostile_server::{Answer, Body, serve};
use remote_rendering::{Error, RetryPolicy, SessionId, Unreachable};
use std::time::{Duration, Instant};

/// Retries that would take seconds if they were made.
fn patient_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_retries(5)
        .with_initial_delay(Duration::from_millis(400))
        .with_max_delay(Duration::from_secs(2))
        .with_max_elapsed(Duration::from_secs(30))
}

fn client_at(endpoint: &str) -> remote_rendering::Client {
    remote_rendering::Client::builder(
        crate::hostile_server::ACCOUNT,
        "eastus.mixedreality.azure.com",
    )
    .endpoint(endpoint)
    .sts_endpoint(endpoint)
    .credential(remote_rendering::Credential::account_key("key"))
    .retry_policy(patient_retry())
    .build()
    .unwrap()
}

async fn fails(client: &remote_rendering::Client, what: &str) -> Error {
    let started = Instant::now();
    let error = client
        .get_session(&SessionId::new("s").unwrap())
        .await
        .unwrap_err();
    println!("{what}: failed after {:?}: {error}", started.elapsed());
    error
}

#[tokio::test]
async fn a_closed_port_is_retried_once_at_most() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = client_at(&format!("http://127.0.0.1:{port}"));
    let error = fails(&client, "connection refused").await;
    assert_eq!(
        error.unreachable(),
        Some(Unreachable::ConnectionRefused),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("nothing accepts connections"),
        "{error}"
    );
    let now = Instant::now();
    assert!(patient_retry().next_delay(&error, 0, now).is_some());
    assert_eq!(patient_retry().next_delay(&error, 1, now), None);
}

#[tokio::test]
async fn an_unresolvable_name_is_not_retried() {
    let client = client_at("https://nonexistent.invalid");
    let error = fails(&client, "DNS failure").await;
    assert_eq!(
        error.unreachable(),
        Some(Unreachable::NameNotResolved),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert!(error.to_string().contains("does not resolve"), "{error}");
}

#[tokio::test]
async fn an_untrusted_certificate_is_not_retried_and_says_what_to_do() {
    let emu = crate::common::emulator().tls().start().await.unwrap();
    let client = crate::common::builder(&emu)
        .retry_policy(patient_retry())
        .build()
        .unwrap();
    let error = fails(&client, "untrusted certificate").await;
    assert_eq!(
        error.unreachable(),
        Some(Unreachable::UntrustedCertificate),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert!(
        error.to_string().contains(
            "the server's certificate is not trusted: pass --ca-cert PATH or set ARR_CA_CERT"
        ),
        "{error}"
    );
}

#[tokio::test]
async fn an_endpoint_answering_html_is_retried_once_at_most() {
    let server = serve(|_, _, _| Answer {
        status: 200,
        headers: vec![("content-type".into(), "text/html".into())],
        body: Body::Bytes(b"<!DOCTYPE html><html><body>Welcome to nginx!</body></html>".to_vec()),
    })
    .await;
    let client = crate::hostile_server::client(&server)
        .retry_policy(patient_retry())
        .build()
        .unwrap();
    let error = fails(&client, "HTML answer").await;
    assert!(
        error
            .to_string()
            .contains("the endpoint answered HTML, not the ARR API"),
        "{error}"
    );
    // One retry (a gateway's glitch heals), not five.
    assert_eq!(server.requests(), 2);
}
