//! The operations of the emulated services, described once: method and path
//! of each, from which both request classification (faults, request log,
//! rate limits) and the router are derived.

use http::Method;
use serde::{Deserialize, Serialize};

/// An operation of the emulated services, used to target faults and to
/// count requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Route {
    /// STS `GET /Accounts/{accountId}/token`.
    StsToken,
    /// `PUT /accounts/{account_id}/sessions/{session_id}`.
    CreateSession,
    /// `GET /accounts/{account_id}/sessions/{session_id}`.
    GetSession,
    /// `PATCH /accounts/{account_id}/sessions/{session_id}`.
    UpdateSession,
    /// `POST /accounts/{account_id}/sessions/{session_id}/:stop`.
    StopSession,
    /// `GET /accounts/{account_id}/sessions`.
    ListSessions,
    /// `PUT /accounts/{account_id}/conversions/{conversion_id}`.
    CreateConversion,
    /// `GET /accounts/{account_id}/conversions/{conversion_id}`.
    GetConversion,
    /// `GET /accounts/{account_id}/conversions`.
    ListConversions,
    /// v1: `POST /v1/accounts/{account_id}/sessions/create`.
    V1CreateSession,
    /// v1: `GET /v1/accounts/{account_id}/sessions/{session_id}/properties`.
    V1GetSessionProperties,
    /// v1: `PATCH /v1/accounts/{account_id}/sessions/{session_id}`.
    V1UpdateSession,
    /// v1: `DELETE /v1/accounts/{account_id}/sessions/{session_id}`.
    V1StopSession,
    /// v1: `GET /v1/accounts/{account_id}/sessions`.
    V1ListSessions,
}

impl Route {
    /// Every route, in declaration order.
    pub const ALL: [Route; 14] = [
        Route::StsToken,
        Route::CreateSession,
        Route::GetSession,
        Route::UpdateSession,
        Route::StopSession,
        Route::ListSessions,
        Route::CreateConversion,
        Route::GetConversion,
        Route::ListConversions,
        Route::V1CreateSession,
        Route::V1GetSessionProperties,
        Route::V1UpdateSession,
        Route::V1StopSession,
        Route::V1ListSessions,
    ];

    /// The HTTP method of this operation.
    pub fn method(self) -> Method {
        match self {
            Route::StsToken
            | Route::GetSession
            | Route::ListSessions
            | Route::GetConversion
            | Route::ListConversions
            | Route::V1GetSessionProperties
            | Route::V1ListSessions => Method::GET,
            Route::CreateSession | Route::CreateConversion => Method::PUT,
            Route::UpdateSession | Route::V1UpdateSession => Method::PATCH,
            Route::StopSession | Route::V1CreateSession => Method::POST,
            Route::V1StopSession => Method::DELETE,
        }
    }

