//! Credentials and the STS access-token cache.

use crate::error::{Error, Result};
use crate::models::Secret;
use crate::pipeline::{self, Authorizer, FixedAuth};
use crate::response::correlation_vector;
use crate::retry::RetryPolicy;
use crate::transport::Transport;
use base64::Engine as _;
use futures::FutureExt as _;
use remote_rendering_rest::RequestAuth;
use remote_rendering_rest::generated::sts_2019_02_28_preview as sts;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use time::OffsetDateTime;

/// The STS API version this client speaks.
pub const STS_API_VERSION: &str = "2019-02-28-preview";

/// How the client proves who it is. Made with [`Credential::account_key`],
/// [`Credential::access_token`] or (feature `entra`) `Credential::entra`;
/// opaque, so that a feature adds constructors without changing its shape.
#[derive(Clone)]
pub struct Credential(Kind);

#[derive(Clone)]
enum Kind {
    /// The account key, exchanged at the STS for an access token.
    AccountKey(Secret),
    /// A ready STS access token, used as is (no exchange, no refresh).
    AccessToken(Secret),
    /// A Microsoft Entra ID credential; its token for
    /// `https://sts.{account domain}/.default` is exchanged at the STS.
    #[cfg(feature = "entra")]
    Entra(Arc<dyn azure_core::credentials::TokenCredential>),
}

impl Credential {
    /// An account key credential.
    pub fn account_key(key: impl Into<Secret>) -> Self {
        Self(Kind::AccountKey(key.into()))
    }

    /// A static STS access token.
    pub fn access_token(token: impl Into<Secret>) -> Self {
        Self(Kind::AccessToken(token.into()))
    }

    /// A Microsoft Entra ID credential (any `azure_core` `TokenCredential`,
    /// e.g. from the `azure_identity` crate).
    #[cfg(feature = "entra")]
    pub fn entra(credential: Arc<dyn azure_core::credentials::TokenCredential>) -> Self {
        Self(Kind::Entra(credential))
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::AccountKey(_) => f.write_str("Credential::AccountKey(<redacted>)"),
            Kind::AccessToken(_) => f.write_str("Credential::AccessToken(<redacted>)"),
            #[cfg(feature = "entra")]
            Kind::Entra(c) => write!(f, "Credential::Entra({c:?})"),
        }
    }
}

/// An STS access token and when it stops being valid.
///
/// Cheap to clone: every request of every clone of a client uses it.
#[derive(Clone)]
pub struct AccessToken {
    secret: Arc<str>,
    // The ready `Authorization` header (None: the token cannot be a header).
    auth: Option<RequestAuth>,
    /// Expiry read from the token's `exp` claim (None: the token does not say).
    pub expires_on: Option<OffsetDateTime>,
}

impl AccessToken {
    /// Wraps a token string, reading its expiry from the JWT `exp` claim.
    pub fn from_jwt(token: impl Into<String>) -> Self {
        let token = token.into();
        let expires_on = jwt_expiry(&token);
        Self {
            auth: RequestAuth::bearer(&token).ok(),
            secret: Arc::from(token),
            expires_on,
        }
    }

    /// The token itself, for sending it.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The `Authorization: Bearer` value, built once per token.
    pub(crate) fn request_auth(&self) -> Option<&RequestAuth> {
        self.auth.as_ref()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("expires_on", &self.expires_on)
            .finish()
    }
}

/// Reads the `exp` claim (seconds since the epoch) of a JWT without
/// verifying it: the client only needs to know when to refresh.
pub fn jwt_expiry(token: &str) -> Option<OffsetDateTime> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?;
    let seconds = exp.as_i64().or_else(|| exp.as_f64().map(|f| f as i64))?;
    OffsetDateTime::from_unix_timestamp(seconds).ok()
}

/// Where tokens come from.
enum Source {
    Static(AccessToken),
    Exchange {
        sts_endpoint: String,
        account_id: uuid::Uuid,
        scope: String,
        credential: Credential,
    },
}

/// Caches the STS token, refreshes it ahead of expiry, and makes concurrent
/// callers share one in-flight exchange.
pub(crate) struct TokenCache {
    source: Source,
    transport: Transport,
    retry: RetryPolicy,
    refresh_margin: Duration,
    cached: RwLock<Option<Cached>>,
    // Held across an exchange, so callers arriving meanwhile wait for its result.
    refreshing: tokio::sync::Mutex<()>,
    // Counts finished exchanges; with `last_failure`, lets callers that waited
    // for a failed exchange share its error instead of each trying again.
    generation: AtomicU64,
    last_failure: std::sync::Mutex<Option<(u64, Error)>>,
    exchanges: AtomicU64,
}

