//! How to reach the service: every connection setting gathered from flags,
//! then `ARR_*` environment variables, then the `--config` file, each with
//! its [`Source`]. Commands require what they need ([`Connection`]); `arr
//! config show` and `validate` report what was found ([`ConnectionSettings`]),
//! so both read settings the same way.

use crate::cli::ConnectionArgs;
use crate::error::{CliError, CliResult};
use crate::settings::{ArrConfig, Env, value_of as value};
use crate::sources::{Source, Sourced};
use remote_rendering::{ApiVersion, Client, Credential};
use std::path::PathBuf;
use std::time::Duration;

/// How the client authenticates, as found (secret: never printed).
pub enum CredentialSetting {
    /// An account key, exchanged at the STS.
    AccountKey(String),
    /// A ready STS access token.
    AccessToken(String),
}

/// Every connection setting that was found, and where; nothing is required yet.
pub struct ConnectionSettings {
    /// Account id.
    pub account_id: Option<Sourced<String>>,
    /// Account key or access token.
    pub credential: Option<Sourced<CredentialSetting>>,
    /// Account domain.
    pub account_domain: Option<Sourced<String>>,
    /// Service endpoint, when given as a URL.
    pub endpoint: Option<Sourced<String>>,
    /// Region the endpoint is derived from.
    pub region: Option<Sourced<String>>,
    /// STS endpoint, when not the default.
    pub sts_endpoint: Option<Sourced<String>>,
    /// Extra root certificate.
    pub ca_cert: Option<Sourced<PathBuf>>,
}

const ACCOUNT_ID_KEY: &str = "accountSettings.arrAccountId";
const ACCOUNT_KEY_KEY: &str = "accountSettings.arrAccountKey";
const ACCOUNT_DOMAIN_KEY: &str = "accountSettings.arrAccountDomain";
const REGION_KEY: &str = "accountSettings.region";
const RENDERING_DOMAIN_KEY: &str = "renderingSessionSettings.remoteRenderingDomain";

impl ConnectionSettings {
    /// Gathers the settings: flag, then environment, then config.
    pub fn gather(args: &ConnectionArgs, config: &ArrConfig, env: Env<'_>) -> Self {
        let account = &config.account_settings;
        let pick = |flag: &Option<String>,
                    flag_name: &'static str,
                    var: &'static str,
                    from_file: Option<Sourced<String>>| {
            flag.clone()
                .filter(|v| !v.trim().is_empty())
                .map(|v| Sourced::new(v, Source::Flag(flag_name)))
                .or_else(|| env(var).map(|v| Sourced::new(v, Source::Env(var))))
                .or(from_file)
        };
        let file = |field: &Option<String>, key: &'static str| {
            value(field).map(|v| Sourced::new(v, Source::ConfigFile(key)))
        };

        let account_id = pick(
            &args.account_id,
            "--account-id",
            "ARR_ACCOUNT_ID",
            file(&account.arr_account_id, ACCOUNT_ID_KEY),
        );
        let credential = pick(
            &args.account_key,
            "--account-key",
            "ARR_ACCOUNT_KEY",
            file(&account.arr_account_key, ACCOUNT_KEY_KEY),
        )
        .map(|key| key.map(CredentialSetting::AccountKey))
        // A ready token suits CI jobs that must not hold the key.
        .or_else(|| {
            env("ARR_ACCESS_TOKEN").map(|token| {
                Sourced::new(
                    CredentialSetting::AccessToken(token),
                    Source::Env("ARR_ACCESS_TOKEN"),
                )
            })
        });

        let config_region = file(&account.region, REGION_KEY);
        let account_domain = pick(
            &args.account_domain,
            "--account-domain",
            "ARR_ACCOUNT_DOMAIN",
            file(&account.arr_account_domain, ACCOUNT_DOMAIN_KEY)
                .map(|d| d.map(|d| config_domain(&d)))
                .or_else(|| {
                    config_region
                        .clone()
                        .map(|r| r.map(|r| format!("{r}.mixedreality.azure.com")))
                }),
        );

        let (endpoint, region) =
            endpoint_and_region(args, config, env, config_region, account_domain.as_ref());
        Self {
            account_id,
            credential,
            account_domain,
            endpoint,
            region,
            sts_endpoint: pick(
                &args.sts_endpoint,
                "--sts-endpoint",
                "ARR_STS_ENDPOINT",
                None,
            ),
            ca_cert: args
                .ca_cert
                .clone()
                .map(|p| Sourced::new(p, Source::Flag("--ca-cert")))
                .or_else(|| {
                    env("ARR_CA_CERT")
                        .map(|p| Sourced::new(PathBuf::from(p), Source::Env("ARR_CA_CERT")))
                }),
        }
    }
}

