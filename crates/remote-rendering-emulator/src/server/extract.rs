//! What handlers take from a request: the authorised account, JSON bodies,
//! ids and paging parameters.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::response::{IntoResponse, Response};
use http::header::{AUTHORIZATION, HOST};
use http::request::Parts;
use http::{HeaderMap, StatusCode, Uri};
use serde::Deserialize;
use uuid::Uuid;

use super::responses::ApiError;
use super::shared::Shared;
use crate::API_VERSION;

/// Proof that a request passed the checks every ARR route makes: a valid
/// access token for the account in the path, and the supported
/// `api-version`. Taking it as a handler argument is what authorises.
#[derive(Debug)]
pub(super) struct AuthorizedAccount {
    /// The `{account_id}` path segment, as sent.
    pub(super) account: String,
}

impl FromRequestParts<Arc<Shared>> for AuthorizedAccount {
    // axum's own answer when the path does not decode (as `Path` gives), or
    // the spec's error body when a check fails.
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, Response> {
        let params = RawPathParams::from_request_parts(parts, shared)
            .await
            .map_err(IntoResponse::into_response)?;
        let account = params
            .iter()
            .find(|(name, _)| *name == "account_id")
            .map(|(_, value)| value.to_owned())
            .ok_or_else(|| ApiError::no_such_resource().into_response())?;
        let api_version = match parts.extensions.get::<ServedApiVersion>() {
            Some(ServedApiVersion(version)) => version,
            None => API_VERSION,
        };
        authorize(shared, &account, &parts.headers)
            .and_then(|()| check_api_version(&parts.uri, api_version))
            .map_err(IntoResponse::into_response)?;
        Ok(Self { account })
    }
}

/// The `api-version` a request is served as, when a version's front end
/// (not the stable API's handlers themselves) took it in.
#[derive(Clone, Copy, Debug)]
pub(super) struct ServedApiVersion(pub(super) &'static str);

/// [`AuthorizedAccount`] for the `v1` protocol: the same token checks, no
/// `api-version` (v1 has none; the generated client's `api-version: v1`
/// header is ignored).
#[derive(Debug)]
pub(super) struct AuthorizedV1Account {
    /// The `{account_id}` path segment, as sent.
    pub(super) account: String,
}

impl FromRequestParts<Arc<Shared>> for AuthorizedV1Account {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, Response> {
        let params = RawPathParams::from_request_parts(parts, shared)
            .await
            .map_err(IntoResponse::into_response)?;
        let account = params
            .iter()
            .find(|(name, _)| *name == "account_id")
            .map(|(_, value)| value.to_owned())
            .ok_or_else(|| ApiError::no_such_resource().into_response())?;
        authorize(shared, &account, &parts.headers).map_err(IntoResponse::into_response)?;
        Ok(Self { account })
    }
}

pub(super) fn query_param(uri: &Uri, name: &str) -> Option<String> {
    url::form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Whether `id` is a valid session or conversion id.
pub(super) fn valid_id(id: &str) -> bool {
    (1..=256).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Splits `Authorization: <scheme> <credentials>`; `None` when absent,
/// `Some(Err(()))` when malformed.
pub(super) fn bearer(headers: &HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers.get(AUTHORIZATION)?;
    let parsed = value.to_str().ok().and_then(|text| {
        let (scheme, credentials) = text.trim().split_once(' ')?;
        let credentials = credentials.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !credentials.is_empty()).then_some(credentials)
    });
    Some(parsed.ok_or(()))
}

/// The checks every ARR route makes: a valid token for the account.
fn authorize(shared: &Shared, account: &str, headers: &HeaderMap) -> Result<(), ApiError> {
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
    Ok(())
}

/// The `api-version` check of the 2021 routes: `expected` is the version
/// the request is served as.
fn check_api_version(uri: &Uri, expected: &str) -> Result<(), ApiError> {
    match query_param(uri, "api-version") {
        Some(v) if v == expected => Ok(()),
        Some(v) => Err(ApiError::bad_request(
            "UnsupportedApiVersion",
            format!("The api-version '{v}' is not supported; use '{expected}'."),
        )
        .target("api-version")),
        None => Err(ApiError::bad_request(
            "MissingApiVersionParameter",
            format!("The api-version query parameter is required; use '{expected}'."),
        )
        .target("api-version")),
    }
}

/// Parses a JSON body; a missing or unusable one is answered with `status`.
pub(super) fn parse_body<T: for<'de> Deserialize<'de>>(
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

/// The page a list request asks for (`continuationToken`), 0 for the first.
pub(super) fn continuation(uri: &Uri) -> Result<u64, ApiError> {
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

/// The absolute `@nextLink` of a list page, if there is a next page.
pub(super) fn next_link(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked() {
        assert!(valid_id("a-b_C9"));
        assert!(valid_id(&"x".repeat(256)));
        assert!(!valid_id(&"x".repeat(257)));
        assert!(!valid_id(""));
        assert!(!valid_id("a.b"));
        assert!(!valid_id("a b"));
    }
}
