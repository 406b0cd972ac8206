//! The client: what it is made of, and the one helper that runs a
//! generated operation through the request pipeline. The operations
//! themselves live in `sessions` and `conversions`, which hand each call to
//! the adapter of the client's [`ApiVersion`] (`versions`).

use crate::api_version::ApiVersion;
use crate::auth::{AccessToken, TokenCache};
use crate::error::{Error, Result};
use crate::options::{self, ClientOptions};
use crate::pipeline;
use crate::response::{Raw, Reply};
use crate::retry::RetryPolicy;
use crate::transport::Transport;
use futures::future::BoxFuture;
use futures::{FutureExt as _, Stream, StreamExt as _, TryStreamExt as _};
use progenitor_client::{ClientInfo as _, ResponseValue};
use remote_rendering_rest as rest;
use remote_rendering_rest::RequestContext;
use std::sync::Arc;
use std::time::Duration;

/// An Azure Remote Rendering client.
///
/// Cheap to clone: clones share one connection pool and one token cache.
/// Every operation validates its input before sending anything, retries
/// throttling and transient failures (see [`crate::RetryPolicy`]) and
/// refreshes the access token once when the service rejects it.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    transport: Transport,
    endpoint: String,
    sts_endpoint: String,
    account_id: uuid::Uuid,
    account_domain: String,
    tokens: TokenCache,
    options: ClientOptions,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .field("sts_endpoint", &self.inner.sts_endpoint)
            .field("account_id", &self.inner.account_id)
            .field("account_domain", &self.inner.account_domain)
            .field("api_version", &self.inner.options.api_version)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for an account, from options: the one place a client is
    /// built. Validates everything; sends nothing.
    ///
    /// `account_id` must be a UUID; `account_domain` is the domain of the
    /// account's region, e.g. `eastus.mixedreality.azure.com`.
    pub fn with_options(
        account_id: &str,
        account_domain: &str,
        options: ClientOptions,
    ) -> Result<Self> {
        let resolved = options::resolve(account_id, account_domain, options)?;
        let tokens = TokenCache::new(
            resolved.credential,
            resolved.sts_endpoint.clone(),
            resolved.account_id,
            account_domain,
            resolved.transport.clone(),
            resolved.options.retry,
            resolved.options.token_refresh_margin,
        );
        Ok(Self {
            inner: Arc::new(ClientInner {
                transport: resolved.transport,
                endpoint: resolved.endpoint,
                sts_endpoint: resolved.sts_endpoint,
                account_id: resolved.account_id,
                account_domain: account_domain.to_string(),
                tokens,
                options: resolved.options,
            }),
        })
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

    /// How many STS token exchanges this client (and its clones) made
    /// (feature `testing`).
    #[cfg(feature = "testing")]
    pub fn sts_exchanges(&self) -> u64 {
        self.inner.tokens.exchanges()
    }

    /// The ARR API version this client speaks.
    pub fn api_version(&self) -> ApiVersion {
        self.inner.options.api_version
    }

    /// The adapter of [`Client::api_version`]: every operation goes through it.
    pub(crate) fn adapter(&self) -> &'static dyn crate::versions::VersionAdapter {
        self.api_version().adapter()
    }

    pub(crate) fn polling_interval(&self) -> Option<Duration> {
        self.inner.options.polling_interval
    }

    pub(crate) fn poll_timeout(&self) -> Option<Duration> {
        self.inner.options.poll_timeout
    }

    /// Runs one generated ARR operation through the request pipeline and
    /// converts its answer to the domain type `D`. `request` sends the
    /// operation with the generated client it is given (which carries the
    /// attempt's token); it is called again for every attempt.
    pub(crate) async fn send<W, D>(
        &self,
        operation: &'static str,
        resource: &str,
        request: impl for<'c> FnMut(&'c rest::Client) -> BoxFuture<'c, Raw<W>>,
    ) -> Result<Reply<D>>
    where
        D: TryFrom<W>,
        Error: From<D::Error>,
    {
        self.send_with(operation, resource, rest::Client::new_with_client, request)
            .await
    }

    /// [`Client::send`] with the generated client of any API version:
    /// `generated` is that module's `Client::new_with_client`.
    pub(crate) async fn send_with<C, W, D>(
        &self,
        operation: &'static str,
        resource: &str,
        generated: fn(&str, reqwest::Client, RequestContext) -> C,
        request: impl for<'c> FnMut(&'c C) -> BoxFuture<'c, Raw<W>>,
    ) -> Result<Reply<D>>
    where
        D: TryFrom<W>,
        Error: From<D::Error>,
    {
        let policy = self.inner.options.retry;
        self.send_with_policy(&policy, operation, resource, generated, request)
            .await
    }

    /// The client's retry policy.
    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.inner.options.retry
    }

    /// [`Client::send_with`] under another retry policy, for operations that
    /// are not safe to repeat blindly.
    pub(crate) async fn send_with_policy<C, W, D>(
        &self,
        policy: &RetryPolicy,
        operation: &'static str,
        resource: &str,
        generated: fn(&str, reqwest::Client, RequestContext) -> C,
        request: impl for<'c> FnMut(&'c C) -> BoxFuture<'c, Raw<W>>,
    ) -> Result<Reply<D>>
    where
        D: TryFrom<W>,
        Error: From<D::Error>,
    {
        let inner = &self.inner;
        let reply = pipeline::run(
            tracing::info_span!("arr.call", operation, resource),
            operation,
            policy,
            &inner.transport.limit,
            &inner.tokens,
            |auth| {
                let context = inner.transport.context(auth);
                generated(&inner.endpoint, inner.transport.http.clone(), context)
            },
            request,
        )
        .await?;
        reply.try_map(D::try_from)
    }

    /// Streams a pageable list: `fetch(client, None)` gets the first page,
    /// `fetch(client, Some(link))` the page an `@nextLink` points at.
    pub(crate) fn list<T>(
        &self,
        fetch: PageFetch<T>,
    ) -> impl Stream<Item = Result<T>> + Send + 'static
    where
        T: Send + 'static,
    {
        let client = self.clone();
        paged(move |link: Option<String>| {
            let client = client.clone();
            async move { fetch(&client, link.as_deref()).await }.boxed()
        })
    }

    /// GETs an `@nextLink` with the same authentication. The link must point
    /// at the service endpoint: a token is never sent anywhere else.
    pub(crate) async fn follow_link<W: serde::de::DeserializeOwned>(
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
                transient: false,
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
                transient: false,
            });
        }
        let reply = self
            .send(operation, "", |c| {
                let url = url.clone();
                async move {
                    let request = c
                        .client()
                        .get(url)
                        .header(reqwest::header::ACCEPT, "application/json")
                        .build()
                        .map_err(|e| progenitor_client::Error::InvalidRequest(e.to_string()))?;
                    let response = c
                        .inner()
                        .execute(c.client(), request)
                        .await
                        .map_err(progenitor_client::Error::CommunicationError)?;
                    if response.status().is_success() {
                        ResponseValue::<W>::from_response(response).await
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
pub(crate) type Page<T> = (Vec<T>, Option<String>);

/// Gets one page: the first (`None`) or the one a next link points at.
pub(crate) type PageFetch<T> =
    for<'a> fn(&'a Client, Option<&'a str>) -> BoxFuture<'a, Result<Page<T>>>;

/// The most pages one listing follows; ARR pages hold dozens of items and an
/// account holds far fewer sessions or conversions than this many pages.
const MAX_PAGES: usize = 10_000;

/// Streams items page by page: `fetch(None)` gets the first page,
/// `fetch(Some(link))` the following ones, until a page has no next link,
/// a link repeats or [`MAX_PAGES`] are read.
fn paged<T, F>(fetch: F) -> impl Stream<Item = Result<T>> + Send + 'static
where
    T: Send + 'static,
    F: Fn(Option<String>) -> BoxFuture<'static, Result<Page<T>>> + Send + Sync + 'static,
{
    let fetch = Arc::new(fetch);
    // The links followed so far: a link seen before would loop forever.
    let start = (None::<String>, std::collections::HashSet::<String>::new());
    futures::stream::try_unfold(Some(start), move |state| {
        let fetch = fetch.clone();
        async move {
            let Some((link, mut seen)) = state else {
                return Ok::<_, Error>(None);
            };
            let (items, next) = fetch(link).await?;
            let next = next.filter(|l| !l.is_empty());
            if let Some(next) = &next {
                let problem = if seen.len() + 1 >= MAX_PAGES {
                    Some(format!("the listing goes on past {MAX_PAGES} pages"))
                } else if !seen.insert(next.clone()) {
                    Some(format!(
                        "the next link `{}` repeats an earlier page",
                        next.escape_debug()
                    ))
                } else {
                    None
                };
                if let Some(message) = problem {
                    return Err(Error::InvalidResponse {
                        operation: "listing",
                        message: format!("{message}; stopped paging"),
                        ms_cv: None,
                        transient: false,
                    });
                }
            }
            let next_state = next.map(|link| (Some(link), seen));
            Ok(Some((
                futures::stream::iter(items.into_iter().map(Ok)),
                next_state,
            )))
        }
    })
    .try_flatten()
    .boxed()
}
