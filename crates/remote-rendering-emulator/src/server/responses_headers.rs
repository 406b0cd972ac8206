//! The headers the service put on its answers, by route (FACTS.md,
//! "Headers"; where recordings differ across years, the 2022+ ones).

use axum::response::Response;
use http::header::{CACHE_CONTROL, PRAGMA, X_CONTENT_TYPE_OPTIONS};
use http::{HeaderName, HeaderValue, Method};

use crate::Route;

/// The versions the service listed on every ARR answer since 2022
/// (2021: without `2021-08-01-preview`).
pub(super) const API_SUPPORTED_VERSIONS: &str =
    "2021-01-01-preview, 2021-01-01, 2021-08-01-preview";

const API_SUPPORTED_VERSIONS_HEADER: HeaderName = HeaderName::from_static("api-supported-versions");
const MISE_CORRELATION_ID: HeaderName = HeaderName::from_static("mise-correlation-id");

/// Whether a successful answer to `route` was marked uncacheable: GET of a
/// conversion, of a session (always since Apr 2021) and of the session
/// list, and STS tokens; never PUT/PATCH/POST, never the conversion list.
fn uncacheable(route: Route) -> bool {
    matches!(
        route,
        Route::GetConversion | Route::GetSession | Route::ListSessions | Route::StsToken
    )
}

/// Adds the service's headers to `response`, the answer to a request with
/// `method` classified as `route` (`None`: a path no route serves, still on
/// the ARR host). Admin answers get only `X-Content-Type-Options`.
pub(super) fn apply(route: Option<Route>, admin: bool, method: &Method, response: &mut Response) {
    let status = response.status();
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if admin {
        return;
    }
    let sts = route == Some(Route::StsToken);
    if !sts {
        headers.insert(
            API_SUPPORTED_VERSIONS_HEADER,
            HeaderValue::from_static(API_SUPPORTED_VERSIONS),
        );
    }
    if let Some(route) = route
        && status.is_success()
        && method == Method::GET
        && uncacheable(route)
    {
        headers.insert(
            CACHE_CONTROL,
            HeaderValue::from_static("no-store, no-cache"),
        );
        headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    }
    if sts
        && status.is_success()
        && let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
    {
        // Sent by the STS with every token since 2024.
        headers.insert(MISE_CORRELATION_ID, id);
    }
}
