//! `arr config show`: the effective settings, each with where it came
//! from. Secrets (account key, access token, storage key, SAS) are reported
//! as set or not, never shown, in either output format.

use crate::cli::ConnectionArgs;
use crate::connection::{Connection, ConnectionSettings, CredentialSetting};
use crate::documents::{ConfigShowDocument, SettingDocument, to_value};
use crate::duration::{format_duration, parse_lease};
use crate::escape::escape_controls;
use crate::output::{Printer, render_table};
use crate::settings::{ArrConfig, DEFAULT_LEASE, Env, value_of};
use crate::sources::{Source, Sourced};
use remote_rendering::{ApiVersion, ClientOptions, RetryPolicy, SessionSize};
use std::path::Path;

/// One effective setting.
pub struct Setting {
    /// camelCase name.
    pub name: &'static str,
    /// The value and its origin; `None` when unset.
    pub value: Option<Sourced<String>>,
    /// Whether the value is a secret (then it is never printed).
    pub secret: bool,
}

impl Setting {
    fn plain(name: &'static str, value: Option<Sourced<String>>) -> Self {
        Self {
            name,
            value,
            secret: false,
        }
    }

    fn secret(name: &'static str, value: Option<Sourced<String>>) -> Self {
        // Only the origin is kept: the secret itself never leaves here.
        let value = value.map(|v| Sourced::new(String::new(), v.source));
        Self {
            name,
            value,
            secret: true,
        }
    }
}

/// `url` for display: a password in its user information or a SAS in its
/// query is a secret, so both are left out; other text is shown as given.
pub fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed)
            if !parsed.username().is_empty()
                || parsed.password().is_some()
                || parsed.query().is_some() =>
        {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            let hidden_query = parsed.query().is_some();
            parsed.set_query(None);
            let mut shown = parsed.to_string();
            if hidden_query {
                shown.push_str("?(query hidden)");
            }
            shown
        }
        _ => url.to_string(),
    }
}

/// Everything `arr config show` and `arr config validate` look at.
pub struct Inputs<'a> {
    /// Connection flags.
    pub args: &'a ConnectionArgs,
    /// The loaded `--config` file (empty without one).
    pub config: &'a ArrConfig,
    /// The API version and where it came from.
    pub api_version: Sourced<ApiVersion>,
    /// The environment.
    pub env: Env<'a>,
}

/// The effective settings, in a fixed order.
pub fn effective(inputs: &Inputs<'_>) -> Vec<Setting> {
    let Inputs {
        args, config, env, ..
    } = inputs;
    let found = ConnectionSettings::gather(args, config, *env);
    // The client knows the endpoints it derives; it is built only to ask.
    let client = Connection::resolve(args, config, *env)
        .and_then(|c| c.with_api_version(inputs.api_version.value).client())
        .ok();
    let endpoint = found
        .endpoint
        .clone()
        .map(|e| e.map(|e| shown_url(&e)))
        .or_else(|| {
            let client = client.as_ref()?;
            found.region.as_ref()?;
            Some(Sourced::new(
                client.endpoint().to_string(),
                Source::Derived("the region"),
            ))
        });
    let sts_endpoint = found
        .sts_endpoint
        .clone()
        .map(|e| e.map(|e| shown_url(&e)))
        .or_else(|| {
            client.as_ref().map(|c| {
                Sourced::new(
                    c.sts_endpoint().to_string(),
                    Source::Derived("the account domain"),
                )
            })
        });
    let (credential_name, credential) = match found.credential {
        Some(Sourced {
            value: CredentialSetting::AccessToken(_),
            source,
        }) => ("accessToken", Some(Sourced::new(String::new(), source))),
        Some(Sourced { source, .. }) => ("accountKey", Some(Sourced::new(String::new(), source))),
        None => ("accountKey", None),
    };
    let flag = |value: Option<String>, name: &'static str| {
        value.map(|v| Sourced::new(v, Source::Flag(name)))
    };
    let default = |value: String| Some(Sourced::new(value, Source::Default));
    let mut settings = vec![
        Setting::plain(
            "apiVersion",
            Some(inputs.api_version.clone().map(|v| v.to_string())),
        ),
        Setting::plain("accountId", found.account_id),
        Setting::secret(credential_name, credential),
        Setting::plain("accountDomain", found.account_domain),
        Setting::plain("endpoint", endpoint),
        Setting::plain("region", found.region),
        Setting::plain("stsEndpoint", sts_endpoint),
        Setting::plain(
            "caCert",
            found.ca_cert.map(|c| c.map(|p| p.display().to_string())),
        ),
        Setting::plain(
            "pollInterval",
            flag(args.poll_interval.map(format_duration), "--poll-interval")
                .or_else(|| default("the service's Retry-After, else 2s (Standard) or 10s".into())),
        ),
        Setting::plain(
            "timeout",
            flag(args.timeout.map(format_duration), "--timeout").or_else(|| default("none".into())),
        ),
        Setting::plain(
            "requestTimeout",
            flag(
                args.request_timeout.map(format_duration),
                "--request-timeout",
            )
            .or_else(|| default(format_duration(ClientOptions::default().request_timeout))),
        ),
        Setting::plain(
            "retries",
            match (args.no_retry, args.retries) {
                (true, _) => flag(Some("0".into()), "--no-retry"),
                (false, Some(n)) => flag(Some(n.to_string()), "--retries"),
                (false, None) => default(RetryPolicy::default().max_retries.to_string()),
            },
        ),
    ];
    settings.extend(session_settings(config));
    settings.extend(storage_settings(config, *env));
    settings
}

