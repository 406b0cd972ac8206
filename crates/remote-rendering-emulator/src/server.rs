//! HTTP front end: connection handling, the request pipeline (faults, rate
//! limits, logging, `MS-CV`) and the route handlers.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::header::{
    AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, RETRY_AFTER, WWW_AUTHENTICATE,
};
use http::{HeaderMap, HeaderValue, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use rand::Rng;
use remote_rendering_rest::generated::sts_2019_02_28_preview::types::StsTokenResponseMessage;
use remote_rendering_rest::types;
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;
use uuid::Uuid;

use crate::auth::{Keys, secrets_equal};
use crate::faults::{Fault, FaultAction, Route};
use crate::state::{Created, Store, Timing, error};
use crate::{API_VERSION, Clock, Faults, RequestRecord};

/// State shared by the server and the [`crate::EmulatorHandle`].
pub(crate) struct Shared {
    pub(crate) account_id: Uuid,
    pub(crate) account_key: String,
    pub(crate) account_domain: String,
    pub(crate) timing: Timing,
    pub(crate) page_size: usize,
    pub(crate) rate_limit: Option<(u32, Duration)>,
    pub(crate) token_lifetime: Duration,
    pub(crate) clock: Clock,
    pub(crate) faults: Faults,
    pub(crate) keys: Keys,
    pub(crate) store: Mutex<Store>,
    pub(crate) log: Mutex<Vec<RequestRecord>>,
    /// Per account: start of the current window and requests seen in it.
    pub(crate) rate: Mutex<HashMap<String, (Duration, u32)>>,
    pub(crate) scheme: &'static str,
    pub(crate) endpoint: url::Url,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Handlers never leave the state half-updated on panic, so a poisoned
    // lock is still usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    pub(crate) fn log(&self) -> MutexGuard<'_, Vec<RequestRecord>> {
        lock(&self.log)
    }

    /// Counts a request against `account`'s limit; `Some(wait)` when over it.
    fn rate_limited(&self, account: &str) -> Option<Duration> {
        let (limit, window) = self.rate_limit?;
        let now = self.clock.elapsed();
        let mut rate = lock(&self.rate);
        let entry = rate.entry(account.to_ascii_lowercase()).or_insert((now, 0));
        if now >= entry.0 + window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            return Some((entry.0 + window).saturating_sub(now));
        }
        entry.1 += 1;
        None
    }
}

// ---------------------------------------------------------------------------
// Connections

/// Accepts connections until `stop` flips, then waits (bounded) for open
/// connections to finish.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let router = router(shared.clone());
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        // Usually out of file descriptors: back off briefly.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let router = router.clone();
                let stop = stop.clone();
                let tls = tls.clone();
                connections.spawn(async move {
                    match tls {
                        None => serve_connection(stream, shared, router, stop).await,
                        Some(acceptor) => {
                            let handshake = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await;
                            match handshake {
                                Ok(Ok(stream)) => serve_connection(stream, shared, router, stop).await,
                                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                            }
                        }
                    }
                });
            }
            _ = stop.changed() => break,
        }
        // Reap finished connection tasks so the set does not grow forever.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drain)
        .await
        .is_err()
    {
        tracing::debug!("aborting connections still open after shutdown grace period");
    }
    tracing::info!("emulator stopped");
}

async fn serve_connection<I>(
    io: I,
    shared: Arc<Shared>,
    router: Router,
    mut stop: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // A handler asks for the connection to be torn down (fault injection)
    // through this; dropping the connection future closes the socket
    // without writing a response.
    let abort = Arc::new(Notify::new());
    let service = {
        let abort = abort.clone();
        hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let shared = shared.clone();
            let router = router.clone();
            let abort = abort.clone();
            async move {
                let (response, drop_connection) = handle(shared, router, req.map(Body::new)).await;
                if drop_connection {
                    abort.notify_one();
                    std::future::pending::<()>().await;
                }
                Ok::<_, Infallible>(response)
            }
        })
    };
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            _ = abort.notified() => return,
            _ = stop.changed(), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Request pipeline

const MS_CV: &str = "ms-cv";

fn correlation_vector() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::rng();
    let base: String = (0..22)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{base}.0")
}

