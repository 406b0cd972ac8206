//! Responses: JSON bodies and the spec's error answers, in one place.

use std::time::Duration;

use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderValue, StatusCode};
use remote_rendering_rest::types;

use crate::state::error;

/// Serializes `value`, leaving out `innerError: null`: the generated error
/// type always writes that field, but the spec does not allow null there.
pub(super) fn to_json(value: &impl serde::Serialize) -> Vec<u8> {
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

/// A JSON answer with `status`.
pub(super) fn json(status: StatusCode, value: &impl serde::Serialize) -> Response {
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

/// A timestamp as the service wrote it: at most 7 fractional digits (.NET
/// ticks, trailing zeros dropped) and `offset` (`+00:00` for sessions, `Z`
/// for conversions).
pub(super) fn service_time(time: &DateTime<Utc>, offset: &str) -> String {
    let ticks = time.timestamp_subsec_nanos() / 100;
    let fraction = format!("{ticks:07}");
    let fraction = fraction.trim_end_matches('0');
    let seconds = time.format("%Y-%m-%dT%H:%M:%S");
    if fraction.is_empty() {
        format!("{seconds}{offset}")
    } else {
        format!("{seconds}.{fraction}{offset}")
    }
}

/// Serializes through text, which keeps `f32` fields such as teraflops
/// printed as written (8.1, not 8.100000381469727).
fn to_value(value: &impl serde::Serialize) -> serde_json::Value {
    let text = serde_json::to_vec(value).expect("response types serialize");
    serde_json::from_slice(&text).expect("just serialized")
}

fn rewrite_creation_time(
    value: &mut serde_json::Value,
    time: Option<&DateTime<Utc>>,
    offset: &str,
) {
    if let (Some(time), Some(field)) = (time, value.get_mut("creationTime")) {
        *field = serde_json::Value::String(service_time(time, offset));
    }
}

/// A session as the service wrote it (`creationTime` with `+00:00`).
pub(super) fn session_body(session: &types::SessionProperties) -> serde_json::Value {
    let mut value = to_value(session);
    rewrite_creation_time(&mut value, session.creation_time.as_ref(), "+00:00");
    value
}

/// A conversion as the service wrote it (`creationTime` with `Z`, and
/// `"error": null` when there is none).
pub(super) fn conversion_body(conversion: &types::Conversion) -> serde_json::Value {
    let mut value = to_value(conversion);
    rewrite_creation_time(&mut value, Some(&conversion.creation_time), "Z");
    if let Some(map) = value.as_object_mut() {
        map.entry("error").or_insert(serde_json::Value::Null);
    }
    value
}

/// A page of sessions: no `@nextLink` key on the last page.
pub(super) fn session_list_body(list: &types::SessionsList) -> serde_json::Value {
    let mut body = serde_json::Map::new();
    body.insert(
        "sessions".into(),
        list.sessions.iter().map(session_body).collect(),
    );
    if let Some(next) = &list.next_link {
        body.insert("@nextLink".into(), next.clone().into());
    }
    body.into()
}

/// A page of conversions: `"@nextLink": null` on the last page.
pub(super) fn conversion_list_body(list: &types::ConversionList) -> serde_json::Value {
    let mut body = serde_json::Map::new();
    body.insert(
        "conversions".into(),
        list.conversions.iter().map(conversion_body).collect(),
    );
    body.insert(
        "@nextLink".into(),
        list.next_link
            .clone()
            .map_or(serde_json::Value::Null, Into::into),
    );
    body.into()
}

/// An error answer with the spec's `{"error": {...}}` body.
#[derive(Debug)]
pub(super) struct ApiError {
    status: StatusCode,
    // Boxed: the error object is large and travels in `Result`s.
    error: Box<types::Error>,
    www_authenticate: Option<String>,
    retry_after: Option<Duration>,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            error: Box::new(error(code, message)),
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// Names the request part the error is about.
    pub(super) fn target(mut self, target: &str) -> Self {
        self.error.target = Some(target.to_owned());
        self
    }

    /// Adds a `Retry-After` header (whole seconds, rounded up).
    pub(super) fn retry_after(mut self, wait: Option<Duration>) -> Self {
        self.retry_after = wait;
        self
    }

    /// Adds a `WWW-Authenticate` header.
    pub(super) fn challenge(mut self, challenge: String) -> Self {
        self.www_authenticate = Some(challenge);
        self
    }

    pub(super) fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub(super) fn unauthorized(challenge: String, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", message).challenge(challenge)
    }

    pub(super) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFound", message)
    }

    /// The answer to a path no route serves.
    pub(super) fn no_such_resource() -> Self {
        Self::not_found("No such resource.")
    }

    pub(super) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "This method is not supported on this resource.",
        )
    }

    pub(super) fn session_not_found(id: &str) -> Self {
        Self::not_found(format!(
            "There is no session with id '{id}' in this account."
        ))
    }

    pub(super) fn conversion_not_found(id: &str) -> Self {
        Self::not_found(format!(
            "There is no conversion with id '{id}' in this account."
        ))
    }

    pub(super) fn conflict(message: String) -> Self {
        Self::new(StatusCode::CONFLICT, "Conflict", message)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_have_at_most_seven_fractional_digits() {
        let time = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        assert_eq!(
            service_time(&time("2030-06-15T08:09:10.123456789Z"), "+00:00"),
            "2030-06-15T08:09:10.1234567+00:00"
        );
        assert_eq!(
            service_time(&time("2030-06-15T08:09:10.5Z"), "Z"),
            "2030-06-15T08:09:10.5Z"
        );
        assert_eq!(
            service_time(&time("2030-06-15T08:09:10Z"), "Z"),
            "2030-06-15T08:09:10Z"
        );
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
