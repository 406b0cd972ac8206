//! Where the Blob service of an account lives, and the URLs of its containers and blobs.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use crate::error::StorageError;

/// Characters kept as they are in a blob name's path segments (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The Blob endpoint of a storage account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobEndpoint {
    account: String,
    base: Url,
}

impl BlobEndpoint {
    /// The public-cloud endpoint `https://{account}.blob.core.windows.net`.
    pub fn for_account(account: &str) -> Result<Self, StorageError> {
        Self::with_url(account, &format!("https://{account}.blob.core.windows.net"))
    }

    /// A given endpoint: Azurite's path style `http://127.0.0.1:10000/devstoreaccount1`, or a
    /// sovereign cloud's `https://{account}.blob.core.chinacloudapi.cn`.
    pub fn with_url(account: &str, endpoint: &str) -> Result<Self, StorageError> {
        let valid_account = !account.is_empty()
            && account
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !valid_account {
            return Err(StorageError::InvalidUrl(format!(
                "account name {account:?} (lowercase letters and digits only)"
            )));
        }
        let mut base = Url::parse(endpoint.trim_end_matches('/'))
            .map_err(|e| StorageError::InvalidUrl(format!("endpoint: {e}")))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(StorageError::InvalidUrl("endpoint must be http(s)".into()));
        }
        base.set_query(None);
        base.set_fragment(None);
        Ok(Self {
            account: account.to_owned(),
            base,
        })
    }

    /// The endpoint and container name of a container URL, as a conversion's
    /// `storageContainerUri`: `https://{account}.blob.core.windows.net/{container}`, or the path
    /// style of Azurite and other loopback hosts, `http://127.0.0.1:10000/{account}/{container}`.
    /// A query (a pasted SAS) is dropped.
    pub fn from_container_url(container_url: &str) -> Result<(Self, String), StorageError> {
        let url = Url::parse(container_url)
            .map_err(|e| StorageError::InvalidUrl(format!("container URL: {e}")))?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| StorageError::InvalidUrl("container URL without a host".into()))?;
        let segments: Vec<&str> = url
            .path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        let authority = match url.port() {
            Some(port) => format!("{}://{host}:{port}", url.scheme()),
            None => format!("{}://{host}", url.scheme()),
        };
        let (account, base, container) = match (path_style(&url), segments.as_slice()) {
            (true, [account, container]) => (
                account.to_string(),
                format!("{authority}/{account}"),
                container.to_string(),
            ),
            (false, [container]) => {
                let account = host.split('.').next().unwrap_or_default().to_owned();
                (account, authority, container.to_string())
            }
            _ => {
                return Err(StorageError::InvalidUrl(
                    "a container URL is the endpoint followed by one container name".into(),
                ));
            }
        };
        let endpoint = Self::with_url(&account, &base)?;
        validate_container(&container)?;
        Ok((endpoint, container))
    }

    /// Whether the endpoint is on this machine (a loopback address or `localhost`).
    pub fn is_loopback(&self) -> bool {
        match self.base.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        }
    }

    /// The account name.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The endpoint URL (no trailing slash).
    pub fn url(&self) -> &Url {
        &self.base
    }

    /// The URL of a container, e.g. for a conversion's `storageContainerUri`.
    pub fn container_url(&self, container: &str) -> Result<Url, StorageError> {
        validate_container(container)?;
        Url::parse(&format!("{}/{container}", self.base_str()))
            .map_err(|e| StorageError::InvalidUrl(e.to_string()))
    }

    /// The URL of a blob; each `/`-separated part of the name is percent-encoded.
    pub fn blob_url(&self, container: &str, blob: &str) -> Result<Url, StorageError> {
        validate_container(container)?;
        if blob.is_empty() {
            return Err(StorageError::InvalidUrl("empty blob name".into()));
        }
        let encoded: Vec<String> = blob
            .split('/')
            .map(|segment| utf8_percent_encode(segment, SEGMENT).to_string())
            .collect();
        Url::parse(&format!(
            "{}/{container}/{}",
            self.base_str(),
            encoded.join("/")
        ))
        .map_err(|e| StorageError::InvalidUrl(e.to_string()))
    }

    fn base_str(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }
}

/// Loopback hosts and IP addresses name the account in the path (Azurite's style); DNS names
/// carry it in their first label.
fn path_style(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => true,
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Container names: 3-63 characters, lowercase letters, digits and single hyphens.
fn validate_container(container: &str) -> Result<(), StorageError> {
    let valid = (3..=63).contains(&container.len())
        && container
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !container.starts_with('-')
        && !container.ends_with('-')
        && !container.contains("--");
    if valid {
        Ok(())
    } else {
        Err(StorageError::InvalidUrl(format!(
            "container name {container:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_urls_split_into_endpoint_and_container() {
        let (endpoint, container) = BlobEndpoint::from_container_url(
            "http://127.0.0.1:10000/devstoreaccount1/arrinput?sv=x",
        )
        .unwrap();
        assert_eq!(endpoint.account(), "devstoreaccount1");
        assert_eq!(
            endpoint.url().as_str(),
            "http://127.0.0.1:10000/devstoreaccount1"
        );
        assert_eq!(container, "arrinput");
        assert!(endpoint.is_loopback());

        let (endpoint, container) =
            BlobEndpoint::from_container_url("https://sdktest.blob.core.windows.net/test/")
                .unwrap();
        assert_eq!(endpoint.account(), "sdktest");
        assert_eq!(
            endpoint.url().as_str(),
            "https://sdktest.blob.core.windows.net/"
        );
        assert_eq!(container, "test");
        assert!(!endpoint.is_loopback());

        for bad in [
            "https://a.blob.core.windows.net/",
            "https://a.blob.core.windows.net/c/d",
            "http://127.0.0.1:10000/devstoreaccount1",
            "not a url",
        ] {
            assert!(
                BlobEndpoint::from_container_url(bad).is_err(),
                "{bad} accepted"
            );
        }
    }
}
