//! `--data-dir`: state survives a restart, derived statuses follow the
//! clock across it, and foreign or newer data is refused, never misread.

use std::time::Duration;

use remote_rendering_emulator::{Emulator, EmulatorError};
use remote_rendering_rest::types::{ConversionStatusKnown as C, SessionStatusKnown as S};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Ctx, conversion_body, conversion_status, status_of};

#[tokio::test]
async fn sessions_conversions_tokens_and_the_clock_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let builder = || {
        Emulator::builder()
            .manual_clock()
            .session_startup(Duration::from_secs(10))
            .conversion_duration(Duration::from_secs(100))
            .data_dir(dir.path())
    };
    let first = Ctx::start(builder()).await;
    let account = first.emu.account_id();
    assert_eq!(
        first.create_session("a", 5).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        first.create_session("b", 5).await.status,
        StatusCode::CREATED
    );
    // Percent-encoded in the path: stored under the id the handler saw.
    assert_eq!(
        first.create_session("e%2Dx", 5).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        first.create_session("c", 5).await.status,
        StatusCode::CREATED
    );
    first.emu.clock().advance(Duration::from_secs(12));
    let extended = first
        .patch("sessions/a", json!({"maxLeaseTimeMinutes": 30}))
        .await;
    assert_eq!(extended.status, StatusCode::OK, "{}", extended.body);
    assert_eq!(first.stop("b").await.status, StatusCode::NO_CONTENT);
    first.emu.inject_session_error("c", "Boom", "It broke.");
    assert_eq!(
        first
            .put("conversions/k", conversion_body("m.fbx"))
            .await
            .status,
        StatusCode::CREATED
    );
    let token = first.token.clone();
    first.emu.shutdown().await;
    drop(first);

    let second = builder().start().await.unwrap();
    assert_eq!(second.account_id(), account);
    // The clock carried on from 12 s; tokens from before still work.
    assert_eq!(second.clock().elapsed(), Duration::from_secs(12));
    let ctx = Ctx {
        emu: second,
        http: crate::common::client(),
        token,
    };
    let a = ctx.session("a").await;
    assert_eq!(a.max_lease_time_minutes, Some(30));
    assert_eq!(status_of(&a), S::Ready);
    assert_eq!(status_of(&ctx.session("b").await), S::Stopped);
    let c = ctx.session("c").await;
    assert_eq!(status_of(&c), S::Error);
    assert_eq!(c.error.unwrap().code, "Boom");
    // Derived state follows the restored clock: the conversion finishes.
    ctx.emu.clock().advance(Duration::from_secs(100));
    let reply = ctx.get("conversions/k").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(conversion_status(&reply.json()), C::Succeeded);
    // New resources are numbered after the restored ones (list order).
    assert_eq!(ctx.create_session("d", 5).await.status, StatusCode::CREATED);
    let list: remote_rendering_rest::types::SessionsList = ctx.get("sessions").await.json();
    let ids: Vec<_> = list.sessions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["a", "e-x", "c", "d"]);
    // The clock advance itself was stored.
    ctx.emu.shutdown().await;
    drop(ctx);
    let third = builder().start().await.unwrap();
    assert_eq!(third.clock().elapsed(), Duration::from_secs(112));
    third.shutdown().await;
}

#[tokio::test]
async fn a_different_account_newer_schema_or_foreign_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let account = emu.account_id();
    emu.shutdown().await;
    drop(emu);

    let other = Emulator::builder()
        .data_dir(dir.path())
        .account_id(uuid::Uuid::new_v4())
        .start()
        .await
        .unwrap_err();
    assert!(matches!(other, EmulatorError::DataDir(_)), "{other}");
    assert!(other.to_string().contains(&account.to_string()), "{other}");

    // A store written by a newer emulator.
    let db = dir.path().join("arr-emulator.sqlite3");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE schema_version SET version = version + 1", [])
        .unwrap();
    drop(conn);
    let newer = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap_err();
    assert!(newer.to_string().contains("newer emulator"), "{newer}");

    // A record this build cannot read is reported, not skipped.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE schema_version SET version = 1", [])
        .unwrap();
    conn.execute(
        "INSERT INTO sessions (account, id, record) VALUES (?1, 'x', '{\"id\":\"x\"}')",
        [account.to_string()],
    )
    .unwrap();
    drop(conn);
    let damaged = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap_err();
    assert!(
        damaged.to_string().contains("unreadable record"),
        "{damaged}"
    );
}
