//! Fault injection: make chosen routes fail, slow down or lose connections.

use std::sync::{Arc, Mutex};
use std::time::Duration;

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
}

impl Route {
    /// Every route, in declaration order.
    pub const ALL: [Route; 9] = [
        Route::StsToken,
        Route::CreateSession,
        Route::GetSession,
        Route::UpdateSession,
        Route::StopSession,
        Route::ListSessions,
        Route::CreateConversion,
        Route::GetConversion,
        Route::ListConversions,
    ];

    /// Which route a request targets, judged by method and path alone. The
    /// STS path is matched case-insensitively, like the real service.
    pub fn classify(method: &Method, path: &str) -> Option<Route> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            (&Method::GET, [accounts, _, token])
                if accounts.eq_ignore_ascii_case("accounts")
                    && token.eq_ignore_ascii_case("token") =>
            {
                Some(Route::StsToken)
            }
            (m, ["accounts", _, "sessions"]) if m == Method::GET => Some(Route::ListSessions),
            (m, ["accounts", _, "sessions", _]) => match *m {
                Method::PUT => Some(Route::CreateSession),
                Method::GET => Some(Route::GetSession),
                Method::PATCH => Some(Route::UpdateSession),
                _ => None,
            },
            (m, ["accounts", _, "sessions", _, stop])
                if m == Method::POST
                    && (*stop == ":stop" || stop.eq_ignore_ascii_case("%3Astop")) =>
            {
                Some(Route::StopSession)
            }
            (m, ["accounts", _, "conversions"]) if m == Method::GET => Some(Route::ListConversions),
            (m, ["accounts", _, "conversions", _]) => match *m {
                Method::PUT => Some(Route::CreateConversion),
                Method::GET => Some(Route::GetConversion),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A misbehaviour to apply to the next requests of one [`Route`].
///
/// Faults for the same route are consumed in the order they were injected.
/// [`Fault::Latency`] combines with the first other fault that applies, so a
/// request can be both slow and failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with `status` and an error body instead of running the handler;
    /// with `Retry-After` (whole seconds, rounded up) when `retry_after` is set.
    Status {
        /// HTTP status code to answer with.
        status: u16,
        /// Value for the `Retry-After` header, if any.
        retry_after: Option<Duration>,
        /// How many requests to fail.
        times: u32,
    },
    /// Wait `delay` before handling the request.
    Latency {
        /// How long to wait.
        delay: Duration,
        /// How many requests to delay.
        times: u32,
    },
    /// Close the connection without running the handler or answering.
    DropBeforeHandler {
        /// How many requests to drop.
        times: u32,
    },
    /// Run the handler (its state change sticks), then close the connection
    /// instead of sending the response.
    DropAfterApply {
        /// How many requests to drop.
        times: u32,
    },
    /// Run the handler, then send only the first half of its response body
    /// (with a matching `Content-Length`), so the client sees cut-off JSON.
    TruncatedBody {
        /// How many responses to truncate.
        times: u32,
    },
    /// Run the handler, keep its status, but replace the body with an HTML
    /// page (as a misbehaving proxy would).
    NonJsonBody {
        /// How many responses to replace.
        times: u32,
    },
    /// Run the handler, keep its status, but replace a JSON object body with
    /// `{}`: a success answer missing every required field (as a broken
    /// gateway or a future API version might send). Other bodies are kept.
    MissingFields {
        /// How many responses to replace.
        times: u32,
    },
}

impl Fault {
    fn times_mut(&mut self) -> &mut u32 {
        match self {
            Fault::Status { times, .. }
            | Fault::Latency { times, .. }
            | Fault::DropBeforeHandler { times }
            | Fault::DropAfterApply { times }
            | Fault::TruncatedBody { times }
            | Fault::NonJsonBody { times }
            | Fault::MissingFields { times } => times,
        }
    }
}

/// What the front end must do to one request, decided from pending faults.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    pub(crate) delay: Duration,
    pub(crate) action: Option<FaultAction>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum FaultAction {
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    DropBeforeHandler,
    DropAfterApply,
    TruncatedBody,
    NonJsonBody,
    MissingFields,
}

/// Shared, thread-safe list of pending faults; obtained from
/// `EmulatorHandle::faults`.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    pending: Arc<Mutex<Vec<(Route, Fault)>>>,
}