/// Replaces the value of every `sig` parameter so SAS tokens never reach
/// the request log.
pub(crate) fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("sig") => format!("{key}=REDACTED"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Rewrites paths axum cannot route as sent: the STS path is
/// case-insensitive, and axum reserves segments starting with `:`.
fn normalize(uri: &Uri, route: Option<Route>) -> Option<Uri> {
    let path = uri.path();
    let new_path = match route {
        Some(Route::StsToken) => {
            let account = path.trim_start_matches('/').split('/').nth(1)?;
            format!("/accounts/{account}/token")
        }
        Some(Route::StopSession) => {
            let (base, _) = path.rsplit_once('/')?;
            format!("{base}/stop-action")
        }
        _ => return None,
    };
    let full = match uri.query() {
        Some(q) => format!("{new_path}?{q}"),
        None => new_path,
    };
    full.parse().ok()
}

async fn handle(shared: Arc<Shared>, router: Router, mut req: Request<Body>) -> (Response, bool) {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(redact_query);
    let admin = path == "/_emulator" || path.starts_with("/_emulator/");
    let route = if admin {
        None
    } else {
        Route::classify(&method, &path)
    };
    let internal_stop_path = route.is_none() && path.ends_with("/stop-action");
    if let Some(uri) = normalize(req.uri(), route) {
        *req.uri_mut() = uri;
    }

    let (mut response, outcome) = if admin {
        (
            router.oneshot(req).await.unwrap_or_else(|e| match e {}),
            Outcome::Sent,
        )
    } else if internal_stop_path {
        // The internal name of the stop route is not part of the API.
        (not_found_response(), Outcome::Sent)
    } else {
        pipeline(&shared, router, route, &path, req).await
    };

    let cv = correlation_vector();
    if let Ok(value) = HeaderValue::from_str(&cv) {
        response.headers_mut().insert(MS_CV, value);
    }
    let status = match outcome {
        Outcome::DroppedBefore => 0,
        _ => response.status().as_u16(),
    };
    let drop_connection = outcome != Outcome::Sent;
    tracing::info!(
        method = %method,
        path = %path,
        query = query.as_deref().unwrap_or(""),
        status,
        route = ?route,
        dropped = drop_connection,
        ms_cv = %cv,
        "request"
    );
    if !admin {
        shared.log().push(RequestRecord {
            route,
            method: method.to_string(),
            path,
            query,
            status,
        });
    }
    (response, drop_connection)
}

/// What happened to a request's response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Sent,
    DroppedBefore,
    DroppedAfter,
}

/// Faults, rate limit, handler, then post-handler faults.
async fn pipeline(
    shared: &Arc<Shared>,
    router: Router,
    route: Option<Route>,
    path: &str,
    req: Request<Body>,
) -> (Response, Outcome) {
    let plan = route.map(|r| shared.faults.take(r)).unwrap_or_default();
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    match plan.action {
        Some(FaultAction::Status {
            status,
            retry_after,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut err = ApiError::new(
                status,
                "InjectedFault",
                "A fault was injected into this request by the emulator.",
            );
            err.retry_after = retry_after;
            return (err.into_response(), Outcome::Sent);
        }
        Some(FaultAction::DropBeforeHandler) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                Outcome::DroppedBefore,
            );
        }
        _ => {}
    }
    if route.is_some()
        && let Some(account) = path.trim_start_matches('/').split('/').nth(1)
        && let Some(wait) = shared.rate_limited(account)
    {
        let mut err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "The request rate limit of this account was reached; retry after the time given in Retry-After.",
        );
        err.retry_after = Some(wait);
        return (err.into_response(), Outcome::Sent);
    }
    let response = router.oneshot(req).await.unwrap_or_else(|e| match e {});
    match plan.action {
        Some(FaultAction::DropAfterApply) => (response, Outcome::DroppedAfter),
        Some(FaultAction::TruncatedBody) => {
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let cut = bytes.slice(..bytes.len() / 2);
            parts
                .headers
                .insert(CONTENT_LENGTH, HeaderValue::from(cut.len()));
            (Response::from_parts(parts, Body::from(cut)), Outcome::Sent)
        }
        Some(FaultAction::NonJsonBody) => {
            let (mut parts, _) = response.into_parts();
            let html =
                "<html><body><h1>502 Bad Gateway</h1><p>injected by arr-emulator</p></body></html>";
            parts
                .headers
                .insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
            parts
                .headers
                .insert(CONTENT_LENGTH, HeaderValue::from(html.len()));
            (Response::from_parts(parts, Body::from(html)), Outcome::Sent)
        }
        Some(FaultAction::MissingFields) => {
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let is_object =
                serde_json::from_slice::<serde_json::Value>(&bytes).is_ok_and(|v| v.is_object());
            let body = if is_object {
                Bytes::from_static(b"{}")
            } else {
                bytes
            };
            parts
                .headers
                .insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
            (Response::from_parts(parts, Body::from(body)), Outcome::Sent)
        }
        _ => (response, Outcome::Sent),
    }
}

