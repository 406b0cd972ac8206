//! [`ApiVersion`]: which version of the ARR REST API a client speaks.

use crate::error::Error;
use crate::versions::{self, VersionAdapter};
use remote_rendering_rest::generated::{arr_2021_01_01, arr_2021_01_01_preview, arr_v1};
use std::fmt;
use std::str::FromStr;

/// A version of the Azure Remote Rendering REST API.
///
/// Every version is spoken through the same domain model ([`crate::Session`],
/// [`crate::Conversion`]); what a version cannot do is refused with
/// [`Error::Unsupported`] before anything is sent. See the crate docs,
/// "API versions", for how the versions differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum ApiVersion {
    /// The first, path-versioned session protocol (`/v1/accounts/...`):
    /// sessions only, ids picked by the service, leases as `h:m:s` timespans.
    V1,
    /// `2021-01-01-preview`: sessions and conversions, with the preview's
    /// conversion states (`Created`, `Success`, `Failure`, `Aborted`).
    V2021_01_01Preview,
    /// `2021-01-01`, the stable API (the default).
    #[default]
    V2021_01_01,
}

impl ApiVersion {
    /// Every version this client speaks, oldest first.
    pub const ALL: [ApiVersion; 3] = [
        ApiVersion::V1,
        ApiVersion::V2021_01_01Preview,
        ApiVersion::V2021_01_01,
    ];

    /// The version as the service names it (`v1`, `2021-01-01-preview`,
    /// `2021-01-01`): the generated module's `API_VERSION`, never retyped.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => arr_v1::API_VERSION,
            ApiVersion::V2021_01_01Preview => arr_2021_01_01_preview::API_VERSION,
            ApiVersion::V2021_01_01 => arr_2021_01_01::API_VERSION,
        }
    }

    /// The adapter that maps this version's generated client onto the
    /// domain model: the one place a version is wired in.
    pub(crate) fn adapter(self) -> &'static dyn VersionAdapter {
        match self {
            ApiVersion::V1 => &versions::v1::V1,
            ApiVersion::V2021_01_01Preview => &versions::preview::Preview,
            ApiVersion::V2021_01_01 => &versions::stable::Stable,
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApiVersion {
    type Err = Error;

    /// Parses a version as the service names it (surrounding spaces ignored).
    fn from_str(value: &str) -> Result<Self, Error> {
        let value = value.trim();
        ApiVersion::ALL
            .into_iter()
            .find(|version| version.as_str() == value)
            .ok_or_else(|| {
                let known: Vec<_> = ApiVersion::ALL.iter().map(|v| v.as_str()).collect();
                Error::validation(
                    "api version",
                    format!(
                        "`{}` is not one of {}",
                        value.escape_default(),
                        known.join(", ")
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_round_trip_through_their_names() {
        for version in ApiVersion::ALL {
            assert_eq!(version.as_str().parse::<ApiVersion>().unwrap(), version);
            assert_eq!(version.to_string(), version.as_str());
        }
        assert_eq!(ApiVersion::default(), ApiVersion::V2021_01_01);
        for bad in ["", " ", "2099-01-01", "V1", "2021-01-01-Preview"] {
            let error = bad.parse::<ApiVersion>().unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::Validation {
                        field: "api version",
                        ..
                    }
                ),
                "{bad}: {error:?}"
            );
        }
    }

    #[test]
    fn every_version_is_a_generated_arr_module() {
        // The names come from the generated modules; the registry must list
        // each as an ARR version (a renamed or dropped spec file shows here).
        // A generated version without a variant is allowed: adding a spec
        // file must leave the workspace green; the client speaks it once
        // its adapter exists.
        for version in ApiVersion::ALL {
            let module = remote_rendering_rest::generated::API_VERSIONS
                .iter()
                .find(|m| m.api_version == version.as_str())
                .unwrap_or_else(|| panic!("{version} is not in the generated registry"));
            assert_eq!(module.service, "arr", "{version}");
            assert_eq!(module.api_version_in_query, version != ApiVersion::V1);
        }
    }
}
