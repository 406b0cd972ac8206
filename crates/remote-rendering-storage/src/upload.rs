//! Uploading local files and folders: streamed from disk, blocks staged in parallel (a bounded
//! number in flight, so memory stays bounded whatever the file size), then committed.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::BytesMut;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncReadExt as _;
use tokio::task::JoinSet;

use crate::client::BlobStorage;
use crate::error::StorageError;

/// Progress of an upload, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadProgress {
    /// Bytes stored by the service so far (blocks acknowledged).
    pub bytes_done: u64,
    /// Bytes to upload in total.
    pub bytes_total: u64,
}

/// A callback receiving progress after each acknowledged block or blob; called from the upload's
/// tasks, so it must be quick (e.g. `indicatif::ProgressBar::set_position`).
pub type ProgressCallback = Arc<dyn Fn(UploadProgress) + Send + Sync>;

/// How uploads are split and paced.
#[derive(Clone)]
#[non_exhaustive]
pub struct UploadOptions {
    /// Size of each staged block (`Put Block`), at most 4000 MiB. Default 4 MiB.
    pub block_size: usize,
    /// Blocks in flight at once per file. Memory used is about
    /// `(parallelism + 1) * block_size`. Default 8.
    pub parallelism: usize,
    /// Files up to this size go in a single `Put Blob`. Default: `block_size`.
    pub single_put_max: u64,
    /// Receives progress in bytes.
    pub progress: Option<ProgressCallback>,
}

impl Default for UploadOptions {
    fn default() -> Self {
        const DEFAULT_BLOCK: usize = 4 * 1024 * 1024;
        Self {
            block_size: DEFAULT_BLOCK,
            parallelism: 8,
            single_put_max: DEFAULT_BLOCK as u64,
            progress: None,
        }
    }
}

impl UploadOptions {
    /// Sets the block size (and the single-`Put Blob` threshold to the same value).
    pub fn with_block_size(mut self, block_size: usize) -> Self {
        self.block_size = block_size.max(1);
        self.single_put_max = self.block_size as u64;
        self
    }

    /// Sets the number of blocks in flight per file.
    pub fn with_parallelism(mut self, parallelism: usize) -> Self {
        self.parallelism = parallelism.max(1);
        self
    }

    /// Sets the progress callback.
    pub fn with_progress(
        mut self,
        progress: impl Fn(UploadProgress) + Send + Sync + 'static,
    ) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }
}

impl fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadOptions")
            .field("block_size", &self.block_size)
            .field("parallelism", &self.parallelism)
            .field("single_put_max", &self.single_put_max)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// One uploaded file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadedBlob {
    /// The blob's name (prefix included, forward slashes).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What an upload stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadSummary {
    /// The blobs written, sorted by name.
    pub blobs: Vec<UploadedBlob>,
    /// Bytes uploaded in total.
    pub bytes: u64,
}

/// A model's folder uploaded, with the model's path as a conversion wants it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModelUpload {
    /// Every file of the model's folder.
    pub summary: UploadSummary,
    /// The blob prefix used, normalized to end with `/` (empty when none): a conversion's
    /// `inputLocation.blobPrefix`.
    pub blob_prefix: String,
    /// The model's path relative to the prefix: a conversion's `relativeInputAssetPath`.
    pub relative_input_asset_path: String,
}

/// Progress shared by an upload's tasks. Adding and reporting happen under one lock so the
/// callback sees `bytes_done` only grow.
#[derive(Clone)]
struct Tracker {
    done: Arc<Mutex<u64>>,
    total: u64,
    callback: Option<ProgressCallback>,
}

impl Tracker {
    fn new(total: u64, callback: Option<ProgressCallback>) -> Self {
        Self {
            done: Arc::new(Mutex::new(0)),
            total,
            callback,
        }
    }

    fn add(&self, bytes: u64) {
        let mut done = self
            .done
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *done += bytes;
        if let Some(callback) = &self.callback {
            callback(UploadProgress {
                bytes_done: *done,
                bytes_total: self.total,
            });
        }
    }
}

impl BlobStorage {
    /// Uploads one local file as the block blob `blob_name`.
    pub async fn upload_file(
        &self,
        path: &Path,
        container: &str,
        blob_name: &str,
        options: &UploadOptions,
    ) -> Result<UploadedBlob, StorageError> {
        let size = file_size(path)?;
        let tracker = Tracker::new(size, options.progress.clone());
        self.upload_one(path, size, container, blob_name, options, &tracker)
            .await?;
        Ok(UploadedBlob {
            name: blob_name.to_owned(),
            size,
        })
    }

