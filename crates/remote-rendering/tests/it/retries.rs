//! Retries and faults: throttling, server errors, lost connections, slow
//! and garbled responses, injected by the emulator.

use futures::TryStreamExt as _;
use remote_rendering::{
    ConversionId, ConversionInput, ConversionOutput, Error, RetryPolicy, SessionId, SessionOptions,
    SessionSize, SessionStatus,
};
use remote_rendering_emulator::{Fault, Route};
use std::time::{Duration, Instant};

const MINUTE: Duration = Duration::from_secs(60);

fn options(minutes: u32) -> SessionOptions {
    SessionOptions::new(SessionSize::Standard, MINUTE * minutes)
}

fn status(status: u16, retry_after: Option<Duration>, times: u32) -> Fault {
    Fault::Status {
        status,
        retry_after,
        times,
    }
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    client.start_session(&id, &options(5)).await.unwrap();
    for code in [429, 500, 502, 503, 504] {
        emu.clear_requests();
        emu.faults()
            .inject(Route::GetSession, status(code, None, 2));
        let session = client.get_session(&id).await.unwrap();
        assert_eq!(session.id, id);
        assert_eq!(emu.request_count(Route::GetSession), 3, "HTTP {code}");
    }
}

#[tokio::test]
async fn other_client_errors_are_not_retried() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    for code in [400, 404, 409, 422] {
        emu.clear_requests();
        emu.faults()
            .inject(Route::GetSession, status(code, None, 1));
        let error = client
            .get_session(&SessionId::generate())
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(code));
        assert!(!error.is_retryable());
        assert_eq!(emu.request_count(Route::GetSession), 1, "HTTP {code}");
        // The injected error body is decoded.
        assert_eq!(
            error.service_error().unwrap().code.as_deref(),
            Some("InjectedFault")
        );
    }
}

#[tokio::test]
async fn retry_after_on_429_is_honoured() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    client.start_session(&id, &options(5)).await.unwrap();
    emu.faults().inject(
        Route::GetSession,
        status(429, Some(Duration::from_secs(1)), 1),
    );
    let started = Instant::now();
    client.get_session(&id).await.unwrap();
    // The backoff alone would have waited 5 to 10 ms.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(emu.request_count(Route::GetSession), 2);
}

#[tokio::test]
async fn retries_are_bounded_in_attempts_and_time() {
    let emu = crate::common::emulator().start().await.unwrap();
    let policy = RetryPolicy::default()
        .with_max_retries(3)
        .with_initial_delay(Duration::from_millis(5))
        .with_max_delay(Duration::from_millis(10))
        .with_max_elapsed(Duration::from_secs(10));
    let client = crate::common::builder(&emu)
        .retry_policy(policy)
        .build()
        .unwrap();
    emu.faults()
        .inject(Route::GetSession, status(503, None, 100));
    let error = client
        .get_session(&SessionId::generate())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert!(error.is_retryable());
    assert_eq!(emu.request_count(Route::GetSession), 4);

    // A Retry-After longer than the remaining budget ends the call at once.
    emu.faults().clear();
    emu.clear_requests();
    let client = crate::common::builder(&emu)
        .retry_policy(policy.with_max_elapsed(Duration::from_millis(500)))
        .build()
        .unwrap();
    emu.faults().inject(
        Route::GetSession,
        status(429, Some(Duration::from_secs(5)), 1),
    );
    let started = Instant::now();
    let error = client
        .get_session(&SessionId::generate())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(429));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(emu.request_count(Route::GetSession), 1);

    // RetryPolicy::none() makes one attempt.
    emu.clear_requests();
    let client = crate::common::builder(&emu)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    emu.faults().inject(Route::GetSession, status(503, None, 1));
    assert_eq!(
        client
            .get_session(&SessionId::generate())
            .await
            .unwrap_err()
            .status(),
        Some(503)
    );
    assert_eq!(emu.request_count(Route::GetSession), 1);
}

#[tokio::test]
async fn a_create_dropped_before_the_handler_is_retried() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    emu.faults()
        .inject(Route::CreateSession, Fault::DropBeforeHandler { times: 1 });
    client
        .start_session(&id, &options(5))
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(emu.request_count(Route::CreateSession), 2);
    let sessions: Vec<_> = client.list_sessions().try_collect().await.unwrap();
    assert_eq!(sessions.len(), 1);
}

#[tokio::test]
async fn a_create_dropped_after_it_was_applied_leaves_exactly_one_session() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    emu.faults()
        .inject(Route::CreateSession, Fault::DropAfterApply { times: 1 });
    let session = client
        .start_session(&id, &options(5))
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(session.id, id);
    // The first attempt created it (201, lost), the retry found it (200).
    let creates: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.route == Some(Route::CreateSession))
        .map(|r| r.status)
        .collect();
    assert_eq!(creates, [201, 200]);
    let sessions: Vec<_> = client.list_sessions().try_collect().await.unwrap();
    assert_eq!(sessions.len(), 1);
}

