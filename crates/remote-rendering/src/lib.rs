//! An Azure Remote Rendering (ARR) client: rendering sessions, asset
//! conversions, and the Mixed Reality STS tokens that authenticate them.
//!
//! Built on the generated `remote-rendering-rest` crate, it adds what the
//! official SDKs do, and more:
//!
//! - **Authentication**: account key, Microsoft Entra ID (feature `entra`,
//!   through `azure_core`'s `TokenCredential`) or a ready STS token. Tokens
//!   are cached, refreshed 5 minutes before their `exp`, shared by all
//!   clones, and concurrent callers share one exchange. A 401 drops the
//!   token and the call is repeated once.
//! - **Retries**: 429 (honouring `Retry-After`), 500/502/503/504, connection
//!   failures and timeouts, with exponential backoff and jitter, bounded in
//!   attempts and time. Every operation is safe to retry. Each retry is an
//!   INFO event of target [`RETRY_EVENT_TARGET`], to show it to users.
//! - **Pollers** for session startup and conversions that honour
//!   `Retry-After`, end on every terminal state with a typed error, can be
//!   awaited or watched as a stream, and resume from a continuation token.
//! - **Paging** as a `Stream` that follows `@nextLink`.
//! - **Bounded concurrency**: one client and its clones send at most
//!   [`DEFAULT_MAX_CONCURRENT_REQUESTS`] requests at once (see
//!   [`ClientBuilder::max_concurrent_requests`]); further calls wait their
//!   turn in the client, so thousands of sessions polled at once share a
//!   small connection pool.
//! - **Validation** of ids, leases, endpoints and domains before anything is
//!   sent, and one [`Error`] type.
//! - **No secret** (key, token, SAS) in `Debug`, `Display`, errors or traces.
//!
//! # Using it
//!
//! ```toml
//! [dependencies]
//! remote-rendering = "0.1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! Microsoft Entra ID credentials need `features = ["entra"]` (see
//! *Features and dependencies* below). What the public API exposes from
//! other crates is re-exported: [`Stream`]/[`StreamExt`]/[`TryStreamExt`]
//! for listings and poller updates, [`Url`], and (feature `entra`)
//! `TokenCredential`.
//!
//! # Example
//!
//! Against the local emulator (the same code works against Azure):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use remote_rendering::{Client, Credential, SessionId, SessionOptions, SessionSize};
//! use std::time::Duration;
//!
//! let emulator = remote_rendering_emulator::Emulator::builder()
//!     .session_startup(Duration::from_millis(100))
//!     .start()
//!     .await?;
//! let client = Client::builder(&emulator.account_id().to_string(), &emulator.account_domain())
//!     .endpoint(emulator.endpoint().as_str())
//!     .sts_endpoint(emulator.sts_endpoint().as_str())
//!     .credential(Credential::account_key(emulator.account_key()))
//!     .polling_interval(Duration::from_millis(50))
//!     .build()?;
//!
//! let id = SessionId::generate();
//! let options = SessionOptions::new(SessionSize::Standard, Duration::from_secs(60 * 60));
//! let session = client.start_session(&id, &options).await?.wait().await?;
//! println!("connect to {}", session.hostname.unwrap_or_default());
//! client.extend_lease(&id, Duration::from_secs(30 * 60)).await?;
//! client.stop_session(&id).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # API versions
//!
//! A client speaks one [`ApiVersion`], chosen with
//! [`ClientBuilder::api_version`] (or `ARR_API_VERSION`): `2021-01-01` (the
//! default), `2021-01-01-preview`, or `v1`, the older path-versioned session
//! protocol. All three are spoken through the same domain model; what a
//! version lacks is refused with [`Error::Unsupported`] before anything is
//! sent, never answered with something else:
//!
//! | | `2021-01-01` | `2021-01-01-preview` | `v1` |
//! |---|---|---|---|
//! | sessions | yes | yes | yes |
//! | session id | the caller's ([`Client::start_session`]) or generated ([`Client::start_new_session`]) | same | picked by the service: [`Client::start_new_session`] only |
//! | lease on the wire | minutes | minutes | timespan `hh:mm:ss` (`d.hh:mm:ss` from a day on), mapped to and from [`std::time::Duration`] |
//! | create / extend answer | the session | the session | `202 {"sessionId"}` / `200` with no body: the client reads the session back |
//! | conversions | yes | yes, its states mapped (`Created` → NotStarted, `Success` → Succeeded, `Failure` → Failed, `Aborted` → Cancelled) | [`Error::Unsupported`] |
//! | a failed create is repeated | as every call (the id makes it idempotent) | same | only when it cannot have arrived (429, no connection): a repeat would start a second session |
//! | paging | `@nextLink` | `@nextLink` | one answer |
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use remote_rendering::{ApiVersion, Client, Credential, Error, SessionOptions, SessionSize};
//! use std::time::Duration;
//!
//! let emulator = remote_rendering_emulator::Emulator::builder()
//!     .session_startup(Duration::from_millis(100))
//!     .start()
//!     .await?;
//! let client = Client::builder(&emulator.account_id().to_string(), &emulator.account_domain())
//!     .endpoint(emulator.endpoint().as_str())
//!     .sts_endpoint(emulator.sts_endpoint().as_str())
//!     .credential(Credential::account_key(emulator.account_key()))
//!     .api_version("v1".parse::<ApiVersion>()?)
//!     .polling_interval(Duration::from_millis(50))
//!     .build()?;
//! let options = SessionOptions::new(SessionSize::Standard, Duration::from_secs(60 * 60));
//! let session = client.start_new_session(&options).await?.wait().await?;
//! client.stop_session(&session.id).await?;
//! assert!(matches!(
//!     client.list_conversions().next().await,
//!     Some(Err(Error::Unsupported { .. }))
//! ));
//! # use futures::StreamExt as _;
//! # Ok(())
//! # }
//! ```
//!
//! ## How the seam works, and what a fourth version costs
//!
//! The public operations (in the `sessions` and `conversions` modules, and
//! the pollers and the lease keeper built on them) never touch a generated
//! type. Each calls the *version adapter* of the client's [`ApiVersion`]: a
//! crate-private trait with one method per operation (start, get, set
//! lease, stop and list sessions; start, get and list conversions), whose
//! conversion methods default to [`Error::Unsupported`]. One module per
//! version (`versions/stable.rs`, `versions/preview.rs`, `versions/v1.rs`)
//! implements it over that version's generated module in
//! `remote_rendering_rest::generated`: it builds the version's request from
//! the domain values, sends it through the shared request pipeline (token,
//! retries, `Retry-After`, 401 refresh, error decoding — written once) and
//! maps the answer back to [`Session`] or [`Conversion`].
//!
//! A fourth version therefore costs its spec file (codegen generates the
//! module), one variant of [`ApiVersion`] (listed in [`ApiVersion::ALL`],
//! with two match arms: its name, taken from the generated `API_VERSION`,
//! and its adapter), and one adapter module: 190 lines for `2021-01-01`,
//! whose models are the domain model's, 330 for `v1` and 340 for the
//! preview, which map more (tests aside). Nothing else in the client
//! changes. Until the adapter exists the generated module is simply not
//! offered, so dropping a spec file alone keeps the workspace green.
//!
//! # Defaults compared with the official SDKs
//!
//! | | this crate | official SDKs (.NET, Python, Java, JS) |
//! |---|---|---|
//! | token cache | shared by clones; refreshed 5 min before `exp` (at most half the token's lifetime) | per client, on demand |
//! | concurrent first calls | one STS exchange, its result (or failure) shared | one exchange per caller in some SDKs |
//! | 401 from ARR | token dropped, call repeated once | error |
//! | `Retry-After` | honoured on 429/503 and while polling conversions | ignored while polling |
//! | retries | 429, 500, 502, 503, 504, connection failures, timeouts; jittered backoff bounded in attempts and time | similar, without `Retry-After` on polls |
//! | Cancelled conversion | ends the wait with a typed error | one SDK polls forever |
//! | poll interval | 2 s Standard, 10 s Premium and conversions; at least [`MIN_POLL_INTERVAL`], `Retry-After` capped at [`MAX_RETRY_AFTER`] | similar fixed intervals |
//! | unreachable service | a closed port retried once, an unresolvable name or untrusted certificate not at all, an HTML answer once ([`Error::unreachable`]) | retried like any failure |
//! | redirects | never followed, reported | followed |
//! | response bodies | read up to [`BodyLimits`] (4 MiB success, 64 KiB error; a larger `Content-Length` refused unread), [`Error::ResponseTooLarge`], not retried | read whole |
//! | `@nextLink` | a repeated link or more than 10,000 pages ends the listing with an error | followed forever |
//! | resumable pollers | Python's `base64("1:{accountId}:{id}")` plus a mark of the kind (which Python skips), so a session token is refused by the conversion resumer; Python's tokens and bare ids accepted | Python only |
//! | lease extension | `extend_lease(by)` computes the total; a lost-answer retry is not an error | caller computes the total |
//! | lease keeper | opt-in background task, capped at 1,440 minutes | none |
//! | unknown status values | kept as `Unknown(String)`; pollers keep polling (with a warning) until their timeout | vary |
//! | secrets in logs | never (tested at TRACE level) | vary |
//!
//! # Features and dependencies
//!
//! The default features are chosen so that depending on this crate is light
//! (107 crates, no C compiler or cmake; see `BENCHMARKS.md` of
//! `remote-rendering-bench` for the figures). Each choice has a cost:
//!
//! - **TLS: rustls with the `ring` provider**, not reqwest's default
//!   `aws-lc-rs`, whose C build (with cmake) dominated a cold build. ring
//!   lacks aws-lc-rs's post-quantum key exchange and FIPS mode; both TLS 1.2
//!   and 1.3 work with Azure. The client builds its own rustls configuration,
//!   so the process-wide default provider is neither needed nor changed.
//! - **Root certificates are loaded only when used**: not at all when every
//!   endpoint is loopback `http://`; when extra roots are given
//!   ([`ClientBuilder::add_root_certificate_pem`], `ARR_CA_CERT`), *only*
//!   those are trusted and the platform's roots are not loaded (≈ 10 ms saved
//!   per client, which matters to one-shot commands); otherwise the
//!   platform's verifier and roots, as reqwest does.
//! - **`entra` is not default**: Microsoft Entra ID credentials bring
//!   `azure_core` and about 20 crates. Enable it with
//!   `features = ["entra"]`; account keys and ready tokens need nothing more.
//! - **`http2` is not default**: ARR and the STS answer HTTP/1.1, and a
//!   client makes one request per connection at a time anyway, so HTTP/2
//!   (h2 and its dependencies) buys little. Enable it with
//!   `features = ["http2"]` to offer `h2` by ALPN.
//! - **`time` and `chrono` are both in the tree**: the generated
//!   `remote-rendering-rest` types use `chrono` (progenitor's choice), while
//!   this crate's public models use `time::OffsetDateTime`. Moving the public
//!   models to `chrono` would drop `time` (5 crates) but change the public
//!   API; it is left for a major version. Only `time`'s parsing feature is
//!   used, and `chrono` without its clock and time-zone support.
//! - **No `rand`**: retry jitter and correlation vectors read the operating
//!   system's generator through `getrandom` (which `uuid` brings anyway).
//! - **No JSON Schema**: the generated `remote-rendering-rest` types
//!   implement `schemars::JsonSchema` only with that crate's `schemars`
//!   feature (schemars, its derive macro and a second `syn`: five crates).
//!   Nothing in this crate needs it; enable
//!   `remote-rendering-rest/schemars` to describe the wire types.
//! - **`futures-util`, not the `futures` facade**: every stream and future
//!   this crate and the generated code use lives there; the facade would
//!   add itself and `futures-io`. The re-exported [`Stream`],
//!   [`StreamExt`] and [`TryStreamExt`] are the same traits `futures`
//!   exports.
//!
//! What remains is mostly reqwest's (hyper, tower, `tower-http` and `log`
//! are not optional there) and `url`'s: its internationalized domain names
//! use ICU4X, 22 of the 107 crates. An application (not a library) that
//! wants fewer can choose `idna`'s back end in its own lock file, as the
//! `idna_adapter` crate documents (e.g. `cargo update -p idna_adapter
//! --precise 1.1.0` for unicode-rs). Two versions of `getrandom` are built:
//! 0.2 for `ring`, 0.4 for `uuid` and this crate.

