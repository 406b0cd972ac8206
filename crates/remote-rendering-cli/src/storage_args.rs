//! The storage flags of `arr conversion start --upload` and `arr conversion download`, and how
//! they resolve: flags, then `ARR_STORAGE_*` variables, then `assetConversionSettings`.

use crate::error::{CliError, CliResult};
use crate::settings::{ArrConfig, Env, value_of};
use clap::Args;
use remote_rendering::storage::{BlobEndpoint, BlobStorage, StorageCredential};
use std::path::PathBuf;

/// Storage flags (upload mode of `arr conversion start`).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Storage (with --upload)")]
pub struct StorageArgs {
    /// Upload this model's folder, then convert the model; without PATH, the --config file's
    /// localAssetDirectoryPath + inputAssetPath. --input-container/--output-container are then
    /// container names [defaults: blobInputContainerName/blobOutputContainerName, arrinput/arroutput]
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "")]
    pub upload: Option<PathBuf>,
    /// Storage account name [env: ARR_STORAGE_ACCOUNT] [config: assetConversionSettings.storageAccountName]
    #[arg(long, value_name = "NAME")]
    pub storage_account: Option<String>,
    /// Storage account key; prefer the variable, which stays out of process lists [env: ARR_STORAGE_KEY]
    #[arg(long, value_name = "KEY")]
    pub storage_key: Option<String>,
    /// Blob endpoint, e.g. Azurite's `http://127.0.0.1:10000/devstoreaccount1` [env: ARR_STORAGE_ENDPOINT] [default: `https://NAME.blob.core.windows.net`]
    #[arg(long, value_name = "URL")]
    pub storage_endpoint: Option<String>,
    /// Blob prefix of the upload [config: assetConversionSettings.inputFolderPath]
    #[arg(long, value_name = "P")]
    pub blob_prefix: Option<String>,
    /// The storage account is linked to the Remote Rendering account: send no SAS.
    #[arg(long)]
    pub linked: bool,
    /// Also print a read SAS URL of the output asset (a secret: it grants access).
    #[arg(long)]
    pub sas_url: bool,
}

/// Container names in upload mode when neither flag nor config gives one.
pub const DEFAULT_INPUT_CONTAINER: &str = "arrinput";
/// See [`DEFAULT_INPUT_CONTAINER`].
pub const DEFAULT_OUTPUT_CONTAINER: &str = "arroutput";

/// A storage account to talk to, resolved.
pub struct ResolvedStorage {
    /// The account's Blob endpoint.
    pub endpoint: BlobEndpoint,
    /// The account key (never printed).
    pub key: String,
}

fn given(value: &Option<String>) -> Option<String> {
    value
        .as_ref()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl ResolvedStorage {
    /// The account, key and endpoint of `args`, the environment and the config file.
    pub fn resolve(args: &StorageArgs, config: &ArrConfig, env: Env<'_>) -> CliResult<Self> {
        let settings = &config.asset_conversion_settings;
        let account = given(&args.storage_account)
            .or_else(|| env("ARR_STORAGE_ACCOUNT"))
            .or_else(|| value_of(&settings.storage_account_name))
            .ok_or_else(|| {
                CliError::usage(
                    "missing storage account: pass --storage-account, set ARR_STORAGE_ACCOUNT, or set `assetConversionSettings.storageAccountName` in the --config file",
                )
            })?;
        let key = given(&args.storage_key)
            .or_else(|| env("ARR_STORAGE_KEY"))
            .ok_or_else(|| {
                CliError::usage(
                    "missing storage account key: set ARR_STORAGE_KEY or pass --storage-key",
                )
            })?;
        let endpoint =
            match given(&args.storage_endpoint).or_else(|| env("ARR_STORAGE_ENDPOINT")) {
                Some(url) => BlobEndpoint::with_url(&account, &url),
                None => BlobEndpoint::for_account(&account),
            }
            .map_err(|e| CliError::usage(format!("--storage-endpoint/--storage-account: {e}")))?;
        Ok(Self { endpoint, key })
    }

    /// A client signing with the key.
    pub fn client(&self) -> CliResult<BlobStorage> {
        let credential = StorageCredential::shared_key(&self.key)
            .map_err(|e| CliError::usage(format!("storage key: {e}")))?;
        BlobStorage::new(self.endpoint.clone(), credential)
            .map_err(|e| CliError::service(e.to_string()))
    }
}

/// The model file: `--upload PATH`, else the config's `localAssetDirectoryPath` + `inputAssetPath`.
pub fn model_path(args: &StorageArgs, config: &ArrConfig) -> CliResult<PathBuf> {
    match &args.upload {
        Some(path) if !path.as_os_str().is_empty() => Ok(path.clone()),
        _ => {
            let settings = &config.asset_conversion_settings;
            let folder = value_of(&settings.local_asset_directory_path);
            let asset = value_of(&settings.input_asset_path);
            match (folder, asset) {
                (Some(folder), Some(asset)) => Ok(PathBuf::from(folder).join(asset)),
                _ => Err(CliError::usage(
                    "--upload needs a PATH, or `assetConversionSettings.localAssetDirectoryPath` and `inputAssetPath` in the --config file",
                )),
            }
        }
    }
}

/// A container name from a flag (a name, or a URL whose last segment is taken), the config,
/// or the default.
pub fn container_name(flag: &Option<String>, config: &Option<String>, default: &str) -> String {
    given(flag)
        .map(|value| match BlobEndpoint::from_container_url(&value) {
            Ok((_, name)) => name,
            Err(_) => value,
        })
        .or_else(|| value_of(config))
        .unwrap_or_else(|| default.to_owned())
}
