//! The client and its operations.

use crate::auth::{AccessToken, TokenCache};
use crate::config::ClientBuilder;
use crate::error::{Error, Result};
use crate::ids::{ConversionId, SessionId};
use crate::models::{
    Conversion, ConversionInput, ConversionOutput, MAX_LEASE_MINUTES, Session, SessionSize,
    SessionStatus,
};
use crate::poller::{ConversionPoller, SessionPoller};
use crate::retry::RetryPolicy;
use crate::transport::{self, Raw, Reply};
use futures::future::BoxFuture;
use futures::{FutureExt as _, Stream, StreamExt as _, TryStreamExt as _};
use progenitor_client::{ClientInfo as _, ResponseValue};
use remote_rendering_rest::types as wire;
use std::sync::Arc;
use std::time::Duration;

/// An Azure Remote Rendering client.
///
/// Cheap to clone: clones share one connection pool and one token cache.
/// Every operation validates its input before sending anything, retries
/// throttling and transient failures (see [`RetryPolicy`]) and refreshes the
/// access token once when the service rejects it.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    pub(crate) endpoint: String,
    pub(crate) sts_endpoint: String,
    pub(crate) account_id: uuid::Uuid,
    pub(crate) account_domain: String,
    pub(crate) api_version: String,
    pub(crate) tokens: TokenCache,
    pub(crate) retry: RetryPolicy,
    pub(crate) polling_interval: Option<Duration>,
    pub(crate) poll_timeout: Option<Duration>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .field("sts_endpoint", &self.inner.sts_endpoint)
            .field("account_id", &self.inner.account_id)
            .field("account_domain", &self.inner.account_domain)
            .field("api_version", &self.inner.api_version)
            .finish_non_exhaustive()
    }
}

/// Settings of a new rendering session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionOptions {
    /// Server size.
    pub size: SessionSize,
    /// Lease: how long the session may stay Ready, in whole minutes (1 to 1440).
    pub lease: Duration,
}

impl SessionOptions {
    /// A session of `size` leased for `lease`.
    pub fn new(size: SessionSize, lease: Duration) -> Self {
        Self { size, lease }
    }
}

/// Converts a lease to the service's whole minutes, within the documented bounds.
pub(crate) fn lease_minutes(lease: Duration) -> Result<i64> {
    if lease.subsec_nanos() != 0 || !lease.as_secs().is_multiple_of(60) {
        return Err(Error::validation(
            "lease",
            format!("{lease:?} is not a whole number of minutes"),
        ));
    }
    let minutes = lease.as_secs() / 60;
    if !(1..=MAX_LEASE_MINUTES).contains(&minutes) {
        return Err(Error::validation(
            "lease",
            format!("{minutes} minutes is outside 1..={MAX_LEASE_MINUTES} minutes (24 h)"),
        ));
    }
    Ok(minutes as i64)
}

impl Client {
    /// Starts configuring a client for an account.
    ///
    /// `account_id` must be a UUID; `account_domain` is the domain of the
    /// account's region, e.g. `eastus.mixedreality.azure.com`.
    pub fn builder(account_id: &str, account_domain: &str) -> ClientBuilder {
        ClientBuilder::new(account_id, account_domain)
    }

