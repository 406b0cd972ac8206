//! Session operations over HTTP.

use std::time::Duration;

use crate::common::{Ctx, read, status_of};
use remote_rendering_emulator::Emulator;
use remote_rendering_rest::types::{self, SessionStatusKnown as S};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn session_create_validates_id_and_body() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let long = "x".repeat(257);
    for bad_id in [long.as_str(), "has.dot", "spa%20ce"] {
        let reply = ctx.create_session(bad_id, 10).await;
        assert_eq!(
            reply.error(StatusCode::BAD_REQUEST).code,
            "InvalidSessionId",
            "{bad_id}"
        );
    }
    assert_eq!(
        ctx.create_session(&"x".repeat(256), 10).await.status,
        StatusCode::CREATED
    );

    for (body, target) in [
        (
            json!({"maxLeaseTimeMinutes": 1441, "size": "Standard"}),
            Some("maxLeaseTimeMinutes"),
        ),
        (
            json!({"maxLeaseTimeMinutes": 10, "size": "Huge"}),
            Some("size"),
        ),
        (json!({"maxLeaseTimeMinutes": 10}), None),
        (json!({"size": "Standard"}), None),
        (json!("nonsense"), None),
    ] {
        let reply = ctx.put("sessions/s", body.clone()).await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(error.target.as_deref(), target, "{body}");
        assert!(!error.message.is_empty());
    }
    // A negative lease: the service's exact answer, without a target (this
    // test used to expect `InvalidMaxLeaseTime` with a target).
    let negative = ctx
        .put(
            "sessions/s",
            json!({"maxLeaseTimeMinutes": -4, "size": "Standard"}),
        )
        .await;
    assert_eq!(
        negative.body,
        r#"{"error":{"code":"BadRequest","message":"The maxLeaseTimeMinutes value cannot be negative."}}"#
    );
    assert_eq!(negative.status, StatusCode::BAD_REQUEST);
    let not_json = read(
        ctx.http
            .put(ctx.url("sessions/s"))
            .bearer_auth(&ctx.token)
            .body("{")
            .send()
            .await
            .unwrap(),
    )
    .await;
    not_json.error(StatusCode::BAD_REQUEST);
    // None of the rejected requests created anything.
    ctx.get("sessions/s").await.error(StatusCode::NOT_FOUND);
    // Boundaries are accepted.
    assert_eq!(
        ctx.create_session("zero", 0).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        ctx.create_session("max", 1440).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn session_create_is_idempotent_and_conflicts_on_other_settings() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let first = ctx.create_session("s1", 30).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let created: types::SessionProperties = first.json();
    assert_eq!(status_of(&created), S::Starting);

    let retried = ctx.create_session("s1", 30).await;
    assert_eq!(retried.status, StatusCode::OK);
    let again: types::SessionProperties = retried.json();
    assert_eq!(again.creation_time, created.creation_time);

    let conflict = ctx.create_session("s1", 31).await;
    assert_eq!(conflict.error(StatusCode::CONFLICT).code, "Conflict");
    let other_size = ctx
        .put(
            "sessions/s1",
            json!({"maxLeaseTimeMinutes": 30, "size": "Premium"}),
        )
        .await;
    other_size.error(StatusCode::CONFLICT);
}

