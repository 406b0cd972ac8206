//! Session operations: start, read, lease, stop, list.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::ids::SessionId;
use crate::lease::{LeaseKeeper, LeaseKeeperOptions};
use crate::models::{Lease, MAX_LEASE_MINUTES, Session, SessionOptions, SessionStatus};
use crate::poller::SessionPoller;
use futures::Stream;
use std::time::Duration;

impl Client {
    /// Creates a session with the id `id` and returns a poller that waits
    /// for it to be Ready.
    ///
    /// Retrying with the same id and options is safe: the service answers an
    /// identical create with the existing session. API version `v1` lets
    /// the service pick the id and refuses this with
    /// [`Error::Unsupported`]; [`Client::start_new_session`] works on all
    /// versions.
    pub async fn start_session(
        &self,
        id: &SessionId,
        options: &SessionOptions,
    ) -> Result<SessionPoller> {
        let reply = self
            .adapter()
            .start_session(self, Some(id), options)
            .await?;
        Ok(SessionPoller::started(self.clone(), reply.value))
    }

    /// Creates a session with an id picked for it (by the service on API
    /// version `v1`, else a fresh [`SessionId::generate`]) and returns a
    /// poller that waits for it to be Ready; the poller's
    /// [`id`](crate::Poller::id) is the new session's id.
    pub async fn start_new_session(&self, options: &SessionOptions) -> Result<SessionPoller> {
        let reply = self.adapter().start_session(self, None, options).await?;
        Ok(SessionPoller::started(self.clone(), reply.value))
    }

    /// Reads a session.
    pub async fn get_session(&self, id: &SessionId) -> Result<Session> {
        Ok(self.get_session_reply(id).await?.0)
    }

    /// Reads a session, with the service's `Retry-After` (for pollers).
    pub(crate) async fn get_session_reply(
        &self,
        id: &SessionId,
    ) -> Result<(Session, Option<Duration>)> {
        let reply = self.adapter().get_session(self, id).await?;
        let retry_after = reply.retry_after();
        Ok((reply.value, retry_after))
    }

    /// Sets the session's total lease (counted from when it became Ready).
    ///
    /// The service only accepts a larger value than the current one; asking
    /// for the lease the session already has succeeds, so a retried update
    /// whose first attempt was applied (but whose answer was lost) is not an
    /// error.
    pub async fn update_lease(&self, id: &SessionId, total: Duration) -> Result<Session> {
        let lease = Lease::try_from(total)?;
        let minutes = lease.minutes();
        match self.adapter().set_lease(self, id, lease).await {
            Err(Error::Service(e)) if matches!(e.status, 400 | 409 | 422) => {
                match self.get_session(id).await {
                    Ok(session)
                        if session.max_lease == Some(total)
                            && matches!(
                                session.status,
                                SessionStatus::Starting | SessionStatus::Ready
                            ) =>
                    {
                        tracing::debug!(session = %id, "the lease is already {minutes} minutes");
                        Ok(session)
                    }
                    _ => Err(Error::Service(e)),
                }
            }
            other => other,
        }
    }

    /// Extends the lease by `by`: reads the current total and sends the new
    /// total, because the API's lease is a total since Ready, not a remainder.
    pub async fn extend_lease(&self, id: &SessionId, by: Duration) -> Result<Session> {
        Lease::try_from(by)?;
        let current = self.get_session(id).await?;
        let current_lease = current.max_lease.unwrap_or_default();
        let total = current_lease + by;
        if total > Lease::MAX.duration() {
            return Err(Error::validation(
                "lease",
                format!(
                    "extending {} minutes by {} gives {} minutes, above the {MAX_LEASE_MINUTES}-minute maximum",
                    current_lease.as_secs() / 60,
                    by.as_secs() / 60,
                    total.as_secs() / 60
                ),
            ));
        }
        self.update_lease(id, total).await
    }

    /// Stops a session. Stopping a stopped session succeeds.
    pub async fn stop_session(&self, id: &SessionId) -> Result<()> {
        self.adapter().stop_session(self, id).await
    }

    /// All sessions that are not stopped, following `@nextLink` page by page.
    pub fn list_sessions(&self) -> impl Stream<Item = Result<Session>> + Send + 'static {
        self.list(|client, link| client.adapter().list_sessions(client, link))
    }

    /// Keeps extending a session's lease in the background; see [`LeaseKeeper`].
    pub fn keep_alive(&self, id: SessionId, options: LeaseKeeperOptions) -> Result<LeaseKeeper> {
        LeaseKeeper::start(self.clone(), id, options)
    }
}
