//! Canary test: account keys, access tokens, identity tokens and SAS tokens
//! never appear in `Debug`, `Display`, errors or tracing output (captured
//! at TRACE level from every crate, reqwest and hyper included).
//!
//! Its own test binary, because it installs the global tracing subscriber.

#![cfg(feature = "entra")]

use futures::TryStreamExt as _;
use remote_rendering::{
    Client, ConversionId, ConversionInput, ConversionOutput, Credential, SessionId, SessionOptions,
    SessionSize,
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

const KEY: &str = "canary-account-key-5e1f";
const WRONG_KEY: &str = "canary-wrong-key-77aa";
const READ_SAS: &str = "sv=2021&sig=canary-read-sas-0b1c";
const WRITE_SAS: &str = "sv=2021&sig=canary-write-sas-9d2e";

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

#[derive(Debug)]
struct Entra(String);

#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for Entra {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        Ok(azure_core::credentials::AccessToken::new(
            self.0.clone(),
            time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_leak() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let emu = emulator().account_key(KEY).start().await.unwrap();
    // Every Debug and Display we can produce.
    let text = std::cell::RefCell::new(String::new());
    let show = |what: &dyn std::fmt::Debug| text.borrow_mut().push_str(&format!("{what:?}\n"));
    let say = |what: String| text.borrow_mut().push_str(&what);

    let builder = client_builder(&emu);
    show(&builder);
    let client = builder.build().unwrap();
    show(&client);
    show(&Credential::account_key(KEY));

    // Every operation, a 401 refresh and retried failures.
    let id = SessionId::generate();
    let poller = client
        .start_session(
            &id,
            &SessionOptions::new(SessionSize::Standard, Duration::from_secs(600)),
        )
        .await
        .unwrap();
    show(&poller);
    show(&poller.wait().await.unwrap());
    emu.faults().inject(
        Route::GetSession,
        Fault::Status {
            status: 401,
            retry_after: None,
            times: 1,
        },
    );
    emu.faults()
        .inject(Route::GetSession, Fault::DropBeforeHandler { times: 1 });
    client.get_session(&id).await.unwrap();
    client
        .extend_lease(&id, Duration::from_secs(600))
        .await
        .unwrap();
    show(
        &client
            .list_sessions()
            .try_collect::<Vec<_>>()
            .await
            .unwrap(),
    );
    client.stop_session(&id).await.unwrap();

    let input = ConversionInput::new("https://s.blob.core.windows.net/in", "a.fbx")
        .unwrap()
        .with_sas(READ_SAS);
    let output = ConversionOutput::new("https://s.blob.core.windows.net/out")
        .unwrap()
        .with_sas(WRITE_SAS);
    show(&input);
    show(&output);
    let cid = ConversionId::generate();
    emu.faults()
        .inject(Route::CreateConversion, Fault::DropAfterApply { times: 1 });
    let conversion = client
        .start_conversion(&cid, &input, &output)
        .await
        .unwrap();
    show(&conversion.wait().await.unwrap());
    show(
        &client
            .list_conversions()
            .try_collect::<Vec<_>>()
            .await
            .unwrap(),
    );
    // A refused create: its error must not echo the SAS. (This used a
    // conflicting create; the service answered those with the existing
    // conversion, so the refusal is injected now.)
    emu.faults().inject(
        Route::CreateConversion,
        Fault::Status {
            status: 409,
            retry_after: None,
            times: 1,
        },
    );
    let other = input.clone().with_blob_prefix("x");
    let error = client
        .start_conversion(&cid, &other, &output)
        .await
        .unwrap_err();
    show(&error);
    say(format!("{error}\n"));

    let token = client.access_token().await.unwrap();
    show(&token);

    // A wrong key: the STS refuses it.
    let wrong = client_builder(&emu)
        .credential(Credential::account_key(WRONG_KEY))
        .build()
        .unwrap();
    let error = wrong.get_session(&id).await.unwrap_err();
    say(format!("{error}\n{error:?}\n"));

    // A static token and an Entra identity token.
    let static_client = client_builder(&emu)
        .credential(Credential::access_token(token.secret()))
        .build()
        .unwrap();
    show(&static_client);
    static_client.get_session(&id).await.unwrap();
    let identity = emu.identity_token(Duration::from_secs(600));
    let entra = Credential::entra(Arc::new(Entra(identity.clone())));
    let entra_client = client_builder(&emu)
        .credential(entra.clone())
        .build()
        .unwrap();
    entra_client.get_session(&id).await.unwrap();
    let entra_token = entra_client.access_token().await.unwrap();
    // A garbage static token rejected by the service.
    let rejected = client_builder(&emu)
        .credential(Credential::access_token("canary-static-token-3c4d"))
        .build()
        .unwrap();
    let error = rejected.get_session(&id).await.unwrap_err();
    say(format!("{error}\n{error:?}\n"));

    let from_env = Client::builder(&emu.account_id().to_string(), &emu.account_domain());
    show(&from_env.credential(Credential::access_token(token.secret())));

    let text = text.borrow().clone();
    let traces = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        traces.contains("arr.call"),
        "tracing captured nothing:\n{traces}"
    );
    assert!(traces.contains("TRACE"), "no TRACE output captured");
    let canaries = [
        KEY,
        WRONG_KEY,
        "canary-read-sas",
        "canary-write-sas",
        "canary-static-token",
        token.secret(),
        entra_token.secret(),
        &identity,
    ];
    for canary in canaries {
        let short = &canary[..canary.len().min(24)];
        assert!(!text.contains(canary), "{short}… in Debug/Display:\n{text}");
        assert!(!traces.contains(canary), "{short}… in tracing output");
    }
    // JWTs: not even their signature part.
    for jwt in [token.secret(), entra_token.secret(), identity.as_str()] {
        let signature = jwt.rsplit('.').next().unwrap();
        assert!(!traces.contains(signature) && !text.contains(signature));
    }
}