// ---------------------------------------------------------------------------
// Responses

/// Serializes `value`, leaving out `innerError: null`: the generated error
/// type always writes that field, but the spec does not allow null there.
fn to_json(value: &impl serde::Serialize) -> Vec<u8> {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                if map
                    .get("innerError")
                    .is_some_and(serde_json::Value::is_null)
                {
                    map.remove("innerError");
                }
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    // Going through text (not `to_value`) keeps `f32` fields such as
    // teraflops printed as written (10.6, not 10.600000381469727).
    let text = serde_json::to_vec(value).expect("response types serialize");
    let mut value: serde_json::Value = serde_json::from_slice(&text).expect("just serialized");
    strip(&mut value);
    serde_json::to_vec(&value).expect("JSON values serialize")
}

fn json(status: StatusCode, value: &impl serde::Serialize) -> Response {
    (
        status,
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        to_json(value),
    )
        .into_response()
}

/// An error answer with the spec's `{"error": {...}}` body.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    // Boxed: the error object is large and travels in `Result`s.
    error: Box<types::Error>,
    www_authenticate: Option<String>,
    retry_after: Option<Duration>,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            error: Box::new(error(code, message)),
            www_authenticate: None,
            retry_after: None,
        }
    }

    fn target(mut self, target: &str) -> Self {
        self.error.target = Some(target.to_owned());
        self
    }

    fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    fn unauthorized(challenge: String, message: impl Into<String>) -> Self {
        let mut err = Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", message);
        err.www_authenticate = Some(challenge);
        err
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = json(self.status, &types::ErrorResponse { error: *self.error });
        if let Some(challenge) = self
            .www_authenticate
            .and_then(|c| HeaderValue::from_str(&c).ok())
        {
            response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
        }
        if let Some(wait) = self.retry_after {
            // Whole seconds, rounded up, so waiting that long always suffices.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

fn not_found_response() -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "NotFound", "No such resource.").into_response()
}

// ---------------------------------------------------------------------------
// Routing

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/accounts/{account_id}/token", get(sts_token))
        .route("/accounts/{account_id}/sessions", get(list_sessions))
        .route(
            "/accounts/{account_id}/sessions/{session_id}",
            get(get_session).put(create_session).patch(update_session),
        )
        .route(
            "/accounts/{account_id}/sessions/{session_id}/stop-action",
            post(stop_session),
        )
        .route("/accounts/{account_id}/conversions", get(list_conversions))
        .route(
            "/accounts/{account_id}/conversions/{conversion_id}",
            get(get_conversion).put(create_conversion),
        )
        .route(
            "/_emulator/faults",
            post(admin_inject_fault).delete(admin_clear_faults),
        )
        .route("/_emulator/requests", get(admin_requests))
        .route("/_emulator/clock/advance", post(admin_advance_clock))
        .route(
            "/_emulator/sessions/{session_id}/error",
            post(admin_session_error),
        )
        .route(
            "/_emulator/conversions/{conversion_id}/failure",
            post(admin_conversion_failure),
        )
        .fallback(|| async { not_found_response() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                "This method is not supported on this resource.",
            )
        })
        .with_state(shared)
}

