//! Domain types: what callers work with instead of the raw wire models.

use crate::error::Error;
use crate::ids::{ConversionId, SessionId};
pub use crate::status::{ConversionStatus, ServiceErrorDetail, SessionSize, SessionStatus};
use remote_rendering_rest::types as wire;
use std::fmt;
use std::time::Duration;
use time::OffsetDateTime;

/// The lease bounds the service documents, in minutes.
pub const MAX_LEASE_MINUTES: u64 = 1440;

/// A rendering session as last reported by the service.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Session {
    /// The session id.
    pub id: SessionId,
    /// Server size.
    pub size: SessionSize,
    /// Current state.
    pub status: SessionStatus,
    /// Total lease, counted from when the session became Ready.
    pub max_lease: Option<Duration>,
    /// Time the session has been Ready (whole minutes, as the service counts).
    pub elapsed: Option<Duration>,
    /// Host to connect to, once Ready.
    pub hostname: Option<String>,
    /// Port for the runtime handshake.
    pub handshake_port: Option<u16>,
    /// Port for ArrInspector.
    pub arr_inspector_port: Option<u16>,
    /// Compute the server offers.
    pub teraflops: Option<f32>,
    /// When the session was created.
    pub created_on: Option<OffsetDateTime>,
    /// Why the session failed, when it did.
    pub error: Option<ServiceErrorDetail>,
}

impl Session {
    /// Lease time left before the session expires, when the service said;
    /// `None` once the session has ended (Stopped, Expired, Error), whose
    /// lease no longer counts whatever the service reports.
    pub fn remaining_lease(&self) -> Option<Duration> {
        if self.status.is_terminal() {
            return None;
        }
        Some(
            self.max_lease?
                .saturating_sub(self.elapsed.unwrap_or_default()),
        )
    }
}

/// Where a conversion reads its input.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConversionInput {
    /// Blob container holding the input, e.g. `https://account.blob.core.windows.net/input`.
    pub storage_container_uri: url::Url,
    /// SAS granting read and list access, when the account is not linked to the storage.
    pub read_list_sas: Option<Secret>,
    /// Only blobs under this prefix are read.
    pub blob_prefix: Option<String>,
    /// The asset to convert, relative to the container (and prefix), e.g. `models/house.fbx`.
    pub relative_input_asset_path: String,
}

/// Where a conversion writes its output.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConversionOutput {
    /// Blob container for the output.
    pub storage_container_uri: url::Url,
    /// SAS granting write access, when the account is not linked to the storage.
    pub write_sas: Option<Secret>,
    /// Prefix for the written blobs.
    pub blob_prefix: Option<String>,
    /// Name of the `.arrAsset` file; defaults to the input's name.
    pub output_asset_name: Option<String>,
}

impl fmt::Debug for ConversionInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConversionInput")
            .field(
                "storage_container_uri",
                &self.storage_container_uri.as_str(),
            )
            .field("read_list_sas", &self.read_list_sas)
            .field("blob_prefix", &self.blob_prefix)
            .field("relative_input_asset_path", &self.relative_input_asset_path)
            .finish()
    }
}

impl fmt::Debug for ConversionOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConversionOutput")
            .field(
                "storage_container_uri",
                &self.storage_container_uri.as_str(),
            )
            .field("write_sas", &self.write_sas)
            .field("blob_prefix", &self.blob_prefix)
            .field("output_asset_name", &self.output_asset_name)
            .finish()
    }
}

impl ConversionInput {
    /// Input from `container` (an absolute http(s) URL), converting `asset` (a relative path).
    pub fn new(container: &str, asset: &str) -> Result<Self, Error> {
        Ok(Self {
            storage_container_uri: container_url("input container", container)?,
            read_list_sas: None,
            blob_prefix: None,
            relative_input_asset_path: relative_asset_path(asset)?,
        })
    }

    /// Adds a read/list SAS token.
    pub fn with_sas(mut self, sas: impl Into<Secret>) -> Self {
        self.read_list_sas = Some(sas.into());
        self
    }

    /// Restricts input to blobs under `prefix`.
    pub fn with_blob_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.blob_prefix = Some(prefix.into());
        self
    }
}

impl ConversionOutput {
    /// Output into `container` (an absolute http(s) URL).
    pub fn new(container: &str) -> Result<Self, Error> {
        Ok(Self {
            storage_container_uri: container_url("output container", container)?,
            write_sas: None,
            blob_prefix: None,
            output_asset_name: None,
        })
    }

    /// Adds a write SAS token.
    pub fn with_sas(mut self, sas: impl Into<Secret>) -> Self {
        self.write_sas = Some(sas.into());
        self
    }

