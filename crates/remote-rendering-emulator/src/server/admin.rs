//! Admin routes (`/_emulator/...`): fault injection and test controls over
//! HTTP, for clients that do not run the emulator in-process. They stay out
//! of the request log.
//!
//! A web page the developer visits can send requests to loopback too, so
//! every admin request passes [`admit`] first: the `Host` header must name
//! an address this emulator serves (defeats DNS rebinding), writes must be
//! `Content-Type: application/json` (a browser cannot send that cross-origin
//! without a CORS preflight, which is never granted), and the admin token
//! is required when one is set (always when listening beyond loopback).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use http::header::{CONTENT_TYPE, HOST};
use http::{Method, Request, StatusCode};
use serde::Deserialize;

use super::extract::{bearer, parse_body};
use super::responses::{ApiError, json};
use super::shared::Shared;
use crate::auth::secrets_equal;
use crate::state::error;
use crate::{Fault, Route};

/// The longest latency or `Retry-After` an injected fault may ask for.
const MAX_FAULT_DELAY: Duration = Duration::from_secs(600);
/// The largest single clock advance (ten years).
const MAX_ADVANCE_MILLIS: u64 = 10 * 366 * 24 * 60 * 60 * 1000;

/// Whether `host` (from a `Host` header, without port) names this emulator.
fn host_served(shared: &Shared, host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host.eq_ignore_ascii_case("localhost")
        || shared
            .admin
            .host_names
            .iter()
            .any(|name| name.eq_ignore_ascii_case(host))
    {
        return true;
    }
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    match literal.parse::<IpAddr>() {
        // An IP literal cannot be rebound; it must still be ours.
        Ok(ip) => {
            let bound = shared.admin.bound.ip();
            ip.is_loopback() || ip == bound || bound.is_unspecified()
        }
        Err(_) => false,
    }
}

/// The checks every admin request passes before its handler runs.
pub(super) fn admit(shared: &Shared, req: &Request<Body>) -> Result<(), ApiError> {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.parse::<http::uri::Authority>().ok());
    if !host.is_some_and(|authority| host_served(shared, authority.host())) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "ForbiddenHost",
            "The Host header does not name an address this emulator serves; add the name with --admin-host-name.",
        ));
    }
    if let Some(expected) = &shared.admin.token {
        let presented = match bearer(req.headers()) {
            Some(Ok(token)) => token,
            _ => "",
        };
        if !secrets_equal(presented, expected) {
            return Err(ApiError::unauthorized(
                "Bearer realm=\"arr-emulator-admin\"".to_owned(),
                "The admin routes need 'Authorization: Bearer <admin token>' (printed at start).",
            ));
        }
    }
    // DELETE is never sent cross-origin without a preflight; POST, PUT and
    // PATCH with a JSON content type are not either.
    let writes = [Method::POST, Method::PUT, Method::PATCH];
    let json = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if writes.contains(req.method()) && !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            "Admin writes must be sent with Content-Type: application/json.",
        ));
    }
    Ok(())
}

/// Refuses fault settings no real service could produce.
fn check_fault(fault: &Fault) -> Result<(), ApiError> {
    let bad = |message: String| Err(ApiError::bad_request("InvalidFault", message));
    match fault {
        Fault::Status { status, .. } if !(200..=599).contains(status) => {
            return bad(format!(
                "status {status} is not a final HTTP status: use 200 to 599."
            ));
        }
        Fault::Status {
            retry_after: Some(wait),
            ..
        } if *wait > MAX_FAULT_DELAY => {
            return bad(format!(
                "retry_after_secs must be at most {}.",
                MAX_FAULT_DELAY.as_secs()
            ));
        }
        Fault::Latency { delay, .. } if *delay > MAX_FAULT_DELAY => {
            return bad(format!(
                "delay_ms must be at most {}.",
                MAX_FAULT_DELAY.as_millis()
            ));
        }
        _ => {}
    }
    if fault.times() == 0 {
        return bad("times must be at least 1.".to_owned());
    }
    Ok(())
}

/// The admin routes, all under `/_emulator/`.
pub(super) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/faults", post(inject_fault).delete(clear_faults))
        .route("/_emulator/requests", get(requests))
        .route("/_emulator/clock/advance", post(advance_clock))
        .route(
            "/_emulator/sessions/{session_id}/error",
            post(session_error),
        )
        .route(
            "/_emulator/conversions/{conversion_id}/failure",
            post(conversion_failure),
        )
}

#[derive(Debug, Deserialize)]
struct InjectFault {
    route: Route,
    fault: Fault,
}

async fn inject_fault(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let request: InjectFault = parse_body(&body, StatusCode::BAD_REQUEST)?;
    check_fault(&request.fault)?;
    shared.faults.inject(request.route, request.fault);
    Ok(StatusCode::NO_CONTENT)
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.faults.clear();
    StatusCode::NO_CONTENT
}

async fn requests(State(shared): State<Arc<Shared>>) -> Response {
    json(StatusCode::OK, &*shared.log())
}

#[derive(Debug, Deserialize)]
struct Advance {
    millis: u64,
}

async fn advance_clock(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let advance: Advance = parse_body(&body, StatusCode::BAD_REQUEST)?;
    if advance.millis > MAX_ADVANCE_MILLIS {
        return Err(ApiError::bad_request(
            "InvalidAdvance",
            format!("millis must be at most {MAX_ADVANCE_MILLIS} (ten years)."),
        ));
    }
    shared.clock.advance(Duration::from_millis(advance.millis));
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct InjectError {
    code: String,
    message: String,
}

async fn session_error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let e: InjectError = parse_body(&body, StatusCode::BAD_REQUEST)?;
    let now = shared.clock.elapsed();
    let found = shared
        .store()
        .fail_session(&id, error(&e.code, e.message), now);
    if found {
        shared.persist_session(&id).map_err(not_stored)?;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::session_not_found(&id))
    }
}

async fn conversion_failure(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let e: InjectError = parse_body(&body, StatusCode::BAD_REQUEST)?;
    let found = shared
        .store()
        .fail_conversion(&id, error(&e.code, e.message));
    if found {
        shared.persist_conversion(&id).map_err(not_stored)?;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "There is no conversion with id '{id}'."
        )))
    }
}

fn not_stored(e: crate::persist::PersistError) -> ApiError {
    tracing::error!(error = %e, "cannot persist a change");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        "The change could not be stored.",
    )
}
