//! Connection details of a running emulator, and the clients built from them.

use anyhow::{Context as _, Result, bail};
use remote_rendering::{Client, ClientBuilder, Credential};
use remote_rendering_emulator::{EmulatorHandle, Route};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What `arr-emulator` prints on start (one JSON line), and what a client
/// needs to reach the emulator.
#[derive(Clone, Serialize, Deserialize)]
pub struct Target {
    /// ARR endpoint, e.g. `http://127.0.0.1:PORT/`.
    pub endpoint: String,
    /// STS endpoint (the same server).
    pub sts_endpoint: String,
    /// The account id (a UUID).
    pub account_id: String,
    /// The account key.
    pub account_key: String,
    /// The account domain.
    pub account_domain: String,
    /// Path of the CA certificate (PEM) when the emulator serves HTTPS.
    #[serde(default)]
    pub ca_cert: Option<String>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The account key stays out of debug output, like everywhere else.
        f.debug_struct("Target")
            .field("endpoint", &self.endpoint)
            .field("account_id", &self.account_id)
            .field("ca_cert", &self.ca_cert)
            .finish_non_exhaustive()
    }
}

/// One entry of the emulator's request log (`GET /_emulator/requests`).
#[derive(Clone, Debug, Deserialize)]
pub struct LoggedRequest {
    /// The route, when the request addressed one.
    pub route: Option<Route>,
    /// Request path as sent.
    pub path: String,
    /// Status answered.
    pub status: u16,
}

/// The HTTP client settings every measured client uses, so that (a), (b) and
/// (c) differ only in what sits on top of `reqwest`: the same settings as
/// `remote_rendering::ClientBuilder::build` (timeouts, no proxy for loopback).
pub fn http_client(ca_pem: Option<&[u8]>) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .user_agent("remote-rendering-bench")
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .no_proxy();
    if let Some(pem) = ca_pem {
        let certificates =
            reqwest::Certificate::from_pem_bundle(pem).context("the CA certificate is not PEM")?;
        builder = builder.tls_certs_merge(certificates);
    }
    builder.build().context("cannot build the HTTP client")
}

impl Target {
    /// The details of an in-process emulator (for tests).
    pub fn from_handle(handle: &EmulatorHandle) -> Self {
        Self {
            endpoint: handle.endpoint().to_string(),
            sts_endpoint: handle.sts_endpoint().to_string(),
            account_id: handle.account_id().to_string(),
            account_key: handle.account_key(),
            account_domain: handle.account_domain(),
            ca_cert: None,
        }
    }

    /// The endpoint without its trailing slash, as the generated client and
    /// hand-built URLs want it.
    pub fn base(&self) -> &str {
        self.endpoint.trim_end_matches('/')
    }

    /// The CA certificate's PEM, when there is one.
    pub fn ca_pem(&self) -> Result<Option<Vec<u8>>> {
        match &self.ca_cert {
            None => Ok(None),
            Some(path) => std::fs::read(path)
                .map(Some)
                .with_context(|| format!("cannot read the CA certificate {path}")),
        }
    }

    /// A builder of the ergonomic client for this emulator (account key
    /// credential, so the first call exchanges a token at the STS).
    pub fn client_builder(&self) -> Result<ClientBuilder> {
        let mut builder = Client::builder(&self.account_id, &self.account_domain)
            .endpoint(&self.endpoint)
            .sts_endpoint(&self.sts_endpoint)
            .credential(Credential::account_key(self.account_key.clone()));
        if let Some(pem) = self.ca_pem()? {
            builder = builder.add_root_certificate_pem(pem);
        }
        Ok(builder)
    }

    /// A bare HTTP client trusting this emulator's certificate.
    pub fn http_client(&self) -> Result<reqwest::Client> {
        http_client(self.ca_pem()?.as_deref())
    }

    /// The emulator's request log (admin route; admin requests are not logged).
    pub async fn request_log(&self, http: &reqwest::Client) -> Result<Vec<LoggedRequest>> {
        let url = format!("{}/_emulator/requests", self.base());
        let response = http
            .get(&url)
            .send()
            .await
            .with_context(|| format!("GET {url}"))?;
        if !response.status().is_success() {
            bail!("GET {url}: HTTP {}", response.status());
        }
        response
            .json()
            .await
            .context("the request log is not the expected JSON")
    }
}

/// How many logged requests addressed `route`.
pub fn count_route(log: &[LoggedRequest], route: Route) -> usize {
    log.iter().filter(|r| r.route == Some(route)).count()
}

/// How many logged requests addressed `route` for the resource `id` (the last
/// path segment).
pub fn count_route_for(log: &[LoggedRequest], route: Route, id: &str) -> usize {
    log.iter()
        .filter(|r| r.route == Some(route) && r.path.rsplit('/').next() == Some(id))
        .count()
}
