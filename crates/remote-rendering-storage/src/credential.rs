//! Credentials for Blob storage. Their `Debug` never shows the secret.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::fmt;

use crate::error::StorageError;

/// A storage account key (the base64 text the portal shows), decoded once.
#[derive(Clone)]
pub struct AccountKey {
    decoded: Vec<u8>,
}

impl AccountKey {
    /// Parses the base64 account key.
    pub fn new(base64_key: &str) -> Result<Self, StorageError> {
        let decoded = BASE64
            .decode(base64_key.trim())
            .map_err(|_| StorageError::InvalidAccountKey)?;
        if decoded.is_empty() {
            return Err(StorageError::InvalidAccountKey);
        }
        Ok(Self { decoded })
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.decoded
    }
}

impl fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccountKey(<redacted>)")
    }
}

/// A shared access signature: the query string (`sv=...&sig=...`), without a leading `?`.
#[derive(Clone, PartialEq, Eq)]
pub struct SasToken {
    query: String,
}

impl SasToken {
    /// Parses a SAS query string (a leading `?` is accepted and dropped).
    pub fn new(query: &str) -> Result<Self, StorageError> {
        let query = query.trim().trim_start_matches('?');
        let well_formed = !query.is_empty()
            && query.split('&').all(|pair| {
                pair.split_once('=')
                    .is_some_and(|(name, _)| !name.is_empty())
            });
        if !well_formed {
            return Err(StorageError::InvalidSas);
        }
        Ok(Self {
            query: query.to_owned(),
        })
    }

    /// The query string, to append to a URL. Secret: do not log it.
    pub fn as_query(&self) -> &str {
        &self.query
    }

    /// `url` with this SAS appended to its query (e.g. a shareable read link). The result holds
    /// the secret: do not log it.
    pub fn apply_to(&self, url: &url::Url) -> url::Url {
        let mut url = url.clone();
        let query = match url.query() {
            Some(existing) if !existing.is_empty() => format!("{existing}&{}", self.query),
            _ => self.query.clone(),
        };
        url.set_query(Some(&query));
        url
    }

    /// The signature value, so errors can scrub it should a server echo it.
    pub(crate) fn signature(&self) -> Option<&str> {
        self.query
            .split('&')
            .find_map(|pair| pair.strip_prefix("sig="))
    }
}

impl fmt::Debug for SasToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SasToken(<redacted>)")
    }
}

/// How requests to the storage account are authorized.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum StorageCredential {
    /// Shared Key: every request is signed with the account key.
    SharedKey(AccountKey),
    /// A SAS appended to every request's query.
    Sas(SasToken),
    /// A Microsoft Entra ID token (scope `https://storage.azure.com/.default`), sent as a bearer
    /// token; the credential caches and refreshes tokens itself.
    #[cfg(feature = "entra")]
    Entra(std::sync::Arc<dyn azure_core::credentials::TokenCredential>),
}

impl StorageCredential {
    /// A Shared Key credential from the base64 account key.
    pub fn shared_key(base64_key: &str) -> Result<Self, StorageError> {
        AccountKey::new(base64_key).map(Self::SharedKey)
    }

    /// A SAS credential from its query string.
    pub fn sas(query: &str) -> Result<Self, StorageError> {
        SasToken::new(query).map(Self::Sas)
    }
}
