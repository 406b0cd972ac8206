//! [`ClientBuilder`]: fills [`ClientOptions`] one setting at a time, from
//! code or from the `ARR_*` environment variables.

use crate::api_version::ApiVersion;
use crate::auth::Credential;
use crate::client::Client;
use crate::config::env;
use crate::error::{Error, Result};
use crate::options::ClientOptions;
use crate::retry::RetryPolicy;
use remote_rendering_rest::BodyLimits;
use std::time::Duration;

/// Configures and builds a [`Client`]. Obtain one with [`Client::builder`].
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    account_id: String,
    account_domain: String,
    options: ClientOptions,
}

impl Client {
    /// Starts configuring a client for an account.
    ///
    /// `account_id` must be a UUID; `account_domain` is the domain of the
    /// account's region, e.g. `eastus.mixedreality.azure.com`.
    pub fn builder(account_id: &str, account_domain: &str) -> ClientBuilder {
        ClientBuilder {
            account_id: account_id.to_string(),
            account_domain: account_domain.to_string(),
            options: ClientOptions::default(),
        }
    }

    /// A client configured from the `ARR_*` environment variables
    /// (see [`crate::config::env`]).
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env()?.build()
    }
}

impl ClientBuilder {
    /// The service endpoint, e.g. `https://remoterendering.westus2.mixedreality.azure.com`.
    pub fn endpoint(mut self, url: &str) -> Self {
        self.options.endpoint = Some(url.to_string());
        self
    }

    /// Derives the endpoint from a region: `https://remoterendering.{region}.mixedreality.azure.com`.
    pub fn region(mut self, region: &str) -> Self {
        self.options.region = Some(region.to_string());
        self
    }

    /// The STS endpoint; defaults to `https://sts.{account domain}`.
    pub fn sts_endpoint(mut self, url: &str) -> Self {
        self.options.sts_endpoint = Some(url.to_string());
        self
    }

    /// How the client authenticates. Required.
    pub fn credential(mut self, credential: Credential) -> Self {
        self.options.credential = Some(credential);
        self
    }

    /// Retry policy for every call (default: 5 retries, 0.5 s doubling to 30 s, 2 min in all).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = policy;
        self
    }

    /// Polling interval for pollers when the service gives no `Retry-After`
    /// (default: 2 s for Standard sessions, 10 s for Premium sessions and conversions).
    pub fn polling_interval(mut self, interval: Duration) -> Self {
        self.options.polling_interval = Some(interval);
        self
    }

    /// Upper bound for a poller's wait (default: none).
    pub fn poll_timeout(mut self, timeout: Duration) -> Self {
        self.options.poll_timeout = Some(timeout);
        self
    }

    /// Timeout of one HTTP request (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.options.request_timeout = timeout;
        self
    }

    /// Text appended to the `User-Agent` header.
    pub fn user_agent_suffix(mut self, suffix: &str) -> Self {
        self.options.user_agent_suffix = Some(suffix.to_string());
        self
    }

    /// Trusts a root certificate (PEM), e.g. the emulator's self-signed one.
    ///
    /// Once any is given, only the given roots are trusted: the platform's
    /// roots are not loaded (see "Features and dependencies" in the crate docs).
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.options.root_certificates.push(pem.into());
        self
    }

    /// The ARR API version to speak (default [`ApiVersion::V2021_01_01`]).
    /// Parse a version's name with `"v1".parse::<ApiVersion>()`.
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.options.api_version = version;
        self
    }

    /// How long before expiry a cached STS token is refreshed (default 5 min).
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.options.token_refresh_margin = margin;
        self
    }

    /// How much of a response body the client reads (default
    /// [`BodyLimits::default`]: 4 MiB for success bodies, 64 KiB for error
    /// bodies). A larger answer fails with
    /// [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge) and is not retried.
    pub fn body_limits(mut self, limits: BodyLimits) -> Self {
        self.options.body_limits = limits;
        self
    }

    /// How many requests the client sends at once (default
    /// [`DEFAULT_MAX_CONCURRENT_REQUESTS`](crate::DEFAULT_MAX_CONCURRENT_REQUESTS));
    /// further calls wait in the client for a slot, without that wait
    /// counting against the request timeout. Must be positive.
    pub fn max_concurrent_requests(mut self, max: usize) -> Self {
        self.options.max_concurrent_requests = max;
        self
    }

    /// The options gathered so far.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Validates everything and builds the client. Sends nothing.
    pub fn build(self) -> Result<Client> {
        Client::with_options(&self.account_id, &self.account_domain, self.options)
    }

    /// A builder from the `ARR_*` environment variables (see [`crate::config::env`]).
    pub fn from_env() -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let required = |name: &str| {
            var(name).ok_or_else(|| Error::Configuration(format!("{name} is not set")))
        };
        let mut builder =
            Client::builder(&required(env::ACCOUNT_ID)?, &required(env::ACCOUNT_DOMAIN)?);
        let options = &mut builder.options;
        options.endpoint = var(env::ENDPOINT);
        options.region = var(env::REGION);
        options.sts_endpoint = var(env::STS_ENDPOINT);
        options.credential = match (var(env::ACCOUNT_KEY), var(env::ACCESS_TOKEN)) {
            (Some(key), _) => Some(Credential::account_key(key)),
            (None, Some(token)) => Some(Credential::access_token(token)),
            (None, None) => None,
        };
        if let Some(version) = var(env::API_VERSION) {
            options.api_version = version.parse()?;
        }
        if let Some(path) = var(env::CA_CERT) {
            let pem = std::fs::read(&path).map_err(|e| {
                Error::Configuration(format!("cannot read {} file `{path}`: {e}", env::CA_CERT))
            })?;
            options.root_certificates.push(pem);
        }
        Ok(builder)
    }
}
