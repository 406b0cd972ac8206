//! `arr config validate`: checks the settings from flags, `ARR_*` variables
//! and the `--config` file without sending anything, one clear message per
//! problem; exit 2 when any is an error.

use crate::config_show::{Inputs, shown_url};
use crate::connection::{Connection, ConnectionSettings};
use crate::documents::{ConfigValidateDocument, ProblemDocument, Severity, to_value};
use crate::duration::parse_lease;
use crate::error::{CliError, CliResult};
use crate::escape::escape_controls;
use crate::output::Printer;
use crate::placeholders::{is_optional_placeholder, is_placeholder};
use crate::settings::{ArrConfig, value_of};
use crate::sources::{Source, Sourced};
use remote_rendering::SessionSize;
use std::path::Path;

/// Every problem found in `inputs`, errors first.
pub fn problems(inputs: &Inputs<'_>) -> Vec<ProblemDocument> {
    let mut found = Vec::new();
    let mut report = |severity, setting: &str, message: String| {
        found.push(ProblemDocument {
            severity,
            setting: setting.to_string(),
            message,
        });
    };
    let config = inputs.config;
    for (key, field) in config.fields() {
        let Some(text) = field.as_deref().filter(|v| is_placeholder(v)) else {
            continue;
        };
        if is_optional_placeholder(text) {
            report(
                Severity::Warning,
                key,
                "still holds the sample's `<optional: ...>` placeholder, which is ignored; \
                 set a value or remove the key"
                    .into(),
            );
        } else {
            report(
                Severity::Error,
                key,
                "still holds the sample's placeholder text; put your value there (or remove the key)"
                    .into(),
            );
        }
    }

    let settings = ConnectionSettings::gather(inputs.args, config, inputs.env);
    let placeholders = config.placeholder_keys();
    let required = [
        (
            "accountId",
            settings.account_id.is_some(),
            "pass --account-id, set ARR_ACCOUNT_ID or `accountSettings.arrAccountId`",
            "accountSettings.arrAccountId",
        ),
        (
            "accountKey",
            settings.credential.is_some(),
            "pass --account-key, set ARR_ACCOUNT_KEY (or ARR_ACCESS_TOKEN) or `accountSettings.arrAccountKey`",
            "accountSettings.arrAccountKey",
        ),
        (
            "accountDomain",
            settings.account_domain.is_some(),
            "pass --account-domain, set ARR_ACCOUNT_DOMAIN or `accountSettings.arrAccountDomain`",
            "accountSettings.arrAccountDomain",
        ),
        (
            "endpoint",
            settings.endpoint.is_some() || settings.region.is_some(),
            "pass --endpoint or --region, set ARR_ENDPOINT or ARR_REGION, or `accountSettings.region`",
            "accountSettings.region",
        ),
    ];
    for (name, present, how, key) in required {
        // A placeholder at the key was reported above, with the same fix.
        if !present && !placeholders.contains(&key) {
            report(Severity::Error, name, format!("missing: {how}"));
        }
    }
    for (name, url) in [
        ("endpoint", &settings.endpoint),
        ("stsEndpoint", &settings.sts_endpoint),
    ] {
        if let Some(problem) = url.as_ref().and_then(url_problem) {
            report(Severity::Error, name, problem);
        }
    }
    if let Some(Sourced { value, source }) = &settings.ca_cert
        && let Err(e) = std::fs::metadata(value)
    {
        report(
            Severity::Error,
            "caCert",
            format!("cannot read {} ({source}): {e}", value.display()),
        );
    }
    session_problems(config, &mut report);
    if let Some(url) = (inputs.env)("ARR_STORAGE_ENDPOINT")
        && let Some(problem) = url_problem(&Sourced::new(url, Source::Env("ARR_STORAGE_ENDPOINT")))
    {
        report(Severity::Error, "storageEndpoint", problem);
    }

    // What is left is what the client itself checks (UUID, URLs, the
    // certificate): build it, sending nothing.
    if !found.iter().any(|p| p.severity == Severity::Error)
        && let Err(e) = Connection::resolve(inputs.args, config, inputs.env)
            .and_then(|c| c.with_api_version(inputs.api_version.value).client())
    {
        found.push(ProblemDocument {
            severity: Severity::Error,
            setting: "connection".into(),
            message: e.message,
        });
    }
    found.sort_by_key(|p| p.severity == Severity::Warning);
    found
}

fn session_problems(config: &ArrConfig, report: &mut impl FnMut(Severity, &str, String)) {
    let session = &config.rendering_session_settings;
    if let Some(size) = value_of(&session.vm_size)
        && SessionSize::known(&size).is_none()
    {
        report(
            Severity::Error,
            "renderingSessionSettings.vmSize",
            "is neither `standard` nor `premium`".into(),
        );
    }
    if let Some(lease) = value_of(&session.max_lease_time)
        && let Err(e) = parse_lease(&lease)
    {
        report(
            Severity::Error,
            "renderingSessionSettings.maxLeaseTime",
            e.to_string(),
        );
    }
}

/// Why `url` is not a service URL, if it is not.
fn url_problem(url: &Sourced<String>) -> Option<String> {
    match url::Url::parse(&url.value) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => None,
        Ok(_) => Some(format!(
            "`{}` ({}) is not an http(s) URL",
            shown_url(&url.value),
            url.source
        )),
        // Not a URL: a secret in it cannot be told apart, so none is shown.
        Err(e) => Some(format!("the value of {} is not a URL: {e}", url.source)),
    }
}

/// Prints `problems` (a list, or the [`ConfigValidateDocument`]); an error
/// (exit 2) when any is an error.
pub fn report(
    printer: &Printer,
    config_path: Option<&Path>,
    problems: Vec<ProblemDocument>,
) -> CliResult {
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = problems.len() - errors;
    printer.print(
        || {
            let mut text: String = problems
                .iter()
                .map(|p| {
                    let severity = match p.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    };
                    format!(
                        "{severity}: {}: {}\n",
                        p.setting,
                        escape_controls(&p.message)
                    )
                })
                .collect();
            if errors == 0 {
                text.push_str(&match warnings {
                    0 => "The configuration is valid.\n".to_string(),
                    n => format!("The configuration is valid ({n} warning(s)).\n"),
                });
            }
            text
        },
        || {
            to_value(&ConfigValidateDocument {
                valid: errors == 0,
                config_file: config_path.map(|p| p.display().to_string()),
                problems: problems.clone(),
            })
        },
    );
    match errors {
        0 => Ok(()),
        n => Err(CliError::usage(format!(
            "the configuration is not valid: {n} error(s)"
        ))),
    }
}
