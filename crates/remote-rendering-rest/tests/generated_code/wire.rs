//! Wire snapshots: every raw operation of the stable ARR module and the STS
//! token call, sent through the generated client to a capture server on
//! 127.0.0.1. Each snapshot shows what goes on the wire (method, path, query,
//! the headers that matter, body), so a regeneration that changes a request
//! shows up as a reviewable snapshot diff. The request is asserted before the
//! reply is checked: when a request changed, its diff says more than the
//! failed reply.
//!
//! The error tests check that error statuses, with or without a body, reach
//! the caller as `Error::ErrorResponse` with status and headers readable.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use remote_rendering_rest::types;
use remote_rendering_rest::{ByteStream, Error, RequestAuth, RequestContext};
use serde_json::{Value, json};

/// The bearer token the tests send; the capture server redacts it.
const TOKEN: &str = "wire-test-token";
const ACCOUNT: &str = "00000000-0000-4000-8000-000000000001";
const API_VERSION: &str = "2021-01-01";
/// Request headers worth snapshotting.
const HEADERS: [&str; 5] = [
    "accept",
    "api-version",
    "authorization",
    "content-type",
    "x-mrc-cv",
];
/// Bound on each exchange with the local server.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(10);

type Captured = Arc<Mutex<Vec<Value>>>;

/// A capture server: records every request and replies with a canned answer.
pub(crate) struct CaptureServer {
    pub(crate) base_url: String,
    captured: Captured,
    task: tokio::task::JoinHandle<()>,
}

impl CaptureServer {
    pub(crate) async fn start() -> Self {
        let captured = Captured::default();
        let router = axum::Router::new()
            .fallback(capture)
            .with_state(captured.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding 127.0.0.1:0");
        let address = listener.local_addr().expect("local address");
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("capture server");
        });
        Self {
            base_url: format!("http://{address}"),
            captured,
            task,
        }
    }

    /// Every request the server saw, in order.
    pub(crate) fn requests(&self) -> Vec<Value> {
        self.captured.lock().expect("capture lock").clone()
    }

    /// The one request the server saw.
    fn single_request(&self) -> Value {
        let captured = self.captured.lock().expect("capture lock");
        assert_eq!(captured.len(), 1, "expected one request, got {captured:#?}");
        captured[0].clone()
    }

    fn arr(&self) -> remote_rendering_rest::Client {
        remote_rendering_rest::Client::new_with_client(&self.base_url, http_client(), auth())
    }

    fn sts(&self) -> remote_rendering_rest::generated::sts_2019_02_28_preview::Client {
        remote_rendering_rest::generated::sts_2019_02_28_preview::Client::new_with_client(
            &self.base_url,
            http_client(),
            auth(),
        )
    }
}

impl Drop for CaptureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("reqwest client")
}

pub(crate) fn auth() -> RequestContext {
    RequestAuth::bearer(TOKEN)
        .expect("token is a valid header value")
        .into()
}

pub(crate) fn account() -> uuid::Uuid {
    ACCOUNT.parse().expect("fixed account id")
}

pub(crate) async fn within<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(EXCHANGE_TIMEOUT, future)
        .await
        .expect("the exchange with the capture server timed out")
}

/// Records the request, then answers it.
async fn capture(
    State(captured): State<Captured>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut selected = serde_json::Map::new();
    for name in HEADERS {
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| redact(name, v))
            .collect();
        match values.len() {
            0 => {}
            1 => {
                selected.insert(name.into(), json!(values[0]));
            }
            _ => {
                selected.insert(name.into(), json!(values));
            }
        }
    }
    let body_value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body)
            .unwrap_or_else(|_| json!(format!("<not JSON> {}", String::from_utf8_lossy(&body))))
    };
    captured.lock().expect("capture lock").push(json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": uri.query(),
        "headers": selected,
        "body": body_value,
    }));
    reply(&method, uri.path())
}

/// The test token shows as `Bearer <redacted>`; any other value stays
/// visible, so a wrong token fails the snapshot without leaking a secret.
fn redact(name: &str, value: &HeaderValue) -> String {
    let text = value.to_str().unwrap_or("<not visible ASCII>");
    if name == "authorization" && text == format!("Bearer {TOKEN}") {
        "Bearer <redacted>".into()
    } else {
        text.into()
    }
}

fn session(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "size": "Standard",
        "status": status,
        "maxLeaseTimeMinutes": 30,
        "creationTime": "2024-05-01T10:00:00Z"
    })
}

fn conversion(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "creationTime": "2024-05-01T10:00:00Z",
        "error": null,
        "status": status,
        "settings": {
            "inputLocation": {
                "storageContainerUri": "https://input.blob.example.invalid/models",
                "relativeInputAssetPath": "box.fbx"
            },
            "outputLocation": {
                "storageContainerUri": "https://output.blob.example.invalid/assets"
            }
        }
    })
}

