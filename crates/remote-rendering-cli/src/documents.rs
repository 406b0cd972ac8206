//! The JSON documents `--output json` prints, as types: each is serialized
//! to print it and describes itself as a JSON Schema (`arr schema NAME`),
//! so the schema cannot drift from the output.

use crate::cli::DocumentName;
use crate::output::format_time;
use remote_rendering::{Conversion, ServiceErrorDetail, Session};
use schemars::JsonSchema;
use schemars::schema::RootSchema;
use serde::Serialize;
use std::time::Duration;

/// Why a session or conversion failed.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ErrorDocument {
    /// The service's error code.
    pub code: String,
    /// The service's message.
    pub message: String,
}

/// A session (`arr session get` and others).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct SessionDocument {
    /// Session id.
    pub id: String,
    /// Starting, Ready, Stopping, Stopped, Expired, Error or a newer state.
    pub status: String,
    /// Standard, Premium, or what the service said.
    pub size: String,
    /// Total lease in whole minutes.
    pub max_lease_minutes: Option<u64>,
    /// Minutes the session has been Ready.
    pub elapsed_minutes: Option<u64>,
    /// Lease minutes left.
    pub remaining_lease_minutes: Option<u64>,
    /// Host to connect to, once Ready.
    pub hostname: Option<String>,
    /// Port of the runtime handshake.
    pub handshake_port: Option<u16>,
    /// Port of ArrInspector.
    pub arr_inspector_port: Option<u16>,
    /// Compute the server offers.
    pub teraflops: Option<f64>,
    /// Creation time, RFC 3339.
    pub created_on: Option<String>,
    /// Why the session failed, when it did.
    pub error: Option<ErrorDocument>,
}

/// A conversion (`arr conversion get` and others).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ConversionDocument {
    /// Conversion id.
    pub id: String,
    /// NotStarted, Running, Succeeded, Failed, Cancelled or a newer state.
    pub status: String,
    /// Input container URL.
    pub input_container: String,
    /// Input asset, relative to the container.
    pub input_asset: String,
    /// Output container URL.
    pub output_container: String,
    /// The converted asset, once Succeeded.
    pub output_asset_uri: Option<String>,
    /// Creation time, RFC 3339.
    pub created_on: Option<String>,
    /// Why the conversion failed, when it did.
    pub error: Option<ErrorDocument>,
}

/// `arr session stop`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SessionStopDocument {
    /// The stopped session.
    pub id: String,
    /// Always true.
    pub stopped: bool,
}

/// One lease extension made by `arr session keep-alive`.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ExtensionDocument {
    /// Lease before, in minutes.
    pub from_minutes: u64,
    /// Lease after, in minutes.
    pub to_minutes: u64,
}

/// `arr session keep-alive`, when it ends.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct KeepAliveDocument {
    /// The session kept alive.
    pub id: String,
    /// The extensions made, in order.
    pub extensions: Vec<ExtensionDocument>,
    /// The state the session ended in; null when interrupted.
    pub ended_status: Option<String>,
}

/// `arr token`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TokenDocument {
    /// The STS access token (a secret).
    pub access_token: String,
    /// When it expires, RFC 3339, if the token says.
    pub expires_on: Option<String>,
}

/// The session of `arr quickstart`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct QuickstartSession {
    /// Session id.
    pub id: String,
    /// Its final state.
    pub status: String,
    /// Its lease after the extension, in minutes.
    pub max_lease_minutes: Option<u64>,
}

/// The conversion of `arr quickstart`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct QuickstartConversion {
    /// Conversion id.
    pub id: String,
    /// Its final state.
    pub status: String,
    /// The converted asset.
    pub output_asset_uri: Option<String>,
}

/// `arr quickstart`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct QuickstartDocument {
    /// The in-process emulator's endpoint.
    pub endpoint: String,
    /// The session it ran.
    pub session: QuickstartSession,
    /// How many sessions the list step showed.
    pub sessions_listed: usize,
    /// The conversion it ran.
    pub conversion: QuickstartConversion,
    /// Seconds the whole tour took.
    pub seconds: f64,
}

/// What happened to one session in `arr session stop --all`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct StopOutcomeDocument {
    /// Session id.
    pub id: String,
    /// Its state when listed, before the stop.
    pub status: String,
    /// Whether the stop was accepted.
    pub stopped: bool,
    /// Why it was not, when it was not.
    pub error: Option<String>,
}