fn query_param(uri: &Uri, name: &str) -> Option<String> {
    url::form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn valid_id(id: &str) -> bool {
    (1..=256).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Splits `Authorization: <scheme> <credentials>`; `None` when malformed.
fn bearer(headers: &HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers.get(AUTHORIZATION)?;
    let parsed = value.to_str().ok().and_then(|text| {
        let (scheme, credentials) = text.trim().split_once(' ')?;
        let credentials = credentials.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !credentials.is_empty()).then_some(credentials)
    });
    Some(parsed.ok_or(()))
}

/// The checks every ARR route makes: token, account, `api-version`.
fn authorize(
    shared: &Shared,
    account: &str,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<(), ApiError> {
    const REALM: &str = "Bearer realm=\"remoterendering\"";
    let token = match bearer(headers) {
        None => {
            return Err(ApiError::unauthorized(
                REALM.to_owned(),
                "The Authorization header is missing.",
            ));
        }
        Some(Err(())) => {
            return Err(ApiError::unauthorized(
                format!(
                    "{REALM}, error=\"invalid_request\", error_description=\"expected a bearer token\""
                ),
                "The Authorization header must be 'Bearer <token>'.",
            ));
        }
        Some(Ok(token)) => token,
    };
    let claims = shared
        .keys
        .verify_access(token, shared.clock.now())
        .map_err(|problem| {
            ApiError::unauthorized(
                format!(
                    "{REALM}, error=\"invalid_token\", error_description=\"{}\"",
                    problem.describe()
                ),
                problem.describe(),
            )
        })?;
    let same_account = matches!(
        (Uuid::parse_str(account), Uuid::parse_str(&claims.account_id)),
        (Ok(a), Ok(b)) if a == b
    );
    if !same_account {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "The access token does not grant access to this account.",
        ));
    }
    match query_param(uri, "api-version") {
        Some(v) if v == API_VERSION => Ok(()),
        Some(v) => Err(ApiError::bad_request(
            "UnsupportedApiVersion",
            format!("The api-version '{v}' is not supported; use '{API_VERSION}'."),
        )
        .target("api-version")),
        None => Err(ApiError::bad_request(
            "MissingApiVersionParameter",
            format!("The api-version query parameter is required; use '{API_VERSION}'."),
        )
        .target("api-version")),
    }
}

fn parse_body<T: for<'de> Deserialize<'de>>(
    body: &Bytes,
    status: StatusCode,
) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::new(
            status,
            "InvalidRequestBody",
            "The request body is missing.",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            status,
            "InvalidRequestBody",
            format!("The request body is invalid: {e}"),
        )
    })
}

/// `scheme://host/` as the client addressed us, for absolute `@nextLink`s.
fn base_url(shared: &Shared, headers: &HeaderMap) -> String {
    headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.parse::<http::uri::Authority>().ok())
        .map(|authority| format!("{}://{authority}/", shared.scheme))
        .unwrap_or_else(|| shared.endpoint.to_string())
}

fn continuation(uri: &Uri) -> Result<u64, ApiError> {
    match query_param(uri, "continuationToken") {
        None => Ok(0),
        Some(token) => token.parse().map_err(|_| {
            ApiError::bad_request(
                "InvalidContinuationToken",
                "The continuation token is not valid.",
            )
            .target("continuationToken")
        }),
    }
}

fn next_link(
    shared: &Shared,
    headers: &HeaderMap,
    account: &str,
    collection: &str,
    next: Option<u64>,
) -> Option<String> {
    next.map(|n| {
        format!(
            "{}accounts/{account}/{collection}?api-version={API_VERSION}&continuationToken={n}",
            base_url(shared, headers)
        )
    })
}

// ---------------------------------------------------------------------------
// STS

async fn sts_token(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let invalid_request = |message: &str| {
        let mut err = ApiError::bad_request("InvalidRequest", message);
        err.www_authenticate = Some(format!("Invalid request: {message}"));
        err
    };
    let invalid_token =
        |message: &str| ApiError::unauthorized(format!("Invalid token: {message}"), message);

    let credentials = match bearer(&headers) {
        None => return Err(invalid_token("The Authorization header is missing.")),
        Some(Err(())) => {
            return Err(invalid_request(
                "The Authorization header must be 'Bearer <credentials>'.",
            ));
        }
        Some(Ok(credentials)) => credentials,
    };
    let Ok(account_id) = Uuid::parse_str(&account) else {
        return Err(invalid_request("The account id in the path is not a UUID."));
    };
    if account_id != shared.account_id {
        return Err(invalid_token("Unknown account."));
    }
    match credentials.split_once(':') {
        Some((key_account, key)) => {
            let Ok(key_account) = Uuid::parse_str(key_account) else {
                return Err(invalid_request(
                    "Expected 'Bearer {accountId}:{accountKey}'.",
                ));
            };
            if key_account != account_id || !secrets_equal(key, &shared.account_key) {
                return Err(invalid_token(
                    "The account key is not valid for this account.",
                ));
            }
        }
        None => shared
            .keys
            .verify_identity(credentials, shared.clock.now())
            .map_err(|problem| invalid_token(problem.describe()))?,
    }
    let token = shared.keys.mint_access(
        &account_id.to_string(),
        shared.clock.now(),
        shared.token_lifetime,
    );
    Ok(json(
        StatusCode::OK,
        &StsTokenResponseMessage {
            access_token: token,
        },
    ))
}

