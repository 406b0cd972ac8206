//! What `--output json` prints on stdout when a command fails, so that a
//! script reading stdout learns why without parsing stderr (which keeps the
//! human message):
//!
//! ```json
//! {"error": {"code": "service", "message": "get session failed with HTTP 404 ...",
//!            "status": 404, "msCv": "...", "exitCode": 4}}
//! ```
//!
//! `arr schema error` prints its JSON Schema. A command that already printed
//! its document (a session that ended `Error`, the summary of `keep-alive`)
//! does not print a second one: stdout stays exactly one document, and
//! that one describes the failure.

use crate::error::CliError;
use crate::escape::escape_controls;
use schemars::JsonSchema;
use serde::Serialize;

/// The document printed on stdout when a command fails.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FailedCommandDocument {
    /// What went wrong.
    pub error: CommandErrorDocument,
}

/// Why a command failed.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct CommandErrorDocument {
    /// A stable machine name: `usage`, `validation`, `configuration`,
    /// `unsupported`, `authentication`, `service`, `transport`,
    /// `connectionRefused`, `nameNotResolved`, `untrustedCertificate`,
    /// `timeout`, `invalidResponse`, `sessionFailed`, `conversionFailed`,
    /// `failed`, `interrupted`, or `error` for anything else.
    pub code: String,
    /// The message printed on stderr, control characters escaped.
    pub message: String,
    /// The HTTP status of the failing response, when there was one.
    pub status: Option<u16>,
    /// The `MS-CV` correlation vector of the failing response, when known.
    pub ms_cv: Option<String>,
    /// The process exit code (see `arr --help`).
    pub exit_code: u8,
}

impl From<&CliError> for FailedCommandDocument {
    fn from(error: &CliError) -> Self {
        Self {
            error: CommandErrorDocument {
                code: error.kind.to_string(),
                message: escape_controls(&error.message).into_owned(),
                status: error.status,
                ms_cv: error.ms_cv.clone(),
                exit_code: error.code,
            },
        }
    }
}
