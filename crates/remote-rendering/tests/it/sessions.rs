//! Session operations and the session poller, over HTTP against the
//! emulator (the lease keeper is in `lease_keeper`).

use futures::{StreamExt as _, TryStreamExt as _};
use remote_rendering::{Error, SessionId, SessionOptions, SessionSize, SessionStatus};
use remote_rendering_emulator::Route;
use std::time::{Duration, Instant};

const MINUTE: Duration = Duration::from_secs(60);

pub(crate) fn standard(minutes: u64) -> SessionOptions {
    SessionOptions::new(SessionSize::Standard, MINUTE * minutes as u32)
}

#[tokio::test]
async fn start_get_update_extend_stop_and_list() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::new("session-ops").unwrap();

    let poller = client.start_session(&id, &standard(10)).await.unwrap();
    assert_eq!(poller.id(), "session-ops");
    assert_eq!(poller.last().unwrap().status, SessionStatus::Starting);
    let ready = poller.wait().await.unwrap();
    assert_eq!(ready.status, SessionStatus::Ready);
    assert_eq!(ready.size, SessionSize::Standard);
    assert_eq!(ready.max_lease, Some(MINUTE * 10));
    assert!(
        ready
            .hostname
            .as_deref()
            .unwrap()
            .ends_with(&emu.account_domain())
    );
    // A random high port, as the service gave (this asserted the fixed
    // 50051 the emulator used to report).
    assert!((49152..=65535).contains(&ready.handshake_port.unwrap()));
    assert!(ready.created_on.is_some());

    let got = client.get_session(&id).await.unwrap();
    assert_eq!(got.id, id);
    assert_eq!(got.status, SessionStatus::Ready);

    let updated = client.update_lease(&id, MINUTE * 20).await.unwrap();
    assert_eq!(updated.max_lease, Some(MINUTE * 20));

    // The lease is a total since Ready: extending by 15 minutes sends 35.
    let extended = client.extend_lease(&id, MINUTE * 15).await.unwrap();
    assert_eq!(extended.max_lease, Some(MINUTE * 35));
    assert_eq!(
        client.get_session(&id).await.unwrap().max_lease,
        Some(MINUTE * 35)
    );

    client.stop_session(&id).await.unwrap();
    assert_eq!(
        client.get_session(&id).await.unwrap().status,
        SessionStatus::Stopped
    );
    // Stop is idempotent.
    client.stop_session(&id).await.unwrap();

    // Stopped sessions are not listed.
    let listed: Vec<_> = client.list_sessions().try_collect().await.unwrap();
    assert!(listed.is_empty(), "{listed:?}");
}

#[tokio::test]
async fn list_follows_next_links_across_pages() {
    let emu = crate::common::emulator()
        .page_size(2)
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let mut ids = Vec::new();
    for i in 0..5 {
        let id = SessionId::new(format!("page-{i}")).unwrap();
        client.start_session(&id, &standard(5)).await.unwrap();
        ids.push(id);
    }
    let listed: Vec<_> = client.list_sessions().try_collect().await.unwrap();
    let listed_ids: Vec<_> = listed.iter().map(|s| s.id.clone()).collect();
    assert_eq!(listed_ids, ids);
    // 2 + 2 + 1: three pages, three requests.
    assert_eq!(emu.request_count(Route::ListSessions), 3);

    // The stream is lazy: taking one item reads only the first page.
    emu.clear_requests();
    let first: Vec<_> = client.list_sessions().take(1).try_collect().await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(emu.request_count(Route::ListSessions), 1);
}

#[tokio::test]
async fn an_empty_list_is_one_request() {
    let emu = crate::common::emulator()
        .page_size(2)
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let listed: Vec<_> = client.list_sessions().try_collect().await.unwrap();
    assert!(listed.is_empty());
    assert_eq!(emu.request_count(Route::ListSessions), 1);
}

