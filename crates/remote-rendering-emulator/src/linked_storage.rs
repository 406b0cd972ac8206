//! Storage accounts linked to the emulated account: the service read and
//! wrote those without a SAS, and refused a conversion that gave no SAS for
//! any other (`403 LinkedStorageAccessFailure`).

use std::fmt;
use std::str::FromStr;

/// A storage account linked to the emulated Remote Rendering account.
///
/// Written `NAME` on the command line (`--linked-storage NAME`). The type
/// is non-exhaustive so that more about the account (e.g. the endpoint
/// that serves its blobs, as `NAME=ENDPOINT`) can be added later without
/// breaking users.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkedStorage {
    /// The storage account name (`mystorage` in
    /// `https://mystorage.blob.core.windows.net/container`).
    pub name: String,
}

/// A linked storage account that cannot be parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LinkedStorageError {
    /// The name is not 3 to 24 lowercase letters and digits.
    #[error("storage account name '{0}' must be 3 to 24 lowercase letters and digits")]
    InvalidName(String),
    /// `NAME=ENDPOINT` was given; endpoints are not supported yet.
    #[error("a storage endpoint ('{0}') is not supported yet; give the account name only")]
    EndpointNotSupported(String),
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
            Ok(Self { name })
        } else {
            Err(LinkedStorageError::InvalidName(name))
        }
    }
}

impl FromStr for LinkedStorage {
    type Err = LinkedStorageError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.split_once('=') {
            Some((_, endpoint)) => Err(LinkedStorageError::EndpointNotSupported(
                endpoint.to_owned(),
            )),
            None => Self::new(text.trim()),
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
    fn names_parse_and_endpoints_are_refused_for_now() {
        assert_eq!("mystorage".parse(), LinkedStorage::new("mystorage"));
        assert!(matches!(
            "Bad_Name".parse::<LinkedStorage>(),
            Err(LinkedStorageError::InvalidName(_))
        ));
        assert!(matches!(
            "acct=http://127.0.0.1:10000/acct".parse::<LinkedStorage>(),
            Err(LinkedStorageError::EndpointNotSupported(_))
        ));
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
