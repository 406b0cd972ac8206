//! Session operations: create, get, extend the lease, stop, list.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, StatusCode, Uri};
use remote_rendering_rest::types;

use super::extract::{AuthorizedAccount, continuation, next_link, parse_body, valid_id};
use super::responses::{ApiError, json, session_body, session_list_body};
use super::shared::Shared;
use crate::Route;
use crate::state::Created;

/// `PUT /accounts/{account_id}/sessions/{session_id}`.
pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    Path((_, id)): Path<(String, String)>,
    _: AuthorizedAccount,
    body: Bytes,
) -> Result<Response, ApiError> {
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
    if settings.max_lease_time_minutes < 0 {
        // The service's answer, recorded by every SDK (2021–2024).
        return Err(ApiError::bad_request(
            "BadRequest",
            "The maxLeaseTimeMinutes value cannot be negative.",
        ));
    }
    if settings.max_lease_time_minutes > 1440 {
        return Err(ApiError::bad_request(
            "InvalidMaxLeaseTime",
            "maxLeaseTimeMinutes must be between 0 and 1440.",
        )
        .target("maxLeaseTimeMinutes"));
    }
    let now = shared.clock.elapsed();
    let wall = shared.clock.now();
    let mut store = shared.store();
    let (status, session) =
        match store.create_session(&id, size, settings.max_lease_time_minutes, now, wall) {
            Created::New(session) => (StatusCode::CREATED, session),
            Created::Existing(session) => (StatusCode::OK, session),
            Created::Conflict => {
                return Err(ApiError::conflict(format!(
                    "A session with id '{id}' already exists with different settings."
                )));
            }
        };
    Ok(json(
        status,
        &session_body(&session.properties(now, &shared.timing, &shared.account_domain)),
    ))
}

/// `GET /accounts/{account_id}/sessions/{session_id}`.
pub(super) async fn get(
    State(shared): State<Arc<Shared>>,
    Path((_, id)): Path<(String, String)>,
    _: AuthorizedAccount,
) -> Result<Response, ApiError> {
    let now = shared.clock.elapsed();
    let store = shared.store();
    let session = store
        .session(&id)
        .ok_or_else(|| ApiError::session_not_found(&id))?;
    Ok(json(
        StatusCode::OK,
        &session_body(&session.properties(now, &shared.timing, &shared.account_domain)),
    ))
}

/// `PATCH /accounts/{account_id}/sessions/{session_id}`.
pub(super) async fn update(
    State(shared): State<Arc<Shared>>,
    Path((_, id)): Path<(String, String)>,
    _: AuthorizedAccount,
    body: Bytes,
) -> Result<Response, ApiError> {
    let now = shared.clock.elapsed();
    let mut store = shared.store();
    let session = store
        .session_mut(&id)
        .ok_or_else(|| ApiError::session_not_found(&id))?;
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
        &session_body(&session.properties(now, &shared.timing, &shared.account_domain)),
    ))
}

/// Admits only requests the route table classified as
/// [`Route::StopSession`]: axum cannot route a literal `:stop` segment, so
/// the router serves `/sessions/{session_id}/{verb}` and this guard decides,
/// before anything else is read, whether the verb is `:stop`.
pub(super) struct StopVerb;

impl<S: Send + Sync> FromRequestParts<S> for StopVerb {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        match parts.extensions.get::<Route>() {
            Some(Route::StopSession) => Ok(StopVerb),
            _ => Err(ApiError::no_such_resource()),
        }
    }
}

/// `POST /accounts/{account_id}/sessions/{session_id}/:stop`.
pub(super) async fn stop(
    _: StopVerb,
    State(shared): State<Arc<Shared>>,
    Path((_, id, _)): Path<(String, String, String)>,
    _: AuthorizedAccount,
) -> Result<Response, ApiError> {
    let now = shared.clock.elapsed();
    if shared.store().stop_session(&id, now, &shared.timing) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::session_not_found(&id))
    }
}

/// `GET /accounts/{account_id}/sessions`.
pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    AuthorizedAccount { account }: AuthorizedAccount,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
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
    Ok(json(StatusCode::OK, &session_list_body(&list)))
}
