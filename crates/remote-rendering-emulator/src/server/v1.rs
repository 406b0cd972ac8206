//! The `v1` session protocol (`/v1/accounts/...`), served from the same
//! store as the 2021 API, as one backend would: a session started here is
//! visible there and the other way round.
//!
//! Its own shapes, from the session management page it was documented on:
//! create answers `202` with `{"sessionId"}` and a `Location` header (the
//! service picks the id), extend answers `200` with an empty body, a
//! session is read at `.../properties`, stop is `DELETE` answered `204`.
//! Leases are timespans; the emulator counts them in whole minutes, like
//! the 2021 API, and refuses seconds. The page documents no error answers,
//! so errors keep the 2021 API's body (with 400 where it would say 422).
//! `Stopping` is never reported: stops take effect at once.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_LENGTH, LOCATION};
use http::{HeaderValue, StatusCode};
use remote_rendering_rest::generated::arr_v1::types as v1;
use remote_rendering_rest::types;

use super::extract::{AuthorizedV1Account, parse_body};
use super::responses::{ApiError, json};
use super::shared::Shared;
use super::timespan;

/// The 2021 API's answer for a session, in v1's words.
fn properties(session: types::SessionProperties) -> v1::SessionProperties {
    use types::SessionStatusKnown as S;
    let status = match &session.status {
        types::SessionStatus::Known(known) => *known,
        // The store only ever reports known states.
        types::SessionStatus::Other(_) => S::Error,
    };
    let lease = session.max_lease_time_minutes.unwrap_or_default();
    let message = match (&session.error, status) {
        (Some(error), _) => Some(error.message.clone()),
        (None, S::Expired) => Some(format!(
            "The session's lease of {} ran out.",
            timespan::from_minutes(lease)
        )),
        _ => None,
    };
    v1::SessionProperties {
        message,
        session_elapsed_time: session.elapsed_time_minutes.map(timespan::from_minutes),
        session_hostname: session.hostname,
        session_id: session.id,
        session_max_lease_time: Some(timespan::from_minutes(lease)),
        session_size: Some(v1::SessionSize::Known(match session.size {
            types::SessionSize::Known(types::SessionSizeKnown::Premium) => {
                v1::SessionSizeKnown::Premium
            }
            _ => v1::SessionSizeKnown::Standard,
        })),
        session_status: v1::SessionStatus::Known(match status {
            S::Starting => v1::SessionStatusKnown::Starting,
            S::Ready => v1::SessionStatusKnown::Ready,
            S::Stopped => v1::SessionStatusKnown::Stopped,
            S::Expired => v1::SessionStatusKnown::Expired,
            S::Error => v1::SessionStatusKnown::Error,
        }),
    }
}

/// A v1 lease in whole minutes, or the 400 answer.
fn lease_minutes(text: &str) -> Result<i64, ApiError> {
    let invalid = |message: String| {
        ApiError::bad_request("InvalidMaxLeaseTime", message).target("maxLeaseTime")
    };
    let lease = timespan::parse(text).ok_or_else(|| {
        invalid(format!(
            "maxLeaseTime '{text}' is not a timespan such as 4:0:0."
        ))
    })?;
    if lease.subsec_nanos() != 0 || lease.as_secs() % 60 != 0 {
        return Err(invalid(
            "maxLeaseTime must be a whole number of minutes in the emulator.".to_owned(),
        ));
    }
    let minutes = i64::try_from(lease.as_secs() / 60).unwrap_or(i64::MAX);
    if minutes > 1440 {
        return Err(invalid("maxLeaseTime must not exceed 24:00:00.".to_owned()));
    }
    Ok(minutes)
}

