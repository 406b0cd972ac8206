//! Configuration read from the environment.

/// Environment variables read by [`Client::from_env`](crate::Client::from_env).
pub mod env {
    /// Account id (a UUID). Required.
    pub const ACCOUNT_ID: &str = "ARR_ACCOUNT_ID";
    /// Account domain, e.g. `eastus.mixedreality.azure.com`. Required.
    pub const ACCOUNT_DOMAIN: &str = "ARR_ACCOUNT_DOMAIN";
    /// Account key (exchanged at the STS). One of this and [`ACCESS_TOKEN`] is required.
    pub const ACCOUNT_KEY: &str = "ARR_ACCOUNT_KEY";
    /// A ready STS access token, used as is.
    pub const ACCESS_TOKEN: &str = "ARR_ACCESS_TOKEN";
    /// Service endpoint URL. One of this and [`REGION`] is required.
    pub const ENDPOINT: &str = "ARR_ENDPOINT";
    /// Region (e.g. `westus2`); the endpoint is derived from it.
    pub const REGION: &str = "ARR_REGION";
    /// STS endpoint URL; defaults to `https://sts.{account domain}`.
    pub const STS_ENDPOINT: &str = "ARR_STS_ENDPOINT";
    /// Path of a PEM file with the root certificate to trust (e.g. the
    /// emulator's); the platform's roots are then not loaded.
    pub const CA_CERT: &str = "ARR_CA_CERT";
    /// ARR API version to speak: `v1`, `2021-01-01-preview` or `2021-01-01` (the default).
    pub const API_VERSION: &str = "ARR_API_VERSION";
}
