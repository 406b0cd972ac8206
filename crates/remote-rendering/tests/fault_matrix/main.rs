//! The fault matrix: every client operation against every fault the
//! emulator can inject, table-driven.
//!
//! Each cell starts its own emulator (so request counts belong to that cell
//! alone), prepares what the operation needs with a fault-free client, then
//! runs the operation with a fresh client (no cached token) while the fault
//! is armed. A cell ends either in success after a bounded number of
//! requests or in a typed error naming the cause; in both cases the request
//! counts are exact (pollers: exact for the faulted answers, bounded for the
//! rest), a create leaves exactly one resource (none when nothing reached
//! the handler), and nothing hangs (every cell runs under a deadline).
//!
//! [`Op::ALL`] and [`Fault::ALL`] are generated together with their enums,
//! so a new variant cannot be left out of the matrix, and
//! `every_emulator_route_is_an_operation_row` fails when the emulator gains
//! a route that no operation exercises.

use futures::{StreamExt as _, TryStreamExt as _};
use remote_rendering::{
    Client, ConversionId, ConversionInput, ConversionOutput, ConversionStatus, Error, LeaseEvent,
    LeaseKeeperOptions, RetryPolicy, SessionId, SessionOptions, SessionSize, SessionStatus,
};
use remote_rendering_emulator::{EmulatorHandle, Fault as EmuFault, Route};
use std::time::{Duration, Instant};

mod cell;
// The helpers of the `it` binary. The matrix is a binary of its own because
// it runs 24 cells at once, which would starve the timing-sensitive tests
// (lease keeper, pollers) sharing a process with it.
#[path = "../it/common.rs"]
mod common;

use cell::run_cell;

const MINUTE: Duration = Duration::from_secs(60);
/// Per-request timeout in the latency cells. Every fault-free request of
/// the cell must finish within it even on a loaded 2-core machine (or it is
/// retried and the request counts are off), so it is seconds, not
/// milliseconds.
const SHORT_TIMEOUT: Duration = Duration::from_secs(3);
/// The injected delay: longer than [`CELL_DEADLINE`], so a request timeout
/// that does not apply shows as a hung cell, whatever the machine's speed.
const SLOW_DELAY: Duration = Duration::from_secs(60);
/// No cell may take longer than this (a hang fails the cell, not the run).
const CELL_DEADLINE: Duration = Duration::from_secs(30);
/// Token lifetime in the expired-token cells (emulator clock): long enough
/// that the client, judging by the machine clock, does not refresh ahead.
const TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);
/// Token lifetime in the lease keeper's expired-token cell: its clock jump
/// (1,395 lease minutes of 10 ms) outlasts it.
const KEEPER_TOKEN_LIFETIME: Duration = Duration::from_secs(10);
/// A lease minute of the keeper cells' manual clock.
const LEASE_MINUTE: Duration = Duration::from_millis(10);
/// Retries of the operation clients.
const MAX_RETRIES: u32 = 5;
/// How many cells run at once.
const CONCURRENCY: usize = 24;

