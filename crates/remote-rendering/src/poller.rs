//! Pollers for long-running operations: session startup and asset conversion.

use crate::client::Client;
use crate::continuation::{PollerKind, decode_continuation_token, encode_continuation};
use crate::error::{Error, Result};
use crate::ids::{ConversionId, SessionId};
use crate::models::{Conversion, ConversionStatus, Session, SessionSize, SessionStatus};
use futures::StreamExt as _;
use futures::stream::FusedStream;
use std::future::Future;
use std::time::{Duration, Instant};

/// Default interval for Standard sessions when the service gives no `Retry-After`.
pub const STANDARD_SESSION_INTERVAL: Duration = Duration::from_secs(2);
/// Default interval for Premium sessions and conversions.
pub const SLOW_INTERVAL: Duration = Duration::from_secs(10);
/// The shortest wait between two polls, whatever the interval asked for or
/// the `Retry-After` sent: a zero interval must not flood the service.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The wait before the next poll: the service's `Retry-After` (already
/// capped at [`MAX_RETRY_AFTER`](crate::MAX_RETRY_AFTER)), else the interval,
/// never below [`MIN_POLL_INTERVAL`].
fn poll_delay(retry_after: Option<Duration>, interval: Duration) -> Duration {
    retry_after
        .map(|d| d.min(crate::retry::MAX_RETRY_AFTER))
        .unwrap_or(interval)
        .max(MIN_POLL_INTERVAL)
}

/// Something a [`Poller`] can wait for.
pub trait Pollable: Clone + Send + Sync + 'static + sealed::Sealed {
    /// The status type reported while waiting.
    type Status: std::fmt::Display;
    /// The current status.
    fn status(&self) -> &Self::Status;
    /// The id of the session or conversion.
    fn id(&self) -> &str;
}

/// What a poller needs of the things it polls, out of the public API (the
/// trait is sealed: only this crate's types are pollable).
mod sealed {
    use super::*;

    /// What one observation of an operation means.
    pub enum Outcome {
        Pending,
        Succeeded,
        Failed(Error),
    }

    pub trait Sealed: Sized {
        const KIND: PollerKind;
        fn fetch(
            client: &Client,
            id: &str,
        ) -> impl Future<Output = Result<(Self, Option<Duration>)>> + Send;
        fn outcome(&self) -> sealed::Outcome;
        fn default_interval(&self) -> Duration;
    }
}

impl Pollable for Session {
    type Status = SessionStatus;

    fn status(&self) -> &SessionStatus {
        &self.status
    }

    fn id(&self) -> &str {
        self.id.as_str()
    }
}

impl sealed::Sealed for Session {
    const KIND: PollerKind = PollerKind::Session;

    async fn fetch(client: &Client, id: &str) -> Result<(Self, Option<Duration>)> {
        client.get_session_reply(&SessionId::new(id)?).await
    }

    fn outcome(&self) -> sealed::Outcome {
        match &self.status {
            SessionStatus::Ready => sealed::Outcome::Succeeded,
            SessionStatus::Starting => sealed::Outcome::Pending,
            // A status this client does not know may be a new transitional
            // state: keep polling (bounded by the timeout), but say so.
            SessionStatus::Unknown(status) => {
                tracing::warn!(session = %self.id, status = %status, "unknown session status; polling on until the timeout");
                sealed::Outcome::Pending
            }
            // Stopped, Expired and Error will never become Ready.
            status => sealed::Outcome::Failed(Error::SessionFailed {
                id: self.id.to_string(),
                status: status.clone(),
                error: self.error.clone().map(Box::new),
            }),
        }
    }

    fn default_interval(&self) -> Duration {
        match self.size {
            SessionSize::Standard => STANDARD_SESSION_INTERVAL,
            _ => SLOW_INTERVAL,
        }
    }
}

impl Pollable for Conversion {
    type Status = ConversionStatus;

    fn status(&self) -> &ConversionStatus {
        &self.status
    }

    fn id(&self) -> &str {
        self.id.as_str()
    }
}

