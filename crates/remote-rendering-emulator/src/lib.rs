//! A local stand-in for Azure Remote Rendering (REST API `2021-01-01`, its
//! `2021-01-01-preview` and the older `v1` session protocol) and the Mixed
//! Reality Secure Token Service, for offline development and tests.
//!
//! The emulator speaks the wire protocol described in `spec/` with the very
//! request and response types generated in [`remote_rendering_rest`], so it
//! cannot drift from what the client expects. Start one inside a test:
//!
//! ```no_run
//! # async fn demo() -> Result<(), remote_rendering_emulator::EmulatorError> {
//! use std::time::Duration;
//! use remote_rendering_emulator::{Emulator, Fault, Route};
//!
//! let emu = Emulator::builder()
//!     .session_startup(Duration::from_secs(2))
//!     .manual_clock()
//!     .start()
//!     .await?;
//! emu.faults().inject(
//!     Route::GetSession,
//!     Fault::Status { status: 503, retry_after: Some(Duration::from_secs(1)), times: 1 },
//! );
//! // ... point a client at emu.endpoint() / emu.sts_endpoint() ...
//! emu.clock().advance(Duration::from_secs(2));
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # What is modelled
//!
//! * STS token exchange (account key or an emulator-minted identity token),
//!   producing HS256 JWTs with `exp`, `iat` and the account id.
//! * Sessions: create (idempotent retries, conflicts), Starting → Ready →
//!   Expired driven by the clock, lease extension, stop, listing with paging.
//! * Conversions: create (idempotent retries, conflicts, input validation),
//!   NotStarted → Running → Succeeded/Failed, output URI derivation, SAS
//!   redaction, `Retry-After` while running, listing with paging.
//! * Per-account rate limits, fault injection, a controllable clock, TLS.
//! * Three API versions over one store, as one backend would serve them: a
//!   session started through `v1` is listed through `2021-01-01`. Each
//!   version answers in its own shapes and status codes: `2021-01-01-preview`
//!   on the same paths (chosen by `api-version`), `v1` under `/v1/` (create
//!   `202` + `Location`, extend `200` with no body, `.../properties`, stop
//!   with `DELETE` `204`, leases as timespans, no `api-version`).
//!
//! # Admin HTTP routes
//!
//! For clients that run the emulator as a process (`arr-emulator`), the same
//! controls are served under the reserved prefix `/_emulator/` (no
//! authentication; these requests stay out of [`EmulatorHandle::requests`]):
//!
//! * `POST /_emulator/faults` with
//!   `{"route": "GetSession", "fault": {"kind": "status", "status": 503, "retry_after_secs": 1, "times": 2}}`;
//!   the `fault` object is the serde form of [`Fault`]; other kinds: `latency`
//!   (`delay_ms`), `drop_before_handler`, `drop_after_apply`,
//!   `truncated_body`, `non_json_body`, `missing_fields` (each with `times`).
//! * `DELETE /_emulator/faults` clears pending faults.
//! * `POST /_emulator/clock/advance` with `{"millis": 60000}`.
//! * `POST /_emulator/sessions/{id}/error` and
//!   `POST /_emulator/conversions/{id}/failure` with `{"code", "message"}`.
//! * `GET /_emulator/requests` returns the request log as JSON.
//!
//! # What is not modelled
//!
//! Real rendering VMs (hostnames do not resolve), Azure Storage (inputs are
//! never read; only the file extension decides success), conversion
//! cancellation, multiple accounts per emulator, regional endpoints, v1's
//! `Stopping` state (stops take effect at once) and leases in seconds.

#![warn(missing_docs)]

mod auth;
pub mod cli;
mod clock;
mod faults;
mod route;
mod server;
mod state;
mod tls;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use clock::Clock;
pub use faults::{Fault, Faults};
pub use route::Route;

/// The `api-version` of the stable ARR routes. The same paths also serve
/// `2021-01-01-preview` (in its own shapes); the `v1` routes under `/v1/`
/// take no `api-version`.
pub const API_VERSION: &str = "2021-01-01";

/// Entry point: `Emulator::builder()`.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with test-friendly defaults (1 s startup and conversion,
    /// 60 s lease minute, pages of 50, real clock, plain HTTP on
    /// `127.0.0.1:0`).
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Failure to start the emulator.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The self-signed certificate or TLS configuration could not be made.
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    /// A setting is out of range.
    #[error("invalid emulator setting: {0}")]
    Config(String),
}

/// Configures and starts an emulator; see [`Emulator::builder`].
#[derive(Clone)]
pub struct EmulatorBuilder {
    bind: SocketAddr,
    session_startup: Duration,
    conversion_duration: Duration,
    lease_minute: Duration,
    page_size: usize,
    manual_clock: bool,
    rate_limit: Option<(u32, Duration)>,
    tls: bool,
    account_id: Option<uuid::Uuid>,
    account_key: Option<String>,
    account_domain: String,
    token_lifetime: Duration,
    identity_issuer: String,
}