#![warn(missing_docs)]

mod api_version;
mod auth;
mod builder;
mod client;
pub mod config;
mod continuation;
mod conversions;
mod error;
mod ids;
mod in_flight;
mod lease;
#[cfg(feature = "storage")]
mod local_conversion;
mod models;
mod options;
mod pipeline;
mod poller;
mod response;
mod retry;
mod sessions;
mod status;
mod tls;
mod transport;
mod unreachable;
mod versions;

pub use api_version::ApiVersion;
pub use auth::{AccessToken, Credential, STS_API_VERSION};
pub use builder::ClientBuilder;
pub use client::Client;
pub use error::{Error, Result, ServiceError};
pub use ids::{ConversionId, MAX_ID_LEN, SessionId};
pub use in_flight::DEFAULT_MAX_CONCURRENT_REQUESTS;
pub use lease::{LeaseEvent, LeaseKeeper, LeaseKeeperOptions};
#[cfg(feature = "storage")]
pub use local_conversion::{
    ConvertedModel, LocalConversion, LocalConversionError, StartedLocalConversion, StorageAccess,
    output_read_sas_url,
};
pub use models::{
    Conversion, ConversionInput, ConversionOutput, ConversionStatus, Lease, MAX_LEASE_MINUTES,
    Secret, ServiceErrorDetail, Session, SessionOptions, SessionSize, SessionStatus,
};
pub use options::{ClientOptions, DEFAULT_API_VERSION};
pub use poller::{
    ConversionPoller, MIN_POLL_INTERVAL, PollUpdate, Pollable, Poller, SLOW_INTERVAL,
    STANDARD_SESSION_INTERVAL, SessionPoller,
};
pub use remote_rendering_rest::BodyLimits;
/// The Blob storage library behind [`Client::convert_local_model`] (feature `storage`).
#[cfg(feature = "storage")]
pub use remote_rendering_storage as storage;
pub use retry::{MAX_RETRY_AFTER, RETRY_EVENT_TARGET, RetryPolicy};
pub use unreachable::Unreachable;

#[cfg(feature = "entra")]
pub use azure_core::credentials::TokenCredential;
pub use futures::{Stream, StreamExt, TryStreamExt};
pub use url::Url;

/// Pure functions exposed for the fuzz checks, benchmarks and tests (feature
/// `testing`, off by default): not part of the stable API.
#[cfg(feature = "testing")]
pub mod testing {
    pub use crate::auth::jwt_expiry;
    pub use crate::continuation::{ContinuationToken, PollerKind, decode_continuation_token};
}