impl sealed::Sealed for Conversion {
    const KIND: PollerKind = PollerKind::Conversion;

    async fn fetch(client: &Client, id: &str) -> Result<(Self, Option<Duration>)> {
        client.get_conversion_reply(&ConversionId::new(id)?).await
    }

    fn outcome(&self) -> sealed::Outcome {
        match &self.status {
            ConversionStatus::Succeeded => sealed::Outcome::Succeeded,
            ConversionStatus::NotStarted | ConversionStatus::Running => sealed::Outcome::Pending,
            ConversionStatus::Unknown(status) => {
                tracing::warn!(conversion = %self.id, status = %status, "unknown conversion status; polling on until the timeout");
                sealed::Outcome::Pending
            }
            // Failed and Cancelled end the wait: one official SDK polls a
            // Cancelled conversion forever.
            status => sealed::Outcome::Failed(Error::ConversionFailed {
                id: self.id.to_string(),
                status: status.clone(),
                error: self.error.clone().map(Box::new),
            }),
        }
    }

    fn default_interval(&self) -> Duration {
        SLOW_INTERVAL
    }
}

/// One observation made while polling.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PollUpdate<T> {
    /// The operation as the service reported it.
    pub value: T,
    /// When the next poll happens; `None` once the operation is finished.
    pub next_poll: Option<Duration>,
    /// Time since the poller was created.
    pub elapsed: Duration,
}

/// Waits for a session to become Ready or a conversion to finish.
///
/// Await the outcome with [`Poller::wait`], or watch every status change with
/// [`Poller::updates`]. Dropping a poller only stops polling: the session or
/// conversion goes on. Store [`Poller::continuation_token`] to resume
/// elsewhere with `Client::resume_session_poller` / `resume_conversion_poller`.
pub struct Poller<T: Pollable> {
    client: Client,
    id: String,
    last: Option<T>,
    next_delay: Option<NextPoll>,
    interval: Option<Duration>,
    timeout: Option<Duration>,
    started: Instant,
}

/// When the next poll happens.
#[derive(Debug, Clone, Copy)]
enum NextPoll {
    /// After the polling interval in force when the wait starts (so that
    /// `with_interval` applies to the first poll too).
    Interval,
    /// After exactly this long (the service's `Retry-After`).
    After(Duration),
}

/// Waits for a rendering session to become Ready.
pub type SessionPoller = Poller<Session>;
/// Waits for an asset conversion to finish.
pub type ConversionPoller = Poller<Conversion>;

impl<T: Pollable> std::fmt::Debug for Poller<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poller")
            .field("kind", &T::KIND)
            .field("id", &self.id)
            .field(
                "status",
                &self.last.as_ref().map(|l| l.status().to_string()),
            )
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A poller for an existing session (e.g. one started elsewhere).
    pub fn session_poller(&self, id: SessionId) -> SessionPoller {
        SessionPoller::resumed(self.clone(), id.as_str().to_string())
    }

    /// Resumes a session poller from a continuation token (or a bare id).
    /// A token of a conversion poller is refused (a validation error).
    pub fn resume_session_poller(&self, token: &str) -> Result<SessionPoller> {
        let id = self.parse_continuation(token, PollerKind::Session)?;
        let id = SessionId::new(id)?;
        Ok(self.session_poller(id))
    }

    /// A poller for an existing conversion.
    pub fn conversion_poller(&self, id: ConversionId) -> ConversionPoller {
        ConversionPoller::resumed(self.clone(), id.as_str().to_string())
    }

    /// Resumes a conversion poller from a continuation token (or a bare id).
    /// A token of a session poller is refused (a validation error).
    pub fn resume_conversion_poller(&self, token: &str) -> Result<ConversionPoller> {
        let id = self.parse_continuation(token, PollerKind::Conversion)?;
        let id = ConversionId::new(id)?;
        Ok(self.conversion_poller(id))
    }

    /// The id a continuation token (see `continuation`) of `expected` kind
    /// resumes; a bare id is accepted too.
    fn parse_continuation(&self, token: &str, expected: PollerKind) -> Result<String> {
        // Accounts are compared as UUIDs: `30EA...` and `{30ea...}` are the
        // same account as `30ea...`.
        match decode_continuation_token(token) {
            Some(decoded) => {
                if let Some(kind) = decoded.kind.filter(|kind| *kind != expected) {
                    return Err(Error::validation(
                        "continuation token",
                        format!(
                            "resumes a {kind} poller, not a {expected} poller: \
                             pass it to resume_{kind}_poller"
                        ),
                    ));
                }
                if decoded.account_id != self.account_id() {
                    return Err(Error::validation(
                        "continuation token",
                        format!(
                            "belongs to account {}, not {}",
                            decoded.account_id,
                            self.account_id()
                        ),
                    ));
                }
                Ok(decoded.id)
            }
            None if SessionId::new(token).is_ok() => Ok(token.to_string()),
            None => Err(Error::validation(
                "continuation token",
                "is neither a continuation token nor a valid id",
            )),
        }
    }
}

