//! Where settings come from: flags, then `ARR_*` environment variables, then
//! the sample scripts' `arrconfig.json` (`--config FILE`).

use crate::cli::{ConnectionArgs, ConversionStartArgs, SessionStartArgs};
use crate::duration::parse_lease;
use crate::error::{CliError, CliResult};
use remote_rendering::{
    ApiVersion, Client, ConversionInput, ConversionOutput, Credential, SessionOptions, SessionSize,
};
use schemars::JsonSchema;
use serde::Deserialize;
use std::path::{Path, PathBuf};
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
/// `<fill in ...>` placeholders, neither of which is a setting.
pub fn value_of(field: &Option<String>) -> Option<String> {
    value(field)
}

/// See [`value_of`].
fn value(field: &Option<String>) -> Option<String> {
    let v = field.as_deref()?.trim();
    let placeholder = v.starts_with('<') && v.ends_with('>');
    (!v.is_empty() && !placeholder).then(|| v.to_string())
}

/// Reads an environment variable; injectable so resolution can be unit tested.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, ignoring empty variables.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn missing(what: &str, flag: &str, var: &str, key: Option<&str>) -> CliError {
    let mut message = format!("missing {what}: pass {flag} or set {var}");
    if let Some(key) = key {
        message.push_str(&format!(" or `{key}` in the --config file"));
    }
    CliError::usage(message)
}

/// Everything needed to build a [`Client`], resolved from all sources.
pub struct Connection {
    account_id: String,
    account_domain: String,
    credential: Credential,
    endpoint: Option<String>,
    region: Option<String>,
    sts_endpoint: Option<String>,
    ca_cert: Option<PathBuf>,
    poll_interval: Option<Duration>,
    request_timeout: Option<Duration>,
    retry: Option<remote_rendering::RetryPolicy>,
    api_version: ApiVersion,
}

impl Connection {
    /// Resolves the connection settings: flag, then environment, then config.
    pub fn resolve(args: &ConnectionArgs, config: &ArrConfig, env: Env<'_>) -> CliResult<Self> {
        let account = &config.account_settings;
        let session = &config.rendering_session_settings;
        let pick = |flag: &Option<String>, var: &str, key: Option<String>| {
            flag.clone()
                .filter(|v| !v.trim().is_empty())
                .or_else(|| env(var))
                .or(key)
        };

        let account_id = pick(
            &args.account_id,
            "ARR_ACCOUNT_ID",
            value(&account.arr_account_id),
        )
        .ok_or_else(|| {
            missing(
                "account id",
                "--account-id",
                "ARR_ACCOUNT_ID",
                Some("accountSettings.arrAccountId"),
            )
        })?;

        let credential = match pick(
            &args.account_key,
            "ARR_ACCOUNT_KEY",
            value(&account.arr_account_key),
        ) {
            Some(key) => Credential::account_key(key),
            // A ready token suits CI jobs that must not hold the key.
            None => match env("ARR_ACCESS_TOKEN") {
                Some(token) => Credential::access_token(token),
                None => {
                    return Err(missing(
                        "account key",
                        "--account-key",
                        "ARR_ACCOUNT_KEY (or ARR_ACCESS_TOKEN)",
                        Some("accountSettings.arrAccountKey"),
                    ));
                }
            },
        };

        let config_region = value(&account.region);
        let account_domain = pick(
            &args.account_domain,
            "ARR_ACCOUNT_DOMAIN",
            value(&account.arr_account_domain)
                .map(|d| config_domain(&d))
                .or_else(|| {
                    config_region
                        .as_ref()
                        .map(|r| format!("{r}.mixedreality.azure.com"))
                }),
        )
        .ok_or_else(|| {
            missing(
                "account domain",
                "--account-domain",
                "ARR_ACCOUNT_DOMAIN",
                Some("accountSettings.arrAccountDomain"),
            )
        })?;

        // Endpoint and region name the same thing, so they are resolved
        // together: a --region flag beats an ARR_ENDPOINT variable.
        let (endpoint, region) = if args.endpoint.is_some() || args.region.is_some() {
            (args.endpoint.clone(), args.region.clone())
        } else if env("ARR_ENDPOINT").is_some() || env("ARR_REGION").is_some() {
            (env("ARR_ENDPOINT"), env("ARR_REGION"))
        } else if let Some(domain) = value(&session.remote_rendering_domain) {
            if domain.contains("://") {
                (Some(domain), None)
            } else if domain.contains('.') {
                (Some(format!("https://{domain}")), None)
            } else {
                (None, Some(domain))
            }
        } else if let Some(region) = config_region {
            (None, Some(region))
        } else if let Some(region) = account_domain
            .strip_suffix(".mixedreality.azure.com")
            .filter(|r| !r.contains('.'))
        {
            // An Azure account domain names its region.
            (None, Some(region.to_string()))
        } else {
            return Err(missing(
                "service endpoint",
                "--endpoint or --region",
                "ARR_ENDPOINT or ARR_REGION",
                Some("accountSettings.region"),
            ));
        };

        Ok(Self {
            account_id,
            account_domain,
            credential,
            endpoint,
            region,
            sts_endpoint: args
                .sts_endpoint
                .clone()
                .or_else(|| env("ARR_STS_ENDPOINT")),
            ca_cert: args
                .ca_cert
                .clone()
                .or_else(|| env("ARR_CA_CERT").map(PathBuf::from)),
            poll_interval: args.poll_interval,
            request_timeout: args.request_timeout,
            retry: match (args.no_retry, args.retries) {
                (true, _) => Some(remote_rendering::RetryPolicy::none()),
                (false, Some(n)) => {
                    Some(remote_rendering::RetryPolicy::default().with_max_retries(n))
                }
                (false, None) => None,
            },
            api_version: ApiVersion::default(),
        })
    }

