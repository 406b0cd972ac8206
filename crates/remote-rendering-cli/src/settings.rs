//! Where settings come from: flags, then `ARR_*` environment variables, then
//! the sample scripts' `arrconfig.json` (`--config FILE`).

use crate::cli::{ConversionStartArgs, SessionStartArgs};
use crate::duration::parse_lease;
use crate::error::{CliError, CliResult};
use crate::placeholders::{is_optional_placeholder, is_placeholder};
use remote_rendering::{ConversionInput, ConversionOutput, SessionOptions, SessionSize};
use schemars::JsonSchema;
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// Lease used when neither `--lease` nor `maxLeaseTime` says otherwise; the
/// sample scripts' REST examples use 4 hours.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(4 * 60 * 60);

/// The sample scripts' `arrconfig.json`. Every field is optional and unknown
/// keys are ignored, so files written for any version of the scripts load.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
#[schemars(
    title = "arrconfig.json",
    description = "Settings of the Azure Remote Rendering sample scripts, as `arr --config` reads them. Every field is optional; unknown keys are ignored."
)]
pub struct ArrConfig {
    /// `accountSettings`.
    pub account_settings: AccountSettings,
    /// `renderingSessionSettings`.
    pub rendering_session_settings: RenderingSessionSettings,
    /// `assetConversionSettings`.
    pub asset_conversion_settings: AssetConversionSettings,
}

/// `accountSettings` of `arrconfig.json`.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct AccountSettings {
    /// `arrAccountId`.
    pub arr_account_id: Option<String>,
    /// `arrAccountKey` (secret).
    pub arr_account_key: Option<String>,
    /// `arrAccountDomain`: a domain, a URL or (as the scripts allow) a region name.
    pub arr_account_domain: Option<String>,
    /// `region` (older files): the rendering region.
    pub region: Option<String>,
}

impl std::fmt::Debug for AccountSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key never reaches logs, not even at trace level.
        f.debug_struct("AccountSettings")
            .field("arr_account_id", &self.arr_account_id)
            .field(
                "arr_account_key",
                &self.arr_account_key.as_ref().map(|_| "<redacted>"),
            )
            .field("arr_account_domain", &self.arr_account_domain)
            .field("region", &self.region)
            .finish()
    }
}

/// `renderingSessionSettings` of `arrconfig.json`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct RenderingSessionSettings {
    /// `remoteRenderingDomain` (newer files): a region name or the service URL.
    pub remote_rendering_domain: Option<String>,
    /// `vmSize`: `standard` or `premium`.
    pub vm_size: Option<String>,
    /// `maxLeaseTime` as `hh:mm:ss`.
    pub max_lease_time: Option<String>,
}

/// `assetConversionSettings` of `arrconfig.json`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct AssetConversionSettings {
    /// `storageAccountName`: containers are `https://{name}.blob.core.windows.net/{container}`.
    pub storage_account_name: Option<String>,
    /// `blobInputContainerName`.
    pub blob_input_container_name: Option<String>,
    /// `blobOutputContainerName`.
    pub blob_output_container_name: Option<String>,
    /// `inputFolderPath`: the input blob prefix.
    pub input_folder_path: Option<String>,
    /// `inputAssetPath`: the asset, relative to the input folder.
    pub input_asset_path: Option<String>,
    /// `outputFolderPath`: the output blob prefix.
    pub output_folder_path: Option<String>,
    /// `outputAssetFileName`.
    pub output_asset_file_name: Option<String>,
    /// `localAssetDirectoryPath`: the local folder `--upload` uploads.
    pub local_asset_directory_path: Option<String>,
}