impl<T: Pollable> Poller<T> {
    fn new(client: Client, id: String, last: Option<T>) -> Self {
        Self {
            interval: client.polling_interval(),
            timeout: client.poll_timeout(),
            client,
            id,
            last,
            next_delay: None,
            started: Instant::now(),
        }
    }

    pub(crate) fn started(client: Client, value: T) -> Self {
        let id = value.id().to_string();
        // A create answered with a final state (e.g. an identical retry of a
        // create whose session is Ready by now) is checked again at once.
        let pending = matches!(value.outcome(), sealed::Outcome::Pending);
        let mut poller = Self::new(client, id, Some(value));
        poller.next_delay = pending.then_some(NextPoll::Interval);
        poller
    }

    pub(crate) fn resumed(client: Client, id: String) -> Self {
        Self::new(client, id, None)
    }

    pub(crate) fn after(mut self, retry_after: Option<Duration>) -> Self {
        if let Some(delay) = retry_after
            && self.next_delay.is_some()
        {
            self.next_delay = Some(NextPoll::After(poll_delay(Some(delay), delay)));
        }
        self
    }

    /// The id being polled.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The last observation, if any.
    pub fn last(&self) -> Option<&T> {
        self.last.as_ref()
    }

    /// A token to resume this poller later, possibly in another process:
    /// the Python SDK's `base64("1:{accountId}:{id}")` followed by `-` for a
    /// session or `_` for a conversion. The Python SDK resumes from it too
    /// (its decoder skips the mark); this crate's `resume_*_poller` refuses
    /// a token of the other kind.
    pub fn continuation_token(&self) -> String {
        encode_continuation(&self.client.account_id(), &self.id, T::KIND)
    }