/// A token and when this client obtained it.
struct Cached {
    token: AccessToken,
    // When to exchange again (None: the token states no expiry). A monotonic
    // instant, so the per-call check is one comparison.
    refresh_at: Option<std::time::Instant>,
}

impl TokenCache {
    pub(crate) fn new(
        credential: Credential,
        sts_endpoint: String,
        account_id: uuid::Uuid,
        account_domain: &str,
        transport: Transport,
        retry: RetryPolicy,
        refresh_margin: Duration,
    ) -> Self {
        let source = match credential {
            Credential(Kind::AccessToken(token)) => {
                Source::Static(AccessToken::from_jwt(token.expose().to_string()))
            }
            credential => Source::Exchange {
                sts_endpoint,
                account_id,
                scope: format!("https://sts.{account_domain}/.default"),
                credential,
            },
        };
        Self {
            source,
            transport,
            retry,
            refresh_margin,
            cached: RwLock::new(None),
            refreshing: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
            last_failure: std::sync::Mutex::new(None),
            exchanges: AtomicU64::new(0),
        }
    }

    /// How many STS exchanges this cache has made.
    #[cfg(feature = "testing")]
    pub(crate) fn exchanges(&self) -> u64 {
        self.exchanges.load(Ordering::Relaxed)
    }

    /// Whether a rejected token can be replaced by a new one.
    fn can_refresh(&self) -> bool {
        matches!(self.source, Source::Exchange { .. })
    }

    /// The cached token, unless it is within the refresh margin of its
    /// expiry. The margin is at most half the token's lifetime, so that a
    /// token living shorter than the margin is still reused.
    fn fresh(&self) -> Option<AccessToken> {
        let cached = self.cached.read().unwrap_or_else(|e| e.into_inner());
        let Cached { token, refresh_at } = cached.as_ref()?;
        match refresh_at {
            Some(at) => (std::time::Instant::now() < *at).then(|| token.clone()),
            // No readable expiry: used until the service rejects it.
            None => Some(token.clone()),
        }
    }

    /// When a token obtained at `obtained` is refreshed: `refresh_margin`
    /// before its expiry, but at most half its lifetime early, so that
    /// short-lived tokens are still reused.
    fn refresh_at(
        &self,
        token: &AccessToken,
        obtained: OffsetDateTime,
    ) -> Option<std::time::Instant> {
        let expiry = token.expires_on?;
        let lifetime = (expiry - obtained).max(time::Duration::ZERO);
        let margin = time::Duration::try_from(self.refresh_margin)
            .unwrap_or(time::Duration::MAX)
            .min(lifetime / 2);
        let left = std::time::Duration::try_from(expiry - margin - OffsetDateTime::now_utc())
            .unwrap_or_default();
        Some(std::time::Instant::now() + left)
    }

    /// A valid token: the cached one, or a new one from the STS.
    pub(crate) async fn token(&self) -> Result<AccessToken> {
        let (sts_endpoint, account_id, scope, credential) = match &self.source {
            Source::Static(token) => return Ok(token.clone()),
            Source::Exchange {
                sts_endpoint,
                account_id,
                scope,
                credential,
            } => (sts_endpoint, account_id, scope, credential),
        };
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let seen = self.generation.load(Ordering::Acquire);
        let _guard = self.refreshing.lock().await;
        // Someone else may have refreshed while we waited.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        // ...or failed to: share that failure rather than trying again, so
        // that 1,000 callers behind a refused credential make one request.
        if self.generation.load(Ordering::Acquire) != seen {
            let failure = self.last_failure.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((generation, error)) = failure.as_ref()
                && *generation != seen
            {
                return Err(error.clone());
            }
        }
        let obtained = OffsetDateTime::now_utc();
        let result = self
            .exchange(sts_endpoint, *account_id, scope, credential)
            .await;
        let generation = self.generation.load(Ordering::Acquire) + 1;
        match &result {
            Ok(token) => {
                let refresh_at = self.refresh_at(token, obtained);
                *self.cached.write().unwrap_or_else(|e| e.into_inner()) = Some(Cached {
                    token: token.clone(),
                    refresh_at,
                });
                *self.last_failure.lock().unwrap_or_else(|e| e.into_inner()) = None;
            }
            Err(error) => {
                *self.last_failure.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((generation, error.clone()));
            }
        }
        self.generation.store(generation, Ordering::Release);
        result
    }