// ---------------------------------------------------------------------------
// Sessions

async fn create_session(
    State(shared): State<Arc<Shared>>,
    Path((account, id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize(&shared, &account, &headers, &uri)?;
    if !valid_id(&id) {
        return Err(ApiError::bad_request(
            "InvalidSessionId",
            "A session id must be 1 to 256 characters of letters, digits, '-' and '_'.",
        )
        .target("session_id"));
    }
    let settings: types::CreateSessionSettings = parse_body(&body, StatusCode::BAD_REQUEST)?;
    let types::SessionSize::Known(size) = settings.size else {
        return Err(ApiError::bad_request(
            "InvalidSessionSize",
            "The size must be 'Standard' or 'Premium'.",
        )
        .target("size"));
    };
    if !(0..=1440).contains(&settings.max_lease_time_minutes) {
        return Err(ApiError::bad_request(
            "InvalidMaxLeaseTime",
            "maxLeaseTimeMinutes must be between 0 and 1440.",
        )
        .target("maxLeaseTimeMinutes"));
    }
    let now = shared.clock.elapsed();
    let wall = shared.clock.now();
    let mut store = shared.store();
    match store.create_session(&id, size, settings.max_lease_time_minutes, now, wall) {
        Created::New(session) => Ok(json(
            StatusCode::CREATED,
            &session.properties(now, &shared.timing, &shared.account_domain),
        )),
        Created::Existing(session) => Ok(json(
            StatusCode::OK,
            &session.properties(now, &shared.timing, &shared.account_domain),
        )),
        Created::Conflict => Err(ApiError::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!("A session with id '{id}' already exists with different settings."),
        )),
    }
}

fn session_not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("There is no session with id '{id}' in this account."),
    )
}

async fn get_session(
    State(shared): State<Arc<Shared>>,
    Path((account, id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    authorize(&shared, &account, &headers, &uri)?;
    let now = shared.clock.elapsed();
    let store = shared.store();
    let session = store.session(&id).ok_or_else(|| session_not_found(&id))?;
    Ok(json(
        StatusCode::OK,
        &session.properties(now, &shared.timing, &shared.account_domain),
    ))
}

async fn update_session(
    State(shared): State<Arc<Shared>>,
    Path((account, id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize(&shared, &account, &headers, &uri)?;
    let now = shared.clock.elapsed();
    let mut store = shared.store();
    let session = store
        .session_mut(&id)
        .ok_or_else(|| session_not_found(&id))?;
    // The spec documents 422 (not 400) for rejected lease updates, so every
    // unusable body is answered with 422 too.
    let update: types::UpdateSessionSettings = parse_body(&body, StatusCode::UNPROCESSABLE_ENTITY)?;
    let unprocessable = |code: &str, message: String| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message).target("maxLeaseTimeMinutes")
    };
    use types::SessionStatusKnown as S;
    let status = session.status(now, &shared.timing);
    if !matches!(status, S::Starting | S::Ready) {
        return Err(unprocessable(
            "InvalidSessionState",
            format!("The lease of a session in state '{status}' cannot be changed."),
        ));
    }
    let requested = update.max_lease_time_minutes;
    if requested <= session.lease {
        return Err(unprocessable(
            "LeaseTimeNotIncreased",
            format!(
                "maxLeaseTimeMinutes must be larger than the current lease of {} minutes.",
                session.lease
            ),
        ));
    }
    if requested > 1440 {
        return Err(unprocessable(
            "LeaseTimeTooLong",
            "maxLeaseTimeMinutes must not exceed 1440.".to_owned(),
        ));
    }
    session.lease = requested;
    Ok(json(
        StatusCode::OK,
        &session.properties(now, &shared.timing, &shared.account_domain),
    ))
}

async fn stop_session(
    State(shared): State<Arc<Shared>>,
    Path((account, id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    authorize(&shared, &account, &headers, &uri)?;
    let now = shared.clock.elapsed();
    if shared.store().stop_session(&id, now, &shared.timing) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(session_not_found(&id))
    }
}

async fn list_sessions(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    authorize(&shared, &account, &headers, &uri)?;
    let after = continuation(&uri)?;
    let now = shared.clock.elapsed();
    let store = shared.store();
    let (page, next) = store.session_page(after, shared.page_size, now, &shared.timing);
    let list = types::SessionsList {
        sessions: page
            .into_iter()
            .map(|s| s.properties(now, &shared.timing, &shared.account_domain))
            .collect(),
        next_link: next_link(&shared, &headers, &account, "sessions", next),
    };
    Ok(json(StatusCode::OK, &list))
}

// ---------------------------------------------------------------------------
// Conversions

fn check_container_uri(uri: &str, target: &str) -> Result<(), ApiError> {
    let ok = url::Url::parse(uri)
        .map(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        })
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "InvalidStorageContainerUri",
            format!("{target} must be an absolute http(s) URL."),
        )
        .target(target))
    }
}

