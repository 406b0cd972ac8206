//! The request pipeline every request passes: classification by the route
//! table, injected faults, per-account rate limits, the handler, post-handler
//! faults, then `MS-CV` and the request log.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Request, StatusCode, Uri};
use percent_encoding::percent_decode_str;
use rand::Rng;
use tower::ServiceExt;

use super::admin;
use super::responses::ApiError;
use super::responses_headers;
use super::shared::{RateKey, Service, Shared};
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
/// the request log. Names are compared once percent-decoded, so `%73ig=`
/// is caught too.
fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let key = pair.split_once('=').map_or(pair, |(key, _)| key);
            let decoded = percent_decode_str(&key.replace('+', " "))
                .decode_utf8_lossy()
                .trim()
                .to_ascii_lowercase();
            if decoded == "sig" {
                format!("{key}=REDACTED")
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// How many query parameters are named `name` once percent-decoded.
fn query_param_count(query: Option<&str>, name: &str) -> usize {
    query.map_or(0, |q| {
        url::form_urlencoded::parse(q.as_bytes())
            .filter(|(k, _)| k == name)
            .count()
    })
}

/// Requests whose meaning depends on which copy of a header or parameter is
/// read are refused rather than guessed at.
fn ambiguity(req: &Request<Body>) -> Option<ApiError> {
    if req.headers().get_all(AUTHORIZATION).iter().count() > 1 {
        return Some(
            ApiError::bad_request(
                "DuplicateHeader",
                "The Authorization header must be sent once.",
            )
            .target("Authorization"),
        );
    }
    if query_param_count(req.uri().query(), "api-version") > 1 {
        return Some(
            ApiError::bad_request(
                "DuplicateParameter",
                "The api-version query parameter must be sent once.",
            )
            .target("api-version"),
        );
    }
    None
}

/// The key a request counts against: the service (STS apart from ARR) and
/// the account id as parsed, so every spelling of one UUID (braces, no
/// hyphens, `urn:uuid:`, any case, percent-encoded) shares one budget.
fn rate_key(route: Route, path: &str) -> Option<RateKey> {
    // The account's place in the path comes from the route (`/v1/` paths
    // hold it one segment later).
    let segment = route.account(path)?;
    let decoded = percent_decode_str(segment)
        .decode_utf8_lossy()
        .trim()
        .to_ascii_lowercase();
    // Any mix of braces, `urn:uuid:`, hyphens and case names one account.
    let bare = decoded.strip_prefix("urn:uuid:").unwrap_or(&decoded);
    let hex: String = bare
        .trim_start_matches('{')
        .trim_end_matches('}')
        .chars()
        .filter(|c| *c != '-')
        .collect();
    let account = match uuid::Uuid::try_parse(&hex) {
        Ok(id) if hex.len() == 32 => id.to_string(),
        _ => decoded.clone(),
    };
    let service = if route == Route::StsToken {
        Service::Sts
    } else {
        Service::RemoteRendering
    };
    Some((service, account))
}

/// axum answers some rejections itself in plain text (a body over the size
/// limit: 413; a path parameter that is not UTF-8: 400). Every error the
/// emulator sends has the spec's JSON shape, so those are rewritten.
async fn json_rejection(response: Response) -> Response {
    let plain_text = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    let status = response.status();
    if !plain_text || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (_, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let message = String::from_utf8_lossy(&text).trim().to_owned();
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "PayloadTooLarge",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UnsupportedMediaType",
        StatusCode::BAD_REQUEST => "BadRequest",
        _ => "InvalidRequest",
    };
    let message = if message.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("Invalid request.")
            .to_owned()
    } else {
        message
    };
    ApiError::new(status, code, message).into_response()
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
        let response = match admin::admit(&shared, &req) {
            Ok(()) => router.oneshot(req).await.unwrap_or_else(|e| match e {}),
            Err(refusal) => refusal.into_response(),
        };
        (json_rejection(response).await, Outcome::Sent)
    } else {
        guarded(&shared, router, route, &path, req).await
    };

    responses_headers::apply(route, admin, &method, &mut response);
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
        shared.record(RequestRecord {
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
    if let Some(refusal) = ambiguity(&req) {
        return (refusal.into_response(), Outcome::Sent);
    }
    if let Some(key) = route.and_then(|r| rate_key(r, path))
        && let Some(wait) = shared.rate_limited(key)
    {
        let err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "The request rate limit of this account was reached; retry after the time given in Retry-After.",
        )
        .retry_after(Some(wait));
        return (err.into_response(), Outcome::Sent);
    }
    let response = json_rejection(router.oneshot(req).await.unwrap_or_else(|e| match e {})).await;
    if response.status().is_success()
        && let Some(route) = route
        && let Err(e) = shared.persist_after(route, path)
    {
        // The change is in memory but not on disk: it must not be acknowledged.
        tracing::error!(error = %e, "cannot persist a change");
        let err = ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "The change could not be stored.",
        );
        return (err.into_response(), Outcome::Sent);
    }
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
        assert_eq!(
            redact_query("%73ig=abc&%53%49%47=def&si%67=x&flag"),
            "%73ig=REDACTED&%53%49%47=REDACTED&si%67=REDACTED&flag"
        );
    }

    #[test]
    fn every_uuid_spelling_shares_one_rate_key() {
        let id = "0b4f4b4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
        let spellings = [
            id.to_owned(),
            id.to_uppercase(),
            id.replace('-', ""),
            format!("%7B{id}%7D"),
            format!("{{{id}}}"),
            format!("urn:uuid:{id}"),
            format!("%7B{}%7D", id.to_uppercase().replace('-', "")),
            format!("URN:UUID:{{{id}}}"),
        ];
        let expected = rate_key(Route::GetSession, &format!("/accounts/{id}/sessions/s"));
        for spelling in spellings {
            let key = rate_key(
                Route::GetSession,
                &format!("/accounts/{spelling}/sessions/s"),
            );
            assert_eq!(key, expected, "{spelling}");
        }
        assert_ne!(
            rate_key(Route::StsToken, &format!("/accounts/{id}/token")),
            expected
        );
    }
}