    /// Uploads every file under `folder` (recursively) as `{prefix}/{relative path}`, with
    /// forward slashes, files in name order. Small files (one `Put Blob` each) go up to
    /// [`UploadOptions::parallelism`] at a time; a large file has the whole parallelism for its
    /// blocks, so memory stays bounded the same way.
    pub async fn upload_folder(
        &self,
        folder: &Path,
        container: &str,
        blob_prefix: &str,
        options: &UploadOptions,
    ) -> Result<UploadSummary, StorageError> {
        let prefix = normalize_prefix(blob_prefix);
        let files = list_files(folder)?;
        let total = files.iter().map(|(_, _, size)| size).sum();
        let tracker = Tracker::new(total, options.progress.clone());
        let mut small_files = JoinSet::new();
        let mut summary = UploadSummary::default();
        for (path, relative, size) in files {
            let name = format!("{prefix}{relative}");
            summary.bytes += size;
            summary.blobs.push(UploadedBlob {
                name: name.clone(),
                size,
            });
            if size <= options.single_put_max {
                while small_files.len() >= options.parallelism.max(1) {
                    join_one(&mut small_files).await?;
                }
                let (storage, container, options, tracker) = (
                    self.clone(),
                    container.to_owned(),
                    options.clone(),
                    tracker.clone(),
                );
                small_files.spawn(async move {
                    storage
                        .upload_one(&path, size, &container, &name, &options, &tracker)
                        .await
                });
            } else {
                while !small_files.is_empty() {
                    join_one(&mut small_files).await?;
                }
                self.upload_one(&path, size, container, &name, options, &tracker)
                    .await?;
            }
        }
        while !small_files.is_empty() {
            join_one(&mut small_files).await?;
        }
        Ok(summary)
    }

    /// Uploads the folder around `model_file` (the textures and other files it references)
    /// under `blob_prefix`, and tells the model's path relative to that prefix.
    pub async fn upload_model_folder(
        &self,
        model_file: &Path,
        container: &str,
        blob_prefix: &str,
        options: &UploadOptions,
    ) -> Result<ModelUpload, StorageError> {
        let folder = model_file
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .ok_or_else(|| StorageError::io("reading", model_file, not_a_file()))?;
        if !model_file.is_file() {
            return Err(StorageError::io("reading", model_file, not_a_file()));
        }
        let model_name = model_file
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| StorageError::InvalidUrl("model file name is not UTF-8".into()))?
            .to_owned();
        let summary = self
            .upload_folder(folder, container, blob_prefix, options)
            .await?;
        Ok(ModelUpload {
            summary,
            blob_prefix: normalize_prefix(blob_prefix),
            relative_input_asset_path: model_name,
        })
    }

    async fn upload_one(
        &self,
        path: &Path,
        size: u64,
        container: &str,
        name: &str,
        options: &UploadOptions,
        tracker: &Tracker,
    ) -> Result<(), StorageError> {
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| StorageError::io("opening", path, e))?;
        if size <= options.single_put_max {
            let content = read_block(&mut file, path, size as usize).await?;
            self.put_blob(container, name, content.freeze()).await?;
            tracker.add(size);
            return Ok(());
        }
        let block_size = options.block_size.max(1) as u64;
        let container: Arc<str> = container.into();
        let name: Arc<str> = name.into();
        let mut in_flight = JoinSet::new();
        let mut block_ids = Vec::new();
        let mut offset = 0u64;
        loop {
            // Read ahead only while a slot is free: at most `parallelism` blocks in memory.
            while in_flight.len() < options.parallelism.max(1) && offset < size {
                let length = block_size.min(size - offset);
                let content = read_block(&mut file, path, length as usize).await?.freeze();
                let block_id = block_id(block_ids.len());
                block_ids.push(block_id.clone());
                let (storage, container, name) = (self.clone(), container.clone(), name.clone());
                in_flight.spawn(async move {
                    storage
                        .put_block(&container, &name, &block_id, content)
                        .await
                        .map(|()| length)
                });
                offset += length;
            }
            match in_flight.join_next().await {
                Some(joined) => {
                    let staged = joined
                        .map_err(|e| StorageError::Protocol(format!("upload task: {e}")))??;
                    tracker.add(staged);
                }
                None => break,
            }
        }
        self.put_block_list(&container, &name, &block_ids).await
    }
}

/// Waits for one task of `tasks` (not empty) and returns its error, if any.
async fn join_one(tasks: &mut JoinSet<Result<(), StorageError>>) -> Result<(), StorageError> {
    match tasks.join_next().await {
        Some(joined) => joined.map_err(|e| StorageError::Protocol(format!("upload task: {e}")))?,
        None => Ok(()),
    }
}

/// Block ids of one blob must all have the same length: a zero-padded index.
fn block_id(index: usize) -> String {
    BASE64.encode(format!("block-{index:010}"))
}

async fn read_block(
    file: &mut tokio::fs::File,
    path: &Path,
    length: usize,
) -> Result<BytesMut, StorageError> {
    let mut buffer = BytesMut::zeroed(length);
    file.read_exact(&mut buffer)
        .await
        .map_err(|e| StorageError::io("reading", path, e))?;
    Ok(buffer)
}

/// `""` stays empty; anything else ends with exactly one `/`.
fn normalize_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}/")
    }
}

fn file_size(path: &Path) -> Result<u64, StorageError> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| StorageError::io("reading", path, e))
}

fn not_a_file() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::NotFound, "not a file")
}

/// Files under `folder`: (path, relative name with `/`, size), sorted by relative name.
fn list_files(folder: &Path) -> Result<Vec<(PathBuf, String, u64)>, StorageError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(folder).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(folder).to_path_buf();
            StorageError::io("listing", path, e.into())
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(folder)
            .expect("walkdir yields paths under its root");
        let parts: Option<Vec<&str>> = relative
            .components()
            .map(|c| c.as_os_str().to_str())
            .collect();
        let relative = parts
            .ok_or_else(|| {
                StorageError::InvalidUrl(format!("file name {relative:?} is not UTF-8"))
            })?
            .join("/");
        let size = entry
            .metadata()
            .map_err(|e| StorageError::io("reading", entry.path(), e.into()))?
            .len();
        files.push((entry.path().to_path_buf(), relative, size));
    }
    Ok(files)
}