fn validate_conversion(settings: &types::ConversionSettings) -> Result<(), ApiError> {
    let input = &settings.input_location;
    let output = &settings.output_location;
    check_container_uri(
        &input.storage_container_uri,
        "settings.inputLocation.storageContainerUri",
    )?;
    check_container_uri(
        &output.storage_container_uri,
        "settings.outputLocation.storageContainerUri",
    )?;
    let path = &input.relative_input_asset_path;
    let target = "settings.inputLocation.relativeInputAssetPath";
    if path.trim().is_empty() {
        return Err(ApiError::bad_request(
            "InvalidInputAssetPath",
            "relativeInputAssetPath must not be empty.",
        )
        .target(target));
    }
    if path.starts_with('/')
        || path.starts_with('\\')
        || path.contains("://")
        || path.ends_with('/')
    {
        return Err(ApiError::bad_request(
            "InvalidInputAssetPath",
            "relativeInputAssetPath must be a relative path to a file.",
        )
        .target(target));
    }
    if let Some(name) = &output.output_asset_filename
        && (name.len() <= ".arrAsset".len() || !name.ends_with(".arrAsset") || name.contains('/'))
    {
        return Err(ApiError::bad_request(
            "InvalidOutputAssetFilename",
            "outputAssetFilename must be a file name ending in '.arrAsset'.",
        )
        .target("settings.outputLocation.outputAssetFilename"));
    }
    Ok(())
}

fn conversion_response(
    shared: &Shared,
    status: StatusCode,
    conversion: &crate::state::Conversion,
) -> Response {
    let now = shared.clock.elapsed();
    let mut response = json(status, &conversion.view(now, &shared.timing));
    let remaining = conversion.remaining(now, &shared.timing);
    if !remaining.is_zero() {
        // Whole seconds, at least one, at most the 15 the service suggests.
        let secs = (remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0)).clamp(1, 15);
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

async fn create_conversion(
    State(shared): State<Arc<Shared>>,
    Path((account, id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize(&shared, &account, &headers, &uri)?;
    if !valid_id(&id) {
        return Err(ApiError::bad_request(
            "InvalidConversionId",
            "A conversion id must be 1 to 256 characters of letters, digits, '-' and '_'.",
        )
        .target("conversion_id"));
    }
    let create: types::CreateConversionSettings = parse_body(&body, StatusCode::BAD_REQUEST)?;
    validate_conversion(&create.settings)?;
    let now = shared.clock.elapsed();
    let wall = shared.clock.now();
    let mut store = shared.store();
    let (status, conversion) = match store.create_conversion(&id, create.settings, now, wall) {
        Created::New(c) => (StatusCode::CREATED, c),
        Created::Existing(c) => (StatusCode::OK, c),
        Created::Conflict => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "Conflict",
                format!("A conversion with id '{id}' already exists with different settings."),
            ));
        }
    };
    let mut response = json(status, &conversion.view(now, &shared.timing));
    response.headers_mut().remove(RETRY_AFTER);
    Ok(response)
}

async fn get_conversion(
    State(shared): State<Arc<Shared>>,
    Path((account, id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    authorize(&shared, &account, &headers, &uri)?;
    let store = shared.store();
    let conversion = store.conversion(&id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("There is no conversion with id '{id}' in this account."),
        )
    })?;
    Ok(conversion_response(&shared, StatusCode::OK, conversion))
}

