//! The request pipeline: every call to ARR and to the STS goes through
//! [`run`], which authorizes, sends, classifies the answer, refreshes a
//! refused token once (on 401) and retries what [`Error::is_retryable`]
//! says may succeed, under one [`RetryPolicy`].
//!
//! Why a function over a closure rather than progenitor's `ClientHooks::exec`
//! or azure_core-style policy objects: progenitor's hooks run inside one
//! attempt (before and after the `reqwest` call) and cannot repeat the
//! request or swap the generated client's authorization, and a chain of
//! boxed policies (azure_core 1.x) is built for a pipeline shared by many
//! services with per-call options we do not have. Here the steps are fixed:
//! authorize → send → classify → (401: refresh once | retryable: back off).
//! The generated clients keep their `ClientHooks` for the one per-request
//! step that fits there: setting the `Authorization` header.

use crate::error::{Error, Result};
use crate::in_flight::RequestLimit;
use crate::response::{Raw, Reply, classify};
use crate::retry::RetryPolicy;
use futures::future::BoxFuture;
use remote_rendering_rest::RequestAuth;
use std::future::Future;
use std::time::Instant;
use tracing::Instrument as _;

/// Where a call's `Authorization` comes from.
pub(crate) trait Authorizer: Sync {
    /// What one attempt is authorized with (e.g. a cached token).
    type Grant: Send + Sync;

    /// A grant for the next attempt.
    fn grant(&self) -> impl Future<Output = Result<Self::Grant>> + Send;

    /// The header value of `grant`.
    fn request_auth(&self, grant: &Self::Grant) -> Result<RequestAuth>;

    /// The service answered 401 to `grant`: forgets it and says whether a
    /// new grant may be accepted (the call is then repeated once).
    fn refused(&self, grant: &Self::Grant) -> bool;
}

/// A fixed `Authorization` that cannot be renewed (the STS exchange's
/// credential).
pub(crate) struct FixedAuth(pub(crate) RequestAuth);

impl Authorizer for FixedAuth {
    type Grant = ();

    async fn grant(&self) -> Result<()> {
        Ok(())
    }

    fn request_auth(&self, _: &()) -> Result<RequestAuth> {
        Ok(self.0.clone())
    }

    fn refused(&self, _: &()) -> bool {
        false
    }
}

/// Runs one call: for each attempt, `client` builds a generated client
/// carrying the attempt's authorization and `send` sends the operation
/// with it. Traced in `span`, one `arr.attempt` span per attempt.
///
/// Each attempt first waits for a slot of `limit` (after its grant, so that
/// a call waiting for a token holds none) and keeps it until the answer is
/// read. The wait does not count against the request timeout, but it ends at
/// the policy's `max_elapsed`, with [`Error::Timeout`].
pub(crate) async fn run<A, C, T>(
    span: tracing::Span,
    operation: &'static str,
    policy: &RetryPolicy,
    limit: &RequestLimit,
    authorizer: &A,
    client: impl Fn(RequestAuth) -> C,
    mut send: impl for<'c> FnMut(&'c C) -> BoxFuture<'c, Raw<T>>,
) -> Result<Reply<T>>
where
    A: Authorizer,
{
    async move {
        let started = Instant::now();
        let mut refreshed = false;
        // A web page once may be a gateway's glitch; twice, a wrong endpoint.
        let mut html_seen = false;
        let mut attempt = 0;
        loop {
            let grant = authorizer.grant().await?;
            let generated = client(authorizer.request_auth(&grant)?);
            let deadline = started.checked_add(policy.max_elapsed);
            let Some(slot) = limit.acquire(deadline).await else {
                return Err(Error::Timeout {
                    operation,
                    after: started.elapsed(),
                });
            };
            let attempt_started = Instant::now();
            let attempt_span = tracing::debug_span!(
                "arr.attempt",
                operation,
                attempt,
                status = tracing::field::Empty,
                ms_cv = tracing::field::Empty,
            );
            let outcome = async { classify(operation, send(&generated).await).await }
                .instrument(attempt_span.clone())
                .await
                .map_err(|e| with_elapsed(e, attempt_started));
            drop(slot);
            record_attempt(&attempt_span, &outcome);
            log_attempt(operation, attempt, &outcome);
            let error = match outcome {
                Ok(reply) => return Ok(reply),
                Err(Error::Authentication {
                    status: Some(401), ..
                }) if !refreshed && authorizer.refused(&grant) => {
                    refreshed = true;
                    tracing::debug!(operation, "401: refreshing the access token once");
                    continue;
                }
                Err(error) if error.is_html_answer() && html_seen => return Err(error),
                Err(error) => {
                    html_seen |= error.is_html_answer();
                    error
                }
            };
            let Some(delay) = policy.next_delay(&error, attempt, started) else {
                return Err(error);
            };
            crate::retry::report_retry(operation, &error, attempt, policy, delay);
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
    .instrument(span)
    .await
}

/// Fills in how long a timed-out attempt ran (reqwest does not say).
fn with_elapsed(error: Error, started: Instant) -> Error {
    match error {
        Error::Timeout { operation, after } if after.is_zero() => Error::Timeout {
            operation,
            after: started.elapsed(),
        },
        other => other,
    }
}

fn record_attempt<T>(span: &tracing::Span, outcome: &Result<Reply<T>>) {
    match outcome {
        Ok(reply) => {
            span.record("status", "ok");
            if let Some(cv) = reply.ms_cv() {
                span.record("ms_cv", cv);
            }
        }
        Err(error) => {
            if let Some(status) = error.status() {
                span.record("status", status);
            }
            if let Some(cv) = error.ms_cv() {
                span.record("ms_cv", cv);
            }
        }
    }
}

fn log_attempt<T>(operation: &'static str, attempt: u32, outcome: &Result<Reply<T>>) {
    match outcome {
        Ok(reply) => tracing::debug!(
            operation,
            attempt,
            status = "ok",
            ms_cv = reply.ms_cv().unwrap_or(""),
        ),
        Err(error) => tracing::debug!(
            operation,
            attempt,
            status = error.status().unwrap_or(0),
            ms_cv = error.ms_cv().unwrap_or(""),
            error = %error,
        ),
    }
}
