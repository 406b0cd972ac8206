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
//!   redaction, linked storage accounts, listing with paging; `Retry-After`
//!   on polls only when asked for ([`EmulatorBuilder::poll_retry_after`]).
//! * The service's recorded answers: status codes, error codes and
//!   messages, headers and body shapes (see the crate README's fidelity
//!   table), and a [`TimingPreset::Realistic`] preset with its durations.
//! * Per-account rate limits, fault injection, a controllable clock, TLS.
//! * Optional persistence ([`EmulatorBuilder::data_dir`]), connection limits
//!   and timeouts ([`Limits`]), a bounded request log.
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
//! controls are served under the reserved prefix `/_emulator/` (these
//! requests stay out of [`EmulatorHandle::requests`]). They are guarded
//! against web pages and neighbours: `Host` must name an address served
//! (`localhost`, a loopback or the bound IP, or
//! [`EmulatorBuilder::admin_host_name`]), `POST` bodies must be sent as
//! `Content-Type: application/json`, and with
//! [`EmulatorBuilder::admin_token`] (made up automatically when listening
//! beyond loopback) `Authorization: Bearer <admin token>` is required:
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
//! Real rendering VMs (hostnames do not resolve), storage on hosts the
//! emulator cannot reach without leaving the machine (only the file extension
//! decides success there; see below), conversion cancellation, multiple
//! accounts per emulator, regional endpoints, v1's `Stopping` state (stops
//! take effect at once) and leases in seconds.

//!
//! # Storage
//!
//! A conversion whose containers the emulator can reach is carried out against
//! real Blob storage: containers on a loopback host (Azurite) through the
//! conversion's SAS, and accounts linked with an endpoint
//! ([`EmulatorBuilder::linked_storage`], `--linked-storage NAME=ENDPOINT`),
//! signed with their key. From `PUT`, in the background, the emulator lists the
//! input under its blob prefix and reads the asset, then writes to the output
//! container (under its prefix): `{name}.arrAsset`, a short deterministic digest
//! of the model's bytes (SHA-256 and size, not a renderable asset);
//! `{name}.result.json` (`[{"conversionId"}, {"result": "succeeded"}]`); and
//! `{name}.info.json` (files, the input's size and digest), the two files the
//! service documented beside the asset (Microsoft Learn, "Get information about
//! conversions"). The conversion is `Succeeded` only once they are written.
//!
//! * No SAS for a reachable container whose account is not linked: `403
//!   LinkedStorageAccessFailure` at `PUT` (recorded, 2024).
//! * Asset not found under the prefix: `Failed`, `InputContainerError` with the
//!   three `AdditionalInfo` details (recorded, July 2024); nothing is written
//!   (the service wrote no result file when it failed before converting).
//! * Input container not listable or readable (bad or expired SAS, missing
//!   container): `Failed`, `InputContainerError` "Could not access the input
//!   container..." — **not recorded**; the code is the service's input-container
//!   code, the message the emulator's. Output not writable: `Failed`,
//!   `OutputContainerError` — **not recorded**.
//! * `--data-dir` keeps conversions but not their storage work: a conversion
//!   restored after a restart is derived as a simulated one.
//! * Not modelled: conversion log files (no documented name), warnings in the
//!   result file, `info.json` statistics, the real `.arrAsset` format, checking
//!   that referenced textures exist, SAS permission letters beyond what the
//!   storage itself enforces.

#![warn(missing_docs)]

mod auth;
pub mod cli;
mod clock;
mod faults;
mod handle;
mod linked_storage;
mod persist;
mod resume;
mod route;
mod server;
mod state;
mod storage;
mod timing;
mod tls;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

pub use clock::Clock;
pub use faults::{Fault, Faults};
pub use handle::{EmulatorHandle, RequestRecord};
pub use linked_storage::{LinkedStorage, LinkedStorageError};
pub use route::Route;
pub use server::Limits;
pub use timing::{TimingPreset, UnknownTimingPreset};

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
#[non_exhaustive]
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
    /// The data directory (`--data-dir`) cannot be used.
    #[error("cannot use the data directory: {0}")]
    DataDir(String),
}

/// Configures and starts an emulator; see [`Emulator::builder`].
#[derive(Clone)]
pub struct EmulatorBuilder {
    bind: SocketAddr,
    session_startup: Duration,
    conversion_duration: Duration,
    lease_minute: Duration,
    page_size: usize,
    poll_retry_after: bool,
    linked_storage: Vec<LinkedStorage>,
    manual_clock: bool,
    rate_limit: Option<(u32, Duration)>,
    tls: bool,
    account_id: Option<uuid::Uuid>,
    account_key: Option<String>,
    account_domain: String,
    token_lifetime: Duration,
    identity_issuer: String,
    data_dir: Option<PathBuf>,
    sync_every_write: bool,
    request_log_capacity: usize,
    admin_token: Option<String>,
    admin_host_names: Vec<String>,
    limits: Limits,
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
            .field("poll_retry_after", &self.poll_retry_after)
            .field("linked_storage", &self.linked_storage)
            .field("manual_clock", &self.manual_clock)
            .field("rate_limit", &self.rate_limit)
            .field("tls", &self.tls)
            .field("account_id", &self.account_id)
            .field("account_domain", &self.account_domain)
            .field("token_lifetime", &self.token_lifetime)
            .field("data_dir", &self.data_dir)
            .field("sync_every_write", &self.sync_every_write)
            .field("request_log_capacity", &self.request_log_capacity)
            .field("admin_host_names", &self.admin_host_names)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            session_startup: TimingPreset::Fast.session_startup(),
            conversion_duration: TimingPreset::Fast.conversion_duration(),
            lease_minute: Duration::from_secs(60),
            page_size: 50,
            poll_retry_after: false,
            linked_storage: Vec::new(),
            manual_clock: false,
            rate_limit: None,
            tls: false,
            account_id: None,
            account_key: None,
            account_domain: "localhost.mixedreality.emulator".to_owned(),
            token_lifetime: Duration::from_secs(24 * 60 * 60),
            identity_issuer: "https://login.emulator/identity".to_owned(),
            data_dir: None,
            sync_every_write: false,
            request_log_capacity: DEFAULT_REQUEST_LOG_CAPACITY,
            admin_token: None,
            admin_host_names: Vec::new(),
            limits: Limits::default(),
        }
    }
}

