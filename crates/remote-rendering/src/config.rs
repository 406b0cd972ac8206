//! Building a [`Client`]: validated account, endpoints and options.

use crate::auth::{Credential, TokenCache};
use crate::client::{Client, ClientInner};
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use std::sync::Arc;
use std::time::Duration;

/// The ARR API version used unless [`ClientBuilder::api_version`] says otherwise.
pub const DEFAULT_API_VERSION: &str = remote_rendering_rest::STABLE_API_VERSION;

/// Environment variables read by [`Client::from_env`].
pub mod env {
    /// Account id (a UUID). Required.
    pub const ACCOUNT_ID: &str = "ARR_ACCOUNT_ID";
    /// Account domain, e.g. `eastus.mixedreality.azure.com`. Required.
    pub const ACCOUNT_DOMAIN: &str = "ARR_ACCOUNT_DOMAIN";
    /// Account key (exchanged at the STS). One of this and [`ACCESS_TOKEN`] is required.
    pub const ACCOUNT_KEY: &str = "ARR_ACCOUNT_KEY";
    /// A ready STS access token, used as is.
    pub const ACCESS_TOKEN: &str = "ARR_ACCESS_TOKEN";
    /// Service endpoint URL. One of this and [`REGION`] is required.
    pub const ENDPOINT: &str = "ARR_ENDPOINT";
    /// Region (e.g. `westus2`); the endpoint is derived from it.
    pub const REGION: &str = "ARR_REGION";
    /// STS endpoint URL; defaults to `https://sts.{account domain}`.
    pub const STS_ENDPOINT: &str = "ARR_STS_ENDPOINT";
    /// Path of a PEM file with an extra root certificate to trust (e.g. the emulator's).
    pub const CA_CERT: &str = "ARR_CA_CERT";
}

/// Configures and builds a [`Client`]. Obtain one with [`Client::builder`].
#[derive(Clone)]
pub struct ClientBuilder {
    account_id: String,
    account_domain: String,
    endpoint: Option<String>,
    region: Option<String>,
    sts_endpoint: Option<String>,
    credential: Option<Credential>,
    retry: RetryPolicy,
    polling_interval: Option<Duration>,
    poll_timeout: Option<Duration>,
    request_timeout: Duration,
    user_agent_suffix: Option<String>,
    root_certificates: Vec<Vec<u8>>,
    api_version: String,
    token_refresh_margin: Duration,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("account_id", &self.account_id)
            .field("account_domain", &self.account_domain)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("sts_endpoint", &self.sts_endpoint)
            .field("credential", &self.credential)
            .field("retry", &self.retry)
            .field("polling_interval", &self.polling_interval)
            .field("poll_timeout", &self.poll_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("root_certificates", &self.root_certificates.len())
            .field("api_version", &self.api_version)
            .field("token_refresh_margin", &self.token_refresh_margin)
            .finish()
    }
}

impl ClientBuilder {
    pub(crate) fn new(account_id: &str, account_domain: &str) -> Self {
        Self {
            account_id: account_id.to_string(),
            account_domain: account_domain.to_string(),
            endpoint: None,
            region: None,
            sts_endpoint: None,
            credential: None,
            retry: RetryPolicy::default(),
            polling_interval: None,
            poll_timeout: None,
            request_timeout: Duration::from_secs(30),
            user_agent_suffix: None,
            root_certificates: Vec::new(),
            api_version: DEFAULT_API_VERSION.to_string(),
            token_refresh_margin: Duration::from_secs(5 * 60),
        }
    }

    /// The service endpoint, e.g. `https://remoterendering.westus2.mixedreality.azure.com`.
    pub fn endpoint(mut self, url: &str) -> Self {
        self.endpoint = Some(url.to_string());
        self
    }

    /// Derives the endpoint from a region: `https://remoterendering.{region}.mixedreality.azure.com`.
    pub fn region(mut self, region: &str) -> Self {
        self.region = Some(region.to_string());
        self
    }

    /// The STS endpoint; defaults to `https://sts.{account domain}`.
    pub fn sts_endpoint(mut self, url: &str) -> Self {
        self.sts_endpoint = Some(url.to_string());
        self
    }

    /// How the client authenticates. Required.
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Retry policy for every call (default: 5 retries, 0.5 s doubling to 30 s, 2 min in all).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Polling interval for pollers when the service gives no `Retry-After`
    /// (default: 2 s for Standard sessions, 10 s for Premium sessions and conversions).
    pub fn polling_interval(mut self, interval: Duration) -> Self {
        self.polling_interval = Some(interval);
        self
    }