/// `arr session stop --all`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct SessionStopAllDocument {
    /// The sessions it tried to stop, in listing order.
    pub sessions: Vec<StopOutcomeDocument>,
}

/// One effective setting of `arr config show`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct SettingDocument {
    /// Setting name, e.g. `accountId`.
    pub name: String,
    /// The value; null when unset and always null for a secret.
    pub value: Option<String>,
    /// A secret (key, token, SAS): never shown, only whether it is set.
    pub secret: bool,
    /// Whether it has a value.
    pub set: bool,
    /// Where the value came from (`flag --account-id`, `env ARR_ACCOUNT_ID`,
    /// `config accountSettings.arrAccountId`, `default`, `derived from ...`);
    /// null when unset.
    pub source: Option<String>,
}

/// `arr config show`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ConfigShowDocument {
    /// The `--config` file, if one was given.
    pub config_file: Option<String>,
    /// Every setting, in a fixed order.
    pub settings: Vec<SettingDocument>,
}

/// How bad a problem `arr config validate` found is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Commands would fail or use a wrong value.
    Error,
    /// Worth a look; commands work.
    Warning,
}

/// One problem `arr config validate` found.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ProblemDocument {
    /// Error or warning.
    pub severity: Severity,
    /// The setting concerned: a config key, a variable or a flag.
    pub setting: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// `arr config validate`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ConfigValidateDocument {
    /// True when no problem is an error.
    pub valid: bool,
    /// The `--config` file, if one was given.
    pub config_file: Option<String>,
    /// The problems found, errors first.
    pub problems: Vec<ProblemDocument>,
}

fn minutes(d: Option<Duration>) -> Option<u64> {
    d.map(|d| d.as_secs() / 60)
}

fn error(error: &Option<ServiceErrorDetail>) -> Option<ErrorDocument> {
    error.as_ref().map(|e| ErrorDocument {
        code: e.code.clone(),
        message: e.message.clone(),
    })
}

impl From<&Session> for SessionDocument {
    fn from(s: &Session) -> Self {
        Self {
            id: s.id.to_string(),
            status: s.status.to_string(),
            size: s.size.to_string(),
            max_lease_minutes: minutes(s.max_lease),
            elapsed_minutes: minutes(s.elapsed),
            remaining_lease_minutes: minutes(s.remaining_lease()),
            hostname: s.hostname.clone(),
            handshake_port: s.handshake_port,
            arr_inspector_port: s.arr_inspector_port,
            // Through the f32's shortest decimal form: 38.4, not 38.400001525878906.
            teraflops: s.teraflops.and_then(|t| t.to_string().parse().ok()),
            created_on: s.created_on.as_ref().map(format_time),
            error: error(&s.error),
        }
    }
}

impl From<&Conversion> for ConversionDocument {
    fn from(c: &Conversion) -> Self {
        Self {
            id: c.id.to_string(),
            status: c.status.to_string(),
            input_container: c.input_container.clone(),
            input_asset: c.input_asset.clone(),
            output_container: c.output_container.clone(),
            output_asset_uri: c.output_asset_uri.clone(),
            created_on: c.created_on.as_ref().map(format_time),
            error: error(&c.error),
        }
    }
}

/// A document as the JSON value printed.
pub fn to_value(document: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(document).expect("documents serialize")
}

/// The JSON Schema of the document `name`.
pub fn schema(name: DocumentName) -> RootSchema {
    match name {
        DocumentName::Session => schemars::schema_for!(SessionDocument),
        DocumentName::SessionList => schemars::schema_for!(Vec<SessionDocument>),
        DocumentName::SessionStop => schemars::schema_for!(SessionStopDocument),
        DocumentName::KeepAlive => schemars::schema_for!(KeepAliveDocument),
        DocumentName::Conversion => schemars::schema_for!(ConversionDocument),
        DocumentName::ConversionList => schemars::schema_for!(Vec<ConversionDocument>),
        DocumentName::Token => schemars::schema_for!(TokenDocument),
        DocumentName::Quickstart => schemars::schema_for!(QuickstartDocument),
        DocumentName::SessionStopAll => schemars::schema_for!(SessionStopAllDocument),
        DocumentName::ConfigShow => schemars::schema_for!(ConfigShowDocument),
        DocumentName::ConfigValidate => schemars::schema_for!(ConfigValidateDocument),
        DocumentName::Error => {
            schemars::schema_for!(crate::error_document::FailedCommandDocument)
        }
    }
}