#[tokio::test]
async fn session_lifecycle_follows_the_clock() {
    let ctx = Ctx::start(
        Emulator::builder()
            .manual_clock()
            .session_startup(Duration::from_secs(30))
            .lease_minute(Duration::from_secs(1)),
    )
    .await;
    ctx.create_session("life", 3).await;
    let starting = ctx.session("life").await;
    assert_eq!(status_of(&starting), S::Starting);
    assert_eq!(starting.hostname, None);
    assert_eq!(starting.max_lease_time_minutes, Some(3));

    ctx.emu.clock().advance(Duration::from_secs(30));
    let ready = ctx.session("life").await;
    assert_eq!(status_of(&ready), S::Ready);
    assert_eq!(ready.elapsed_time_minutes, Some(0));
    assert!(ready.hostname.as_deref().unwrap().contains('.'));
    let (handshake, inspector) = (
        ready.handshake_port.unwrap(),
        ready.arr_inspector_port.unwrap(),
    );
    assert!((49152..=65534).contains(&handshake) && (49152..=65534).contains(&inspector));
    assert!(ready.teraflops.unwrap() > 0.0);
    assert!(ready.creation_time.is_some());
    assert_eq!(ready.error, None);
    assert!(matches!(
        ready.size,
        types::SessionSize::Known(types::SessionSizeKnown::Standard)
    ));

    ctx.emu.clock().advance(Duration::from_millis(2500));
    assert_eq!(ctx.session("life").await.elapsed_time_minutes, Some(2));

    ctx.emu.clock().advance(Duration::from_millis(500));
    let expired = ctx.session("life").await;
    assert_eq!(status_of(&expired), S::Expired);
    assert_eq!(expired.elapsed_time_minutes, Some(3));
}

#[tokio::test]
async fn session_status_moves_with_real_time_too() {
    let ctx = Ctx::start(
        Emulator::builder()
            .session_startup(Duration::from_millis(150))
            .lease_minute(Duration::from_millis(100)),
    )
    .await;
    ctx.create_session("rt", 2).await;
    assert_eq!(status_of(&ctx.session("rt").await), S::Starting);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(status_of(&ctx.session("rt").await), S::Ready);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(status_of(&ctx.session("rt").await), S::Expired);
}