    /// Upper bound for a poller's wait (default: none).
    pub fn poll_timeout(mut self, timeout: Duration) -> Self {
        self.poll_timeout = Some(timeout);
        self
    }

    /// Timeout of one HTTP request (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Text appended to the `User-Agent` header.
    pub fn user_agent_suffix(mut self, suffix: &str) -> Self {
        self.user_agent_suffix = Some(suffix.to_string());
        self
    }

    /// Trusts an extra root certificate (PEM), e.g. the emulator's self-signed one.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// The ARR `api-version` to send (default [`DEFAULT_API_VERSION`]).
    pub fn api_version(mut self, version: &str) -> Self {
        self.api_version = version.to_string();
        self
    }

    /// How long before expiry a cached STS token is refreshed (default 5 min).
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_refresh_margin = margin;
        self
    }

    /// Validates everything and builds the client. Sends nothing.
    pub fn build(self) -> Result<Client> {
        let account_id = uuid::Uuid::parse_str(self.account_id.trim()).map_err(|_| {
            Error::validation(
                "account id",
                format!(
                    "`{}` is not a UUID such as 30ea64bd-100f-4bf0-adc9-29fa45d4880c",
                    shown(&self.account_id)
                ),
            )
        })?;
        validate_account_domain(&self.account_domain)?;
        let endpoint = match (&self.endpoint, &self.region) {
            (Some(url), _) => validate_endpoint("endpoint", url)?,
            (None, Some(region)) => region_endpoint(region)?,
            (None, None) => {
                return Err(Error::Configuration(format!(
                    "no service endpoint: set an endpoint or a region ({} / {})",
                    env::ENDPOINT,
                    env::REGION
                )));
            }
        };
        let sts_endpoint = match &self.sts_endpoint {
            Some(url) => validate_endpoint("STS endpoint", url)?,
            None => format!("https://sts.{}", self.account_domain),
        };
        let credential = self.credential.ok_or_else(|| {
            Error::Configuration(format!(
                "no credential: give an account key or an access token ({} / {})",
                env::ACCOUNT_KEY,
                env::ACCESS_TOKEN
            ))
        })?;
        if self.api_version.trim().is_empty() {
            return Err(Error::validation("api version", "must not be empty"));
        }

        let mut user_agent = format!("remote-rendering-rs/{}", env!("CARGO_PKG_VERSION"));
        if let Some(suffix) = &self.user_agent_suffix {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        let mut certificates = Vec::new();
        for pem in &self.root_certificates {
            // A bundle may hold several certificates; text without any is an
            // error rather than silently trusting nothing.
            let bundle = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                Error::Configuration(format!("the extra root certificate is not valid PEM: {e}"))
            })?;
            if bundle.is_empty() {
                return Err(Error::Configuration(
                    "the extra root certificate holds no `-----BEGIN CERTIFICATE-----` block"
                        .into(),
                ));
            }
            certificates.extend(bundle);
        }
        let mut http = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(self.request_timeout)
            .connect_timeout(self.request_timeout.min(Duration::from_secs(10)));
        if !certificates.is_empty() {
            http = http.tls_certs_merge(certificates);
        }
        // A proxy from the environment must not capture traffic to a local
        // emulator (proxies rarely reach the caller's loopback).
        if is_loopback_url(&endpoint) && is_loopback_url(&sts_endpoint) {
            http = http.no_proxy();
        }
        let http = http
            .build()
            .map_err(|e| Error::Configuration(format!("cannot build the HTTP client: {e}")))?;

        let tokens = TokenCache::new(
            credential,
            sts_endpoint.clone(),
            account_id,
            &self.account_domain,
            http.clone(),
            self.retry,
            self.token_refresh_margin,
        );
        Ok(Client {
            inner: Arc::new(ClientInner {
                http,
                endpoint,
                sts_endpoint,
                account_id,
                account_domain: self.account_domain,
                api_version: self.api_version,
                tokens,
                retry: self.retry,
                polling_interval: self.polling_interval,
                poll_timeout: self.poll_timeout,
            }),
        })
    }

    /// A builder from the `ARR_*` environment variables (see [`env`]).
    pub fn from_env() -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let required = |name: &str| {
            var(name).ok_or_else(|| Error::Configuration(format!("{name} is not set")))
        };
        let mut builder = Self::new(&required(env::ACCOUNT_ID)?, &required(env::ACCOUNT_DOMAIN)?);
        builder.endpoint = var(env::ENDPOINT);
        builder.region = var(env::REGION);
        builder.sts_endpoint = var(env::STS_ENDPOINT);
        builder.credential = match (var(env::ACCOUNT_KEY), var(env::ACCESS_TOKEN)) {
            (Some(key), _) => Some(Credential::account_key(key)),
            (None, Some(token)) => Some(Credential::access_token(token)),
            (None, None) => None,
        };
        if let Some(path) = var(env::CA_CERT) {
            let pem = std::fs::read(&path).map_err(|e| {
                Error::Configuration(format!("cannot read {} file `{path}`: {e}", env::CA_CERT))
            })?;
            builder.root_certificates.push(pem);
        }
        Ok(builder)
    }
}