pub(crate) fn json_reply(status: StatusCode, body: Value) -> Response {
    (
        status,
        [("content-type", "application/json"), ("ms-cv", "cv-ok")],
        body.to_string(),
    )
        .into_response()
}

/// Canned answers per route. Session id `throttled` gives a 429 with a body
/// and `Retry-After`; `unauthorized` gives a bodyless 401.
fn reply(method: &Method, path: &str) -> Response {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        (_, ["accounts", _, "sessions", "throttled", ..]) => (
            StatusCode::TOO_MANY_REQUESTS,
            [
                ("content-type", "application/json"),
                ("retry-after", "7"),
                ("ms-cv", "cv-429"),
            ],
            json!({ "error": { "code": "TooManyRequests", "message": "slow down", "details": [] } })
                .to_string(),
        )
            .into_response(),
        (_, ["accounts", _, "sessions", "unauthorized", ..]) => (
            StatusCode::UNAUTHORIZED,
            [
                ("www-authenticate", "Bearer error=\"invalid_token\""),
                ("ms-cv", "cv-401"),
            ],
        )
            .into_response(),
        ("GET", ["accounts", _, "sessions"]) => json_reply(
            StatusCode::OK,
            json!({ "sessions": [session("s1", "Ready")] }),
        ),
        ("PUT", ["accounts", _, "sessions", id]) => {
            json_reply(StatusCode::CREATED, session(id, "Starting"))
        }
        ("GET" | "PATCH", ["accounts", _, "sessions", id]) => {
            json_reply(StatusCode::OK, session(id, "Ready"))
        }
        ("POST", ["accounts", _, "sessions", _, ":stop"]) => {
            (StatusCode::NO_CONTENT, [("ms-cv", "cv-ok")]).into_response()
        }
        ("GET", ["accounts", _, "conversions"]) => json_reply(
            StatusCode::OK,
            json!({ "conversions": [conversion("c1", "Succeeded")] }),
        ),
        ("PUT", ["accounts", _, "conversions", id]) => {
            json_reply(StatusCode::CREATED, conversion(id, "NotStarted"))
        }
        ("GET", ["accounts", _, "conversions", id]) => {
            json_reply(StatusCode::OK, conversion(id, "Running"))
        }
        (_, ["v1", ..]) => crate::wire_v1::reply(method, &segments[1..]),
        ("GET", ["Accounts" | "accounts", _, "token"]) => json_reply(
            StatusCode::OK,
            json!({ "AccessToken": "sts-access-token" }),
        ),
        _ => (StatusCode::NOT_FOUND, "no canned reply for this route").into_response(),
    }
}

fn session_size() -> types::SessionSize {
    types::SessionSize::Known(types::SessionSizeKnown::Standard)
}

#[tokio::test]
async fn create_session() {
    let server = CaptureServer::start().await;
    let result = within(
        server
            .arr()
            .create_session()
            .account_id(account())
            .session_id("s1")
            .api_version(API_VERSION)
            .body(types::CreateSessionSettings {
                max_lease_time_minutes: 30,
                size: session_size(),
            })
            .send(),
    )
    .await;
    insta::assert_json_snapshot!("create_session", server.single_request());
    let response = result.expect("create_session succeeds");
    assert_eq!(response.status(), 201);
    assert_eq!(response.id, "s1");
}

#[tokio::test]
async fn get_session() {
    let server = CaptureServer::start().await;
    let result = within(
        server
            .arr()
            .get_session()
            .account_id(account())
            .session_id("s1")
            .api_version(API_VERSION)
            .send(),
    )
    .await;
    insta::assert_json_snapshot!("get_session", server.single_request());
    let response = result.expect("get_session succeeds");
    assert_eq!(
        response.status,
        types::SessionStatus::Known(types::SessionStatusKnown::Ready)
    );
}

#[tokio::test]
async fn update_session() {
    let server = CaptureServer::start().await;
    let result = within(
        server
            .arr()
            .update_session()
            .account_id(account())
            .session_id("s1")
            .api_version(API_VERSION)
            .body(types::UpdateSessionSettings {
                max_lease_time_minutes: 60,
            })
            .send(),
    )
    .await;
    insta::assert_json_snapshot!("update_session", server.single_request());
    let response = result.expect("update_session succeeds");
    assert_eq!(response.id, "s1");
}

