//! Issue 13 against a lying server on loopback: unknown statuses, huge
//! `Retry-After`, zero poll intervals, redirects, looping `@nextLink`.

use crate::hostile_server::{ACCOUNT, Answer, serve};
use futures::StreamExt as _;
use remote_rendering::{
    Error, MAX_RETRY_AFTER, MIN_POLL_INTERVAL, SessionId, SessionOptions, SessionSize,
    SessionStatus,
};
use serde_json::json;
use std::time::Duration;

fn session(id: &str, status: &str) -> serde_json::Value {
    json!({
        "id": id, "size": "Standard", "status": status,
        "maxLeaseTimeMinutes": 30, "elapsedTimeMinutes": 0,
    })
}

fn options() -> SessionOptions {
    SessionOptions::new(SessionSize::Standard, Duration::from_secs(30 * 60))
}

#[tokio::test]
async fn an_unknown_session_status_keeps_the_poller_polling() {
    // Two answers in a status this client does not know, then Ready.
    let server = serve(|method, _, n| {
        let status = match (method, n) {
            ("PUT", _) => "Starting",
            (_, 1 | 2) => "Hibernating",
            _ => "Ready",
        };
        Answer::json(
            if method == "PUT" { 201 } else { 200 },
            session("s", status),
        )
    })
    .await;
    let client = crate::hostile_server::client(&server).build().unwrap();
    let poller = client
        .start_session(&SessionId::new("s").unwrap(), &options())
        .await
        .unwrap()
        .with_interval(Duration::ZERO);
    let session = poller
        .wait()
        .await
        .expect("unknown statuses are not failures");
    assert_eq!(session.status, SessionStatus::Ready);
    assert_eq!(server.requests(), 4);
}

#[tokio::test]
async fn poll_intervals_have_a_floor_and_retry_after_a_cap() {
    let server = serve(|method, _, _| {
        Answer::json(
            if method == "PUT" { 201 } else { 200 },
            session("s", "Starting"),
        )
        .with_header("retry-after", "86400")
    })
    .await;
    let client = crate::hostile_server::client(&server).build().unwrap();
    let poller = client
        .start_session(&SessionId::new("s").unwrap(), &options())
        .await
        .unwrap()
        .with_interval(Duration::ZERO);
    let mut updates = Box::pin(poller.updates());
    let first = updates.next().await.unwrap().unwrap();
    let next = first.next_poll.expect("still starting");
    assert!(
        next <= MAX_RETRY_AFTER,
        "waits {next:?} for a Retry-After of a day"
    );
    assert!(next >= MIN_POLL_INTERVAL);
    // Without Retry-After, a zero interval is raised to the floor.
    let quiet = serve(|method, _, _| {
        Answer::json(
            if method == "PUT" { 201 } else { 200 },
            session("s", "Starting"),
        )
    })
    .await;
    let client = crate::hostile_server::client(&quiet).build().unwrap();
    let poller = client
        .start_session(&SessionId::new("s").unwrap(), &options())
        .await
        .unwrap()
        .with_interval(Duration::ZERO);
    let mut updates = Box::pin(poller.updates());
    let first = updates.next().await.unwrap().unwrap();
    assert_eq!(first.next_poll, Some(MIN_POLL_INTERVAL));
}

#[tokio::test]
async fn redirects_are_reported_not_followed() {
    let elsewhere = serve(|_, _, _| Answer::json(200, session("s", "Ready"))).await;
    let target = format!("{}/elsewhere", elsewhere.base);
    let server = serve(move |_, _, _| Answer {
        status: 302,
        headers: vec![("location".into(), target.clone())],
        body: crate::hostile_server::Body::Bytes(Vec::new()),
    })
    .await;
    let client = crate::hostile_server::client(&server).build().unwrap();
    let started = std::time::Instant::now();
    let error = client
        .get_session(&SessionId::new("s").unwrap())
        .await
        .unwrap_err();
    println!("redirect: failed after {:?}", started.elapsed());
    assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
    assert!(error.to_string().contains("redirect"), "{error}");
    assert!(!error.is_retryable());
    assert_eq!(elsewhere.requests(), 0, "the redirect was followed");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_next_link_back_to_an_earlier_page_ends_the_listing() {
    // Page 2 links back to page 1, forever.
    let server = serve(|_, path, _| {
        let next = if path.contains("page=1") {
            "?page=2"
        } else {
            "?page=1"
        };
        let account_path = format!("/accounts/{ACCOUNT}/sessions{next}");
        Answer::json(
            200,
            json!({"sessions": [session("s", "Ready")], "@nextLink": account_path}),
        )
    })
    .await;
    let client = crate::hostile_server::client(&server).build().unwrap();
    let listing = client.list_sessions().take(100).collect::<Vec<_>>();
    let items = tokio::time::timeout(Duration::from_secs(20), listing)
        .await
        .expect("the listing ends");
    let error = items
        .iter()
        .find_map(|item| item.as_ref().err())
        .expect("the loop is an error");
    assert!(
        error.to_string().contains("repeats an earlier page"),
        "{error}"
    );
    assert!(server.requests() <= 3, "{} pages", server.requests());
}
