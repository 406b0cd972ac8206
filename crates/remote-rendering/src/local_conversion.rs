//! Converting a model that is on disk: upload its folder, start the conversion (with SAS tokens
//! minted from the account key, or for storage linked to the account), wait, and tell where the
//! output asset is. Feature `storage`.
//!
//! It lives here, behind a feature, so that dependencies point one way: the storage crate knows
//! nothing of Remote Rendering (the emulator uses it too, without this client), and only users
//! who upload pull the storage stack into the client.

use std::path::PathBuf;
use std::time::Duration;

use remote_rendering_storage::{
    AccountKey, BlobStorage, ModelUpload, SasPermissions, StorageError, UploadOptions, blob_sas,
    container_sas,
};

use crate::client::Client;
use crate::error::Error;
use crate::ids::ConversionId;
use crate::models::{Conversion, ConversionInput, ConversionOutput, Secret};
use crate::poller::ConversionPoller;

/// How the service reaches the containers.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum StorageAccess {
    /// Container SAS tokens minted from the account key: read+list on input, write on output.
    Sas(AccountKey),
    /// The storage account is linked to the Remote Rendering account: no SAS is sent.
    Linked,
}

/// A local model to convert and where it goes.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LocalConversion {
    /// The model file; the whole folder around it (textures, ...) is uploaded.
    pub model: PathBuf,
    /// Input container name.
    pub input_container: String,
    /// Output container name.
    pub output_container: String,
    /// Blob prefix of the upload (and of the conversion's input); empty for the container root.
    pub input_prefix: String,
    /// Blob prefix of the output; `None` for the container root.
    pub output_prefix: Option<String>,
    /// The `.arrAsset` name; default: the model's file stem.
    pub output_asset_name: Option<String>,
    /// SAS or linked storage.
    pub access: StorageAccess,
    /// Lifetime of the minted SAS tokens. Default 24 h.
    pub sas_lifetime: Duration,
    /// Also mint a read SAS URL for the output asset (needs [`StorageAccess::Sas`]).
    pub output_read_sas: bool,
    /// Create the containers when missing (needs a credential allowed to). Default `true`.
    pub create_containers: bool,
    /// Block size, parallelism and progress of the upload.
    pub upload: UploadOptions,
}

impl LocalConversion {
    /// Converts `model` from `input_container` into `output_container`, with `access`.
    pub fn new(
        model: impl Into<PathBuf>,
        input_container: impl Into<String>,
        output_container: impl Into<String>,
        access: StorageAccess,
    ) -> Self {
        Self {
            model: model.into(),
            input_container: input_container.into(),
            output_container: output_container.into(),
            input_prefix: String::new(),
            output_prefix: None,
            output_asset_name: None,
            access,
            sas_lifetime: Duration::from_secs(24 * 60 * 60),
            output_read_sas: false,
            create_containers: true,
            upload: UploadOptions::default(),
        }
    }
}

/// A local model uploaded and its conversion started.
#[derive(Debug)]
#[non_exhaustive]
pub struct StartedLocalConversion {
    /// What was uploaded.
    pub upload: ModelUpload,
    /// Waits for the conversion.
    pub poller: ConversionPoller,
    /// Where the output asset will be (no SAS).
    pub output_asset_url: url::Url,
    /// The output asset's blob name in the output container.
    pub output_asset_blob: String,
}

/// A local model converted.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConvertedModel {
    /// The Succeeded conversion.
    pub conversion: Conversion,
    /// What was uploaded.
    pub upload: ModelUpload,
    /// The output asset's blob URL (no SAS).
    pub output_asset_url: url::Url,
    /// The same URL with a read SAS, when asked for. Secret.
    pub output_asset_sas_url: Option<Secret>,
}

/// Why converting a local model failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalConversionError {
    /// Uploading or minting a SAS failed.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// The conversion could not be started, or ended other than Succeeded.
    #[error(transparent)]
    Conversion(#[from] Error),
    /// A read SAS for the output was asked for with linked storage (no key to sign it).
    #[error("a read SAS URL for the output needs the storage account key")]
    SasNeedsKey,
}