    /// A client configured from the `ARR_*` environment variables
    /// (see [`crate::config::env`]).
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env()?.build()
    }

    /// The account this client acts for.
    pub fn account_id(&self) -> uuid::Uuid {
        self.inner.account_id
    }

    /// The service endpoint.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// The STS endpoint.
    pub fn sts_endpoint(&self) -> &str {
        &self.inner.sts_endpoint
    }

    /// A valid STS access token (cached; exchanged when needed).
    pub async fn access_token(&self) -> Result<AccessToken> {
        self.inner.tokens.token().await
    }

    /// How many STS token exchanges this client (and its clones) made.
    pub fn sts_exchanges(&self) -> u64 {
        self.inner.tokens.exchanges()
    }

    pub(crate) async fn call<T>(
        &self,
        operation: &'static str,
        resource: &str,
        send: impl FnMut(remote_rendering_rest::Client) -> BoxFuture<'static, Raw<T>>,
    ) -> Result<Reply<T>> {
        let inner = &self.inner;
        transport::call(
            &inner.http,
            &inner.endpoint,
            &inner.tokens,
            &inner.retry,
            operation,
            resource,
            send,
        )
        .await
    }

    /// Owned values every request needs: account id, api-version, resource id.
    fn request_parts(&self, id: &str) -> (uuid::Uuid, String, String) {
        (
            self.inner.account_id,
            self.inner.api_version.clone(),
            id.to_string(),
        )
    }

    pub(crate) fn polling_interval(&self) -> Option<Duration> {
        self.inner.polling_interval
    }

    pub(crate) fn poll_timeout(&self) -> Option<Duration> {
        self.inner.poll_timeout
    }

    // ---- Sessions -------------------------------------------------------

    /// Creates a session and returns a poller that waits for it to be Ready.
    ///
    /// Retrying with the same id and options is safe: the service answers an
    /// identical create with the existing session.
    pub async fn start_session(
        &self,
        id: &SessionId,
        options: &SessionOptions,
    ) -> Result<SessionPoller> {
        let minutes = lease_minutes(options.lease)?;
        // Through serde, so a known name becomes the known variant and any
        // other string the open one, whatever shape the generated enum has.
        let size = serde_json::from_value::<wire::SessionSize>(serde_json::Value::String(
            options.size.as_str().to_string(),
        ))
        .map_err(|e| Error::validation("size", e.to_string()))?;
        let body = wire::CreateSessionSettings {
            max_lease_time_minutes: minutes,
            size,
        };
        let (account, version, sid) = self.request_parts(id.as_str());
        let reply = self
            .call("create session", id.as_str(), move |c| {
                let (version, sid, body) = (version.clone(), sid.clone(), body.clone());
                async move {
                    c.create_session()
                        .account_id(account)
                        .session_id(sid)
                        .api_version(version)
                        .body(body)
                        .send()
                        .await
                }
                .boxed()
            })
            .await?;
        let session = Session::try_from(reply.value)?;
        Ok(SessionPoller::started(self.clone(), session))
    }

    /// Reads a session.
    pub async fn get_session(&self, id: &SessionId) -> Result<Session> {
        Ok(self.get_session_reply(id).await?.0)
    }

    pub(crate) async fn get_session_reply(
        &self,
        id: &SessionId,
    ) -> Result<(Session, Option<Duration>)> {
        let (account, version, sid) = self.request_parts(id.as_str());
        let reply = self
            .call("get session", id.as_str(), move |c| {
                let (version, sid) = (version.clone(), sid.clone());
                async move {
                    c.get_session()
                        .account_id(account)
                        .session_id(sid)
                        .api_version(version)
                        .send()
                        .await
                }
                .boxed()
            })
            .await?;
        let retry_after = reply.retry_after();
        Ok((Session::try_from(reply.value)?, retry_after))
    }

    /// Sets the session's total lease (counted from when it became Ready).
    ///
    /// The service only accepts a larger value than the current one; asking
    /// for the lease the session already has succeeds, so a retried update
    /// whose first attempt was applied (but whose answer was lost) is not an
    /// error.
    pub async fn update_lease(&self, id: &SessionId, total: Duration) -> Result<Session> {
        let minutes = lease_minutes(total)?;
        match self.send_lease(id, minutes).await {
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

    async fn send_lease(&self, id: &SessionId, minutes: i64) -> Result<Session> {
        let (account, version, sid) = self.request_parts(id.as_str());
        let reply = self
            .call("update session", id.as_str(), move |c| {
                let (version, sid) = (version.clone(), sid.clone());
                async move {
                    c.update_session()
                        .account_id(account)
                        .session_id(sid)
                        .api_version(version)
                        .body(wire::UpdateSessionSettings {
                            max_lease_time_minutes: minutes,
                        })
                        .send()
                        .await
                }
                .boxed()
            })
            .await?;
        Session::try_from(reply.value)
    }

    /// Extends the lease by `by`: reads the current total and sends the new
    /// total, because the API's lease is a total since Ready, not a remainder.
    pub async fn extend_lease(&self, id: &SessionId, by: Duration) -> Result<Session> {
        lease_minutes(by)?;
        let current = self.get_session(id).await?;
        let current_lease = current.max_lease.unwrap_or_default();
        let total = current_lease + by;
        if total > Duration::from_secs(MAX_LEASE_MINUTES * 60) {
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
        let (account, version, sid) = self.request_parts(id.as_str());
        self.call("stop session", id.as_str(), move |c| {
            let (version, sid) = (version.clone(), sid.clone());
            async move {
                c.stop_session()
                    .account_id(account)
                    .session_id(sid)
                    .api_version(version)
                    .send()
                    .await
            }
            .boxed()
        })
        .await?;
        Ok(())
    }

    /// All sessions that are not stopped, following `@nextLink` page by page.
    pub fn list_sessions(&self) -> impl Stream<Item = Result<Session>> + Send + 'static {
        self.list(
            "list sessions",
            |c, account, version| {
                async move {
                    c.list_sessions()
                        .account_id(account)
                        .api_version(version)
                        .send()
                        .await
                }
                .boxed()
            },
            |page: wire::SessionsList| {
                let items = page.sessions.into_iter().map(Session::try_from);
                Ok((items.collect::<Result<_>>()?, page.next_link))
            },
        )
    }

    /// A poller for an existing session (e.g. one started elsewhere).
    pub fn session_poller(&self, id: SessionId) -> SessionPoller {
        SessionPoller::resumed(self.clone(), id.as_str().to_string())
    }

    /// Resumes a session poller from a continuation token (or a bare id).
    pub fn resume_session_poller(&self, token: &str) -> Result<SessionPoller> {
        let id = self.parse_continuation(token)?;
        let id = SessionId::new(id)?;
        Ok(self.session_poller(id))
    }

    /// Keeps extending a session's lease in the background; see [`crate::LeaseKeeper`].
    pub fn keep_alive(
        &self,
        id: SessionId,
        options: crate::lease::LeaseKeeperOptions,
    ) -> Result<crate::lease::LeaseKeeper> {
        crate::lease::LeaseKeeper::start(self.clone(), id, options)
    }

    // ---- Conversions ----------------------------------------------------

    /// Starts an asset conversion and returns a poller that waits for it to finish.
    pub async fn start_conversion(
        &self,
        id: &ConversionId,
        input: &ConversionInput,
        output: &ConversionOutput,
    ) -> Result<ConversionPoller> {
        let body = wire::CreateConversionSettings {
            settings: wire::ConversionSettings {
                input_location: wire::ConversionInputSettings {
                    storage_container_uri: input.storage_container_uri.to_string(),
                    storage_container_read_list_sas: input
                        .read_list_sas
                        .as_ref()
                        .map(|s| s.expose().to_string()),
                    blob_prefix: input.blob_prefix.clone(),
                    relative_input_asset_path: input.relative_input_asset_path.clone(),
                },
                output_location: wire::ConversionOutputSettings {
                    storage_container_uri: output.storage_container_uri.to_string(),
                    storage_container_write_sas: output
                        .write_sas
                        .as_ref()
                        .map(|s| s.expose().to_string()),
                    blob_prefix: output.blob_prefix.clone(),
                    output_asset_filename: output.output_asset_name.clone(),
                },
            },
        };
        let (account, version, cid) = self.request_parts(id.as_str());
        let reply = self
            .call("create conversion", id.as_str(), move |c| {
                let (version, cid, body) = (version.clone(), cid.clone(), body.clone());
                async move {
                    c.create_conversion()
                        .account_id(account)
                        .conversion_id(cid)
                        .api_version(version)
                        .body(body)
                        .send()
                        .await
                }
                .boxed()
            })
            .await?;
        let retry_after = reply.retry_after();
        let conversion = Conversion::try_from(reply.value)?;
        Ok(ConversionPoller::started(self.clone(), conversion).after(retry_after))
    }

    /// Reads a conversion.
    pub async fn get_conversion(&self, id: &ConversionId) -> Result<Conversion> {
        Ok(self.get_conversion_reply(id).await?.0)
    }

    pub(crate) async fn get_conversion_reply(
        &self,
        id: &ConversionId,
    ) -> Result<(Conversion, Option<Duration>)> {
        let (account, version, cid) = self.request_parts(id.as_str());
        let reply = self
            .call("get conversion", id.as_str(), move |c| {
                let (version, cid) = (version.clone(), cid.clone());
                async move {
                    c.get_conversion()
                        .account_id(account)
                        .conversion_id(cid)
                        .api_version(version)
                        .send()
                        .await
                }
                .boxed()
            })
            .await?;
        let retry_after = reply.retry_after();
        Ok((Conversion::try_from(reply.value)?, retry_after))
    }

    /// All conversions of the account, following `@nextLink` page by page.
    pub fn list_conversions(&self) -> impl Stream<Item = Result<Conversion>> + Send + 'static {
        self.list(
            "list conversions",
            |c, account, version| {
                async move {
                    c.list_conversions()
                        .account_id(account)
                        .api_version(version)
                        .send()
                        .await
                }
                .boxed()
            },
            |page: wire::ConversionList| {
                let items = page.conversions.into_iter().map(Conversion::try_from);
                Ok((items.collect::<Result<_>>()?, page.next_link))
            },
        )
    }

    /// Streams a pageable list: `first_page` sends the generated list
    /// operation, later pages follow `@nextLink`; `split` turns a page into
    /// its items and the next link.
    fn list<W, T>(
        &self,
        operation: &'static str,
        first_page: fn(
            remote_rendering_rest::Client,
            uuid::Uuid,
            String,
        ) -> BoxFuture<'static, Raw<W>>,
        split: fn(W) -> Result<Page<T>>,
    ) -> impl Stream<Item = Result<T>> + Send + 'static
    where
        W: serde::de::DeserializeOwned + Send + 'static,
        T: Send + 'static,
    {
        let client = self.clone();
        paged(move |link: Option<String>| {
            let client = client.clone();
            async move {
                let page = match link {
                    Some(link) => client.follow_link(operation, &link).await?,
                    None => {
                        let (account, version, _) = client.request_parts("");
                        client
                            .call(operation, "", move |c| {
                                first_page(c, account, version.clone())
                            })
                            .await?
                            .value
                    }
                };
                split(page)
            }
            .boxed()
        })
    }

    /// A poller for an existing conversion.
    pub fn conversion_poller(&self, id: ConversionId) -> ConversionPoller {
        ConversionPoller::resumed(self.clone(), id.as_str().to_string())
    }

    /// Resumes a conversion poller from a continuation token (or a bare id).
    pub fn resume_conversion_poller(&self, token: &str) -> Result<ConversionPoller> {
        let id = self.parse_continuation(token)?;
        let id = ConversionId::new(id)?;
        Ok(self.conversion_poller(id))
    }

    // ---- Helpers --------------------------------------------------------

    /// Continuation tokens are `base64("1:{accountId}:{id}")`, as the Python
    /// SDK writes them; a bare id is accepted too.
    fn parse_continuation(&self, token: &str) -> Result<String> {
        // Accounts are compared as UUIDs: `30EA...` and `{30ea...}` are the
        // same account as `30ea...`.
        match crate::poller::decode_continuation_token(token) {
            Some((account, id)) => {
                if account != self.inner.account_id {
                    return Err(Error::validation(
                        "continuation token",
                        format!(
                            "belongs to account {account}, not {}",
                            self.inner.account_id
                        ),
                    ));
                }
                Ok(id)
            }
            None if SessionId::new(token).is_ok() => Ok(token.to_string()),
            None => Err(Error::validation(
                "continuation token",
                "is neither a continuation token nor a valid id",
            )),
        }
    }

    /// GETs an `@nextLink` with the same authentication. The link must point
    /// at the service endpoint: a token is never sent anywhere else.
    async fn follow_link<W: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        link: &str,
    ) -> Result<W> {
        let url = url::Url::parse(link)
            .or_else(|_| url::Url::parse(&self.inner.endpoint).and_then(|base| base.join(link)))
            .map_err(|_| Error::InvalidResponse {
                operation,
                message: format!("`{link}` is not a usable next link"),
                ms_cv: None,
            })?;
        let endpoint = url::Url::parse(&self.inner.endpoint)
            .map_err(|_| Error::Configuration("the endpoint is not a URL".into()))?;
        if url.origin() != endpoint.origin() {
            return Err(Error::InvalidResponse {
                operation,
                message: format!(
                    "the next link points at {}, not the service endpoint; not following it",
                    url.origin().ascii_serialization()
                ),
                ms_cv: None,
            });
        }
        let reply = self
            .call(operation, "", move |c| {
                let url = url.clone();
                async move {
                    let mut request = c
                        .client()
                        .get(url)
                        .header(reqwest::header::ACCEPT, "application/json")
                        .build()
                        .map_err(|e| progenitor_client::Error::InvalidRequest(e.to_string()))?;
                    c.inner().apply(&mut request);
                    let response = c
                        .client()
                        .execute(request)
                        .await
                        .map_err(progenitor_client::Error::CommunicationError)?;
                    if response.status().is_success() {
                        ResponseValue::from_response(response).await
                    } else {
                        Err(progenitor_client::Error::UnexpectedResponse(response))
                    }
                }
                .boxed()
            })
            .await?;
        Ok(reply.value)
    }
}

/// One page of a list: its items and the link to the next page, if any.
type Page<T> = (Vec<T>, Option<String>);

/// Streams items page by page: `fetch(None)` gets the first page,
/// `fetch(Some(link))` the following ones, until a page has no next link.
fn paged<T, F>(fetch: F) -> impl Stream<Item = Result<T>> + Send + 'static
where
    T: Send + 'static,
    F: Fn(Option<String>) -> BoxFuture<'static, Result<Page<T>>> + Send + Sync + 'static,
{
    let fetch = Arc::new(fetch);
    futures::stream::try_unfold(Some(None::<String>), move |state| {
        let fetch = fetch.clone();
        async move {
            let Some(link) = state else {
                return Ok(None);
            };
            let (items, next) = fetch(link).await?;
            let next_state = next.filter(|l| !l.is_empty()).map(Some);
            Ok(Some((
                futures::stream::iter(items.into_iter().map(Ok)),
                next_state,
            )))
        }
    })
    .try_flatten()
    .boxed()
}