    /// The path of this operation as the API documents it: `{name}` segments
    /// are parameters, a segment starting with `:` is an action verb.
    pub fn path(self) -> &'static str {
        match self {
            Route::StsToken => "/accounts/{account_id}/token",
            Route::CreateSession | Route::GetSession | Route::UpdateSession => {
                "/accounts/{account_id}/sessions/{session_id}"
            }
            Route::StopSession => "/accounts/{account_id}/sessions/{session_id}/:stop",
            Route::ListSessions => "/accounts/{account_id}/sessions",
            Route::CreateConversion | Route::GetConversion => {
                "/accounts/{account_id}/conversions/{conversion_id}"
            }
            Route::ListConversions => "/accounts/{account_id}/conversions",
            Route::V1CreateSession => "/v1/accounts/{account_id}/sessions/create",
            Route::V1GetSessionProperties => {
                "/v1/accounts/{account_id}/sessions/{session_id}/properties"
            }
            Route::V1UpdateSession | Route::V1StopSession => {
                "/v1/accounts/{account_id}/sessions/{session_id}"
            }
            Route::V1ListSessions => "/v1/accounts/{account_id}/sessions",
        }
    }

    /// Whether this is an operation of the `v1` session protocol (which
    /// has no `api-version` parameter).
    pub fn is_v1(self) -> bool {
        self.path().starts_with("/v1/")
    }

    /// The `{account_id}` segment of `path`, a path this route matches.
    pub fn account(self, path: &str) -> Option<&str> {
        let position = self
            .path()
            .trim_start_matches('/')
            .split('/')
            .position(|segment| segment == "{account_id}")?;
        path.trim_start_matches('/').split('/').nth(position)
    }

    /// The STS matches its path case-insensitively, like the real service;
    /// the ARR API does not.
    fn case_insensitive(self) -> bool {
        self == Route::StsToken
    }

    /// Which route a request targets, judged by method and path alone.
    pub fn classify(method: &Method, path: &str) -> Option<Route> {
        Route::ALL
            .into_iter()
            .find(|route| route.method() == method && route.matches(path))
    }

    fn matches(self, path: &str) -> bool {
        let mut actual = path.trim_start_matches('/').split('/');
        let mut expected = self.path().trim_start_matches('/').split('/');
        loop {
            match (expected.next(), actual.next()) {
                (None, None) => return true,
                (Some(want), Some(got)) if self.segment_matches(want, got) => {}
                _ => return false,
            }
        }
    }

    fn segment_matches(self, want: &str, got: &str) -> bool {
        if want.starts_with('{') {
            return true;
        }
        if let Some(verb) = want.strip_prefix(':') {
            // Clients may percent-encode the colon; that form is matched
            // case-insensitively, as the service did.
            return got == want
                || got.get(..3).is_some_and(|c| c.eq_ignore_ascii_case("%3A"))
                    && got.get(3..).is_some_and(|v| v.eq_ignore_ascii_case(verb));
        }
        got == want || self.case_insensitive() && got.eq_ignore_ascii_case(want)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_routes() {
        let c = |m: Method, p: &str| Route::classify(&m, p);
        assert_eq!(c(Method::GET, "/Accounts/x/token"), Some(Route::StsToken));
        assert_eq!(c(Method::GET, "/ACCOUNTS/x/TOKEN"), Some(Route::StsToken));
        assert_eq!(
            c(Method::PUT, "/accounts/a/sessions/s"),
            Some(Route::CreateSession)
        );
        assert_eq!(
            c(Method::POST, "/accounts/a/sessions/s/:stop"),
            Some(Route::StopSession)
        );
        assert_eq!(
            c(Method::POST, "/accounts/a/sessions/s/%3astop"),
            Some(Route::StopSession)
        );
        assert_eq!(c(Method::POST, "/accounts/a/sessions/s/:STOP"), None);
        assert_eq!(c(Method::POST, "/accounts/a/sessions/s/stop-action"), None);
        assert_eq!(c(Method::GET, "/accounts/a/sessions/s/:stop"), None);
        assert_eq!(
            c(Method::GET, "/accounts/a/conversions"),
            Some(Route::ListConversions)
        );
        assert_eq!(c(Method::DELETE, "/accounts/a/sessions/s"), None);
        assert_eq!(c(Method::GET, "/Accounts/a/sessions"), None);
        assert_eq!(c(Method::GET, "/accounts/a/sessions/s/x"), None);
        assert_eq!(
            c(Method::POST, "/v1/accounts/a/sessions/create"),
            Some(Route::V1CreateSession)
        );
        assert_eq!(
            c(Method::DELETE, "/v1/accounts/a/sessions/s"),
            Some(Route::V1StopSession)
        );
        assert_eq!(
            c(Method::GET, "/v1/accounts/a/sessions/s/properties"),
            Some(Route::V1GetSessionProperties)
        );
        assert_eq!(c(Method::GET, "/v1/accounts/a/sessions/s"), None);
        assert_eq!(c(Method::PUT, "/v1/accounts/a/sessions/s"), None);
    }

    #[test]
    fn the_account_segment_is_found_in_every_route() {
        for route in Route::ALL {
            let path = route
                .path()
                .replace("{account_id}", "acc")
                .replace("{session_id}", "s")
                .replace("{conversion_id}", "c");
            assert_eq!(route.account(&path), Some("acc"), "{route:?}");
            assert_eq!(Route::classify(&route.method(), &path), Some(route));
        }
    }

    #[test]
    fn every_route_has_a_distinct_method_and_path() {
        for a in Route::ALL {
            for b in Route::ALL {
                if a != b {
                    assert!(a.method() != b.method() || a.path() != b.path());
                }
            }
        }
    }
}
