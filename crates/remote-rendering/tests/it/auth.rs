//! Credentials and the STS token cache, over HTTP against the emulator.

use remote_rendering::{Client, Credential, Error, SessionId, SessionOptions, SessionSize};
use remote_rendering_emulator::{Fault, Route};
#[cfg(feature = "entra")]
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn missing() -> SessionId {
    SessionId::new("no-such-session").unwrap()
}

/// One authenticated ARR call; 404 means the token was accepted.
async fn call(client: &Client) -> Result<(), Error> {
    match client.get_session(&missing()).await {
        Err(e) if e.status() == Some(404) => Ok(()),
        Err(e) => Err(e),
        Ok(_) => Ok(()),
    }
}

#[tokio::test]
async fn account_key_is_exchanged_once_and_shared_by_clones() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let clone = client.clone();
    for _ in 0..3 {
        call(&client).await.unwrap();
        call(&clone).await.unwrap();
    }
    assert_eq!(emu.sts_requests(), 1);
    assert_eq!(client.sts_exchanges(), 1);
    assert_eq!(emu.request_count(Route::GetSession), 6);
}

#[tokio::test]
async fn a_wrong_account_key_is_an_authentication_error_and_reaches_no_arr_route() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::builder(&emu)
        .credential(Credential::account_key("d3JvbmcK"))
        .build()
        .unwrap();
    let error = call(&client).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Authentication {
                status: Some(401),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert!(error.ms_cv().is_some());
    assert_eq!(emu.sts_requests(), 1);
    assert_eq!(emu.requests().len(), 1, "{:?}", emu.requests());
}

#[tokio::test]
async fn a_static_access_token_is_used_as_is() {
    let emu = crate::common::emulator().start().await.unwrap();
    // From the emulator directly...
    let client = crate::common::builder(&emu)
        .credential(Credential::access_token(
            emu.access_token(Duration::from_secs(600)),
        ))
        .build()
        .unwrap();
    call(&client).await.unwrap();
    client
        .start_session(
            &SessionId::generate(),
            &SessionOptions::new(SessionSize::Standard, Duration::from_secs(60)),
        )
        .await
        .unwrap();
    assert_eq!(emu.sts_requests(), 0);

    // ...or handed over by a first client (as a backend hands tokens to devices).
    let first = crate::common::client(&emu);
    let token = first.access_token().await.unwrap();
    assert!(token.expires_on.is_some());
    assert_eq!(emu.sts_requests(), 1);
    let second = crate::common::builder(&emu)
        .credential(Credential::access_token(token.secret()))
        .build()
        .unwrap();
    call(&second).await.unwrap();
    assert_eq!(
        second.access_token().await.unwrap().secret(),
        token.secret()
    );
    assert_eq!(emu.sts_requests(), 1);
    assert_eq!(second.sts_exchanges(), 0);
}

#[tokio::test]
async fn a_rejected_static_token_is_not_retried() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::builder(&emu)
        .credential(Credential::access_token("not-a-jwt"))
        .build()
        .unwrap();
    let error = call(&client).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Authentication {
                status: Some(401),
                ..
            }
        ),
        "{error:?}"
    );
    // Nothing can replace a static token: one request, no STS.
    assert_eq!(emu.request_count(Route::GetSession), 1);
    assert_eq!(emu.sts_requests(), 0);
}

#[cfg(feature = "entra")]
/// A Microsoft Entra ID stand-in: hands out the emulator's identity tokens
/// and records the scopes it was asked for.
#[derive(Debug)]
struct FakeEntra {
    token: Option<String>,
    scopes: Mutex<Vec<String>>,
}

#[cfg(feature = "entra")]
#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for FakeEntra {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        self.scopes
            .lock()
            .unwrap()
            .extend(scopes.iter().map(|s| s.to_string()));
        match &self.token {
            Some(token) => Ok(azure_core::credentials::AccessToken::new(
                token.clone(),
                time::OffsetDateTime::now_utc() + time::Duration::hours(1),
            )),
            None => Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Credential,
                "no identity available",
            )),
        }
    }
}

#[cfg(feature = "entra")]
#[tokio::test]
async fn entra_tokens_are_exchanged_at_the_sts_with_the_account_scope() {
    let emu = crate::common::emulator().start().await.unwrap();
    let entra = Arc::new(FakeEntra {
        token: Some(emu.identity_token(Duration::from_secs(3600))),
        scopes: Mutex::default(),
    });
    let client = crate::common::builder(&emu)
        .credential(Credential::entra(entra.clone()))
        .build()
        .unwrap();
    call(&client).await.unwrap();
    call(&client).await.unwrap();
    assert_eq!(emu.sts_requests(), 1);
    assert_eq!(
        *entra.scopes.lock().unwrap(),
        vec![format!("https://sts.{}/.default", emu.account_domain())]
    );
}