impl Faults {
    /// Queues `fault` for `route`. A fault with `times: 0` does nothing.
    pub fn inject(&self, route: Route, mut fault: Fault) {
        if *fault.times_mut() == 0 {
            return;
        }
        self.lock().push((route, fault));
    }

    /// Removes every pending fault.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The faults still waiting to be applied, with their remaining counts.
    pub fn pending(&self) -> Vec<(Route, Fault)> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Route, Fault)>> {
        // A panic while holding this lock cannot leave the list inconsistent.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Consumes what applies to one request of `route`.
    pub(crate) fn take(&self, route: Route) -> FaultPlan {
        let mut pending = self.lock();
        let mut plan = FaultPlan::default();
        for (r, fault) in pending.iter_mut() {
            if *r != route || *fault.times_mut() == 0 {
                continue;
            }
            match fault {
                Fault::Latency { delay, times } => {
                    plan.delay += *delay;
                    *times -= 1;
                }
                _ if plan.action.is_some() => {}
                other => {
                    plan.action = Some(match other {
                        Fault::Status {
                            status,
                            retry_after,
                            ..
                        } => FaultAction::Status {
                            status: *status,
                            retry_after: *retry_after,
                        },
                        Fault::DropBeforeHandler { .. } => FaultAction::DropBeforeHandler,
                        Fault::DropAfterApply { .. } => FaultAction::DropAfterApply,
                        Fault::TruncatedBody { .. } => FaultAction::TruncatedBody,
                        Fault::NonJsonBody { .. } => FaultAction::NonJsonBody,
                        Fault::MissingFields { .. } => FaultAction::MissingFields,
                        Fault::Latency { .. } => unreachable!("handled above"),
                    });
                    *other.times_mut() -= 1;
                }
            }
        }
        pending.retain_mut(|(_, f)| *f.times_mut() > 0);
        plan
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
            c(Method::GET, "/accounts/a/conversions"),
            Some(Route::ListConversions)
        );
        assert_eq!(c(Method::DELETE, "/accounts/a/sessions/s"), None);
        assert_eq!(c(Method::GET, "/Accounts/a/sessions"), None);
    }

    #[test]
    fn faults_are_consumed_in_order_and_latency_combines() {
        let faults = Faults::default();
        faults.inject(Route::GetSession, Fault::DropBeforeHandler { times: 1 });
        faults.inject(
            Route::GetSession,
            Fault::Latency {
                delay: Duration::from_millis(5),
                times: 2,
            },
        );
        faults.inject(
            Route::GetSession,
            Fault::Status {
                status: 503,
                retry_after: None,
                times: 1,
            },
        );
        let first = faults.take(Route::GetSession);
        assert!(matches!(first.action, Some(FaultAction::DropBeforeHandler)));
        assert_eq!(first.delay, Duration::from_millis(5));
        let second = faults.take(Route::GetSession);
        assert!(matches!(
            second.action,
            Some(FaultAction::Status { status: 503, .. })
        ));
        assert_eq!(second.delay, Duration::from_millis(5));
        let third = faults.take(Route::GetSession);
        assert!(third.action.is_none());
        assert_eq!(third.delay, Duration::ZERO);
        assert!(faults.pending().is_empty());
        assert!(faults.take(Route::CreateSession).action.is_none());
    }

    #[test]
    fn missing_fields_is_consumed_like_the_other_body_faults() {
        let faults = Faults::default();
        faults.inject(Route::GetSession, Fault::MissingFields { times: 2 });
        faults.inject(Route::GetSession, Fault::NonJsonBody { times: 1 });
        for _ in 0..2 {
            let plan = faults.take(Route::GetSession);
            assert!(matches!(plan.action, Some(FaultAction::MissingFields)));
        }
        let plan = faults.take(Route::GetSession);
        assert!(matches!(plan.action, Some(FaultAction::NonJsonBody)));
        assert!(faults.pending().is_empty());
    }
}