impl Client {
    /// Uploads the folder of `request.model` to the input container and starts converting it.
    pub async fn upload_and_start_conversion(
        &self,
        storage: &BlobStorage,
        id: &ConversionId,
        request: &LocalConversion,
    ) -> Result<StartedLocalConversion, LocalConversionError> {
        if request.output_read_sas && matches!(request.access, StorageAccess::Linked) {
            return Err(LocalConversionError::SasNeedsKey);
        }
        if request.create_containers {
            storage.create_container(&request.input_container).await?;
            storage.create_container(&request.output_container).await?;
        }
        let upload = storage
            .upload_model_folder(
                &request.model,
                &request.input_container,
                &request.input_prefix,
                &request.upload,
            )
            .await?;
        let endpoint = storage.endpoint();
        let input_url = endpoint.container_url(&request.input_container)?;
        let output_url = endpoint.container_url(&request.output_container)?;
        let mut input =
            ConversionInput::new(input_url.as_str(), &upload.relative_input_asset_path)?;
        if !upload.blob_prefix.is_empty() {
            input = input.with_blob_prefix(upload.blob_prefix.clone());
        }
        let mut output = ConversionOutput::new(output_url.as_str())?;
        let output_prefix = request
            .output_prefix
            .as_deref()
            .map(|p| p.trim_matches('/'))
            .filter(|p| !p.is_empty());
        if let Some(prefix) = output_prefix {
            output = output.with_blob_prefix(prefix);
        }
        if let Some(name) = &request.output_asset_name {
            output = output.with_output_asset_name(name.clone())?;
        }
        if let StorageAccess::Sas(key) = &request.access {
            let expiry = sas_expiry(request.sas_lifetime);
            let read = container_sas(
                endpoint,
                key,
                &request.input_container,
                SasPermissions::READ_LIST,
                None,
                expiry,
            )?;
            let write = container_sas(
                endpoint,
                key,
                &request.output_container,
                SasPermissions::WRITE_CREATE_LIST,
                None,
                expiry,
            )?;
            input = input.with_sas(read.as_query());
            output = output.with_sas(write.as_query());
        }
        let asset_name = request
            .output_asset_name
            .clone()
            .unwrap_or_else(|| default_asset_name(&upload.relative_input_asset_path));
        let blob = match output_prefix {
            Some(prefix) => format!("{prefix}/{asset_name}"),
            None => asset_name,
        };
        let output_asset_url = endpoint.blob_url(&request.output_container, &blob)?;
        let poller = self.start_conversion(id, &input, &output).await?;
        Ok(StartedLocalConversion {
            upload,
            poller,
            output_asset_url,
            output_asset_blob: blob,
        })
    }

    /// The whole chain: upload, start, wait until Succeeded, and the output asset's URL (with a
    /// read SAS when [`LocalConversion::output_read_sas`] asks for one).
    pub async fn convert_local_model(
        &self,
        storage: &BlobStorage,
        id: &ConversionId,
        request: &LocalConversion,
    ) -> Result<ConvertedModel, LocalConversionError> {
        let started = self
            .upload_and_start_conversion(storage, id, request)
            .await?;
        let conversion = started.poller.wait().await?;
        let output_asset_sas_url =
            output_read_sas_url(storage, request, &started.output_asset_blob)?;
        Ok(ConvertedModel {
            conversion,
            upload: started.upload,
            output_asset_url: started.output_asset_url,
            output_asset_sas_url,
        })
    }
}

/// A read SAS URL for the blob `asset_blob` of the output container, when the request asks for
/// one. Secret.
pub fn output_read_sas_url(
    storage: &BlobStorage,
    request: &LocalConversion,
    asset_blob: &str,
) -> Result<Option<Secret>, LocalConversionError> {
    if !request.output_read_sas {
        return Ok(None);
    }
    let StorageAccess::Sas(key) = &request.access else {
        return Err(LocalConversionError::SasNeedsKey);
    };
    let url = storage
        .endpoint()
        .blob_url(&request.output_container, asset_blob)?;
    let sas = blob_sas(
        storage.endpoint(),
        key,
        &request.output_container,
        asset_blob,
        SasPermissions::READ,
        None,
        sas_expiry(request.sas_lifetime),
    )?;
    Ok(Some(Secret::new(sas.apply_to(&url).to_string())))
}

fn sas_expiry(lifetime: Duration) -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc() + lifetime
}

/// The service's default output name: the input's file stem + `.arrAsset`.
fn default_asset_name(input_path: &str) -> String {
    let name = input_path.rsplit('/').next().unwrap_or(input_path);
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    format!("{stem}.arrAsset")
}