#[tokio::test]
async fn stop_session() {
    let server = CaptureServer::start().await;
    let result = within(
        server
            .arr()
            .stop_session()
            .account_id(account())
            .session_id("s1")
            .api_version(API_VERSION)
            .send(),
    )
    .await;
    insta::assert_json_snapshot!("stop_session", server.single_request());
    let response = result.expect("stop_session succeeds");
    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn list_sessions() {
    let server = CaptureServer::start().await;
    let result = within(
        server
            .arr()
            .list_sessions()
            .account_id(account())
            .api_version(API_VERSION)
            .send(),
    )
    .await;
    insta::assert_json_snapshot!("list_sessions", server.single_request());
    let response = result.expect("list_sessions succeeds");
    assert_eq!(response.sessions.len(), 1);
    assert_eq!(response.next_link, None);
}

fn conversion_settings() -> types::CreateConversionSettings {
    types::CreateConversionSettings {
        settings: types::ConversionSettings {
            input_location: types::ConversionInputSettings {
                blob_prefix: Some("models/".into()),
                relative_input_asset_path: "box.fbx".into(),
                storage_container_read_list_sas: None,
                storage_container_uri: "https://input.blob.example.invalid/models".into(),
            },
            output_location: types::ConversionOutputSettings {
                blob_prefix: None,
                output_asset_filename: Some("box.arrAsset".into()),
                storage_container_uri: "https://output.blob.example.invalid/assets".into(),
                storage_container_write_sas: None,
            },
        },
    }
}

#[tokio::test]
async fn create_conversion() {
    let server = CaptureServer::start().await;
    let result = within(
        server
            .arr()
            .create_conversion()
            .account_id(account())
            .conversion_id("c1")
            .api_version(API_VERSION)
            .body(conversion_settings())
            .send(),
    )
    .await;
    insta::assert_json_snapshot!("create_conversion", server.single_request());
    let response = result.expect("create_conversion succeeds");
    assert_eq!(response.status(), 201);
    assert_eq!(response.id, "c1");
}

#[tokio::test]
async fn get_conversion() {
    let server = CaptureServer::start().await;
    let result = within(
        server
            .arr()
            .get_conversion()
            .account_id(account())
            .conversion_id("c1")
            .api_version(API_VERSION)
            .send(),
    )
    .await;
    insta::assert_json_snapshot!("get_conversion", server.single_request());
    let response = result.expect("get_conversion succeeds");
    assert_eq!(
        response.status,
        types::ConversionStatus::Known(types::ConversionStatusKnown::Running)
    );
}

#[tokio::test]
async fn list_conversions() {
    let server = CaptureServer::start().await;
    let result = within(
        server
            .arr()
            .list_conversions()
            .account_id(account())
            .api_version(API_VERSION)
            .send(),
    )
    .await;
    insta::assert_json_snapshot!("list_conversions", server.single_request());
    let response = result.expect("list_conversions succeeds");
    assert_eq!(response.conversions.len(), 1);
}

#[tokio::test]
async fn sts_get_token() {
    let server = CaptureServer::start().await;
    let result = within(
        server
            .sts()
            .get_token()
            .account_id(account())
            .api_version("2019-02-28-preview")
            .x_mrc_cv("wire-test-cv.1")
            .send(),
    )
    .await;
    insta::assert_json_snapshot!("sts_get_token", server.single_request());
    let response = result.expect("get_token succeeds");
    assert_eq!(response.access_token, "sts-access-token");
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn body_bytes(stream: ByteStream) -> Vec<u8> {
    let chunks: Vec<_> = within(stream.into_inner().try_collect())
        .await
        .expect("reading the error body");
    chunks.iter().flat_map(|c| c.iter().copied()).collect()
}

#[tokio::test]
async fn throttled_request_surfaces_status_retry_after_and_body() {
    let server = CaptureServer::start().await;
    let error = within(
        server
            .arr()
            .get_session()
            .account_id(account())
            .session_id("throttled")
            .api_version(API_VERSION)
            .send(),
    )
    .await
    .expect_err("a 429 is an error");
    assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    let Error::ErrorResponse(response) = error else {
        panic!("expected Error::ErrorResponse, got {error:?}");
    };
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(response.headers(), "Retry-After"), Some("7"));
    assert_eq!(header(response.headers(), "MS-CV"), Some("cv-429"));
    let body: Value = serde_json::from_slice(&body_bytes(response.into_inner()).await)
        .expect("the 429 body is JSON");
    assert_eq!(body["error"]["code"], "TooManyRequests");
}

#[tokio::test]
async fn bodyless_unauthorized_surfaces_status_and_www_authenticate() {
    let server = CaptureServer::start().await;
    let error = within(
        server
            .arr()
            .create_session()
            .account_id(account())
            .session_id("unauthorized")
            .api_version(API_VERSION)
            .body(types::CreateSessionSettings {
                max_lease_time_minutes: 30,
                size: session_size(),
            })
            .send(),
    )
    .await
    .expect_err("a 401 is an error");
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    let Error::ErrorResponse(response) = error else {
        panic!("expected Error::ErrorResponse, got {error:?}");
    };
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(response.headers(), "WWW-Authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    assert_eq!(header(response.headers(), "MS-CV"), Some("cv-401"));
    assert!(body_bytes(response.into_inner()).await.is_empty());
}