impl std::fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The account key stays out of debug output.
        f.debug_struct("EmulatorBuilder")
            .field("bind", &self.bind)
            .field("session_startup", &self.session_startup)
            .field("conversion_duration", &self.conversion_duration)
            .field("lease_minute", &self.lease_minute)
            .field("page_size", &self.page_size)
            .field("manual_clock", &self.manual_clock)
            .field("rate_limit", &self.rate_limit)
            .field("tls", &self.tls)
            .field("account_id", &self.account_id)
            .field("account_domain", &self.account_domain)
            .field("token_lifetime", &self.token_lifetime)
            .finish_non_exhaustive()
    }
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            session_startup: Duration::from_secs(1),
            conversion_duration: Duration::from_secs(1),
            lease_minute: Duration::from_secs(60),
            page_size: 50,
            manual_clock: false,
            rate_limit: None,
            tls: false,
            account_id: None,
            account_key: None,
            account_domain: "localhost.mixedreality.emulator".to_owned(),
            token_lifetime: Duration::from_secs(24 * 60 * 60),
            identity_issuer: "https://login.emulator/identity".to_owned(),
        }
    }
}

impl EmulatorBuilder {
    /// Address to listen on; port 0 picks a free port. Default `127.0.0.1:0`.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// How long a session stays `Starting` before it is `Ready`.
    pub fn session_startup(mut self, d: Duration) -> Self {
        self.session_startup = d;
        self
    }

    /// How long a conversion takes from creation to its final status. It is
    /// `NotStarted` for the first tenth of that time, then `Running`.
    pub fn conversion_duration(mut self, d: Duration) -> Self {
        self.conversion_duration = d;
        self
    }

    /// How long one "minute" of lease time lasts (and what
    /// `elapsedTimeMinutes` counts), so expiry can be compressed in tests.
    pub fn lease_minute(mut self, d: Duration) -> Self {
        self.lease_minute = d;
        self
    }

    /// Items per page in session and conversion lists (at least 1).
    pub fn page_size(mut self, n: usize) -> Self {
        self.page_size = n;
        self
    }

    /// Use a clock that only moves through [`Clock::advance`].
    pub fn manual_clock(mut self) -> Self {
        self.manual_clock = true;
        self
    }

    /// Allow at most `requests` per `window` per account (STS and ARR routes
    /// together); the excess is answered with 429 and `Retry-After`.
    pub fn rate_limit(mut self, requests: u32, window: Duration) -> Self {
        self.rate_limit = Some((requests, window));
        self
    }

    /// Serve HTTPS with a freshly generated certificate for `localhost` and
    /// `127.0.0.1`; see [`EmulatorHandle::ca_cert_pem`].
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// The account id (default: random).
    pub fn account_id(mut self, id: uuid::Uuid) -> Self {
        self.account_id = Some(id);
        self
    }

    /// The account key (default: random, base64 like a real key).
    pub fn account_key(mut self, key: impl Into<String>) -> Self {
        self.account_key = Some(key.into());
        self
    }

    /// The account domain reported by [`EmulatorHandle::account_domain`]
    /// (default `localhost.mixedreality.emulator`); it names session hosts.
    pub fn account_domain(mut self, domain: impl Into<String>) -> Self {
        self.account_domain = domain.into();
        self
    }

    /// Lifetime of access tokens the STS issues (default 24 h).
    pub fn token_lifetime(mut self, d: Duration) -> Self {
        self.token_lifetime = d;
        self
    }

    /// The `iss` of identity tokens the STS accepts (the Entra ID stand-in).
    pub fn identity_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.identity_issuer = issuer.into();
        self
    }

    /// Binds the socket and starts serving in the background of the current
    /// tokio runtime.
    pub async fn start(self) -> Result<EmulatorHandle, EmulatorError> {
        if self.lease_minute.is_zero() {
            return Err(EmulatorError::Config(
                "lease_minute must not be zero".into(),
            ));
        }
        if let Some((_, window)) = self.rate_limit
            && window.is_zero()
        {
            return Err(EmulatorError::Config(
                "rate limit window must not be zero".into(),
            ));
        }
        let tls = if self.tls {
            Some(tls::generate()?)
        } else {
            None
        };
        let listener = tokio::net::TcpListener::bind(self.bind)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: self.bind,
                source,
            })?;
        let local = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: self.bind,
                source,
            })?;
        let host = match local.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let endpoint = url::Url::parse(&format!(
            "{scheme}://{}/",
            SocketAddr::new(host, local.port())
        ))
        .map_err(|e| EmulatorError::Config(e.to_string()))?;

        let account_key = self.account_key.unwrap_or_else(generate_key);
        let shared = Arc::new(server::Shared {
            account_id: self.account_id.unwrap_or_else(uuid::Uuid::new_v4),
            account_key,
            account_domain: self.account_domain,
            timing: state::Timing {
                session_startup: self.session_startup,
                conversion_duration: self.conversion_duration,
                lease_minute: self.lease_minute,
            },
            page_size: self.page_size.max(1),
            rate_limit: self.rate_limit,
            token_lifetime: self.token_lifetime,
            clock: Clock::new(self.manual_clock),
            faults: Faults::default(),
            keys: auth::Keys::new(self.identity_issuer),
            store: Mutex::default(),
            log: Mutex::default(),
            rate: Mutex::default(),
            scheme,
            endpoint: endpoint.clone(),
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        let acceptor = tls
            .as_ref()
            .map(|t| tokio_rustls::TlsAcceptor::from(t.config.clone()));
        let task = tokio::spawn(server::serve(listener, acceptor, shared.clone(), stop_rx));
        tracing::info!(%endpoint, "emulator listening");
        Ok(EmulatorHandle {
            shared,
            endpoint,
            local_addr: SocketAddr::new(host, local.port()),
            ca_pem: tls.map(|t| t.ca_pem),
            stop: stop_tx,
            task: Mutex::new(Some(task)),
        })
    }
}