    /// Writes under `prefix`.
    pub fn with_blob_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.blob_prefix = Some(prefix.into());
        self
    }

    /// Names the output asset (`.arrAsset` is the convention).
    pub fn with_output_asset_name(mut self, name: impl Into<String>) -> Result<Self, Error> {
        let name = name.into();
        if name.is_empty() || name.contains(['/', '\\']) {
            return Err(Error::validation(
                "output asset name",
                "must be a non-empty file name without '/' or '\\'",
            ));
        }
        self.output_asset_name = Some(name);
        Ok(self)
    }
}

fn container_url(field: &'static str, value: &str) -> Result<url::Url, Error> {
    let url = url::Url::parse(value)
        .map_err(|e| Error::validation(field, format!("`{value}` is not an absolute URL ({e})")))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(Error::validation(
            field,
            "must be an http(s) URL such as https://account.blob.core.windows.net/container",
        ));
    }
    if url.query().is_some() {
        return Err(Error::validation(
            field,
            "must not carry a query; pass a SAS token separately so it is kept secret",
        ));
    }
    Ok(url)
}

fn relative_asset_path(value: &str) -> Result<String, Error> {
    let field = "input asset path";
    if value.is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    if value.starts_with('/') || value.contains("://") || value.contains('\\') {
        return Err(Error::validation(
            field,
            "must be relative to the container, like `models/house.fbx`",
        ));
    }
    if value.split('/').any(|part| part == ".." || part.is_empty()) {
        return Err(Error::validation(
            field,
            "must not contain empty or `..` segments",
        ));
    }
    Ok(value.to_string())
}

/// A secret string (SAS token, account key): kept out of `Debug` and `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is sent.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}

/// A conversion as last reported by the service. SAS tokens are never part of it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Conversion {
    /// The conversion id.
    pub id: ConversionId,
    /// Current state.
    pub status: ConversionStatus,
    /// Input container.
    pub input_container: String,
    /// Input asset, relative to the container.
    pub input_asset: String,
    /// Output container.
    pub output_container: String,
    /// URI of the converted asset, once Succeeded.
    pub output_asset_uri: Option<String>,
    /// When the conversion was created.
    pub created_on: Option<OffsetDateTime>,
    /// Why the conversion failed, when it did.
    pub error: Option<ServiceErrorDetail>,
}

pub(crate) fn minutes(value: Option<i64>) -> Option<Duration> {
    value
        .and_then(|m| u64::try_from(m).ok())
        .map(|m| Duration::from_secs(m * 60))
}

pub(crate) fn port(value: Option<i64>) -> Option<u16> {
    value.and_then(|p| u16::try_from(p).ok())
}

pub(crate) fn timestamp(value: &chrono::DateTime<chrono::Utc>) -> Option<OffsetDateTime> {
    let nanos =
        i128::from(value.timestamp()) * 1_000_000_000 + i128::from(value.timestamp_subsec_nanos());
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

impl TryFrom<wire::SessionProperties> for Session {
    type Error = Error;

    fn try_from(s: wire::SessionProperties) -> Result<Self, Error> {
        Ok(Self {
            id: SessionId::new(s.id).map_err(|e| invalid_id("session", e))?,
            size: (&s.size).into(),
            status: (&s.status).into(),
            max_lease: minutes(s.max_lease_time_minutes),
            elapsed: minutes(s.elapsed_time_minutes),
            hostname: s.hostname,
            handshake_port: port(s.handshake_port),
            arr_inspector_port: port(s.arr_inspector_port),
            teraflops: s.teraflops,
            created_on: s.creation_time.as_ref().and_then(timestamp),
            error: s.error.map(Into::into),
        })
    }
}

impl TryFrom<wire::Conversion> for Conversion {
    type Error = Error;

    fn try_from(c: wire::Conversion) -> Result<Self, Error> {
        Ok(Self {
            id: ConversionId::new(c.id).map_err(|e| invalid_id("conversion", e))?,
            status: (&c.status).into(),
            input_container: c.settings.input_location.storage_container_uri,
            input_asset: c.settings.input_location.relative_input_asset_path,
            output_container: c.settings.output_location.storage_container_uri,
            output_asset_uri: c.output.and_then(|o| o.output_asset_uri),
            created_on: timestamp(&c.creation_time),
            error: c.error.map(Into::into),
        })
    }
}

pub(crate) fn invalid_id(kind: &str, error: Error) -> Error {
    Error::InvalidResponse {
        operation: "decode",
        message: format!("the service returned an invalid {kind} id: {error}"),
        ms_cv: None,
        transient: false,
    }
}

/// Maps a generated extensible enum onto ours variant by variant (a new
/// known value in the spec fails to compile here until it is mapped).
macro_rules! from_wire_enum {
    ($ours:ident, $wire:ident, $known:ident { $($variant:ident),* $(,)? }) => {
        impl From<&wire::$wire> for $ours {
            fn from(value: &wire::$wire) -> Self {
                match value {
                    $(wire::$wire::Known(wire::$known::$variant) => Self::$variant,)*
                    wire::$wire::Other(other) => Self::from(other.as_str()),
                }
            }
        }
    };
}

from_wire_enum!(
    SessionSize,
    SessionSize,
    SessionSizeKnown { Standard, Premium }
);
from_wire_enum!(
    SessionStatus,
    SessionStatus,
    SessionStatusKnown {
        Starting,
        Ready,
        Stopped,
        Expired,
        Error
    }
);
from_wire_enum!(
    ConversionStatus,
    ConversionStatus,
    ConversionStatusKnown {
        NotStarted,
        Running,
        Succeeded,
        Failed,
        Cancelled
    }
);

/// Settings of a new rendering session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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

/// A session lease as the service counts it: a whole number of minutes,
/// from 1 to [`MAX_LEASE_MINUTES`]. The one place that rule is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lease {
    minutes: u64,
}