fn from_file(field: &Option<String>, key: &'static str) -> Option<Sourced<String>> {
    value_of(field).map(|v| Sourced::new(v, Source::ConfigFile(key)))
}

fn session_settings(config: &ArrConfig) -> [Setting; 2] {
    let session = &config.rendering_session_settings;
    let size = from_file(&session.vm_size, "renderingSessionSettings.vmSize")
        .map(|s| s.map(|s| SessionSize::known(&s).map_or(s, |size| size.to_string())))
        .unwrap_or_else(|| Sourced::new(SessionSize::Standard.to_string(), Source::Default));
    let lease = from_file(
        &session.max_lease_time,
        "renderingSessionSettings.maxLeaseTime",
    )
    .map(|l| l.map(|l| parse_lease(&l).map_or(l, format_duration)))
    .unwrap_or_else(|| Sourced::new(format_duration(DEFAULT_LEASE), Source::Default));
    [
        Setting::plain("sessionSize", Some(size)),
        Setting::plain("sessionLease", Some(lease)),
    ]
}

fn storage_settings(config: &ArrConfig, env: Env<'_>) -> Vec<Setting> {
    let c = &config.asset_conversion_settings;
    let from_env = |var: &'static str| env(var).map(|v| Sourced::new(v, Source::Env(var)));
    let account = from_env("ARR_STORAGE_ACCOUNT").or_else(|| {
        from_file(
            &c.storage_account_name,
            "assetConversionSettings.storageAccountName",
        )
    });
    let endpoint = from_env("ARR_STORAGE_ENDPOINT")
        .map(|e| e.map(|e| shown_url(&e)))
        .or_else(|| {
            account.as_ref().map(|a| {
                Sourced::new(
                    format!("https://{}.blob.core.windows.net", a.value),
                    Source::Derived("the storage account"),
                )
            })
        });
    // Conversions name containers by URL, from the file's account and names.
    let container = |name: &Option<String>, key: &'static str| {
        let account = value_of(&c.storage_account_name)?;
        from_file(name, key)
            .map(|n| n.map(|n| format!("https://{account}.blob.core.windows.net/{n}")))
    };
    vec![
        Setting::plain("storageAccount", account),
        Setting::secret("storageKey", from_env("ARR_STORAGE_KEY")),
        Setting::plain("storageEndpoint", endpoint),
        Setting::plain(
            "inputContainer",
            container(
                &c.blob_input_container_name,
                "assetConversionSettings.blobInputContainerName",
            ),
        ),
        Setting::plain(
            "inputFolder",
            from_file(
                &c.input_folder_path,
                "assetConversionSettings.inputFolderPath",
            ),
        ),
        Setting::plain(
            "inputAsset",
            from_file(
                &c.input_asset_path,
                "assetConversionSettings.inputAssetPath",
            ),
        ),
        Setting::secret("inputSas", from_env("ARR_INPUT_SAS")),
        Setting::plain(
            "outputContainer",
            container(
                &c.blob_output_container_name,
                "assetConversionSettings.blobOutputContainerName",
            ),
        ),
        Setting::plain(
            "outputFolder",
            from_file(
                &c.output_folder_path,
                "assetConversionSettings.outputFolderPath",
            ),
        ),
        Setting::plain(
            "outputAssetName",
            from_file(
                &c.output_asset_file_name,
                "assetConversionSettings.outputAssetFileName",
            ),
        ),
        Setting::secret("outputSas", from_env("ARR_OUTPUT_SAS")),
        Setting::plain(
            "localAssetDirectory",
            from_file(
                &c.local_asset_directory_path,
                "assetConversionSettings.localAssetDirectoryPath",
            ),
        ),
    ]
}

/// Prints `settings`: a table, or the [`ConfigShowDocument`].
pub fn print(printer: &Printer, config_path: Option<&Path>, settings: &[Setting]) {
    let file = config_path.map(|p| p.display().to_string());
    printer.print(
        || {
            let rows: Vec<Vec<String>> = settings
                .iter()
                .map(|s| {
                    let (value, source) = match &s.value {
                        None => ("(not set)".to_string(), String::new()),
                        Some(v) if s.secret => ("(set, hidden)".to_string(), v.source.to_string()),
                        Some(v) => (v.value.clone(), v.source.to_string()),
                    };
                    vec![s.name.to_string(), value, source]
                })
                .collect();
            format!(
                "Config file: {}\n\n{}",
                escape_controls(file.as_deref().unwrap_or("none (pass --config FILE)")),
                render_table(&["SETTING", "VALUE", "SOURCE"], &rows)
            )
        },
        || {
            to_value(&ConfigShowDocument {
                config_file: file.clone(),
                settings: settings
                    .iter()
                    .map(|s| SettingDocument {
                        name: s.name.to_string(),
                        value: s
                            .value
                            .as_ref()
                            .filter(|_| !s.secret)
                            .map(|v| v.value.clone()),
                        secret: s.secret,
                        set: s.value.is_some(),
                        source: s.value.as_ref().map(|v| v.source.to_string()),
                    })
                    .collect(),
            })
        },
    );
}
