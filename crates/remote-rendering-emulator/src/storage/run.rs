//! A conversion's storage work, run in the background from `PUT`: list and read the input,
//! write the output. Its outcome decides whether the conversion ends `Succeeded` or `Failed`.

use std::sync::{Arc, OnceLock};

use remote_rendering_rest::types;
use remote_rendering_storage::StorageError;

use super::Reachable;
use super::outputs::{asset_file_name, normalize_prefix, successful};
use crate::state::{SUPPORTED_INPUT_EXTENSIONS, error};

/// Set once the storage work is done: `Err` with the conversion's error when it failed.
pub(crate) type Outcome = Arc<OnceLock<Result<(), types::Error>>>;

/// The storage work of one conversion.
#[derive(Debug)]
pub(crate) struct StorageJob {
    settings: types::ConversionSettings,
    input: Option<Reachable>,
    output: Option<Reachable>,
}

/// The 2024 answer for a missing input asset (FACTS.md; 2021–2022 said
/// `ConversionProcessFailed` / `Invalid input provided. Check logs in output container for details.`).
const MISSING_ASSET: &str = "Could not find the asset file in the storage account. Please make sure all paths and names are correct and the file is uploaded to storage.";

impl StorageJob {
    pub(crate) fn new(
        settings: types::ConversionSettings,
        input: Option<Reachable>,
        output: Option<Reachable>,
    ) -> Self {
        Self {
            settings,
            input,
            output,
        }
    }

    /// Runs the work in the background; the returned cell is set when it is done.
    pub(crate) fn spawn(self) -> Outcome {
        let outcome: Outcome = Arc::default();
        let cell = outcome.clone();
        tokio::spawn(async move {
            let result = self.run().await;
            if let Err(failure) = &result {
                tracing::info!(code = %failure.code, "conversion failed in storage");
            }
            let _ = cell.set(result);
        });
        outcome
    }

    async fn run(self) -> Result<(), types::Error> {
        let input = &self.settings.input_location;
        let prefix = normalize_prefix(input.blob_prefix.as_deref());
        let asset = format!("{prefix}{}", input.relative_input_asset_path);
        let Some(reach) = &self.input else {
            // Input simulated: nothing real to convert, nothing written.
            return Ok(());
        };
        let blobs = reach
            .storage
            .list_blobs(&reach.container, &prefix)
            .await
            .map_err(|e| unreadable_input(&e))?;
        if !blobs.iter().any(|blob| blob.name == asset) {
            return Err(missing_asset(&self.settings, &prefix));
        }
        let model = reach
            .storage
            .read_blob(&reach.container, &asset)
            .await
            .map_err(|e| unreadable_input(&e))?;
        if !supported(&asset) {
            // The extension check of the simulated path reports this failure.
            return Ok(());
        }
        let Some(out) = &self.output else {
            return Ok(());
        };
        let output = &self.settings.output_location;
        let name = asset_file_name(
            &input.relative_input_asset_path,
            output.output_asset_filename.as_deref(),
        );
        let output_prefix = normalize_prefix(output.blob_prefix.as_deref());
        for blob in successful(
            &output_prefix,
            &name,
            &input.relative_input_asset_path,
            &model,
        ) {
            out.storage
                .put_blob(&out.container, &blob.name, blob.content.into())
                .await
                .map_err(|e| unwritable_output(&e))?;
        }
        Ok(())
    }
}

fn supported(asset: &str) -> bool {
    asset.rsplit_once('.').is_some_and(|(_, ext)| {
        SUPPORTED_INPUT_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
    })
}

/// `Failed` with `InputContainerError` and the AdditionalInfo details of the July 2024 recording.
fn missing_asset(settings: &types::ConversionSettings, prefix: &str) -> types::Error {
    let input = &settings.input_location;
    let mut container = input.storage_container_uri.clone();
    if let Ok(mut url) = url::Url::parse(&container) {
        // A SAS pasted into the URI is never echoed.
        url.set_query(None);
        container = url.as_str().trim_end_matches('/').to_owned();
    }
    let mut failure = error("InputContainerError", MISSING_ASSET);
    failure.details = vec![
        error(
            "AdditionalInfo",
            format!("InputStorageContainerUri: {container}"),
        ),
        error(
            "AdditionalInfo",
            format!(
                "InputRelativeInputAssetPath: {}",
                input.relative_input_asset_path
            ),
        ),
        error("AdditionalInfo", format!("InputBlobPrefix: {prefix}")),
    ];
    failure
}

/// The input container could not be listed or read (bad or expired SAS, missing container,
/// storage down). Not recorded: the code is the one the service used for its input container.
fn unreadable_input(cause: &StorageError) -> types::Error {
    error(
        "InputContainerError",
        format!(
            "Could not access the input container. Please make sure the storage account is linked or the SAS grants read and list access. ({})",
            status_of(cause)
        ),
    )
}

/// The output could not be written. Not recorded.
fn unwritable_output(cause: &StorageError) -> types::Error {
    error(
        "OutputContainerError",
        format!(
            "Could not write to the output container. Please make sure the storage account is linked or the SAS grants write access. ({})",
            status_of(cause)
        ),
    )
}

/// The storage status and code, never a URL or SAS.
fn status_of(cause: &StorageError) -> String {
    match cause {
        StorageError::Service { status, code, .. } => format!("storage answered {status} {code}"),
        _ => "storage unreachable".to_owned(),
    }
}
