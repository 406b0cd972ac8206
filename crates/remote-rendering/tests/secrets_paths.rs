//! Canary test, second part (`secrets.rs` covers the happy paths): the
//! `Debug` of every public type built around a secret, every error the
//! client produces under every fault and every validation failure, and
//! everything traced at TRACE level meanwhile. No canary may appear.
//!
//! Its own test binary, because it installs the global tracing subscriber.

use remote_rendering::{
    AccessToken, Client, ConversionId, ConversionInput, ConversionOutput, Credential, Error,
    LeaseKeeperOptions, RetryPolicy, Secret, SessionId, SessionOptions, SessionSize,
};
use remote_rendering_emulator::{Fault, Route};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An emulator with fast defaults (100 ms startup and conversions).
fn emulator() -> remote_rendering_emulator::EmulatorBuilder {
    remote_rendering_emulator::Emulator::builder()
        .session_startup(Duration::from_millis(100))
        .conversion_duration(Duration::from_millis(100))
}

/// A builder pointed at `emu` with the account key and quick retries. (This
/// binary is separate from `it` because it installs the global tracing
/// subscriber, so it has its own few lines of setup.)
fn client_builder(
    emu: &remote_rendering_emulator::EmulatorHandle,
) -> remote_rendering::ClientBuilder {
    remote_rendering::Client::builder(&emu.account_id().to_string(), &emu.account_domain())
        .endpoint(emu.endpoint().as_str())
        .sts_endpoint(emu.sts_endpoint().as_str())
        .credential(Credential::account_key(emu.account_key()))
        .polling_interval(Duration::from_millis(20))
        .retry_policy(
            remote_rendering::RetryPolicy::default()
                .with_max_retries(5)
                .with_initial_delay(Duration::from_millis(10))
                .with_max_delay(Duration::from_millis(50))
                .with_max_elapsed(Duration::from_secs(20)),
        )
        .request_timeout(Duration::from_secs(10))
}

const KEY: &str = "canary-key-b7e2";
const READ_SAS: &str = "sv=2021&sig=canary-read-sas-41aa";
const WRITE_SAS: &str = "sv=2021&sig=canary-write-sas-c3d0";
const TOKEN: &str = "canary-token-e59f";
const PASSWORD: &str = "canary-password-2b8c";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every fault of the emulator, as armed in this test.
fn faults() -> Vec<Fault> {
    let status = |status| Fault::Status {
        status,
        retry_after: Some(Duration::from_secs(0)),
        times: 100,
    };
    vec![
        status(400),
        status(401),
        status(403),
        status(404),
        status(409),
        status(429),
        status(500),
        status(503),
        Fault::DropBeforeHandler { times: 100 },
        Fault::DropAfterApply { times: 100 },
        Fault::Latency {
            delay: Duration::from_millis(400),
            times: 100,
        },
        Fault::TruncatedBody { times: 100 },
        Fault::NonJsonBody { times: 100 },
        Fault::MissingFields { times: 100 },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canaries_never_leak_through_errors_debug_or_traces() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let emu = emulator().account_key(KEY).start().await.unwrap();
    let mut text = String::new();
    let mut show = |what: &dyn std::fmt::Debug| text.push_str(&format!("{what:?}\n"));

    // Debug (and Display) of every public type that can hold a secret.
    let input = ConversionInput::new("https://s.blob.core.windows.net/in", "a.fbx")
        .unwrap()
        .with_sas(READ_SAS);
    let output = ConversionOutput::new("https://s.blob.core.windows.net/out")
        .unwrap()
        .with_sas(WRITE_SAS);
    show(&Secret::new(KEY));
    show(&Secret::from(TOKEN));
    show(&Credential::account_key(KEY));
    show(&Credential::access_token(TOKEN));
    show(&AccessToken::from_jwt(TOKEN));
    show(&input);
    show(&output);
    show(&client_builder(&emu));
    show(&client_builder(&emu).credential(Credential::access_token(TOKEN)));
    let client = client_builder(&emu)
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(1)
                .with_initial_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(1))
                .with_max_elapsed(Duration::from_secs(5)),
        )
        .request_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    show(&client);
    show(&LeaseKeeperOptions::default());
    show(&RetryPolicy::default());

    // Validation errors around secrets: a key that cannot be a header, an
    // endpoint with a password.
    let bad_key = client_builder(&emu)
        .credential(Credential::account_key(format!("{KEY}\n")))
        .build()
        .unwrap();
    let mut errors: Vec<Error> = vec![
        bad_key
            .get_session(&SessionId::generate())
            .await
            .unwrap_err(),
    ];
    for url in [
        format!("https://user:{PASSWORD}@x.example"),
        format!("http://user:{PASSWORD}@example.com"),
        format!("https://user:{PASSWORD}@exa mple.com"),
        format!("ftp://user:{PASSWORD}@x.example"),
    ] {
        errors.push(
            Client::builder(
                &emu.account_id().to_string(),
                "eastus.mixedreality.azure.com",
            )
            .endpoint(&url)
            .credential(Credential::account_key(KEY))
            .build()
            .unwrap_err(),
        );
    }

    // Every operation that carries a secret under every fault: the STS
    // exchange (key), the conversion create (SAS) and a call with a token.
    let session = SessionId::generate();
    client
        .start_session(
            &session,
            &SessionOptions::new(SessionSize::Standard, Duration::from_secs(600)),
        )
        .await
        .unwrap();
    for fault in faults() {
        emu.faults().clear();
        emu.faults().inject(Route::CreateConversion, fault.clone());
        emu.faults().inject(Route::StsToken, fault.clone());
        emu.faults().inject(Route::GetSession, fault.clone());
        let fresh = client_builder(&emu)
            .retry_policy(RetryPolicy::none())
            .request_timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        for client in [&client, &fresh] {
            let id = ConversionId::generate();
            match client.start_conversion(&id, &input, &output).await {
                Ok(poller) => show(&poller),
                Err(error) => errors.push(error),
            }
            if let Err(error) = client.get_session(&session).await {
                errors.push(error);
            }
        }
        let static_client = client_builder(&emu)
            .credential(Credential::access_token(TOKEN))
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        if let Err(error) = static_client.get_session(&session).await {
            errors.push(error);
        }
    }
    emu.faults().clear();
    assert!(errors.len() > 30, "{} errors", errors.len());
    let mut all = text;
    for error in &errors {
        all.push_str(&format!("{error}\n{error:?}\n"));
        if let Some(service) = error.service_error() {
            all.push_str(&format!("{service}\n{service:?}\n"));
        }
    }

    let traces = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(traces.contains("TRACE"), "no TRACE output captured");
    let issued = client.access_token().await.unwrap();
    for canary in [
        KEY,
        "canary-read-sas",
        "canary-write-sas",
        TOKEN,
        PASSWORD,
        issued.secret(),
    ] {
        assert!(
            !all.contains(canary),
            "{canary} in an error or Debug:\n{all}"
        );
        assert!(!traces.contains(canary), "{canary} in the traces");
    }
}