/// Endpoint and region name the same thing, so they are resolved together:
/// a `--region` flag beats an `ARR_ENDPOINT` variable.
fn endpoint_and_region(
    args: &ConnectionArgs,
    config: &ArrConfig,
    env: Env<'_>,
    config_region: Option<Sourced<String>>,
    account_domain: Option<&Sourced<String>>,
) -> (Option<Sourced<String>>, Option<Sourced<String>>) {
    let sourced = |value: Option<String>, source: Source| value.map(|v| Sourced::new(v, source));
    if args.endpoint.is_some() || args.region.is_some() {
        return (
            sourced(args.endpoint.clone(), Source::Flag("--endpoint")),
            sourced(args.region.clone(), Source::Flag("--region")),
        );
    }
    if env("ARR_ENDPOINT").is_some() || env("ARR_REGION").is_some() {
        return (
            sourced(env("ARR_ENDPOINT"), Source::Env("ARR_ENDPOINT")),
            sourced(env("ARR_REGION"), Source::Env("ARR_REGION")),
        );
    }
    let from_file = Source::ConfigFile(RENDERING_DOMAIN_KEY);
    if let Some(domain) = value(&config.rendering_session_settings.remote_rendering_domain) {
        return if domain.contains("://") {
            (sourced(Some(domain), from_file), None)
        } else if domain.contains('.') {
            (sourced(Some(format!("https://{domain}")), from_file), None)
        } else {
            (None, sourced(Some(domain), from_file))
        };
    }
    if config_region.is_some() {
        return (None, config_region);
    }
    // An Azure account domain names its region.
    let region = account_domain.and_then(|domain| {
        domain
            .value
            .strip_suffix(".mixedreality.azure.com")
            .filter(|r| !r.contains('.'))
            .map(|r| Sourced::new(r.to_string(), Source::Derived("the account domain")))
    });
    (None, region)
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

/// A missing setting: which flag, variable and config key would give it,
/// and whether that key still holds the sample's placeholder text.
fn missing(what: &str, flag: &str, var: &str, key: &str, config: &ArrConfig) -> CliError {
    let mut message =
        format!("missing {what}: pass {flag} or set {var} or `{key}` in the --config file");
    if config.placeholder_keys().contains(&key) {
        message.push_str(&format!(
            " (`{key}` in the --config file still holds the sample's placeholder text)"
        ));
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
        let found = ConnectionSettings::gather(args, config, env);
        let account_id = found.account_id.ok_or_else(|| {
            missing(
                "account id",
                "--account-id",
                "ARR_ACCOUNT_ID",
                ACCOUNT_ID_KEY,
                config,
            )
        })?;
        let credential = match found.credential.map(|c| c.value) {
            Some(CredentialSetting::AccountKey(key)) => Credential::account_key(key),
            Some(CredentialSetting::AccessToken(token)) => Credential::access_token(token),
            None => {
                return Err(missing(
                    "account key",
                    "--account-key",
                    "ARR_ACCOUNT_KEY (or ARR_ACCESS_TOKEN)",
                    ACCOUNT_KEY_KEY,
                    config,
                ));
            }
        };
        let account_domain = found.account_domain.ok_or_else(|| {
            missing(
                "account domain",
                "--account-domain",
                "ARR_ACCOUNT_DOMAIN",
                ACCOUNT_DOMAIN_KEY,
                config,
            )
        })?;
        if found.endpoint.is_none() && found.region.is_none() {
            return Err(missing(
                "service endpoint",
                "--endpoint or --region",
                "ARR_ENDPOINT or ARR_REGION",
                REGION_KEY,
                config,
            ));
        }
        Ok(Self {
            account_id: account_id.value,
            account_domain: account_domain.value,
            credential,
            endpoint: found.endpoint.map(|e| e.value),
            region: found.region.map(|r| r.value),
            sts_endpoint: found.sts_endpoint.map(|s| s.value),
            ca_cert: found.ca_cert.map(|c| c.value),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::tests::SAMPLE;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_sample_file_gives_account_and_region() {
        let config: ArrConfig = serde_json::from_str(SAMPLE).unwrap();
        let connection = Connection::resolve(&ConnectionArgs::default(), &config, &no_env).unwrap();
        assert_eq!(
            connection.account_domain,
            "westeurope.mixedreality.azure.com"
        );
        // The placeholder is ignored; the region comes from the account domain.
        assert_eq!(connection.region.as_deref(), Some("westeurope"));
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

    #[test]
    fn a_placeholder_is_named_when_its_setting_is_missing() {
        let config: ArrConfig = serde_json::from_str(
            r#"{"accountSettings": {"arrAccountId": "<fill in the account ID from the Azure Portal>"}}"#,
        )
        .unwrap();
        let error = Connection::resolve(&ConnectionArgs::default(), &config, &no_env)
            .err()
            .unwrap();
        assert!(
            error
                .message
                .contains("still holds the sample's placeholder text"),
            "{}",
            error.message
        );
    }

    #[test]
    fn sources_are_recorded() {
        let config: ArrConfig = serde_json::from_str(SAMPLE).unwrap();
        let env = |name: &str| (name == "ARR_ACCOUNT_KEY").then(|| "k".to_string());
        let args = ConnectionArgs {
            account_domain: Some("eastus.mixedreality.azure.com".into()),
            ..ConnectionArgs::default()
        };
        let found = ConnectionSettings::gather(&args, &config, &env);
        let source = |s: &Option<Sourced<String>>| s.as_ref().map(|s| s.source.clone());
        assert_eq!(
            source(&found.account_id),
            Some(Source::ConfigFile(ACCOUNT_ID_KEY))
        );
        assert_eq!(
            found.credential.map(|c| c.source),
            Some(Source::Env("ARR_ACCOUNT_KEY"))
        );
        assert_eq!(
            source(&found.account_domain),
            Some(Source::Flag("--account-domain"))
        );
        assert_eq!(
            source(&found.region),
            Some(Source::Derived("the account domain"))
        );
    }
}