impl ArrConfig {
    /// Every key `arr` reads, with its `section.key` name.
    pub fn fields(&self) -> [(&'static str, &Option<String>); 15] {
        let a = &self.account_settings;
        let r = &self.rendering_session_settings;
        let c = &self.asset_conversion_settings;
        [
            ("accountSettings.arrAccountId", &a.arr_account_id),
            ("accountSettings.arrAccountKey", &a.arr_account_key),
            ("accountSettings.arrAccountDomain", &a.arr_account_domain),
            ("accountSettings.region", &a.region),
            (
                "renderingSessionSettings.remoteRenderingDomain",
                &r.remote_rendering_domain,
            ),
            ("renderingSessionSettings.vmSize", &r.vm_size),
            ("renderingSessionSettings.maxLeaseTime", &r.max_lease_time),
            (
                "assetConversionSettings.storageAccountName",
                &c.storage_account_name,
            ),
            (
                "assetConversionSettings.blobInputContainerName",
                &c.blob_input_container_name,
            ),
            (
                "assetConversionSettings.blobOutputContainerName",
                &c.blob_output_container_name,
            ),
            (
                "assetConversionSettings.inputFolderPath",
                &c.input_folder_path,
            ),
            (
                "assetConversionSettings.inputAssetPath",
                &c.input_asset_path,
            ),
            (
                "assetConversionSettings.outputFolderPath",
                &c.output_folder_path,
            ),
            (
                "assetConversionSettings.outputAssetFileName",
                &c.output_asset_file_name,
            ),
            (
                "assetConversionSettings.localAssetDirectoryPath",
                &c.local_asset_directory_path,
            ),
        ]
    }

    /// The keys that still hold the sample's placeholder text (optional
    /// keys' `<optional: ...>` placeholders are not counted).
    pub fn placeholder_keys(&self) -> Vec<&'static str> {
        self.fields()
            .into_iter()
            .filter(|(_, field)| {
                field
                    .as_deref()
                    .is_some_and(|v| is_placeholder(v) && !is_optional_placeholder(v))
            })
            .map(|(key, _)| key)
            .collect()
    }

    /// Reads and parses `path`.
    pub fn load(path: &Path) -> CliResult<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::usage(format!("cannot read --config file {}: {e}", path.display()))
        })?;
        // PowerShell writes files with a byte-order mark; serde_json refuses it.
        let text = text.trim_start_matches('\u{feff}');
        serde_json::from_str(text).map_err(|e| {
            CliError::usage(format!(
                "--config file {} is not valid arrconfig.json: {}",
                path.display(),
                without_values(&e.to_string())
            ))
        })
    }
}

/// A parse error without the values it quotes: `invalid type: string
/// "<the account key>", expected ...` must not print the key.
fn without_values(message: &str) -> String {
    match (message.find('"'), message.rfind('"')) {
        (Some(first), Some(last)) if first < last => {
            format!("{}\"…\"{}", &message[..first], &message[last + 1..])
        }
        _ => message.to_string(),
    }
}

/// An optional config value: the sample file ships with empty strings and
/// `<fill in ...>` placeholders ([`crate::placeholders`]), neither of which
/// is a setting.
pub fn value_of(field: &Option<String>) -> Option<String> {
    value(field)
}

/// See [`value_of`].
fn value(field: &Option<String>) -> Option<String> {
    let v = field.as_deref()?.trim();
    (!v.is_empty() && !is_placeholder(v)).then(|| v.to_string())
}

/// Reads an environment variable; injectable so resolution can be unit tested.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, ignoring empty variables.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Size and lease of a new session: flags, then `renderingSessionSettings`.
pub fn session_options(args: &SessionStartArgs, config: &ArrConfig) -> CliResult<SessionOptions> {
    let settings = &config.rendering_session_settings;
    let size = match (&args.size, value(&settings.vm_size)) {
        (Some(size), _) => size.clone(),
        (None, Some(size)) => SessionSize::known(&size).ok_or_else(|| {
            CliError::usage(format!(
                "renderingSessionSettings.vmSize `{}` is neither `standard` nor `premium`",
                size.to_ascii_lowercase()
            ))
        })?,
        (None, None) => SessionSize::Standard,
    };
    let lease = match (args.lease, value(&settings.max_lease_time)) {
        (Some(lease), _) => lease,
        (None, Some(text)) => parse_lease(&text)
            .map_err(|e| CliError::usage(format!("renderingSessionSettings.maxLeaseTime: {e}")))?,
        (None, None) => DEFAULT_LEASE,
    };
    Ok(SessionOptions::new(size, lease))
}