#[tokio::test]
async fn a_conversion_create_dropped_after_apply_leaves_exactly_one_conversion() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    emu.faults()
        .inject(Route::CreateConversion, Fault::DropAfterApply { times: 1 });
    // With SAS tokens: the service refused conversions without one for
    // storage accounts not linked to the Remote Rendering account.
    let input = ConversionInput::new("https://s.blob.core.windows.net/in", "a.fbx")
        .unwrap()
        .with_sas("sv=2020&sig=read");
    let output = ConversionOutput::new("https://s.blob.core.windows.net/out")
        .unwrap()
        .with_sas("sv=2020&sig=write");
    client
        .start_conversion(&ConversionId::generate(), &input, &output)
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(count_status(&emu, Route::CreateConversion, 201), 1);
    assert_eq!(count_status(&emu, Route::CreateConversion, 200), 1);
    let all: Vec<_> = client.list_conversions().try_collect().await.unwrap();
    assert_eq!(all.len(), 1);
}

#[tokio::test]
async fn lease_updates_and_stops_dropped_after_apply_still_succeed() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    client.start_session(&id, &options(5)).await.unwrap();

    // The retried PATCH finds the lease already set: the call succeeds.
    emu.faults()
        .inject(Route::UpdateSession, Fault::DropAfterApply { times: 1 });
    let session = client.update_lease(&id, MINUTE * 10).await.unwrap();
    assert_eq!(session.max_lease, Some(MINUTE * 10));
    assert_eq!(emu.request_count(Route::UpdateSession), 2);

    // extend_lease computes the total once: a retry does not extend twice.
    emu.faults()
        .inject(Route::UpdateSession, Fault::DropAfterApply { times: 1 });
    let session = client.extend_lease(&id, MINUTE * 5).await.unwrap();
    assert_eq!(session.max_lease, Some(MINUTE * 15));
    assert_eq!(
        client.get_session(&id).await.unwrap().max_lease,
        Some(MINUTE * 15)
    );

    emu.faults()
        .inject(Route::StopSession, Fault::DropAfterApply { times: 1 });
    client.stop_session(&id).await.unwrap();
    assert_eq!(
        client.get_session(&id).await.unwrap().status,
        SessionStatus::Stopped
    );
}

#[tokio::test]
async fn slow_responses_time_out_and_are_retried() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::builder(&emu)
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let id = SessionId::generate();
    client.start_session(&id, &options(5)).await.unwrap();
    emu.faults().inject(
        Route::GetSession,
        Fault::Latency {
            delay: Duration::from_secs(2),
            times: 1,
        },
    );
    let started = Instant::now();
    client.get_session(&id).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // (The timed-out request is logged only when the emulator finishes it.)
    assert!(emu.request_count(Route::GetSession) >= 1);

    // Without retries the timeout is reported with its duration.
    let client = crate::common::builder(&emu)
        .request_timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    client.get_session(&id).await.unwrap(); // token
    emu.faults().inject(
        Route::GetSession,
        Fault::Latency {
            delay: Duration::from_secs(2),
            times: 1,
        },
    );
    let error = client.get_session(&id).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.is_retryable());
    assert!(error.to_string().contains("0.3s"), "{error}");
}

#[tokio::test]
async fn truncated_and_non_json_bodies_are_retried() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    client.start_session(&id, &options(5)).await.unwrap();
    emu.faults()
        .inject(Route::GetSession, Fault::TruncatedBody { times: 1 });
    emu.faults()
        .inject(Route::GetSession, Fault::NonJsonBody { times: 1 });
    assert_eq!(client.get_session(&id).await.unwrap().id, id);
    assert_eq!(emu.request_count(Route::GetSession), 3);

    let client = crate::common::builder(&emu)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    emu.faults()
        .inject(Route::GetSession, Fault::NonJsonBody { times: 1 });
    let error = client.get_session(&id).await.unwrap_err();
    assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
}

#[tokio::test]
async fn pollers_and_pages_retry_too() {
    let emu = crate::common::emulator()
        .page_size(1)
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    let poller = client.start_session(&id, &options(5)).await.unwrap();
    emu.faults().inject(Route::GetSession, status(503, None, 2));
    poller.wait().await.unwrap();
    client
        .start_session(&SessionId::generate(), &options(5))
        .await
        .unwrap();
    // A page fails once.
    emu.faults()
        .inject(Route::ListSessions, status(500, None, 1));
    let all: Vec<_> = client.list_sessions().try_collect().await.unwrap();
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn connection_refused_is_a_retryable_transport_error() {
    // Nothing listens on this port (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = remote_rendering::Client::builder(
        &uuid::Uuid::new_v4().to_string(),
        "eastus.mixedreality.azure.com",
    )
    .endpoint(&format!("http://127.0.0.1:{port}"))
    .sts_endpoint(&format!("http://127.0.0.1:{port}"))
    .credential(remote_rendering::Credential::account_key("key"))
    .retry_policy(
        RetryPolicy::default()
            .with_max_retries(2)
            .with_initial_delay(Duration::from_millis(5))
            .with_max_delay(Duration::from_millis(5))
            .with_max_elapsed(Duration::from_secs(5)),
    )
    .build()
    .unwrap();
    let error = client
        .get_session(&SessionId::generate())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.is_retryable());
}

/// Requests to `route` whose answer had `status`.
fn count_status(
    emu: &remote_rendering_emulator::EmulatorHandle,
    route: Route,
    status: u16,
) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.route == Some(route) && r.status == status)
        .count()
}
