//! `arr conversion download ID --to DIR`: fetch what a Succeeded conversion wrote beside its
//! output asset (`{name}.arrAsset`, `{name}.result.json`, `{name}.info.json`, ...).

use crate::commands::Context;
use crate::error::{CliError, CliResult, FAILED};
use crate::settings::Env;
use clap::Args;
use percent_encoding::percent_decode_str;
use remote_rendering::storage::{BlobEndpoint, BlobStorage, StorageCredential};
use remote_rendering::{Client, ConversionId, ConversionStatus};
use serde_json::json;
use std::path::PathBuf;

/// `arr conversion download`
#[derive(Debug, Clone, Args)]
pub struct DownloadArgs {
    /// Conversion id.
    pub id: String,
    /// Folder to write the files to (created when missing).
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// Storage account key of the output container's account [env: ARR_STORAGE_KEY]
    #[arg(long, value_name = "KEY")]
    pub storage_key: Option<String>,
    /// Blob endpoint to use instead of the one in the output container URL, e.g. Azurite's [env: ARR_STORAGE_ENDPOINT]
    #[arg(long, value_name = "URL")]
    pub storage_endpoint: Option<String>,
}

/// The output asset's container and blob name, from the conversion's `outputAssetUri`.
fn output_blob(asset_uri: &str) -> CliResult<(BlobEndpoint, String, String)> {
    let url = url::Url::parse(asset_uri)
        .map_err(|e| CliError::service(format!("the output asset URI is not a URL: {e}")))?;
    let mut segments: Vec<&str> = url
        .path_segments()
        .map(Iterator::collect)
        .unwrap_or_default();
    // Loopback hosts and IP addresses name the account in the path (Azurite).
    let path_style = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(_) => true,
        None => false,
    };
    let container_segments = if path_style { 2 } else { 1 };
    if segments.len() <= container_segments {
        return Err(CliError::service("the output asset URI names no blob"));
    }
    let blob: Vec<String> = segments
        .split_off(container_segments)
        .into_iter()
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let mut container_url = url.clone();
    container_url.set_path(&segments.join("/"));
    container_url.set_query(None);
    let (endpoint, container) = BlobEndpoint::from_container_url(container_url.as_str())
        .map_err(|e| CliError::service(format!("output container: {e}")))?;
    Ok((endpoint, container, blob.join("/")))
}

/// Runs `arr conversion download`.
pub async fn run(ctx: &Context, client: &Client, args: DownloadArgs, env: Env<'_>) -> CliResult {
    let id = ConversionId::new(args.id)?;
    let conversion = client.get_conversion(&id).await?;
    let asset_uri = match (&conversion.status, &conversion.output_asset_uri) {
        (ConversionStatus::Succeeded, Some(uri)) => uri.clone(),
        (status, _) => {
            return Err(CliError::new(
                FAILED,
                format!("conversion {id} is {status}: it has no output to download"),
            ));
        }
    };
    let (mut endpoint, container, blob) = output_blob(&asset_uri)?;
    if let Some(url) = args
        .storage_endpoint
        .clone()
        .or_else(|| env("ARR_STORAGE_ENDPOINT"))
    {
        endpoint = BlobEndpoint::with_url(endpoint.account(), &url)
            .map_err(|e| CliError::usage(format!("--storage-endpoint: {e}")))?;
    }
    let key = args
        .storage_key
        .clone()
        .or_else(|| env("ARR_STORAGE_KEY"))
        .ok_or_else(|| {
            CliError::usage(
                "missing storage account key: set ARR_STORAGE_KEY or pass --storage-key",
            )
        })?;
    let credential = StorageCredential::shared_key(&key)
        .map_err(|e| CliError::usage(format!("storage key: {e}")))?;
    let storage =
        BlobStorage::new(endpoint, credential).map_err(|e| CliError::service(e.to_string()))?;
    // Everything the conversion wrote shares the asset's name up to its extension.
    let stem = blob.strip_suffix(".arrAsset").unwrap_or(&blob);
    let prefix = format!("{stem}.");
    let files = storage
        .download_prefix(&container, &prefix, &args.to)
        .await
        .map_err(|e| CliError::service(format!("downloading the output: {e}")))?;
    if files.is_empty() {
        return Err(CliError::service(format!(
            "no blob of conversion {id} found in container {container}"
        )));
    }
    ctx.printer.print(
        || {
            files
                .iter()
                .map(|f| format!("{}  {} bytes\n", f.path.display(), f.size))
                .collect()
        },
        || {
            json!({
                "id": id.as_str(),
                "files": files.iter().map(|f| json!({"blob": f.name, "path": f.path.display().to_string(), "bytes": f.size})).collect::<Vec<_>>(),
            })
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_blob_comes_from_the_asset_uri() {
        let (endpoint, container, blob) =
            output_blob("http://127.0.0.1:10000/devstoreaccount1/out/conv/robot%20x.arrAsset")
                .unwrap();
        assert_eq!(endpoint.account(), "devstoreaccount1");
        assert_eq!(container, "out");
        assert_eq!(blob, "conv/robot x.arrAsset");
        let (endpoint, container, blob) =
            output_blob("https://sdktest.blob.core.windows.net/test/Output/testBox.arrAsset")
                .unwrap();
        assert_eq!(endpoint.account(), "sdktest");
        assert_eq!(container, "test");
        assert_eq!(blob, "Output/testBox.arrAsset");
        assert!(output_blob("https://sdktest.blob.core.windows.net/test").is_err());
    }
}