    /// Forgets `rejected` (the service refused it), so the next call exchanges again.
    fn invalidate(&self, rejected: &AccessToken) {
        let mut cached = self.cached.write().unwrap_or_else(|e| e.into_inner());
        if cached.as_ref().map(|c| c.token.secret()) == Some(rejected.secret()) {
            *cached = None;
        }
    }

    async fn exchange(
        &self,
        sts_endpoint: &str,
        account_id: uuid::Uuid,
        scope: &str,
        credential: &Credential,
    ) -> Result<AccessToken> {
        let bearer =
            match &credential.0 {
                Kind::AccountKey(key) => Secret::new(format!("{account_id}:{}", key.expose())),
                Kind::AccessToken(token) => token.clone(),
                #[cfg(feature = "entra")]
                Kind::Entra(entra) => {
                    let token = entra.get_token(&[scope], None).await.map_err(|e| {
                        Error::Authentication {
                            status: None,
                            message: format!("the Entra ID credential gave no token: {e}"),
                            ms_cv: None,
                        }
                    })?;
                    Secret::new(token.token.secret().to_string())
                }
            };
        let _ = scope;
        let auth = RequestAuth::bearer(bearer.expose()).map_err(|_| {
            Error::validation(
                "credential",
                "contains characters that cannot be sent in a header",
            )
        })?;
        let span = tracing::info_span!("arr.sts_token", %account_id);
        let reply = pipeline::run(
            span,
            "get STS token",
            &self.retry,
            &self.transport.limit,
            &FixedAuth(auth),
            |auth| {
                let context = self.transport.context(auth);
                sts::Client::new_with_client(sts_endpoint, self.transport.http.clone(), context)
            },
            |client| {
                self.exchanges.fetch_add(1, Ordering::Relaxed);
                client
                    .get_token()
                    .account_id(account_id)
                    .api_version(STS_API_VERSION)
                    .x_mrc_cv(correlation_vector())
                    .send()
                    .boxed()
            },
        )
        .await
        .map_err(sts_error)?;
        let token = AccessToken::from_jwt(reply.value.access_token);
        if token.expires_on.is_none() {
            tracing::warn!(
                "the STS token carries no readable `exp` claim; it is used until the service rejects it"
            );
        }
        Ok(token)
    }
}

impl Authorizer for TokenCache {
    type Grant = AccessToken;

    async fn grant(&self) -> Result<AccessToken> {
        self.token().await
    }

    fn request_auth(&self, token: &AccessToken) -> Result<RequestAuth> {
        token
            .request_auth()
            .cloned()
            .ok_or_else(|| Error::Authentication {
                status: None,
                message: "the access token contains characters that cannot be sent in a header"
                    .into(),
                ms_cv: None,
            })
    }

    fn refused(&self, token: &AccessToken) -> bool {
        if !self.can_refresh() {
            return false;
        }
        self.invalidate(token);
        true
    }
}

/// STS refusals are authentication failures; throttling and server errors
/// stay service errors so that they are retried.
fn sts_error(error: Error) -> Error {
    match &error {
        Error::Service(e) if matches!(e.status, 400 | 401 | 403 | 404) => Error::Authentication {
            status: Some(e.status),
            message: format!("the STS refused the credential: {}", e.message),
            ms_cv: e.ms_cv.clone(),
        },
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            engine.encode(r#"{"alg":"HS256"}"#),
            engine.encode(claims)
        )
    }

    #[test]
    fn reads_exp_from_a_jwt() {
        let expiry = jwt_expiry(&jwt(r#"{"exp":1700000000,"iat":1}"#)).unwrap();
        assert_eq!(expiry.unix_timestamp(), 1_700_000_000);
    }

    #[test]
    fn tolerates_garbage_without_panicking() {
        for token in [
            "",
            "a",
            "a.b",
            "a.b.c.d",
            "a.!!!.c",
            &jwt("not json"),
            &jwt(r#"{"exp":"x"}"#),
        ] {
            assert_eq!(jwt_expiry(token), None, "{token}");
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let token = AccessToken::from_jwt("canary-token-value");
        assert!(!format!("{token:?}").contains("canary"));
        let credential = Credential::account_key("canary-key");
        assert!(!format!("{credential:?}").contains("canary"));
    }
}