#[tokio::test]
async fn session_lease_updates() {
    let ctx = Ctx::start(
        Emulator::builder()
            .manual_clock()
            .session_startup(Duration::ZERO)
            .lease_minute(Duration::from_secs(1)),
    )
    .await;
    ctx.create_session("lease", 10).await;
    let updated = ctx
        .patch("sessions/lease", json!({"maxLeaseTimeMinutes": 20}))
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(
        updated
            .json::<types::SessionProperties>()
            .max_lease_time_minutes,
        Some(20)
    );

    for (value, code) in [
        (20, "LeaseTimeNotIncreased"),
        (5, "LeaseTimeNotIncreased"),
        (1441, "LeaseTimeTooLong"),
    ] {
        let reply = ctx
            .patch("sessions/lease", json!({"maxLeaseTimeMinutes": value}))
            .await;
        assert_eq!(
            reply.error(StatusCode::UNPROCESSABLE_ENTITY).code,
            code,
            "{value}"
        );
    }
    ctx.patch("sessions/lease", json!({"other": 1}))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        ctx.patch("sessions/lease", json!({"maxLeaseTimeMinutes": 1440}))
            .await
            .status,
        StatusCode::OK
    );
    ctx.patch("sessions/missing", json!({"maxLeaseTimeMinutes": 30}))
        .await
        .error(StatusCode::NOT_FOUND);

    // The extension keeps the session alive past its original lease.
    ctx.emu.clock().advance(Duration::from_secs(15));
    assert_eq!(status_of(&ctx.session("lease").await), S::Ready);

    // An ended session's lease cannot change.
    ctx.stop("lease").await;
    ctx.patch("sessions/lease", json!({"maxLeaseTimeMinutes": 1440}))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn stopping_sessions_and_unknown_ids() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    ctx.create_session("s", 10).await;
    let stopped = ctx.stop("s").await;
    assert_eq!(stopped.status, StatusCode::NO_CONTENT);
    assert!(stopped.body.is_empty());
    assert_eq!(status_of(&ctx.session("s").await), S::Stopped);
    assert_eq!(ctx.stop("s").await.status, StatusCode::NO_CONTENT);
    assert_eq!(status_of(&ctx.session("s").await), S::Stopped);

    assert_eq!(
        ctx.stop("nope").await.error(StatusCode::NOT_FOUND).code,
        "NotFound"
    );
    ctx.get("sessions/nope").await.error(StatusCode::NOT_FOUND);
    ctx.get("conversions/nope")
        .await
        .error(StatusCode::NOT_FOUND);
    // Routes that do not exist at all also answer in the error shape.
    ctx.get("nothing-here").await.error(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_the_stop_verb_acts_on_a_session() {
    use reqwest::Method;
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    ctx.create_session("s", 10).await;
    // Other verbs, the emulator's former internal path and other methods on
    // the stop path find nothing (404, not 405), before any auth check.
    for (method, path) in [
        (Method::POST, "sessions/s/:pause"),
        (Method::POST, "sessions/s/stop-action"),
        (Method::POST, "sessions/s/stop"),
        (Method::GET, "sessions/s/:stop"),
        (Method::PUT, "sessions/s/:stop"),
        (Method::DELETE, "sessions/s/:stop"),
    ] {
        let reply = ctx.call(method.clone(), path, None).await;
        assert_eq!(
            reply.error(StatusCode::NOT_FOUND).code,
            "NotFound",
            "{method} {path}"
        );
        let anonymous = read(
            ctx.http
                .request(method.clone(), ctx.url(path))
                .send()
                .await
                .unwrap(),
        )
        .await;
        anonymous.error(StatusCode::NOT_FOUND);
    }
    assert_eq!(status_of(&ctx.session("s").await), S::Starting);
    // The stop route itself checks the token like every ARR route.
    let anonymous = read(
        ctx.http
            .post(ctx.url("sessions/s/:stop"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    anonymous.error(StatusCode::UNAUTHORIZED);
    // A percent-encoded colon is the same verb.
    let stopped = ctx.call(Method::POST, "sessions/s/%3astop", None).await;
    assert_eq!(stopped.status, StatusCode::NO_CONTENT, "{}", stopped.body);
    assert_eq!(status_of(&ctx.session("s").await), S::Stopped);
}

#[tokio::test]
async fn injected_session_errors_are_reported() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    ctx.create_session("doomed", 10).await;
    ctx.emu.inject_session_error(
        "doomed",
        "SessionCreationFailed",
        "No capacity in this region.",
    );
    let session = ctx.session("doomed").await;
    assert_eq!(status_of(&session), S::Error);
    let error = session.error.unwrap();
    assert_eq!(error.code, "SessionCreationFailed");
    assert_eq!(error.message, "No capacity in this region.");
    // Error is final: time passing does not revive it.
    ctx.emu.clock().advance(Duration::from_secs(3600));
    assert_eq!(status_of(&ctx.session("doomed").await), S::Error);
}

#[tokio::test]
async fn session_list_pages_with_absolute_next_links_and_skips_stopped() {
    let ctx = Ctx::start(Emulator::builder().manual_clock().page_size(2)).await;
    for id in ["a", "b", "c", "d", "e"] {
        ctx.create_session(id, 10).await;
    }
    ctx.stop("c").await;

    let mut ids = Vec::new();
    let mut pages = 0;
    let mut url = ctx.url("sessions");
    loop {
        let page = read(
            ctx.http
                .get(&url)
                .bearer_auth(&ctx.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let list: types::SessionsList = page.json();
        assert!(list.sessions.len() <= 2);
        ids.extend(list.sessions.into_iter().map(|s| s.id));
        pages += 1;
        match list.next_link {
            Some(next) => {
                assert!(next.starts_with(ctx.emu.endpoint().as_str()), "{next}");
                assert!(next.contains("api-version=2021-01-01"));
                url = next;
            }
            None => break,
        }
    }
    assert_eq!(ids, ["a", "b", "d", "e"]);
    assert_eq!(pages, 2);
    // The next link needs the same authentication as any other call.
    let first: types::SessionsList = ctx.get("sessions").await.json();
    let unauthenticated = read(ctx.http.get(first.next_link.unwrap()).send().await.unwrap()).await;
    unauthenticated.error(StatusCode::UNAUTHORIZED);
}
