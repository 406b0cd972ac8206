//! Azure Blob Storage for Azure Remote Rendering conversions.
//!
//! A conversion reads its model from a Blob container and writes the `.arrAsset` into another.
//! This crate uploads a model's folder ([`BlobStorage::upload_model_folder`]), mints the
//! container SAS tokens a conversion is given ([`container_sas`]), and downloads what a
//! conversion wrote ([`BlobStorage::download_prefix`]). It is a crate of its own so that the
//! Remote Rendering client stays light: only those who upload pay for the storage stack.
//!
//! * Uploads stream from disk: each file is cut into blocks (`Put Block`), at most
//!   [`UploadOptions::parallelism`] in flight, then committed (`Put Block List`); memory stays
//!   about `(parallelism + 1) * block_size` whatever the file size. Small files use one `Put Blob`.
//!   Progress is reported in bytes through [`UploadOptions::progress`].
//! * Transient failures (throttling, 5xx, lost connections) are retried per request with
//!   exponential backoff ([`RetryPolicy`]); a failed block is sent again, not the whole file.
//! * Credentials ([`StorageCredential`]): the account key (Shared Key), a SAS, or, with the
//!   `entra` feature (on by default, additive), any `azure_core::credentials::TokenCredential`.
//! * Endpoints ([`BlobEndpoint`]): `https://{account}.blob.core.windows.net`, or any given one
//!   (Azurite's path style `http://127.0.0.1:10000/devstoreaccount1`, sovereign clouds).
//! * Secrets never show: the key and SAS types redact their `Debug`; errors carry the status, the
//!   storage error code and message, never a URL (it may hold a SAS) or a header.
//!
//! # Why not an existing Blob crate
//!
//! Checked in December 2026:
//! * `azure_storage_blob` 1.1 (Microsoft's SDK, on `azure_core` 1.1 like this workspace) has
//!   partitioned parallel upload, but no Shared Key authorization (a custom pipeline policy would
//!   be needed), no SAS minting from an account key (`azure_storage_sas` 1.0 makes user-delegation
//!   SAS only, which needs Entra), its upload takes in-memory bytes or a clonable seekable stream
//!   (no file source), and it has no progress hook; it also requires Rust 1.88.
//! * `object_store` 0.14 (azure feature) does Shared Key, SAS, Azurite and multipart upload, but
//!   uses its own credential trait (no `azure_core` `TokenCredential`), mints no service SAS from
//!   an account key, has no progress hook, and brings its own stack (chrono, humantime,
//!   itertools, md-5, parking_lot, httparse, serde_urlencoded, aws-lc-rs for signing, ...) for
//!   the six REST calls needed here.
//!
//! So this crate speaks the Blob REST API (version [`SERVICE_VERSION`]) over the workspace's
//! `reqwest`, and signs Shared Key requests and service SAS tokens itself from the documented
//! strings-to-sign. It adds two crates to the workspace's lock file: `hmac` and `quick-xml`
//! (listings, error documents); `walkdir` and `percent-encoding` were already there. Azurite
//! (pinned in the workspace's `package.json`) runs every operation in the tests.
//!
//! # Example
//!
//! ```no_run
//! use remote_rendering_storage::{
//!     BlobEndpoint, BlobStorage, SasPermissions, StorageCredential, UploadOptions,
//!     AccountKey, container_sas,
//! };
//! # async fn run(key: &str) -> Result<(), remote_rendering_storage::StorageError> {
//! let endpoint = BlobEndpoint::for_account("mystorage")?;
//! let storage = BlobStorage::new(endpoint.clone(), StorageCredential::shared_key(key)?)?;
//! storage.create_container("arrinput").await?;
//! let options = UploadOptions::default()
//!     .with_progress(|p| eprintln!("{}/{} bytes", p.bytes_done, p.bytes_total));
//! let upload = storage
//!     .upload_model_folder("models/robot.fbx".as_ref(), "arrinput", "robot", &options)
//!     .await?;
//! let expiry = time::OffsetDateTime::now_utc() + time::Duration::hours(24);
//! let input_sas = container_sas(
//!     &endpoint,
//!     &AccountKey::new(key)?,
//!     "arrinput",
//!     SasPermissions::READ_LIST,
//!     None,
//!     expiry,
//! )?;
//! # let _ = (upload, input_sas);
//! # Ok(())
//! # }
//! ```

mod client;
mod credential;
mod download;
mod endpoint;
mod error;
mod retry;
mod sas;
mod shared_key;
mod upload;
mod xml;

pub use client::BlobStorage;
pub use credential::{AccountKey, SasToken, StorageCredential};
pub use download::DownloadedBlob;
pub use endpoint::BlobEndpoint;
pub use error::StorageError;
pub use retry::RetryPolicy;
pub use sas::{SasPermissions, blob_sas, container_sas};
pub use upload::{
    ModelUpload, ProgressCallback, UploadOptions, UploadProgress, UploadSummary, UploadedBlob,
};
pub use xml::BlobItem;

/// The Blob service REST API version sent on every request and signed into minted SAS tokens.
pub const SERVICE_VERSION: &str = "2023-11-03";