    /// Speaks `version` (`--api-version` / `ARR_API_VERSION`).
    pub fn with_api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }

    /// Builds the client (sends nothing).
    pub fn client(self) -> CliResult<Client> {
        let mut builder = Client::builder(&self.account_id, &self.account_domain)
            .credential(self.credential)
            .api_version(self.api_version)
            .user_agent_suffix(concat!("arr-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(endpoint) = &self.endpoint {
            builder = builder.endpoint(endpoint);
        }
        if let Some(region) = &self.region {
            builder = builder.region(region);
        }
        if let Some(sts) = &self.sts_endpoint {
            builder = builder.sts_endpoint(sts);
        }
        if let Some(path) = &self.ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
                CliError::usage(format!(
                    "cannot read --ca-cert / ARR_CA_CERT file {}: {e}",
                    path.display()
                ))
            })?;
            builder = builder.add_root_certificate_pem(pem);
        }
        if let Some(interval) = self.poll_interval {
            builder = builder.polling_interval(interval);
        }
        if let Some(timeout) = self.request_timeout {
            builder = builder.request_timeout(timeout);
        }
        if let Some(policy) = self.retry {
            builder = builder.retry_policy(policy);
        }
        Ok(builder.build()?)
    }
}

/// The scripts accept a region name or a URL where the client wants a domain.
fn config_domain(value: &str) -> String {
    let value = value.split_once("://").map_or(value, |(_, rest)| rest);
    let value = value.trim_end_matches('/');
    if value.contains('.') {
        value.to_string()
    } else {
        format!("{value}.mixedreality.azure.com")
    }
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
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
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

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_sample_file_loads_and_fills_defaults() {
        let config: ArrConfig = serde_json::from_str(SAMPLE).unwrap();
        let connection = Connection::resolve(&ConnectionArgs::default(), &config, &no_env).unwrap();
        assert_eq!(
            connection.account_domain,
            "westeurope.mixedreality.azure.com"
        );
        // The placeholder is ignored; the region comes from the account domain.
        assert_eq!(connection.region.as_deref(), Some("westeurope"));
        assert!(format!("{:?}", config.account_settings).contains("<redacted>"));
        assert!(!format!("{:?}", config).contains("secret-key"));

        let options = session_options(&SessionStartArgs::default(), &config).unwrap();
        assert_eq!(options.size, SessionSize::Premium);
        assert_eq!(options.lease, Duration::from_secs(90 * 60));

        let (input, output) =
            conversion_locations(&ConversionStartArgs::default(), &config, &no_env).unwrap();
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
    fn flags_beat_environment_beat_config() {
        let config: ArrConfig = serde_json::from_str(SAMPLE).unwrap();
        let env = |name: &str| match name {
            "ARR_ACCOUNT_DOMAIN" => Some("eastus.mixedreality.azure.com".to_string()),
            "ARR_REGION" => Some("eastus".to_string()),
            _ => None,
        };
        let connection = Connection::resolve(&ConnectionArgs::default(), &config, &env).unwrap();
        assert_eq!(connection.account_domain, "eastus.mixedreality.azure.com");
        assert_eq!(connection.region.as_deref(), Some("eastus"));

        let args = ConnectionArgs {
            account_domain: Some("westus2.mixedreality.azure.com".into()),
            endpoint: Some("http://127.0.0.1:1".into()),
            ..ConnectionArgs::default()
        };
        let connection = Connection::resolve(&args, &config, &env).unwrap();
        assert_eq!(connection.account_domain, "westus2.mixedreality.azure.com");
        // The flag's endpoint wins over the variable's region as a whole.
        assert_eq!(connection.endpoint.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(connection.region, None);
    }

    #[test]
    fn missing_settings_name_flag_variable_and_key() {
        let error = Connection::resolve(&ConnectionArgs::default(), &ArrConfig::default(), &no_env)
            .err()
            .unwrap();
        assert_eq!(error.code, crate::error::USAGE);
        for part in [
            "--account-id",
            "ARR_ACCOUNT_ID",
            "accountSettings.arrAccountId",
        ] {
            assert!(error.message.contains(part), "{}", error.message);
        }
    }
}
