//! Downloading every blob under a prefix to a local folder, streamed to disk.

use futures::StreamExt as _;
use std::path::{Component, Path, PathBuf};
use tokio::io::AsyncWriteExt as _;

use crate::client::BlobStorage;
use crate::error::StorageError;
use crate::xml::BlobItem;

/// One downloaded blob.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadedBlob {
    /// The blob's name in the container.
    pub name: String,
    /// Where it was written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
}

impl BlobStorage {
    /// Downloads every blob of `container` whose name starts with `prefix` into `to`, at its
    /// name relative to the prefix (the prefix up to its last `/` is dropped), creating folders.
    /// Blob names that would escape `to` (`..`, absolute) are refused.
    pub async fn download_prefix(
        &self,
        container: &str,
        prefix: &str,
        to: &Path,
    ) -> Result<Vec<DownloadedBlob>, StorageError> {
        let blobs = self.list_blobs(container, prefix).await?;
        // The folder part of the prefix is dropped: `Output/` and `Output/ro` both strip `Output/`.
        let strip = prefix.rfind('/').map_or("", |i| &prefix[..=i]);
        let mut downloaded = Vec::with_capacity(blobs.len());
        for BlobItem { name, size, .. } in blobs {
            let relative = name.strip_prefix(strip).unwrap_or(&name);
            let path = to.join(safe_relative_path(relative, &name)?);
            self.download_blob(container, &name, &path).await?;
            downloaded.push(DownloadedBlob { name, path, size });
        }
        Ok(downloaded)
    }

    /// Downloads one blob to `path` (created or truncated), streaming.
    pub async fn download_blob(
        &self,
        container: &str,
        name: &str,
        path: &Path,
    ) -> Result<u64, StorageError> {
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| StorageError::io("creating", parent, e))?;
        }
        let response = self.get_blob(container, name).await?;
        let mut file = tokio::fs::File::create(path)
            .await
            .map_err(|e| StorageError::io("creating", path, e))?;
        let mut body = response.bytes_stream();
        let mut written = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(StorageError::transport)?;
            file.write_all(&chunk)
                .await
                .map_err(|e| StorageError::io("writing", path, e))?;
            written += chunk.len() as u64;
        }
        file.flush()
            .await
            .map_err(|e| StorageError::io("writing", path, e))?;
        Ok(written)
    }
}

/// `relative` as a path made only of normal components.
fn safe_relative_path(relative: &str, name: &str) -> Result<PathBuf, StorageError> {
    let path = Path::new(relative);
    let safe = !relative.is_empty()
        && !relative.contains('\\')
        && path.components().all(|c| matches!(c, Component::Normal(_)));
    if safe {
        Ok(path.to_path_buf())
    } else {
        Err(StorageError::UnsafeBlobName(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_escaping_the_folder_are_refused() {
        for bad in ["../x", "a/../../x", "/etc/passwd", "", "a\\..\\b"] {
            assert!(safe_relative_path(bad, bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            safe_relative_path("t/a.png", "t/a.png").unwrap(),
            PathBuf::from("t/a.png")
        );
    }
}
