//! Admin routes (`/_emulator/...`): fault injection and test controls over
//! HTTP, for clients that do not run the emulator in-process. They need no
//! authentication and stay out of the request log.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use http::StatusCode;
use serde::Deserialize;

use super::extract::parse_body;
use super::responses::{ApiError, json};
use super::shared::Shared;
use crate::state::error;
use crate::{Fault, Route};

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
    if let Fault::Status { status, .. } = request.fault
        && StatusCode::from_u16(status).is_err()
    {
        return Err(ApiError::bad_request(
            "InvalidStatus",
            "status must be a valid HTTP status code.",
        ));
    }
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
    if shared
        .store()
        .fail_session(&id, error(&e.code, e.message), now)
    {
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
    if shared
        .store()
        .fail_conversion(&id, error(&e.code, e.message))
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "There is no conversion with id '{id}'."
        )))
    }
}
