//! Differences the replay expects, each with its reason, listed explicitly:
//! where the recordings disagree across years the emulator follows 2024
//! (FACTS.md), and scenarios that need real storage wait for the storage
//! phase. Everything else is a failure.

use serde_json::Value;

use super::compare::{Difference, Kind};
use super::recordings::Exchange;

/// Scenarios whose outcome depends on the input asset really being absent
/// from storage (`Failed` with `InputContainerError` and AdditionalInfo
/// details): the emulator cannot know that until it reads storage.
pub const PENDING_STORAGE: [&str; 3] = [
    "TestFailedConversionsMissingAsset",
    "TestFailedConversionsMissingAssetAsync",
    "test_failed_conversion_missing_asset",
];

/// Whether `exchange` waits for the storage phase: the final `Failed`
/// answer of a missing-asset scenario.
pub fn pending_storage(exchange: &Exchange) -> bool {
    PENDING_STORAGE.contains(&exchange.test.as_str())
        && exchange.resource_status() == Some("Failed")
}

fn is_zero_or_null(value: &str) -> bool {
    matches!(value, "null" | "0" | "0.0")
}

/// Why `d` is expected for `exchange`, or `None` when it is a real
/// difference.
pub fn explain(exchange: &Exchange, d: &Difference) -> Option<&'static str> {
    let year = &exchange.recorded;
    let before = |date: &str| year.as_str() < date;
    let get_session = exchange.method == "GET" && exchange.path.ends_with("/sessions/{session}");
    match d.path.as_str() {
        "header api-supported-versions"
            if before("2022") && d.expected == "2021-01-01-preview, 2021-01-01" =>
        {
            Some("2021 listed two versions; the emulator sends the 2022+ list")
        }
        "header cache-control" | "header pragma"
            if before("2021-04") && get_session && d.kind == Kind::Unexpected =>
        {
            Some("GET session had no Cache-Control before Apr 2021; the emulator follows 2024")
        }
        "header mise-correlation-id" if before("2024") && d.kind == Kind::Unexpected => {
            Some("the STS added mise-correlation-id in 2024")
        }
        "$.error.code" | "$.error.message" if before("2024") && exchange.status == 403 => Some(
            "2021–2022 no-access code/message (DelegatedResourceAccessError); the emulator answers as in 2024",
        ),
        path if before("2021-03") && d.kind == Kind::Missing && is_zero_or_null(&d.expected) => {
            let _ = path;
            Some("Jan–Feb 2021 wrote every field, nulls and zeros included; later omitted")
        }
        path if path.ends_with(".maxLeaseTimeMinutes")
            && path.contains("sessions[")
            && exchange
                .note
                .as_deref()
                .is_some_and(|n| n.contains("lagged")) =>
        {
            Some("the service's list lagged behind a lease update (recorded once; not modelled)")
        }
        _ => None,
    }
}

/// The recorded status the replay must reach before comparing a poll.
pub fn target_status(exchange: &Exchange) -> Option<String> {
    if exchange.method != "GET" || exchange.status != 200 {
        return None;
    }
    match exchange.response_body.as_ref()?.get("status")? {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}
