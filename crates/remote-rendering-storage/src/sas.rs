//! Service SAS tokens for a container or a blob, minted from the account key.
//!
//! The string-to-sign is the documented one for service SAS versions 2020-12-06 and later
//! (with `signedSnapshotTime` and `signedEncryptionScope` lines), for the version
//! [`crate::SERVICE_VERSION`] that this crate also sends on its requests.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::SERVICE_VERSION;
use crate::credential::{AccountKey, SasToken};
use crate::endpoint::BlobEndpoint;
use crate::error::StorageError;
use crate::shared_key::sign;

/// What a SAS allows. `list` applies to container SAS only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SasPermissions {
    /// Read blobs' content and properties.
    pub read: bool,
    /// Add blocks to append blobs.
    pub add: bool,
    /// Create new blobs (not overwrite).
    pub create: bool,
    /// Write (create or overwrite) blobs.
    pub write: bool,
    /// Delete blobs.
    pub delete: bool,
    /// List the container's blobs.
    pub list: bool,
}

impl SasPermissions {
    /// Read only: e.g. a link to one output blob.
    pub const READ: Self = Self {
        read: true,
        ..Self::NONE
    };

    /// Read + list: what a conversion needs on its input container.
    pub const READ_LIST: Self = Self {
        read: true,
        add: false,
        create: false,
        write: false,
        delete: false,
        list: true,
    };

    /// Write + create + list: what a conversion needs on its output container.
    pub const WRITE_CREATE_LIST: Self = Self {
        read: false,
        add: false,
        create: true,
        write: true,
        delete: false,
        list: true,
    };

    /// Nothing allowed; combine with the fields to build other sets.
    pub const NONE: Self = Self {
        read: false,
        add: false,
        create: false,
        write: false,
        delete: false,
        list: false,
    };

    /// The `sp` value, letters in the order the service requires.
    fn letters(&self) -> String {
        [
            (self.read, 'r'),
            (self.add, 'a'),
            (self.create, 'c'),
            (self.write, 'w'),
            (self.delete, 'd'),
            (self.list, 'l'),
        ]
        .iter()
        .filter_map(|&(on, letter)| on.then_some(letter))
        .collect()
    }
}

/// Mints a service SAS scoped to `container` (`sr=c`), valid until `expiry` (and from `start`,
/// when given). HTTPS only, unless the endpoint itself is plain HTTP (Azurite).
pub fn container_sas(
    endpoint: &BlobEndpoint,
    key: &AccountKey,
    container: &str,
    permissions: SasPermissions,
    start: Option<OffsetDateTime>,
    expiry: OffsetDateTime,
) -> Result<SasToken, StorageError> {
    // Validates the container name.
    endpoint.container_url(container)?;
    let resource = format!("/blob/{}/{container}", endpoint.account());
    service_sas(endpoint, key, &resource, "c", permissions, start, expiry)
}

/// Mints a service SAS for the one blob `container`/`blob` (`sr=b`), e.g. a read link to a
/// conversion's output asset ([`SasToken::apply_to`] makes the URL). `list` is refused.
pub fn blob_sas(
    endpoint: &BlobEndpoint,
    key: &AccountKey,
    container: &str,
    blob: &str,
    permissions: SasPermissions,
    start: Option<OffsetDateTime>,
    expiry: OffsetDateTime,
) -> Result<SasToken, StorageError> {
    // Validates the names.
    endpoint.blob_url(container, blob)?;
    if permissions.list {
        return Err(StorageError::InvalidSas);
    }
    let resource = format!("/blob/{}/{container}/{blob}", endpoint.account());
    service_sas(endpoint, key, &resource, "b", permissions, start, expiry)
}

fn service_sas(
    endpoint: &BlobEndpoint,
    key: &AccountKey,
    resource: &str,
    signed_resource: &str,
    permissions: SasPermissions,
    start: Option<OffsetDateTime>,
    expiry: OffsetDateTime,
) -> Result<SasToken, StorageError> {
    let sp = permissions.letters();
    if sp.is_empty() {
        return Err(StorageError::InvalidSas);
    }
    let st = start.map(iso8601).transpose()?.unwrap_or_default();
    let se = iso8601(expiry)?;
    let spr = if endpoint.url().scheme() == "http" {
        "https,http"
    } else {
        "https"
    };
    // sp, st, se, resource, si, sip, spr, sv, sr, snapshot, ses, rscc, rscd, rsce, rscl, rsct.
    let to_sign = [
        sp.as_str(),
        &st,
        &se,
        resource,
        "",
        "",
        spr,
        SERVICE_VERSION,
        signed_resource,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    .join("\n");
    let signature = sign(key, &to_sign);
    let mut query = vec![("sv", SERVICE_VERSION.to_owned())];
    if !st.is_empty() {
        query.push(("st", st));
    }
    query.extend([
        ("se", se),
        ("sr", signed_resource.to_owned()),
        ("sp", sp),
        ("spr", spr.to_owned()),
        ("sig", signature),
    ]);
    let query: Vec<String> = query
        .into_iter()
        .map(|(name, value)| format!("{name}={}", utf8_percent_encode(&value, NON_ALPHANUMERIC)))
        .collect();
    SasToken::new(&query.join("&"))
}

fn iso8601(at: OffsetDateTime) -> Result<String, StorageError> {
    let utc = at
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .map_err(|_| StorageError::InvalidSas)?;
    utc.format(&Rfc3339).map_err(|_| StorageError::InvalidSas)
}