    /// Polls every `interval` (at least [`MIN_POLL_INTERVAL`]) unless the
    /// service sends `Retry-After` (at most [`MAX_RETRY_AFTER`](crate::MAX_RETRY_AFTER)).
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// Gives up waiting after `timeout` (the operation itself goes on).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    fn interval_for(&self, value: &T, retry_after: Option<Duration>) -> Duration {
        let interval = self.interval.unwrap_or_else(|| value.default_interval());
        poll_delay(retry_after, interval)
    }

    fn timeout_error(timeout: Duration) -> Error {
        Error::Timeout {
            operation: match T::KIND {
                PollerKind::Session => "waiting for the session",
                PollerKind::Conversion => "waiting for the conversion",
            },
            after: timeout,
        }
    }

    /// Waits until it is time to poll, then polls once.
    async fn step(&mut self) -> Result<(PollUpdate<T>, Option<Error>)> {
        let delay = match self.next_delay.take() {
            None => None,
            Some(NextPoll::After(delay)) => Some(delay),
            Some(NextPoll::Interval) => {
                let interval = match &self.last {
                    Some(last) => self.interval_for(last, None),
                    None => poll_delay(None, self.interval.unwrap_or(STANDARD_SESSION_INTERVAL)),
                };
                Some(interval)
            }
        };
        if let Some(delay) = delay {
            if let Some(timeout) = self.timeout {
                let elapsed = self.started.elapsed();
                if elapsed + delay > timeout {
                    tokio::time::sleep(timeout.saturating_sub(elapsed)).await;
                    return Err(Self::timeout_error(timeout));
                }
            }
            tokio::time::sleep(delay).await;
        }
        // The overall timeout bounds the poll itself too (its retries may take long).
        let fetch = T::fetch(&self.client, &self.id);
        let (value, retry_after) = match self.timeout {
            Some(timeout) => {
                let left = timeout.saturating_sub(self.started.elapsed());
                tokio::time::timeout(left, fetch)
                    .await
                    .map_err(|_| Self::timeout_error(timeout))??
            }
            None => fetch.await?,
        };
        let (next_poll, failure) = match value.outcome() {
            sealed::Outcome::Pending => (Some(self.interval_for(&value, retry_after)), None),
            sealed::Outcome::Succeeded => (None, None),
            sealed::Outcome::Failed(error) => (None, Some(error)),
        };
        tracing::debug!(kind = T::KIND.as_str(), id = %self.id, status = %value.status(), ?next_poll, "polled");
        self.next_delay = next_poll.map(NextPoll::After);
        self.last = Some(value.clone());
        Ok((
            PollUpdate {
                value,
                next_poll,
                elapsed: self.started.elapsed(),
            },
            failure,
        ))
    }

    /// Polls until the operation finishes: `Ok` with the Ready session or
    /// Succeeded conversion, or the typed error of the terminal state.
    pub async fn wait(mut self) -> Result<T> {
        loop {
            let (update, failure) = self.step().await?;
            if let Some(error) = failure {
                return Err(error);
            }
            if update.next_poll.is_none() {
                return Ok(update.value);
            }
        }
    }

    /// Every observation until the operation finishes; the stream ends after
    /// the terminal one (an `Err` for a failure state) and stays ended.
    pub fn updates(self) -> impl FusedStream<Item = Result<PollUpdate<T>>> + Send {
        futures::stream::unfold(Some(self), |state| async move {
            let mut poller = state?;
            match poller.step().await {
                Ok((update, None)) if update.next_poll.is_some() => {
                    Some((Ok(update), Some(poller)))
                }
                Ok((update, None)) => Some((Ok(update), None)),
                Ok((_, Some(error))) | Err(error) => Some((Err(error), None)),
            }
        })
        .fuse()
    }
}

#[cfg(test)]
mod tests {
    use super::sealed::Sealed as _;
    use super::*;

    fn conversion(status: &str) -> Conversion {
        Conversion {
            id: ConversionId::new("c").unwrap(),
            status: ConversionStatus::from(status),
            input_container: String::new(),
            input_asset: String::new(),
            output_container: String::new(),
            output_asset_uri: None,
            created_on: None,
            error: None,
        }
    }

    #[test]
    fn every_terminal_conversion_state_ends_the_wait() {
        // The emulator cannot cancel conversions; this is the check that a
        // Cancelled conversion is not polled forever.
        assert!(matches!(
            conversion("NotStarted").outcome(),
            sealed::Outcome::Pending
        ));
        assert!(matches!(
            conversion("Running").outcome(),
            sealed::Outcome::Pending
        ));
        assert!(matches!(
            conversion("Succeeded").outcome(),
            sealed::Outcome::Succeeded
        ));
        // Issue 13: a status this client does not know keeps the wait going
        // (bounded by its timeout), with a warning.
        assert!(matches!(
            conversion("SomethingNew").outcome(),
            sealed::Outcome::Pending
        ));
        for status in ["Failed", "Cancelled"] {
            match conversion(status).outcome() {
                sealed::Outcome::Failed(Error::ConversionFailed { status: s, .. }) => {
                    assert_eq!(s.as_str(), status)
                }
                _ => panic!("{status} must end the wait"),
            }
        }
    }
}
