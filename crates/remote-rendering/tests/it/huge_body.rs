//! Issue 13, finding 2: response bodies are read under a limit. A hostile
//! server on loopback sends endless or huge bodies, with and without
//! `Content-Length`, with success and error statuses, to every kind of
//! call (an operation, an `@nextLink`, the STS); each must fail promptly
//! with `Error::ResponseTooLarge` after a single request.

use crate::hostile_server::{ACCOUNT, Answer, Body, HostileServer, serve};
use futures::StreamExt as _;
use remote_rendering::{BodyLimits, Credential, Error, SessionId};
use serde_json::json;
use std::time::{Duration, Instant};

/// Generous: reading 4 MiB over loopback takes milliseconds; an unbounded
/// read of an endless body never ends (the test would hang, then time out).
const PROMPTLY: Duration = Duration::from_secs(10);

const GIB: u64 = 1024 * 1024 * 1024;

fn session_json() -> serde_json::Value {
    json!({
        "id": "s", "size": "Standard", "status": "Ready",
        "maxLeaseTimeMinutes": 30, "elapsedTimeMinutes": 0,
    })
}

fn answer(status: u16, body: Body) -> Answer {
    Answer {
        status,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("ms-cv".into(), "cv.1".into()),
        ],
        body,
    }
}

/// `get session` against `server` under `limits`, timed.
async fn get_session(server: &HostileServer, limits: BodyLimits) -> (Error, Duration) {
    let client = crate::hostile_server::client(server)
        .body_limits(limits)
        .build()
        .unwrap();
    let started = Instant::now();
    let outcome = tokio::time::timeout(PROMPTLY, client.get_session(&SessionId::new("s").unwrap()))
        .await
        .expect("the call returns promptly");
    (
        outcome.expect_err("an oversized answer fails"),
        started.elapsed(),
    )
}

fn assert_too_large(error: &Error, status: u16, limit: u64, declared: Option<u64>) {
    match error {
        Error::ResponseTooLarge {
            status: s,
            limit: l,
            content_length,
            ..
        } => {
            assert_eq!(
                (*s, *l, *content_length),
                (status, limit, declared),
                "{error}"
            );
        }
        other => panic!("expected ResponseTooLarge, got {other:?}"),
    }
    assert!(!error.is_retryable(), "{error}");
    assert_eq!(error.status(), Some(status));
    assert!(error.to_string().contains("is larger than"), "{error}");
}

#[tokio::test]
async fn an_endless_success_body_fails_at_the_limit_without_a_retry() {
    let server = serve(|_, _, _| answer(200, Body::Endless(b"{\"id\": \"s\",     "))).await;
    let (error, took) = get_session(&server, BodyLimits::default()).await;
    println!("endless 200 body: failed after {took:?}: {error}");
    assert_too_large(&error, 200, BodyLimits::DEFAULT_SUCCESS, None);
    assert!(error.to_string().contains("4 MiB limit"), "{error}");
    assert_eq!(server.requests(), 1, "an oversized answer is not retried");
}