/// Requests kept by the request log unless configured otherwise.
pub const DEFAULT_REQUEST_LOG_CAPACITY: usize = 10_000;

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

    /// Sets session startup and conversion duration from a preset;
    /// [`TimingPreset::Realistic`] uses the durations the service was
    /// recorded with.
    pub fn timing(mut self, preset: TimingPreset) -> Self {
        self.session_startup = preset.session_startup();
        self.conversion_duration = preset.conversion_duration();
        self
    }

    /// Whether conversion polls carry `Retry-After` (the time left, 1–15 s)
    /// while the conversion runs. Off by default: the service never sent it.
    pub fn poll_retry_after(mut self, enabled: bool) -> Self {
        self.poll_retry_after = enabled;
        self
    }

    /// Links a storage account: conversions may then give no SAS for its
    /// containers. A location without a SAS in an account that is not
    /// linked is refused with 403 `LinkedStorageAccessFailure`, as the
    /// service did. With an endpoint ([`LinkedStorage::with_endpoint`]), its
    /// containers are read and written there.
    pub fn linked_storage(mut self, account: LinkedStorage) -> Self {
        self.linked_storage.push(account);
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

    /// Keeps state in an SQLite database in `dir` (created if missing):
    /// accounts, sessions, conversions, token signing secrets and the clock
    /// survive restarts and `kill -9`; every acknowledged change is
    /// committed before it is answered. Default: memory only.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// With [`EmulatorBuilder::data_dir`]: also fsync every write before
    /// answering, so acknowledged writes survive an operating-system crash
    /// or power cut too (not only a crash of the emulator), at the disk's
    /// fsync rate. Default off.
    pub fn sync_every_write(mut self, enabled: bool) -> Self {
        self.sync_every_write = enabled;
        self
    }

    /// How many requests the request log keeps (the oldest are forgotten
    /// first); default [`DEFAULT_REQUEST_LOG_CAPACITY`], 0 keeps none.
    pub fn request_log_capacity(mut self, n: usize) -> Self {
        self.request_log_capacity = n;
        self
    }

    /// Requires `Authorization: Bearer <token>` on the admin routes. When
    /// listening beyond loopback without one, a random token is made (see
    /// [`EmulatorHandle::admin_token`]).
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into());
        self
    }

    /// A host name (besides `localhost` and the served IP addresses) that
    /// admin requests may carry in `Host`, e.g. a CI service container's.
    pub fn admin_host_name(mut self, name: impl Into<String>) -> Self {
        self.admin_host_names.push(name.into());
        self
    }

    /// Connection limits and timeouts; see [`Limits`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
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

        let restored = match &self.data_dir {
            Some(dir) => Some(resume::open(
                dir,
                self.account_id,
                self.account_key.clone(),
                &self.identity_issuer,
                self.manual_clock,
                self.sync_every_write,
            )?),
            None => None,
        };
        let (account_id, account_key, keys, clock, store, db) = match restored {
            Some(r) => (
                r.account_id,
                r.account_key,
                r.keys,
                r.clock,
                r.store,
                Some(r.db),
            ),
            None => (
                self.account_id.unwrap_or_else(uuid::Uuid::new_v4),
                self.account_key.unwrap_or_else(generate_key),
                auth::Keys::new(self.identity_issuer),
                Clock::new(self.manual_clock),
                state::Store::default(),
                None,
            ),
        };
        let bound = local;
        let admin_token = self.admin_token.or_else(|| {
            // Beyond loopback, anyone who can reach the port could reconfigure
            // the emulator: a token is required there.
            (!bound.ip().is_loopback()).then(generate_admin_token)
        });
        let shared = Arc::new(server::Shared {
            account_id,
            account_key,
            account_domain: self.account_domain,
            timing: state::Timing {
                session_startup: self.session_startup,
                conversion_duration: self.conversion_duration,
                lease_minute: self.lease_minute,
            },
            page_size: self.page_size.max(1),
            poll_retry_after: self.poll_retry_after,
            linked_storage: self.linked_storage,
            rate_limit: self.rate_limit,
            token_lifetime: self.token_lifetime,
            clock,
            faults: Faults::default(),
            keys,
            store: Mutex::new(store),
            log: Mutex::default(),
            log_capacity: self.request_log_capacity,
            rate: Mutex::default(),
            scheme,
            endpoint: endpoint.clone(),
            admin: server::AdminAccess {
                token: admin_token,
                host_names: self.admin_host_names,
                bound,
            },
            db,
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        let acceptor = tls
            .as_ref()
            .map(|t| tokio_rustls::TlsAcceptor::from(t.config.clone()));
        let task = tokio::spawn(server::serve(
            listener,
            acceptor,
            shared.clone(),
            self.limits,
            stop_rx,
        ));
        tracing::info!(%endpoint, %bound, "emulator listening");
        if !bound.ip().is_loopback() {
            tracing::warn!(
                %bound,
                "listening beyond loopback: anyone who can reach this address can use the emulator; the admin routes require the admin token"
            );
        }
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

fn generate_admin_token() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn generate_key() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
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