/// Input and output of a conversion: flags (and `ARR_*_SAS` variables), then
/// `assetConversionSettings`.
pub fn conversion_locations(
    args: &ConversionStartArgs,
    config: &ArrConfig,
    env: Env<'_>,
) -> CliResult<(ConversionInput, ConversionOutput)> {
    let settings = &config.asset_conversion_settings;
    let container = |name: &Option<String>| {
        Some(format!(
            "https://{}.blob.core.windows.net/{}",
            value(&settings.storage_account_name)?,
            value(name)?
        ))
    };
    let input_container = args
        .input_container
        .clone()
        .or_else(|| container(&settings.blob_input_container_name))
        .ok_or_else(|| {
            CliError::usage(
                "missing input container: pass --input-container or set `assetConversionSettings.storageAccountName` and `blobInputContainerName` in the --config file",
            )
        })?;
    let output_container = args
        .output_container
        .clone()
        .or_else(|| container(&settings.blob_output_container_name))
        .ok_or_else(|| {
            CliError::usage(
                "missing output container: pass --output-container or set `assetConversionSettings.storageAccountName` and `blobOutputContainerName` in the --config file",
            )
        })?;
    let asset = args
        .asset
        .clone()
        .or_else(|| value(&settings.input_asset_path))
        .ok_or_else(|| {
            CliError::usage(
                "missing asset: pass --asset or set `assetConversionSettings.inputAssetPath` in the --config file",
            )
        })?;

    let mut input = ConversionInput::new(&input_container, &asset)?;
    if let Some(sas) = args.input_sas.clone().or_else(|| env("ARR_INPUT_SAS")) {
        input = input.with_sas(sas);
    }
    if let Some(prefix) = args
        .input_prefix
        .clone()
        .or_else(|| value(&settings.input_folder_path))
    {
        input = input.with_blob_prefix(prefix);
    }
    let mut output = ConversionOutput::new(&output_container)?;
    if let Some(sas) = args.output_sas.clone().or_else(|| env("ARR_OUTPUT_SAS")) {
        output = output.with_sas(sas);
    }
    if let Some(prefix) = args
        .output_prefix
        .clone()
        .or_else(|| value(&settings.output_folder_path))
    {
        output = output.with_blob_prefix(prefix);
    }
    if let Some(name) = args
        .output_name
        .clone()
        .or_else(|| value(&settings.output_asset_file_name))
    {
        output = output.with_output_asset_name(name)?;
    }
    Ok((input, output))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A file as the sample scripts' users fill it in.
    pub(crate) const SAMPLE: &str = r#"{
        "accountSettings": {
            "arrAccountId": "30ea64bd-100f-4bf0-adc9-29fa45d4880c",
            "arrAccountKey": "secret-key",
            "arrAccountDomain": "westeurope",
            "somethingNew": 1
        },
        "renderingSessionSettings": {
            "remoteRenderingDomain": "<select from available regions>",
            "vmSize": "premium",
            "maxLeaseTime": "1:30:00"
        },
        "assetConversionSettings": {
            "localAssetDirectoryPath": "C:\\models",
            "resourceGroup": "rg",
            "storageAccountName": "mystorage",
            "blobInputContainerName": "arrinput",
            "blobOutputContainerName": "arroutput",
            "inputFolderPath": "",
            "inputAssetPath": "box.fbx",
            "outputFolderPath": "converted/box",
            "outputAssetFileName": "box.arrAsset"
        }
    }"#;

    #[test]
    fn the_sample_file_loads_and_fills_defaults() {
        let config: ArrConfig = serde_json::from_str(SAMPLE).unwrap();
        assert!(format!("{:?}", config.account_settings).contains("<redacted>"));
        assert!(!format!("{:?}", config).contains("secret-key"));

        let options = session_options(&SessionStartArgs::default(), &config).unwrap();
        assert_eq!(options.size, SessionSize::Premium);
        assert_eq!(options.lease, Duration::from_secs(90 * 60));

        let (input, output) =
            conversion_locations(&ConversionStartArgs::default(), &config, &|_| None).unwrap();
        assert_eq!(
            input.storage_container_uri.as_str(),
            "https://mystorage.blob.core.windows.net/arrinput"
        );
        assert_eq!(input.blob_prefix, None);
        assert_eq!(input.relative_input_asset_path, "box.fbx");
        assert_eq!(
            output.storage_container_uri.as_str(),
            "https://mystorage.blob.core.windows.net/arroutput"
        );
        assert_eq!(output.blob_prefix.as_deref(), Some("converted/box"));
        assert_eq!(output.output_asset_name.as_deref(), Some("box.arrAsset"));
    }

    #[test]
    fn placeholders_are_found_by_key() {
        let config: ArrConfig = serde_json::from_str(SAMPLE).unwrap();
        assert_eq!(
            config.placeholder_keys(),
            ["renderingSessionSettings.remoteRenderingDomain"]
        );
    }
}
