//! Fault injection: make chosen routes fail, slow down or lose connections.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Route;

/// A misbehaviour to apply to the next requests of one [`Route`].
///
/// Faults for the same route are consumed in the order they were injected.
/// [`Fault::Latency`] combines with the first other fault that applies, so a
/// request can be both slow and failed.
///
/// The admin route `POST /_emulator/faults` takes the serde form: tagged by
/// `kind` in snake case, durations as `retry_after_secs` and `delay_ms`,
/// e.g. `{"kind": "status", "status": 503, "retry_after_secs": 1, "times": 2}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with `status` and an error body instead of running the handler;
    /// with `Retry-After` (whole seconds, rounded up) when `retry_after` is set.
    Status {
        /// HTTP status code to answer with.
        status: u16,
        /// Value for the `Retry-After` header, if any.
        #[serde(rename = "retry_after_secs", default, with = "whole_seconds")]
        retry_after: Option<Duration>,
        /// How many requests to fail.
        times: u32,
    },
    /// Wait `delay` before handling the request.
    Latency {
        /// How long to wait.
        #[serde(rename = "delay_ms", with = "milliseconds")]
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

/// `Option<Duration>` as whole seconds.
mod whole_seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            // Rounded up, as the `Retry-After` header is.
            Some(wait) => {
                serializer.serialize_some(&(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)))
            }
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(deserializer)?.map(Duration::from_secs))
    }
}

/// `Duration` as whole milliseconds.
mod milliseconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Duration,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(u64::try_from(value.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Duration, D::Error> {
        u64::deserialize(deserializer).map(Duration::from_millis)
    }
}

impl Fault {
    /// How many requests the fault applies to.
    pub fn times(&self) -> u32 {
        let mut copy = self.clone();
        *copy.times_mut()
    }

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
    fn the_admin_json_form_round_trips() {
        let json = serde_json::json!({
            "kind": "status", "status": 503, "retry_after_secs": 2, "times": 1
        });
        let fault: Fault = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(
            fault,
            Fault::Status {
                status: 503,
                retry_after: Some(Duration::from_secs(2)),
                times: 1
            }
        );
        assert_eq!(serde_json::to_value(&fault).unwrap(), json);
        let latency: Fault =
            serde_json::from_str(r#"{"kind":"latency","delay_ms":250,"times":3}"#).unwrap();
        assert_eq!(
            latency,
            Fault::Latency {
                delay: Duration::from_millis(250),
                times: 3
            }
        );
        let no_wait: Fault =
            serde_json::from_str(r#"{"kind":"status","status":500,"times":1}"#).unwrap();
        assert!(matches!(
            no_wait,
            Fault::Status {
                retry_after: None,
                ..
            }
        ));
        let missing: Fault =
            serde_json::from_str(r#"{"kind":"missing_fields","times":2}"#).unwrap();
        assert_eq!(missing, Fault::MissingFields { times: 2 });
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"drop_after_apply"}"#).is_err());
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