#[cfg(feature = "entra")]
#[tokio::test]
async fn a_failing_entra_credential_is_an_authentication_error() {
    let emu = crate::common::emulator().start().await.unwrap();
    let entra = Arc::new(FakeEntra {
        token: None,
        scopes: Mutex::default(),
    });
    let client = crate::common::builder(&emu)
        .credential(Credential::entra(entra))
        .build()
        .unwrap();
    let error = call(&client).await.unwrap_err();
    assert!(
        matches!(error, Error::Authentication { status: None, .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("no identity available"),
        "{error}"
    );
    assert!(emu.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_first_calls_make_one_sts_request() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let calls: Vec<_> = (0..1000)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { call(&client).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(emu.sts_requests(), 1);
    assert_eq!(emu.request_count(Route::GetSession), 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_a_failed_exchange_too() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::builder(&emu)
        .credential(Credential::account_key("d3JvbmcK"))
        .build()
        .unwrap();
    // A slow STS: every caller arrives while the one exchange is in flight.
    emu.faults().inject(
        Route::StsToken,
        Fault::Latency {
            delay: Duration::from_millis(300),
            times: 1,
        },
    );
    let calls: Vec<_> = (0..200)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { call(&client).await })
        })
        .collect();
    for call in calls {
        let error = call.await.unwrap().unwrap_err();
        assert!(
            matches!(
                error,
                Error::Authentication {
                    status: Some(401),
                    ..
                }
            ),
            "{error:?}"
        );
    }
    assert_eq!(emu.sts_requests(), 1);
    // A later call tries again.
    call(&client).await.unwrap_err();
    assert_eq!(emu.sts_requests(), 2);
}

#[tokio::test]
async fn tokens_are_refreshed_ahead_of_expiry() {
    // Tokens live 4 s; refreshed 2 s before they expire.
    let emu = crate::common::emulator()
        .token_lifetime(Duration::from_secs(4))
        .start()
        .await
        .unwrap();
    let client = crate::common::builder(&emu)
        .token_refresh_margin(Duration::from_secs(2))
        .build()
        .unwrap();
    let first = client.access_token().await.unwrap();
    call(&client).await.unwrap();
    call(&client).await.unwrap();
    assert_eq!(emu.sts_requests(), 1);
    tokio::time::sleep(Duration::from_millis(2600)).await;
    // The first token is still valid (its `exp` is at least 3 s after it was
    // issued), but inside the margin: the call gets a new one.
    assert!(first.expires_on.unwrap() > time::OffsetDateTime::now_utc());
    call(&client).await.unwrap();
    assert_eq!(emu.sts_requests(), 2);
    assert_ne!(
        client.access_token().await.unwrap().secret(),
        first.secret()
    );
    // No call was ever refused.
    assert!(
        emu.requests().iter().all(|r| r.status != 401),
        "{:?}",
        emu.requests()
    );
}

#[tokio::test]
async fn tokens_shorter_lived_than_the_margin_are_still_reused() {
    // 60 s tokens and the default 5-minute margin.
    let emu = crate::common::emulator()
        .token_lifetime(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    for _ in 0..5 {
        call(&client).await.unwrap();
    }
    assert_eq!(emu.sts_requests(), 1);
}

#[tokio::test]
async fn a_401_drops_the_token_and_retries_the_call_once() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    call(&client).await.unwrap();
    assert_eq!(emu.sts_requests(), 1);

    emu.faults().inject(
        Route::GetSession,
        Fault::Status {
            status: 401,
            retry_after: None,
            times: 1,
        },
    );
    call(&client).await.unwrap();
    assert_eq!(emu.sts_requests(), 2, "a new token was fetched");
    assert_eq!(
        emu.request_count(Route::GetSession),
        3,
        "the call was repeated once"
    );
}

#[tokio::test]
async fn a_second_401_is_returned_after_the_one_retry() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    emu.faults().inject(
        Route::GetSession,
        Fault::Status {
            status: 401,
            retry_after: None,
            times: 5,
        },
    );
    let error = call(&client).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Authentication {
                status: Some(401),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(emu.request_count(Route::GetSession), 2);
    assert_eq!(emu.sts_requests(), 2);
}

#[tokio::test]
async fn sts_throttling_and_server_errors_are_retried() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    emu.faults().inject(
        Route::StsToken,
        Fault::Status {
            status: 503,
            retry_after: None,
            times: 2,
        },
    );
    call(&client).await.unwrap();
    assert_eq!(emu.sts_requests(), 3);
}
