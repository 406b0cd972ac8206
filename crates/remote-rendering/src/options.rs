//! What a client is made of, as plain data: [`ClientOptions`], and their
//! validation into the parts a client runs with.

use crate::api_version::ApiVersion;
use crate::auth::Credential;
use crate::config::env;
use crate::error::{Error, Result};
use crate::in_flight::{DEFAULT_MAX_CONCURRENT_REQUESTS, RequestLimit};
use crate::retry::RetryPolicy;
use crate::tls;
use crate::transport::Transport;
use remote_rendering_rest::BodyLimits;
use std::time::Duration;

/// The name of the ARR API version used unless [`ClientOptions::api_version`]
/// says otherwise ([`ApiVersion::default`]).
pub const DEFAULT_API_VERSION: &str = remote_rendering_rest::STABLE_API_VERSION;

/// Everything about a client except its account; see
/// [`Client::with_options`](crate::Client::with_options). Start from
/// [`ClientOptions::default`] and set fields, or use
/// [`Client::builder`](crate::Client::builder).
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// The service endpoint, e.g. `https://remoterendering.westus2.mixedreality.azure.com`.
    pub endpoint: Option<String>,
    /// A region (e.g. `westus2`) to derive the endpoint from, when `endpoint` is unset.
    pub region: Option<String>,
    /// The STS endpoint; defaults to `https://sts.{account domain}`.
    pub sts_endpoint: Option<String>,
    /// How the client authenticates. Required.
    pub credential: Option<Credential>,
    /// Retry policy for every call.
    pub retry: RetryPolicy,
    /// Polling interval for pollers when the service gives no `Retry-After`
    /// (default: 2 s for Standard sessions, 10 s for Premium sessions and conversions).
    pub polling_interval: Option<Duration>,
    /// Upper bound for a poller's wait (default: none).
    pub poll_timeout: Option<Duration>,
    /// Timeout of one HTTP request (default 30 s).
    pub request_timeout: Duration,
    /// Text appended to the `User-Agent` header.
    pub user_agent_suffix: Option<String>,
    /// Root certificates (PEM) to trust, e.g. the emulator's; when any is
    /// given, the platform's roots are not loaded.
    pub root_certificates: Vec<Vec<u8>>,
    /// The ARR API version to speak (default [`ApiVersion::V2021_01_01`]).
    pub api_version: ApiVersion,
    /// How long before expiry a cached STS token is refreshed (default 5 min).
    pub token_refresh_margin: Duration,
    /// How much of a response body the client reads (default 4 MiB for
    /// success bodies, 64 KiB for error bodies); a larger answer fails with
    /// [`Error::ResponseTooLarge`] and is not retried.
    pub body_limits: BodyLimits,
    /// How many requests the client (all its clones together) sends at once
    /// (default [`DEFAULT_MAX_CONCURRENT_REQUESTS`]); further calls wait in
    /// the client for a slot. The wait does not count against
    /// `request_timeout`; it ends at the retry policy's `max_elapsed`. Also
    /// the most idle connections kept open. Must be positive.
    pub max_concurrent_requests: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
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
            api_version: ApiVersion::default(),
            token_refresh_margin: Duration::from_secs(5 * 60),
            body_limits: BodyLimits::default(),
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
        }
    }
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
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
            .field("body_limits", &self.body_limits)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .finish()
    }
}

/// Validated options: what a client runs with.
pub(crate) struct Resolved {
    pub(crate) transport: Transport,
    pub(crate) endpoint: String,
    pub(crate) sts_endpoint: String,
    pub(crate) account_id: uuid::Uuid,
    pub(crate) credential: Credential,
    pub(crate) options: ClientOptions,
}

/// Validates the account and `options` and builds the HTTP client. Sends nothing.
pub(crate) fn resolve(
    account_id: &str,
    account_domain: &str,
    mut options: ClientOptions,
) -> Result<Resolved> {
    let account_id = uuid::Uuid::parse_str(account_id.trim()).map_err(|_| {
        Error::validation(
            "account id",
            format!(
                "`{}` is not a UUID such as 30ea64bd-100f-4bf0-adc9-29fa45d4880c",
                shown(account_id)
            ),
        )
    })?;
    validate_account_domain(account_domain)?;
    if options.max_concurrent_requests == 0 {
        return Err(Error::validation(
            "max concurrent requests",
            "must be at least 1",
        ));
    }
    let endpoint = match (&options.endpoint, &options.region) {
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
    let sts_endpoint = match &options.sts_endpoint {
        Some(url) => validate_endpoint("STS endpoint", url)?,
        None => format!("https://sts.{}", account_domain),
    };
    let credential = options.credential.take().ok_or_else(|| {
        Error::Configuration(format!(
            "no credential: give an account key or an access token ({} / {})",
            env::ACCOUNT_KEY,
            env::ACCESS_TOKEN
        ))
    })?;
    let mut user_agent = format!("remote-rendering-rs/{}", env!("CARGO_PKG_VERSION"));
    if let Some(suffix) = &options.user_agent_suffix {
        user_agent.push(' ');
        user_agent.push_str(suffix);
    }
    let any_https = [&endpoint, &sts_endpoint]
        .iter()
        .any(|url| !url.starts_with("http://"));
    let trust = tls::Trust::choose(any_https, &options.root_certificates)?;
    let mut http = reqwest::Client::builder()
        .user_agent(user_agent)
        .timeout(options.request_timeout)
        // ARR and the STS never redirect: a redirect means a wrong endpoint,
        // and following it would carry the token to another origin.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(options.request_timeout.min(Duration::from_secs(10)))
        // No more connections are in use at once than requests in flight.
        .pool_max_idle_per_host(options.max_concurrent_requests)
        .tls_backend_preconfigured(tls::client_config(trust)?);
    // A proxy from the environment must not capture traffic to a local
    // emulator (proxies rarely reach the caller's loopback).
    if is_loopback_url(&endpoint) && is_loopback_url(&sts_endpoint) {
        http = http.no_proxy();
    }
    let http = http
        .build()
        .map_err(|e| Error::Configuration(format!("cannot build the HTTP client: {e}")))?;

    let transport = Transport {
        http,
        limit: RequestLimit::new(options.max_concurrent_requests),
        body_limits: options.body_limits,
    };
    Ok(Resolved {
        transport,
        endpoint,
        sts_endpoint,
        account_id,
        credential,
        options,
    })
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
    fn at_least_one_request_may_be_in_flight() {
        let options = |max| ClientOptions {
            endpoint: Some("http://127.0.0.1:1".into()),
            credential: Some(Credential::account_key("key")),
            max_concurrent_requests: max,
            ..ClientOptions::default()
        };
        let account = "30ea64bd-100f-4bf0-adc9-29fa45d4880c";
        let domain = "eastus.mixedreality.azure.com";
        let error = resolve(account, domain, options(0))
            .err()
            .expect("0 is refused");
        assert!(
            error.to_string().contains("max concurrent requests"),
            "{error}"
        );
        assert!(resolve(account, domain, options(1)).is_ok());
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