impl Lease {
    /// The longest lease the service grants (24 h).
    pub const MAX: Lease = Lease {
        minutes: MAX_LEASE_MINUTES,
    };

    /// Whether `duration` is a whole number of minutes (zero included):
    /// the service counts leases in minutes, and silently rounding would
    /// change what was asked.
    pub fn is_whole_minutes(duration: Duration) -> bool {
        duration.subsec_nanos() == 0 && duration.as_secs().is_multiple_of(60)
    }

    /// The lease in minutes.
    pub fn minutes(self) -> u64 {
        self.minutes
    }

    /// The lease as a duration.
    pub fn duration(self) -> Duration {
        Duration::from_secs(self.minutes * 60)
    }
}

impl TryFrom<Duration> for Lease {
    type Error = Error;

    fn try_from(lease: Duration) -> Result<Self, Error> {
        if !Lease::is_whole_minutes(lease) {
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
        Ok(Lease { minutes })
    }
}

impl From<Lease> for Duration {
    fn from(lease: Lease) -> Self {
        lease.duration()
    }
}

impl TryFrom<&SessionOptions> for wire::CreateSessionSettings {
    type Error = Error;

    fn try_from(options: &SessionOptions) -> Result<Self, Error> {
        let max_lease_time_minutes = Lease::try_from(options.lease)?.minutes() as i64;
        // Through serde, so a known name becomes the known variant and any
        // other string the open one, whatever shape the generated enum has.
        let size = serde_json::from_value::<wire::SessionSize>(serde_json::Value::String(
            options.size.as_str().to_string(),
        ))
        .map_err(|e| Error::validation("size", e.to_string()))?;
        Ok(Self {
            max_lease_time_minutes,
            size,
        })
    }
}

impl From<&ConversionInput> for wire::ConversionInputSettings {
    fn from(input: &ConversionInput) -> Self {
        Self {
            storage_container_uri: input.storage_container_uri.to_string(),
            storage_container_read_list_sas: input
                .read_list_sas
                .as_ref()
                .map(|s| s.expose().to_string()),
            blob_prefix: input.blob_prefix.clone(),
            relative_input_asset_path: input.relative_input_asset_path.clone(),
        }
    }
}

impl From<&ConversionOutput> for wire::ConversionOutputSettings {
    fn from(output: &ConversionOutput) -> Self {
        Self {
            storage_container_uri: output.storage_container_uri.to_string(),
            storage_container_write_sas: output.write_sas.as_ref().map(|s| s.expose().to_string()),
            blob_prefix: output.blob_prefix.clone(),
            output_asset_filename: output.output_asset_name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_whole_minutes_from_1_to_1440() {
        let minute = Duration::from_secs(60);
        assert_eq!(Lease::try_from(minute).unwrap().minutes(), 1);
        assert_eq!(Lease::try_from(minute * 1440).unwrap(), Lease::MAX);
        assert_eq!(Duration::from(Lease::MAX), minute * 1440);
        for bad in [
            Duration::ZERO,
            minute * 1441,
            Duration::from_secs(90),
            minute + Duration::from_millis(1),
        ] {
            assert!(Lease::try_from(bad).is_err(), "{bad:?}");
        }
        assert!(Lease::is_whole_minutes(Duration::ZERO));
        assert!(!Lease::is_whole_minutes(Duration::from_secs(59)));
    }
}
