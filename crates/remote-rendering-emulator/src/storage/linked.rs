//! `--linked-storage NAME[=ENDPOINT]`: storage accounts linked to the emulated account.

use std::fmt;
use std::str::FromStr;

use remote_rendering_storage::{BlobEndpoint, StorageCredential};

/// The variable holding the key of every linked account that has no variable of its own.
pub const LINKED_STORAGE_KEY_VAR: &str = "ARR_LINKED_STORAGE_KEY";

/// A storage account linked to the emulated Remote Rendering account: conversions may name its
/// containers without a SAS. With an endpoint, the emulator reads and writes it for real.
#[derive(Clone)]
#[non_exhaustive]
pub struct LinkedStorageAccount {
    /// The account name (`mystorage` in `https://mystorage.blob.core.windows.net/input`).
    pub name: String,
    /// Where its Blob service is reached (e.g. Azurite's `http://127.0.0.1:10000/devstoreaccount1`).
    pub endpoint: Option<BlobEndpoint>,
    key: Option<String>,
}

/// A `--linked-storage` value that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkedStorageError {
    /// The name is not 3 to 24 lowercase letters and digits.
    #[error("storage account name '{0}' must be 3 to 24 lowercase letters and digits")]
    InvalidName(String),
    /// The endpoint is not an http(s) URL.
    #[error("storage endpoint for '{0}' is not an http(s) URL")]
    InvalidEndpoint(String),
    /// An endpoint was given but no key variable is set.
    #[error(
        "no account key for linked storage '{name}': set {specific} or {LINKED_STORAGE_KEY_VAR}"
    )]
    MissingKey {
        /// The account.
        name: String,
        /// The account's own variable.
        specific: String,
    },
}

impl LinkedStorageAccount {
    /// A linked account known by name only: its containers are simulated.
    pub fn new(name: &str) -> Result<Self, LinkedStorageError> {
        let valid = (3..=24).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !valid {
            return Err(LinkedStorageError::InvalidName(name.to_owned()));
        }
        Ok(Self {
            name: name.to_owned(),
            endpoint: None,
            key: None,
        })
    }

    /// A linked account served at `endpoint`, signed with `key` (base64, as the portal shows it).
    pub fn with_endpoint(
        name: &str,
        endpoint: &str,
        key: impl Into<String>,
    ) -> Result<Self, LinkedStorageError> {
        let mut account = Self::new(name)?;
        account.endpoint = Some(
            BlobEndpoint::with_url(name, endpoint)
                .map_err(|_| LinkedStorageError::InvalidEndpoint(name.to_owned()))?,
        );
        account.key = Some(key.into());
        Ok(account)
    }

    /// The environment variable holding this account's key: `ARR_LINKED_STORAGE_KEY_{NAME}`.
    pub fn key_variable(name: &str) -> String {
        format!("{LINKED_STORAGE_KEY_VAR}_{}", name.to_ascii_uppercase())
    }

    pub(crate) fn credential(&self) -> Option<StorageCredential> {
        StorageCredential::shared_key(self.key.as_deref()?).ok()
    }
}

impl fmt::Debug for LinkedStorageAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkedStorageAccount")
            .field("name", &self.name)
            .field(
                "endpoint",
                &self.endpoint.as_ref().map(|e| e.url().as_str()),
            )
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl FromStr for LinkedStorageAccount {
    type Err = LinkedStorageError;

    /// `NAME`, or `NAME=ENDPOINT` with the key read from the environment.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.split_once('=') {
            None => Self::new(text.trim()),
            Some((name, endpoint)) => {
                let name = name.trim();
                let specific = Self::key_variable(name);
                let key = std::env::var(&specific)
                    .or_else(|_| std::env::var(LINKED_STORAGE_KEY_VAR))
                    .map_err(|_| LinkedStorageError::MissingKey {
                        name: name.to_owned(),
                        specific,
                    })?;
                Self::with_endpoint(name, endpoint.trim(), key)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_endpoints_parse_and_the_key_stays_hidden() {
        let plain: LinkedStorageAccount = "sdktest".parse().unwrap();
        assert_eq!(plain.name, "sdktest");
        assert!(plain.endpoint.is_none());
        assert!(matches!(
            "Bad_Name".parse::<LinkedStorageAccount>(),
            Err(LinkedStorageError::InvalidName(_))
        ));
        let mapped =
            LinkedStorageAccount::with_endpoint("acct", "http://127.0.0.1:1/acct", "c2VjcmV0")
                .unwrap();
        assert!(mapped.credential().is_some());
        let shown = format!("{mapped:?}");
        assert!(!shown.contains("c2VjcmV0"), "{shown}");
        assert!(matches!(
            LinkedStorageAccount::with_endpoint("acct", "ftp://x", "k"),
            Err(LinkedStorageError::InvalidEndpoint(_))
        ));
        assert_eq!(
            LinkedStorageAccount::key_variable("acct"),
            "ARR_LINKED_STORAGE_KEY_ACCT"
        );
    }
}
