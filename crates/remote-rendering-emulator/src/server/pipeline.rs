//! The request pipeline every request passes: classification by the route
//! table, injected faults, per-account rate limits, the handler, post-handler
//! faults, then `MS-CV` and the request log.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Request, StatusCode, Uri};
use rand::Rng;
use tower::ServiceExt;

use super::responses::ApiError;
use super::shared::Shared;
use crate::faults::FaultAction;
use crate::{RequestRecord, Route};

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
fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("sig") => format!("{key}=REDACTED"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The STS path is case-insensitive (`/Accounts/{id}/token` as documented),
/// the router is not: rewrites it to the case the router serves.
fn sts_path(uri: &Uri) -> Option<Uri> {
    let account = uri.path().trim_start_matches('/').split('/').nth(1)?;
    let path = format!("/accounts/{account}/token");
    let full = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    full.parse().ok()
}

/// What happened to a request's response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Sent,
    DroppedBefore,
    DroppedAfter,
}

/// Runs one request through the pipeline; `true` when the connection must
/// be dropped instead of answered (an injected fault).
pub(super) async fn handle(
    shared: Arc<Shared>,
    router: Router,
    mut req: Request<Body>,
) -> (Response, bool) {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(redact_query);
    let admin = path == "/_emulator" || path.starts_with("/_emulator/");
    let route = if admin {
        None
    } else {
        Route::classify(&method, &path)
    };
    if let Some(route) = route {
        if route == Route::StsToken
            && let Some(uri) = sts_path(req.uri())
        {
            *req.uri_mut() = uri;
        }
        // Handlers of routes axum cannot express exactly (`:stop`) check it.
        req.extensions_mut().insert(route);
    }

    let (mut response, outcome) = if admin {
        (
            router.oneshot(req).await.unwrap_or_else(|e| match e {}),
            Outcome::Sent,
        )
    } else {
        guarded(&shared, router, route, &path, req).await
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

/// Faults, rate limit, handler, then post-handler faults.
async fn guarded(
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
            let err = ApiError::new(
                status,
                "InjectedFault",
                "A fault was injected into this request by the emulator.",
            )
            .retry_after(retry_after);
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
    if let Some(account) = route.and_then(|r| r.account(path))
        && let Some(wait) = shared.rate_limited(account)
    {
        let err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "The request rate limit of this account was reached; retry after the time given in Retry-After.",
        )
        .retry_after(Some(wait));
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
}