fn validate_account_domain(domain: &str) -> Result<()> {
    let display = shown(domain);
    let expected = "expected an account domain such as `eastus.mixedreality.azure.com`";
    if domain.contains("://") {
        return Err(Error::validation(
            "account domain",
            format!("`{display}` includes a scheme; {expected}"),
        ));
    }
    let valid_label = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !domain.contains('.') || !domain.split('.').all(valid_label) {
        return Err(Error::validation(
            "account domain",
            format!("`{display}` is not a domain; {expected}"),
        ));
    }
    Ok(())
}

fn region_endpoint(region: &str) -> Result<String> {
    if region.is_empty()
        || !region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return Err(Error::validation(
            "region",
            format!("`{}` is not a region name such as `westus2`", shown(region)),
        ));
    }
    Ok(format!(
        "https://remoterendering.{region}.mixedreality.azure.com"
    ))
}

/// Checks an endpoint URL and returns it without a trailing slash.
fn validate_endpoint(field: &'static str, url: &str) -> Result<String> {
    // Errors repeat the URL without its user information (a password).
    let display = shown(&without_userinfo(url));
    let parsed = url::Url::parse(url)
        .map_err(|e| Error::validation(field, format!("`{display}` is not a URL ({e})")))?;
    let host = parsed
        .host()
        .ok_or_else(|| Error::validation(field, format!("`{display}` has no host")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            return Err(Error::validation(
                field,
                format!("`{display}` uses http:// to a non-loopback host; use https://"),
            ));
        }
        other => {
            return Err(Error::validation(
                field,
                format!("scheme `{other}` is not supported; use https://"),
            ));
        }
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::validation(
            field,
            "must not contain user information",
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::validation(
            field,
            "must not contain a query or fragment",
        ));
    }
    if parsed.path() != "/" && !parsed.path().is_empty() {
        return Err(Error::validation(
            field,
            format!(
                "must be a bare origin such as https://host:port, found path `{}`",
                parsed.path()
            ),
        ));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

/// A value as errors repeat it: control characters (a newline could forge
/// a log line) escaped.
fn shown(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `scheme://user:password@host...` -> `scheme://<redacted>@host...`.
fn without_userinfo(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@') {
            return format!("{scheme}://<redacted>@{}", &rest[at + 1..]);
        }
    }
    url.to_string()
}

fn is_loopback_url(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host().map(|h| is_loopback(&h)))
        .unwrap_or(false)
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_checked() {
        assert_eq!(
            validate_endpoint("endpoint", "https://example.com/").unwrap(),
            "https://example.com"
        );
        assert!(validate_endpoint("endpoint", "http://127.0.0.1:8080").is_ok());
        assert!(validate_endpoint("endpoint", "http://[::1]:8080").is_ok());
        assert!(validate_endpoint("endpoint", "http://localhost:1").is_ok());
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "https://user:pw@example.com",
            "https://example.com/path",
            "https://example.com/?q=1",
            "ftp://example.com",
            "example.com",
        ] {
            assert!(validate_endpoint("endpoint", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bare_regions_are_not_account_domains() {
        let error = validate_account_domain("eastus").unwrap_err().to_string();
        assert!(error.contains("eastus.mixedreality.azure.com"), "{error}");
        assert!(validate_account_domain("https://eastus.mixedreality.azure.com").is_err());
        assert!(validate_account_domain("eastus.mixedreality.azure.com").is_ok());
    }

    #[test]
    fn regions_derive_endpoints() {
        assert_eq!(
            region_endpoint("westus2").unwrap(),
            "https://remoterendering.westus2.mixedreality.azure.com"
        );
        assert!(region_endpoint("West US").is_err());
    }
}