#[tokio::test]
async fn a_declared_huge_success_body_is_refused_unread() {
    let server = serve(|_, _, _| {
        answer(
            200,
            Body::Huge {
                length: 2 * GIB,
                chunk: &[b' '; 65536],
            },
        )
    })
    .await;
    let (error, took) = get_session(&server, BodyLimits::default()).await;
    println!("2 GiB declared 200 body: failed after {took:?}: {error}");
    assert_too_large(&error, 200, BodyLimits::DEFAULT_SUCCESS, Some(2 * GIB));
    assert!(error.to_string().contains("2147483648 bytes"), "{error}");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn an_endless_error_body_keeps_its_start_and_is_not_retried() {
    // 503 is retried when its body is sane; not when it never ends.
    let server = serve(|_, _, _| answer(503, Body::Endless(b"busy\x1b[2J\r\n"))).await;
    let (error, took) = get_session(&server, BodyLimits::default()).await;
    println!("endless 503 body: failed after {took:?}");
    assert_too_large(&error, 503, BodyLimits::DEFAULT_ERROR, None);
    let Error::ResponseTooLarge { excerpt, .. } = &error else {
        unreachable!()
    };
    let excerpt = excerpt.as_deref().expect("the start of the body is kept");
    assert!(excerpt.starts_with("busy\x1b[2J\r\nbusy"), "{excerpt:?}");
    assert_eq!(excerpt.chars().count(), Error::EXCERPT_CHARS);
    let message = error.to_string();
    assert!(message.contains("64 KiB limit"), "{message}");
    // The server's text is shown with its control characters escaped.
    assert!(
        message.contains(r#"it began: "busy\u{1b}[2J\r\n"#),
        "{message}"
    );
    assert!(
        !message.contains('\x1b') && !message.contains('\n'),
        "{message:?}"
    );
    assert_eq!(error.ms_cv(), Some("cv.1"));
    assert_eq!(server.requests(), 1, "an oversized answer is not retried");
}

#[tokio::test]
async fn a_declared_huge_error_body_is_refused_unread() {
    let server = serve(|_, _, _| {
        answer(
            500,
            Body::Huge {
                length: GIB,
                chunk: &[b'x'; 65536],
            },
        )
    })
    .await;
    let (error, took) = get_session(&server, BodyLimits::default()).await;
    println!("1 GiB declared 500 body: failed after {took:?}");
    assert_too_large(&error, 500, BodyLimits::DEFAULT_ERROR, Some(GIB));
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn limits_are_configurable_and_bodies_within_them_are_read() {
    // The session JSON padded with spaces to exactly `length` bytes.
    fn padded(length: usize) -> Body {
        let mut body = session_json().to_string().into_bytes();
        assert!(body.len() <= length);
        body.resize(length, b' ');
        Body::Bytes(body)
    }
    let limits = BodyLimits::new(512, 64);
    let at_limit = serve(|_, _, _| answer(200, padded(512))).await;
    let client = crate::hostile_server::client(&at_limit)
        .body_limits(limits)
        .build()
        .unwrap();
    let session = client.get_session(&SessionId::new("s").unwrap()).await;
    assert!(session.is_ok(), "a body of exactly the limit: {session:?}");

    let over = serve(|_, _, _| answer(200, padded(513))).await;
    let (error, _) = get_session(&over, limits).await;
    assert_too_large(&error, 200, 512, Some(513));
    assert!(error.to_string().contains("512-byte limit"), "{error}");

    let error_body = json!({"error": {"code": "InvalidArgument", "message": "x".repeat(100)}});
    let over = serve(move |_, _, _| Answer::json(400, error_body.clone())).await;
    let (error, _) = get_session(&over, limits).await;
    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                status: 400,
                limit: 64,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_next_link_to_an_endless_page_fails_at_the_limit() {
    let server = serve(|_, path, _| {
        if path.contains("page=2") {
            return answer(200, Body::Endless(b"[[[[[[[["));
        }
        let next = format!("/accounts/{ACCOUNT}/sessions?page=2");
        Answer::json(
            200,
            json!({"sessions": [session_json()], "@nextLink": next}),
        )
    })
    .await;
    let client = crate::hostile_server::client(&server).build().unwrap();
    let listing = client.list_sessions().collect::<Vec<_>>();
    let items = tokio::time::timeout(PROMPTLY, listing)
        .await
        .expect("the listing ends promptly");
    assert_eq!(items.len(), 2, "the first page's session, then the error");
    assert!(items[0].is_ok());
    let error = items[1].as_ref().unwrap_err();
    assert_too_large(error, 200, BodyLimits::DEFAULT_SUCCESS, None);
    assert_eq!(server.requests(), 2, "no retry of the oversized page");
}

#[tokio::test]
async fn an_endless_sts_answer_fails_at_the_limit() {
    let server = serve(|_, _, _| answer(200, Body::Endless(b"{\"AccessToken\":\"eyJ"))).await;
    let client = remote_rendering::Client::builder(ACCOUNT, "eastus.mixedreality.azure.com")
        .endpoint(&server.base)
        .sts_endpoint(&server.base)
        .credential(Credential::account_key("a-key"))
        .retry_policy(crate::common::fast_retry())
        .build()
        .unwrap();
    let token = tokio::time::timeout(PROMPTLY, client.access_token())
        .await
        .expect("the exchange ends promptly");
    let error = token.expect_err("an endless STS answer fails");
    assert_too_large(&error, 200, BodyLimits::DEFAULT_SUCCESS, None);
    assert!(error.to_string().contains("get STS token"), "{error}");
    assert_eq!(server.requests(), 1);
}