/// `POST /v1/accounts/{account_id}/sessions/create`.
pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    AuthorizedV1Account { account }: AuthorizedV1Account,
    body: Bytes,
) -> Result<Response, ApiError> {
    let settings: v1::CreateSessionSettings = parse_body(&body, StatusCode::BAD_REQUEST)?;
    let size = match settings.size {
        v1::SessionSize::Known(v1::SessionSizeKnown::Standard) => types::SessionSizeKnown::Standard,
        v1::SessionSize::Known(v1::SessionSizeKnown::Premium) => types::SessionSizeKnown::Premium,
        v1::SessionSize::Other(_) => {
            return Err(ApiError::bad_request(
                "InvalidSessionSize",
                "The size must be 'standard' or 'premium'.",
            )
            .target("size"));
        }
    };
    let lease = lease_minutes(&settings.max_lease_time)?;
    // The service picks the id: a fresh GUID never collides.
    let id = uuid::Uuid::new_v4();
    let (now, wall) = (shared.clock.elapsed(), shared.clock.now());
    shared
        .store()
        .create_session(&id.to_string(), size, lease, now, wall);
    let mut response = json(
        StatusCode::ACCEPTED,
        &v1::CreateSessionResult { session_id: id },
    );
    // Relative, as the page's sample shows it (`accounts/...`).
    if let Ok(location) = HeaderValue::from_str(&format!("accounts/{account}/sessions/{id}")) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// `GET /v1/accounts/{account_id}/sessions/{session_id}/properties`.
pub(super) async fn get(
    State(shared): State<Arc<Shared>>,
    Path((_, id)): Path<(String, String)>,
    _: AuthorizedV1Account,
) -> Result<Response, ApiError> {
    let now = shared.clock.elapsed();
    let store = shared.store();
    let session = store
        .session(&id)
        .ok_or_else(|| ApiError::session_not_found(&id))?;
    let view = session.properties(now, &shared.timing, &shared.account_domain);
    Ok(json(StatusCode::OK, &properties(view)))
}

/// `PATCH /v1/accounts/{account_id}/sessions/{session_id}`: only the lease,
/// always the total since the start.
pub(super) async fn update(
    State(shared): State<Arc<Shared>>,
    Path((_, id)): Path<(String, String)>,
    _: AuthorizedV1Account,
    body: Bytes,
) -> Result<Response, ApiError> {
    let now = shared.clock.elapsed();
    let mut store = shared.store();
    let session = store
        .session_mut(&id)
        .ok_or_else(|| ApiError::session_not_found(&id))?;
    let update: v1::UpdateSessionSettings = parse_body(&body, StatusCode::BAD_REQUEST)?;
    let requested = lease_minutes(&update.max_lease_time)?;
    let refused =
        |code: &str, message: String| ApiError::bad_request(code, message).target("maxLeaseTime");
    use types::SessionStatusKnown as S;
    let status = session.status(now, &shared.timing);
    if !matches!(status, S::Starting | S::Ready) {
        return Err(refused(
            "InvalidSessionState",
            format!("The lease of a session in state '{status}' cannot be changed."),
        ));
    }
    if requested <= session.lease {
        return Err(refused(
            "LeaseTimeNotIncreased",
            format!(
                "maxLeaseTime must be longer than the current lease of {}.",
                timespan::from_minutes(session.lease)
            ),
        ));
    }
    session.lease = requested;
    Ok((StatusCode::OK, [(CONTENT_LENGTH, HeaderValue::from(0))]).into_response())
}

/// `DELETE /v1/accounts/{account_id}/sessions/{session_id}`.
pub(super) async fn stop(
    State(shared): State<Arc<Shared>>,
    Path((_, id)): Path<(String, String)>,
    _: AuthorizedV1Account,
) -> Result<Response, ApiError> {
    let now = shared.clock.elapsed();
    if shared.store().stop_session(&id, now, &shared.timing) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::session_not_found(&id))
    }
}

/// `GET /v1/accounts/{account_id}/sessions`: every session that is not
/// stopped, in one answer (v1 has no paging).
pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    _: AuthorizedV1Account,
) -> Result<Response, ApiError> {
    let now = shared.clock.elapsed();
    let store = shared.store();
    let mut sessions = Vec::new();
    let mut after = 0;
    loop {
        let (page, next) = store.session_page(after, shared.page_size, now, &shared.timing);
        sessions.extend(
            page.into_iter()
                .map(|s| properties(s.properties(now, &shared.timing, &shared.account_domain))),
        );
        match next {
            Some(next) => after = next,
            None => break,
        }
    }
    Ok(json(StatusCode::OK, &v1::SessionsList { sessions }))
}