fn generate_key() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// One request the emulator received, as recorded for tests. Never holds
/// secrets: headers are not recorded and `sig=` values in the query are
/// replaced with `REDACTED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// The route the request addressed, if any.
    pub route: Option<Route>,
    /// HTTP method.
    pub method: String,
    /// Request path as sent.
    pub path: String,
    /// Query string as sent, with SAS signatures redacted.
    pub query: Option<String>,
    /// Status code answered; for dropped connections the status the handler
    /// produced (drop after apply) or 0 (dropped before the handler ran).
    pub status: u16,
}

/// A running emulator. Dropping it stops the server.
pub struct EmulatorHandle {
    shared: Arc<server::Shared>,
    endpoint: url::Url,
    local_addr: SocketAddr,
    ca_pem: Option<String>,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("endpoint", &self.endpoint)
            .field("account_id", &self.shared.account_id)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// Base URL of the ARR API, e.g. `http://127.0.0.1:PORT/`.
    pub fn endpoint(&self) -> url::Url {
        self.endpoint.clone()
    }

    /// Base URL of the STS; the same server as [`EmulatorHandle::endpoint`].
    pub fn sts_endpoint(&self) -> url::Url {
        self.endpoint.clone()
    }

    /// The socket address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The emulated account's id.
    pub fn account_id(&self) -> uuid::Uuid {
        self.shared.account_id
    }

    /// The emulated account's key (for `Bearer {accountId}:{accountKey}`).
    pub fn account_key(&self) -> String {
        self.shared.account_key.clone()
    }

    /// The account domain, e.g. `localhost.mixedreality.emulator`.
    pub fn account_domain(&self) -> String {
        self.shared.account_domain.clone()
    }

    /// PEM of the CA certificate to trust when started with TLS.
    pub fn ca_cert_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// The emulator's clock; see [`Clock`].
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// Mints an identity token (the stand-in for a Microsoft Entra ID token)
    /// that the STS accepts as `Authorization: Bearer <token>`.
    pub fn identity_token(&self, lifetime: Duration) -> String {
        self.shared
            .keys
            .mint_identity(self.shared.clock.now(), lifetime)
    }

    /// Mints an ARR access token directly, as the STS would issue it.
    pub fn access_token(&self, lifetime: Duration) -> String {
        self.shared.keys.mint_access(
            &self.shared.account_id.to_string(),
            self.shared.clock.now(),
            lifetime,
        )
    }

    /// Fault controls.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Moves a session to `Error` with the given error object.
    ///
    /// # Panics
    ///
    /// When there is no session with that id (a mistake in the test).
    pub fn inject_session_error(
        &self,
        session_id: &str,
        code: impl Into<String>,
        message: impl Into<String>,
    ) {
        let err = state::error(&code.into(), message);
        let now = self.shared.clock.elapsed();
        let found = self.shared.store().fail_session(session_id, err, now);
        assert!(found, "inject_session_error: no session {session_id:?}");
    }

    /// Makes a conversion `Failed` right away with the given error object.
    ///
    /// # Panics
    ///
    /// When there is no conversion with that id (a mistake in the test).
    pub fn inject_conversion_failure(
        &self,
        conversion_id: &str,
        code: impl Into<String>,
        message: impl Into<String>,
    ) {
        let err = state::error(&code.into(), message);
        let found = self.shared.store().fail_conversion(conversion_id, err);
        assert!(
            found,
            "inject_conversion_failure: no conversion {conversion_id:?}"
        );
    }

    /// Every request received so far (admin routes excluded), in order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.log().clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.log().clear();
    }

    /// How many requests addressed `route`.
    pub fn request_count(&self, route: Route) -> usize {
        self.shared
            .log()
            .iter()
            .filter(|r| r.route == Some(route))
            .count()
    }

    /// How many token requests the STS received.
    pub fn sts_requests(&self) -> usize {
        self.request_count(Route::StsToken)
    }

    /// Stops accepting connections, lets open connections finish (at most a
    /// few seconds) and waits for the server to end. Calling it twice is fine.
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        // The accept loop watches this signal and ends on its own.
        let _ = self.stop.send(true);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn handles_can_be_shared_across_tasks() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<super::EmulatorHandle>();
        assert_send_sync::<super::Faults>();
        assert_send_sync::<super::Clock>();
    }
}
