//! Storage accounts linked to the emulated account: the service read and
//! wrote those without a SAS, and refused a conversion that gave no SAS for
//! any other (`403 LinkedStorageAccessFailure`).

use std::fmt;
use std::str::FromStr;

use remote_rendering_storage::{BlobEndpoint, StorageCredential};

/// The variable holding the key of every linked account that has no variable of its own.
pub const LINKED_STORAGE_KEY_VAR: &str = "ARR_LINKED_STORAGE_KEY";

/// A storage account linked to the emulated Remote Rendering account.
///
/// Written `NAME` or `NAME=ENDPOINT` on the command line (`--linked-storage`). By name only, its
/// containers need no SAS but are simulated; with an endpoint (e.g. Azurite's
/// `http://127.0.0.1:10000/devstoreaccount1`) and its key, the emulator reads and writes them
/// there (see the crate docs, "Storage").
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkedStorage {
    /// The storage account name (`mystorage` in
    /// `https://mystorage.blob.core.windows.net/container`).
    pub name: String,
    /// Where its Blob service is reached, when the emulator reads and writes it.
    pub endpoint: Option<BlobEndpoint>,
    key: Option<String>,
}

/// A linked storage account that cannot be parsed.
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

impl LinkedStorage {
    /// A linked account by name.
    pub fn new(name: impl Into<String>) -> Result<Self, LinkedStorageError> {
        let name = name.into();
        let valid = (3..=24).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if valid {
            Ok(Self {
                name,
                endpoint: None,
                key: None,
            })
        } else {
            Err(LinkedStorageError::InvalidName(name))
        }
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

impl fmt::Debug for LinkedStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkedStorage")
            .field("name", &self.name)
            .field(
                "endpoint",
                &self.endpoint.as_ref().map(|e| e.url().as_str()),
            )
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl FromStr for LinkedStorage {
    type Err = LinkedStorageError;

    /// `NAME`, or `NAME=ENDPOINT` with the key read from the environment.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.split_once('=') {
            None => Self::new(text.trim()),
            Some((name, endpoint)) => {
                let name = Self::new(name.trim())?.name;
                let specific = Self::key_variable(&name);
                let key = std::env::var(&specific)
                    .or_else(|_| std::env::var(LINKED_STORAGE_KEY_VAR))
                    .map_err(|_| LinkedStorageError::MissingKey {
                        name: name.clone(),
                        specific,
                    })?;
                Self::with_endpoint(&name, endpoint.trim(), key)
            }
        }
    }
}

impl fmt::Display for LinkedStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// The storage account a container URI belongs to: the first label of the
/// host (`name.blob.core.windows.net`), or the first path segment for
/// path-style hosts such as Azurite (`http://127.0.0.1:10000/name/container`).
pub(crate) fn account_of(container_uri: &str) -> Option<String> {
    let url = url::Url::parse(container_uri).ok()?;
    let path_style = match url.host()? {
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => true,
        url::Host::Domain(domain) => domain.eq_ignore_ascii_case("localhost"),
    };
    let name = if path_style {
        url.path_segments()?.next()?.to_owned()
    } else {
        url.host_str()?.split('.').next()?.to_owned()
    };
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_endpoints_parse_and_the_key_stays_hidden() {
        assert_eq!("mystorage".parse(), LinkedStorage::new("mystorage"));
        assert!(matches!(
            "Bad_Name".parse::<LinkedStorage>(),
            Err(LinkedStorageError::InvalidName(_))
        ));
        assert!(matches!(
            "Bad_Name=http://127.0.0.1:10000/x".parse::<LinkedStorage>(),
            Err(LinkedStorageError::InvalidName(_))
        ));
        let mapped =
            LinkedStorage::with_endpoint("acct", "http://127.0.0.1:1/acct", "c2VjcmV0").unwrap();
        assert!(mapped.credential().is_some());
        let shown = format!("{mapped:?}");
        assert!(!shown.contains("c2VjcmV0"), "{shown}");
        assert!(matches!(
            LinkedStorage::with_endpoint("acct", "ftp://x", "k"),
            Err(LinkedStorageError::InvalidEndpoint(_))
        ));
        assert_eq!(
            LinkedStorage::key_variable("acct"),
            "ARR_LINKED_STORAGE_KEY_ACCT"
        );
    }

    #[test]
    fn accounts_come_from_host_or_path() {
        assert_eq!(
            account_of("https://MyStorage.blob.core.windows.net/test").as_deref(),
            Some("mystorage")
        );
        assert_eq!(
            account_of("http://127.0.0.1:10000/devstoreaccount1/c").as_deref(),
            Some("devstoreaccount1")
        );
        assert_eq!(account_of("not a url"), None);
    }
}