#[tokio::test]
async fn poller_reports_error_sessions_with_the_service_error() {
    let emu = crate::common::emulator()
        .session_startup(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    let poller = client.start_session(&id, &standard(5)).await.unwrap();
    emu.inject_session_error(id.as_str(), "VmAllocationFailed", "no capacity in region");
    let error = poller.wait().await.unwrap_err();
    match &error {
        Error::SessionFailed {
            id: failed,
            status,
            error: Some(detail),
        } => {
            assert_eq!(failed, id.as_str());
            assert_eq!(*status, SessionStatus::Error);
            assert_eq!(detail.code, "VmAllocationFailed");
            assert_eq!(detail.message, "no capacity in region");
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = error.to_string();
    assert!(
        text.contains("VmAllocationFailed") && text.contains("Error"),
        "{text}"
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn poller_reports_expired_sessions() {
    // Ready after 20 ms, one lease minute is 20 ms: expired 40 ms after creation,
    // long before the first poll at 300 ms.
    let emu = crate::common::emulator()
        .session_startup(Duration::from_millis(20))
        .lease_minute(Duration::from_millis(20))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    let poller = client.start_session(&id, &standard(1)).await.unwrap();
    let error = poller
        .with_interval(Duration::from_millis(300))
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::SessionFailed {
                status: SessionStatus::Expired,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn poller_reports_stopped_sessions() {
    let emu = crate::common::emulator()
        .session_startup(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    let poller = client.start_session(&id, &standard(5)).await.unwrap();
    client.stop_session(&id).await.unwrap();
    let error = poller.wait().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::SessionFailed {
                status: SessionStatus::Stopped,
                error: None,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn poller_times_out_without_stopping_the_session() {
    let emu = crate::common::emulator()
        .session_startup(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    let started = Instant::now();
    let error = client
        .start_session(&id, &standard(5))
        .await
        .unwrap()
        .with_timeout(Duration::from_millis(200))
        .wait()
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.is_retryable());
    assert!(
        took >= Duration::from_millis(180) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(emu.request_count(Route::StopSession), 0);
    assert_eq!(
        client.get_session(&id).await.unwrap().status,
        SessionStatus::Starting
    );
}

#[tokio::test]
async fn the_builder_poll_timeout_applies_to_every_poller() {
    let emu = crate::common::emulator()
        .session_startup(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let client = crate::common::builder(&emu)
        .poll_timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let error = client
        .start_session(&SessionId::generate(), &standard(5))
        .await
        .unwrap()
        .wait()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
}

#[tokio::test]
async fn updates_stream_yields_statuses_in_order_and_ends() {
    let emu = crate::common::emulator()
        .session_startup(Duration::from_millis(500))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let poller = client
        .start_session(&SessionId::generate(), &standard(5))
        .await
        .unwrap();
    let updates: Vec<_> = poller.updates().try_collect().await.unwrap();
    // The client's 20 ms interval, raised to the library's floor.
    let interval = Duration::from_millis(20).max(remote_rendering::MIN_POLL_INTERVAL);
    assert!(updates.len() >= 2, "{}", updates.len());
    let (last, pending) = updates.split_last().unwrap();
    for update in pending {
        assert_eq!(update.value.status, SessionStatus::Starting);
        assert_eq!(update.next_poll, Some(interval));
    }
    assert_eq!(last.value.status, SessionStatus::Ready);
    assert_eq!(last.next_poll, None);
    assert!(updates.windows(2).all(|w| w[0].elapsed <= w[1].elapsed));
}

#[tokio::test]
async fn updates_stream_ends_with_the_terminal_error() {
    let emu = crate::common::emulator()
        .session_startup(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    let poller = client.start_session(&id, &standard(5)).await.unwrap();
    let mut updates = Box::pin(poller.updates());
    let first = updates.next().await.unwrap().unwrap();
    assert_eq!(first.value.status, SessionStatus::Starting);
    emu.inject_session_error(id.as_str(), "Boom", "it broke");
    let mut saw_error = false;
    while let Some(item) = updates.next().await {
        if let Err(error) = item {
            assert!(matches!(
                error,
                Error::SessionFailed {
                    status: SessionStatus::Error,
                    ..
                }
            ));
            saw_error = true;
        }
    }
    assert!(saw_error);
    assert!(updates.next().await.is_none(), "the stream stays ended");
}

#[tokio::test]
async fn continuation_tokens_extend_the_python_sdk_format_and_resume_elsewhere() {
    use base64::Engine as _;
    let emu = crate::common::emulator()
        .session_startup(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let first = crate::common::client(&emu);
    let id = SessionId::new("resumable").unwrap();
    let poller = first.start_session(&id, &standard(5)).await.unwrap();
    let token = poller.continuation_token();
    // The Python SDK's token, then the session mark.
    let python = base64::engine::general_purpose::STANDARD
        .encode(format!("1:{}:resumable", emu.account_id()));
    assert_eq!(token, format!("{python}-"));
    drop(poller);

    // Another client (as in another process) resumes from the token.
    let second = crate::common::client(&emu);
    let resumed = second.resume_session_poller(&token).unwrap();
    assert_eq!(resumed.id(), "resumable");
    assert!(resumed.last().is_none());
    assert_eq!(resumed.continuation_token(), token);
    assert_eq!(resumed.wait().await.unwrap().status, SessionStatus::Ready);

    // The Python SDK's own token (no kind) resumes too.
    let from_python = second.resume_session_poller(&python).unwrap();
    assert_eq!(from_python.wait().await.unwrap().id, id);

    // A bare id works too, and so does session_poller.
    let from_id = second.resume_session_poller("resumable").unwrap();
    assert_eq!(from_id.wait().await.unwrap().id, id);
    assert_eq!(
        second.session_poller(id.clone()).wait().await.unwrap().id,
        id
    );

    // A token of another account, or garbage, is refused without a request.
    emu.clear_requests();
    let foreign = base64::engine::general_purpose::STANDARD
        .encode(format!("1:{}:resumable", uuid::Uuid::new_v4()));
    assert!(matches!(
        second.resume_session_poller(&foreign).unwrap_err(),
        Error::Validation {
            field: "continuation token",
            ..
        }
    ));
    assert!(second.resume_session_poller("not a token!").is_err());
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn dropping_a_poller_never_stops_the_session() {
    let emu = crate::common::emulator()
        .session_startup(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    let poller = client.start_session(&id, &standard(5)).await.unwrap();
    // Cancel a wait midway, then drop the poller.
    let wait = tokio::time::timeout(Duration::from_millis(30), poller.wait()).await;
    assert!(wait.is_err());
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(emu.request_count(Route::StopSession), 0);
    assert_eq!(
        client.get_session(&id).await.unwrap().status,
        SessionStatus::Ready
    );
}

#[tokio::test]
async fn an_already_ready_session_is_returned_without_waiting_an_interval() {
    let emu = crate::common::emulator()
        .session_startup(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let client = crate::common::builder(&emu)
        .polling_interval(Duration::from_secs(30))
        .build()
        .unwrap();
    let id = SessionId::generate();
    let started = Instant::now();
    let session = client
        .start_session(&id, &standard(5))
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(session.status, SessionStatus::Ready);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_same_create_twice_is_one_session_and_a_different_one_conflicts() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    client.start_session(&id, &standard(5)).await.unwrap();
    client.start_session(&id, &standard(5)).await.unwrap();
    let error = client.start_session(&id, &standard(6)).await.unwrap_err();
    assert_eq!(error.status(), Some(409));
    assert!(error.ms_cv().is_some());
    assert!(error.to_string().contains("MS-CV"), "{error}");
    let listed: Vec<_> = client.list_sessions().try_collect().await.unwrap();
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn service_errors_are_typed() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let missing = SessionId::new("missing").unwrap();
    let error = client.get_session(&missing).await.unwrap_err();
    let service = error.service_error().expect("a service error");
    assert_eq!(service.status, 404);
    assert_eq!(service.code.as_deref(), Some("NotFound"));
    assert!(service.ms_cv.is_some());
    assert!(!error.is_retryable());
    // One line, with the MS-CV.
    let text = error.to_string();
    assert!(
        !text.contains('\n') && text.contains("MS-CV") && text.contains("404"),
        "{text}"
    );

    // A lease that does not grow is refused by the service with its target.
    let id = SessionId::generate();
    client.start_session(&id, &standard(10)).await.unwrap();
    let error = client.update_lease(&id, MINUTE * 5).await.unwrap_err();
    let service = error.service_error().expect("a service error");
    assert_eq!(service.status, 422);
    assert_eq!(service.target.as_deref(), Some("maxLeaseTimeMinutes"));
}

#[tokio::test]
async fn extend_lease_refuses_to_pass_the_maximum_before_updating() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    client.start_session(&id, &standard(1430)).await.unwrap();
    emu.clear_requests();
    let error = client.extend_lease(&id, MINUTE * 30).await.unwrap_err();
    assert!(
        matches!(error, Error::Validation { field: "lease", .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("1440"), "{error}");
    assert_eq!(emu.request_count(Route::UpdateSession), 0);
    // Up to the maximum is fine.
    let session = client.extend_lease(&id, MINUTE * 10).await.unwrap();
    assert_eq!(session.max_lease, Some(MINUTE * 1440));
}

#[tokio::test]
async fn default_intervals_are_2_s_for_standard_and_10_s_for_premium() {
    let emu = crate::common::emulator()
        .session_startup(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    // No polling interval configured: the defaults apply.
    let client =
        remote_rendering::Client::builder(&emu.account_id().to_string(), &emu.account_domain())
            .endpoint(emu.endpoint().as_str())
            .sts_endpoint(emu.sts_endpoint().as_str())
            .credential(remote_rendering::Credential::account_key(emu.account_key()))
            .build()
            .unwrap();
    for (size, interval) in [
        (SessionSize::Standard, Duration::from_secs(2)),
        (SessionSize::Premium, Duration::from_secs(10)),
    ] {
        let id = SessionId::generate();
        let poller = client
            .start_session(&id, &SessionOptions::new(size, MINUTE))
            .await
            .unwrap();
        drop(poller);
        // A resumed poller polls at once and announces the next poll.
        let mut updates = Box::pin(client.session_poller(id).updates());
        let first = updates.next().await.unwrap().unwrap();
        assert_eq!(first.value.status, SessionStatus::Starting);
        assert_eq!(first.next_poll, Some(interval));
    }
}

#[tokio::test]
async fn a_stopped_session_has_no_remaining_lease() {
    // Issue 13: `arr session get` showed a Stopped session's lease as remaining.
    let emu = crate::common::emulator()
        .session_startup(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    client.start_session(&id, &standard(60)).await.unwrap();
    let ready = client.get_session(&id).await.unwrap();
    assert!(ready.remaining_lease().is_some());
    client.stop_session(&id).await.unwrap();
    let stopped = client.get_session(&id).await.unwrap();
    assert_eq!(stopped.status, SessionStatus::Stopped);
    assert_eq!(stopped.remaining_lease(), None, "{stopped:?}");
}