async fn list_conversions(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    authorize(&shared, &account, &headers, &uri)?;
    let after = continuation(&uri)?;
    let now = shared.clock.elapsed();
    let store = shared.store();
    let (page, next) = store.conversion_page(after, shared.page_size);
    let list = types::ConversionList {
        conversions: page
            .into_iter()
            .map(|c| c.view(now, &shared.timing))
            .collect(),
        next_link: next_link(&shared, &headers, &account, "conversions", next),
    };
    Ok(json(StatusCode::OK, &list))
}

// ---------------------------------------------------------------------------
// Admin routes (`/_emulator/...`): fault injection and test controls over
// HTTP, for clients that do not run the emulator in-process.

/// JSON form of a [`Fault`] for the admin route.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum FaultSpec {
    Status {
        status: u16,
        #[serde(default)]
        retry_after_secs: Option<u64>,
        times: u32,
    },
    Latency {
        delay_ms: u64,
        times: u32,
    },
    DropBeforeHandler {
        times: u32,
    },
    DropAfterApply {
        times: u32,
    },
    TruncatedBody {
        times: u32,
    },
    NonJsonBody {
        times: u32,
    },
    MissingFields {
        times: u32,
    },
}

#[derive(Debug, Deserialize)]
struct InjectFault {
    route: Route,
    fault: FaultSpec,
}

async fn admin_inject_fault(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let request: InjectFault = parse_body(&body, StatusCode::BAD_REQUEST)?;
    let fault = match request.fault {
        FaultSpec::Status {
            status,
            retry_after_secs,
            times,
        } => {
            if StatusCode::from_u16(status).is_err() {
                return Err(ApiError::bad_request(
                    "InvalidStatus",
                    "status must be a valid HTTP status code.",
                ));
            }
            Fault::Status {
                status,
                retry_after: retry_after_secs.map(Duration::from_secs),
                times,
            }
        }
        FaultSpec::Latency { delay_ms, times } => Fault::Latency {
            delay: Duration::from_millis(delay_ms),
            times,
        },
        FaultSpec::DropBeforeHandler { times } => Fault::DropBeforeHandler { times },
        FaultSpec::DropAfterApply { times } => Fault::DropAfterApply { times },
        FaultSpec::TruncatedBody { times } => Fault::TruncatedBody { times },
        FaultSpec::NonJsonBody { times } => Fault::NonJsonBody { times },
        FaultSpec::MissingFields { times } => Fault::MissingFields { times },
    };
    shared.faults.inject(request.route, fault);
    Ok(StatusCode::NO_CONTENT)
}

async fn admin_clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.faults.clear();
    StatusCode::NO_CONTENT
}

async fn admin_requests(State(shared): State<Arc<Shared>>) -> Response {
    json(StatusCode::OK, &*shared.log())
}

#[derive(Debug, Deserialize)]
struct Advance {
    millis: u64,
}

async fn admin_advance_clock(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let advance: Advance = parse_body(&body, StatusCode::BAD_REQUEST)?;
    shared.clock.advance(Duration::from_millis(advance.millis));
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct InjectError {
    code: String,
    message: String,
}

async fn admin_session_error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let e: InjectError = parse_body(&body, StatusCode::BAD_REQUEST)?;
    let now = shared.clock.elapsed();
    if shared
        .store()
        .fail_session(&id, error(&e.code, e.message), now)
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(session_not_found(&id))
    }
}

async fn admin_conversion_failure(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let e: InjectError = parse_body(&body, StatusCode::BAD_REQUEST)?;
    if shared
        .store()
        .fail_conversion(&id, error(&e.code, e.message))
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("There is no conversion with id '{id}'."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sas_signatures_are_redacted() {
        assert_eq!(
            redact_query("api-version=1&sv=2020&SIG=abc%2Fdef&x=1"),
            "api-version=1&sv=2020&SIG=REDACTED&x=1"
        );
    }

    #[test]
    fn ids_are_checked() {
        assert!(valid_id("a-b_C9"));
        assert!(valid_id(&"x".repeat(256)));
        assert!(!valid_id(&"x".repeat(257)));
        assert!(!valid_id(""));
        assert!(!valid_id("a.b"));
        assert!(!valid_id("a b"));
    }

    #[test]
    fn null_inner_errors_are_left_out() {
        let body = String::from_utf8(to_json(&types::ErrorResponse {
            error: error("C", "m"),
        }))
        .unwrap();
        assert_eq!(body, r#"{"error":{"code":"C","message":"m"}}"#);
    }
}