/// Declares a fieldless enum and its `ALL` list from one list of variants,
/// so that the list cannot miss one.
macro_rules! listed_enum {
    ($(#[$meta:meta])* enum $name:ident { $($(#[$vmeta:meta])* $variant:ident,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        enum $name { $($(#[$vmeta])* $variant,)+ }
        impl $name {
            const ALL: &'static [$name] = &[$($name::$variant,)+];
        }
    };
}

listed_enum! {
    /// Every operation of the client that talks to the network.
    enum Op {
        /// `Client::access_token` (the STS exchange).
        StsToken,
        /// `Client::start_session`.
        SessionCreate,
        /// `Client::get_session`.
        SessionGet,
        /// `Client::update_lease`.
        SessionUpdate,
        /// `Client::stop_session`.
        SessionStop,
        /// `Client::list_sessions`.
        SessionList,
        /// `Client::start_conversion`.
        ConversionCreate,
        /// `Client::get_conversion`.
        ConversionGet,
        /// `Client::list_conversions`.
        ConversionList,
        /// `SessionPoller::updates` from Starting to Ready.
        SessionPoller,
        /// `ConversionPoller::updates` from running to Succeeded.
        ConversionPoller,
        /// `LeaseKeeper`: one extension when the lease runs low.
        LeaseKeeper,
    }
}

listed_enum! {
    /// Every fault a cell can arm.
    enum Fault {
        /// 429 twice, without `Retry-After`.
        Throttled,
        /// 429 once with `Retry-After: 1`.
        ThrottledRetryAfter,
        /// 500 twice.
        Status500,
        /// 502 twice.
        Status502,
        /// 503 twice.
        Status503,
        /// 504 twice.
        Status504,
        /// 503 for good: the retries run out.
        Unavailable,
        /// The connection closes before the handler runs.
        DropBeforeHandler,
        /// The handler runs (its change sticks), then the connection closes.
        DropAfterApply,
        /// The answer comes after the request timeout.
        SlowerThanTimeout,
        /// Half of the body.
        TruncatedBody,
        /// An HTML page instead of JSON.
        NonJsonBody,
        /// A success answer `{}`, missing every required field.
        MissingFields,
        /// 401: the cached token expired (emulator clock); for the STS
        /// itself, the credential is refused.
        Unauthorized,
        /// The STS answers 503 three times, then works.
        StsFlaky,
        /// The STS answers 503 for good.
        StsDown,
    }
}

impl Op {
    /// The route the faults of this row are armed on.
    fn route(self) -> Route {
        match self {
            Op::StsToken => Route::StsToken,
            Op::SessionCreate => Route::CreateSession,
            Op::SessionGet | Op::SessionPoller => Route::GetSession,
            Op::SessionUpdate | Op::LeaseKeeper => Route::UpdateSession,
            Op::SessionStop => Route::StopSession,
            Op::SessionList => Route::ListSessions,
            Op::ConversionCreate => Route::CreateConversion,
            Op::ConversionGet | Op::ConversionPoller => Route::GetConversion,
            Op::ConversionList => Route::ListConversions,
        }
    }

    /// The first ARR route the operation calls (where an expired token is
    /// noticed).
    fn first_route(self) -> Route {
        match self {
            Op::LeaseKeeper => Route::GetSession,
            op => op.route(),
        }
    }

    /// Whether the success answer has a body that a body fault can break
    /// (stop answers 204 No Content).
    fn has_body(self) -> bool {
        !matches!(self, Op::SessionStop)
    }

    /// Whether the number of successful requests varies (a poller polls
    /// until the operation is done).
    fn polls(self) -> bool {
        matches!(self, Op::SessionPoller | Op::ConversionPoller)
    }

    /// The operation name carried by its errors.
    fn operation_name(self) -> &'static str {
        match self {
            Op::StsToken => "get STS token",
            Op::SessionCreate => "create session",
            Op::SessionGet | Op::SessionPoller => "get session",
            Op::SessionUpdate | Op::LeaseKeeper => "update session",
            Op::SessionStop => "stop session",
            Op::SessionList => "list sessions",
            Op::ConversionCreate => "create conversion",
            Op::ConversionGet | Op::ConversionPoller => "get conversion",
            Op::ConversionList => "list conversions",
        }
    }

    /// Which resource the operation creates, if it creates one.
    fn creates(self) -> Option<Resource> {
        match self {
            Op::SessionCreate => Some(Resource::Session),
            Op::ConversionCreate => Some(Resource::Conversion),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resource {
    Session,
    Conversion,
}

impl Fault {
    /// The route the fault is armed on for `op`, and the fault itself.
    fn arm(self, op: Op) -> Option<(Route, EmuFault)> {
        let status = |status, retry_after, times| EmuFault::Status {
            status,
            retry_after,
            times,
        };
        let route = op.route();
        Some(match self {
            Fault::Throttled => (route, status(429, None, 2)),
            Fault::ThrottledRetryAfter => (route, status(429, Some(Duration::from_secs(1)), 1)),
            Fault::Status500 => (route, status(500, None, 2)),
            Fault::Status502 => (route, status(502, None, 2)),
            Fault::Status503 => (route, status(503, None, 2)),
            Fault::Status504 => (route, status(504, None, 2)),
            Fault::Unavailable => (route, status(503, None, 1000)),
            Fault::DropBeforeHandler => (route, EmuFault::DropBeforeHandler { times: 1 }),
            Fault::DropAfterApply => (route, EmuFault::DropAfterApply { times: 1 }),
            Fault::SlowerThanTimeout => (
                route,
                EmuFault::Latency {
                    delay: SLOW_DELAY,
                    times: 1,
                },
            ),
            Fault::TruncatedBody => (route, EmuFault::TruncatedBody { times: 1 }),
            Fault::NonJsonBody => (route, EmuFault::NonJsonBody { times: 1 }),
            Fault::MissingFields => (route, EmuFault::MissingFields { times: 1 }),
            // A refused credential at the STS; ARR routes see a real expiry.
            Fault::Unauthorized if op == Op::StsToken => (route, status(401, None, 1)),
            Fault::Unauthorized => return None,
            Fault::StsFlaky => (Route::StsToken, status(503, None, 3)),
            Fault::StsDown => (Route::StsToken, status(503, None, 1000)),
        })
    }

    /// The status of the faulty answers, for counting them.
    fn status(self) -> Option<u16> {
        match self {
            Fault::Throttled | Fault::ThrottledRetryAfter => Some(429),
            Fault::Status500 => Some(500),
            Fault::Status502 => Some(502),
            Fault::Status503 | Fault::Unavailable | Fault::StsFlaky | Fault::StsDown => Some(503),
            Fault::Status504 => Some(504),
            Fault::Unauthorized => Some(401),
            _ => None,
        }
    }
}

/// How a cell must end.
#[derive(Debug)]
enum Expect {
    /// Success after exactly `faulted` bad answers on the faulted route and
    /// `sts` STS requests in all.
    Success { faulted: usize, sts: usize },
    /// A typed error after exactly `attempts` requests on the faulted route.
    Failure { kind: Failure, attempts: usize },
}

#[derive(Debug, Clone, Copy)]
enum Failure {
    /// `Error::Service` with this status, from the named operation.
    Service(u16, &'static str),
    /// `Error::Authentication` with this status.
    Authentication(u16),
    /// `Error::InvalidResponse` from the named operation.
    InvalidResponse(&'static str),
}

fn expect(op: Op, fault: Fault) -> Expect {
    let attempts = MAX_RETRIES as usize + 1;
    // STS requests of an operation that succeeds at once: one exchange.
    let sts = usize::from(op != Op::StsToken);
    let success = |faulted| Expect::Success { faulted, sts };
    match fault {
        Fault::Throttled
        | Fault::Status500
        | Fault::Status502
        | Fault::Status503
        | Fault::Status504 => success(2),
        Fault::ThrottledRetryAfter => success(1),
        Fault::Unavailable => Expect::Failure {
            kind: Failure::Service(503, op.operation_name()),
            attempts,
        },
        Fault::DropBeforeHandler | Fault::DropAfterApply => success(1),
        // Only the retry is certain to be logged (see `run_cell`).
        Fault::SlowerThanTimeout => success(0),
        Fault::TruncatedBody | Fault::NonJsonBody => success(usize::from(op.has_body())),
        // Well-formed JSON of the wrong shape will not come right on a
        // second try (issue 15): not retried.
        Fault::MissingFields if op.has_body() => Expect::Failure {
            kind: Failure::InvalidResponse(op.operation_name()),
            attempts: 1,
        },
        Fault::MissingFields => success(0),
        Fault::Unauthorized if op == Op::StsToken => Expect::Failure {
            kind: Failure::Authentication(401),
            attempts: 1,
        },
        // One 401, a new exchange, one repeat. Pollers take their first
        // token while the cell counts; the others took it before.
        Fault::Unauthorized => Expect::Success {
            faulted: 1,
            sts: if op.polls() { 2 } else { 1 },
        },
        Fault::StsFlaky if op == Op::StsToken => success(3),
        Fault::StsFlaky => Expect::Success { faulted: 0, sts: 4 },
        Fault::StsDown if op == Op::StsToken => Expect::Failure {
            kind: Failure::Service(503, "get STS token"),
            attempts,
        },
        // Nothing reaches the ARR route.
        Fault::StsDown => Expect::Failure {
            kind: Failure::Service(503, "get STS token"),
            attempts: 0,
        },
    }
}

fn cells() -> Vec<(Op, Fault)> {
    Op::ALL
        .iter()
        .flat_map(|op| Fault::ALL.iter().map(move |fault| (*op, *fault)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fault_matrix() {
    let started = Instant::now();
    let results: Vec<_> = futures::stream::iter(cells())
        .map(|(op, fault)| async move {
            let outcome = tokio::spawn(run_cell(op, fault))
                .await
                .unwrap_or_else(|e| Err(format!("panicked: {e}")));
            (op, fault, outcome)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let failures: Vec<String> = results
        .iter()
        .filter_map(|(op, fault, outcome)| {
            outcome
                .as_ref()
                .err()
                .map(|e| format!("{op:?} x {fault:?}: {e}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cells failed:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
    assert_eq!(results.len(), Op::ALL.len() * Fault::ALL.len());
    eprintln!(
        "fault matrix: {} operations x {} faults = {} cells in {:?}",
        Op::ALL.len(),
        Fault::ALL.len(),
        results.len(),
        started.elapsed()
    );
}

#[test]
fn every_emulator_route_is_an_operation_row() {
    // A route the emulator serves with no operation row means an operation
    // of the client is missing from the matrix.
    // The matrix drives the client at its default version; the `v1` routes
    // (same client operations through another adapter) have no rows yet.
    for route in Route::ALL.into_iter().filter(|route| !route.is_v1()) {
        assert!(
            Op::ALL.iter().any(|op| op.route() == route),
            "no matrix row exercises {route:?}: add the operation to `Op`"
        );
    }
    // Every row has an expectation for every fault (the matches above are
    // exhaustive) and a distinct place in the list.
    for (i, op) in Op::ALL.iter().enumerate() {
        assert!(!Op::ALL[..i].contains(op), "{op:?} listed twice");
        for fault in Fault::ALL {
            let _ = expect(*op, *fault);
        }
    }
    assert_eq!(cells().len(), Op::ALL.len() * Fault::ALL.len());
}
