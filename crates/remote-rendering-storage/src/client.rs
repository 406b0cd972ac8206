//! The Blob REST operations this crate needs, each request authorized and retried with backoff.

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use std::time::Duration;
use url::Url;

use crate::SERVICE_VERSION;
use crate::credential::StorageCredential;
use crate::endpoint::BlobEndpoint;
use crate::error::StorageError;
use crate::retry::RetryPolicy;
use crate::xml::{self, BlobItem};

/// A client for one storage account's Blob service.
#[derive(Clone, Debug)]
pub struct BlobStorage {
    http: reqwest::Client,
    endpoint: BlobEndpoint,
    credential: StorageCredential,
    retry: RetryPolicy,
}

impl BlobStorage {
    /// A client for `endpoint`, authorizing every request with `credential`.
    pub fn new(
        endpoint: BlobEndpoint,
        credential: StorageCredential,
    ) -> Result<Self, StorageError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(120))
            .build()
            .map_err(StorageError::transport)?;
        Ok(Self {
            http,
            endpoint,
            credential,
            retry: RetryPolicy::default(),
        })
    }

    /// Replaces the HTTP client, e.g. to go through a proxy or trust another root certificate.
    /// Keep timeouts on it: this crate sets a 10 s connect and a 120 s read timeout on its own.
    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    /// Replaces the retry policy (attempts and backoff for transient failures).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The account's Blob endpoint.
    pub fn endpoint(&self) -> &BlobEndpoint {
        &self.endpoint
    }

    /// Creates `container`; `Ok(false)` when it already existed.
    pub async fn create_container(&self, container: &str) -> Result<bool, StorageError> {
        let mut url = self.endpoint.container_url(container)?;
        url.query_pairs_mut().append_pair("restype", "container");
        match self.send(Method::PUT, url, HeaderMap::new(), None).await {
            Ok(_) => Ok(true),
            Err(StorageError::Service { status: 409, .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Uploads `content` as the whole block blob `name` in one `Put Blob`.
    pub async fn put_blob(
        &self,
        container: &str,
        name: &str,
        content: Bytes,
    ) -> Result<(), StorageError> {
        let url = self.endpoint.blob_url(container, name)?;
        let mut headers = HeaderMap::new();
        headers.insert("x-ms-blob-type", HeaderValue::from_static("BlockBlob"));
        self.send(Method::PUT, url, headers, Some(content)).await?;
        Ok(())
    }

    /// Stages one block (`Put Block`); `block_id` is already base64.
    pub async fn put_block(
        &self,
        container: &str,
        name: &str,
        block_id: &str,
        content: Bytes,
    ) -> Result<(), StorageError> {
        let mut url = self.endpoint.blob_url(container, name)?;
        url.query_pairs_mut()
            .append_pair("comp", "block")
            .append_pair("blockid", block_id);
        self.send(Method::PUT, url, HeaderMap::new(), Some(content))
            .await?;
        Ok(())
    }

    /// Commits the staged blocks, in order, as the blob's content (`Put Block List`).
    pub async fn put_block_list(
        &self,
        container: &str,
        name: &str,
        block_ids: &[String],
    ) -> Result<(), StorageError> {
        let mut url = self.endpoint.blob_url(container, name)?;
        url.query_pairs_mut().append_pair("comp", "blocklist");
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        );
        let body = Bytes::from(xml::block_list(block_ids));
        self.send(Method::PUT, url, headers, Some(body)).await?;
        Ok(())
    }

    /// Every blob of `container` whose name starts with `prefix`, all pages.
    pub async fn list_blobs(
        &self,
        container: &str,
        prefix: &str,
    ) -> Result<Vec<BlobItem>, StorageError> {
        let mut blobs = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut url = self.endpoint.container_url(container)?;
            {
                let mut query = url.query_pairs_mut();
                query
                    .append_pair("restype", "container")
                    .append_pair("comp", "list");
                if !prefix.is_empty() {
                    query.append_pair("prefix", prefix);
                }
                if let Some(marker) = &marker {
                    query.append_pair("marker", marker);
                }
            }
            let response = self.send(Method::GET, url, HeaderMap::new(), None).await?;
            let body = response.text().await.map_err(StorageError::transport)?;
            let page = xml::parse_list_page(&body)?;
            blobs.extend(page.blobs);
            match page.next_marker {
                Some(next) => marker = Some(next),
                None => return Ok(blobs),
            }
        }
    }

    /// Starts downloading a blob; the body streams from the returned response.
    pub async fn get_blob(
        &self,
        container: &str,
        name: &str,
    ) -> Result<reqwest::Response, StorageError> {
        let url = self.endpoint.blob_url(container, name)?;
        self.send(Method::GET, url, HeaderMap::new(), None).await
    }

    /// Reads a whole blob into memory (for small blobs; stream big ones with [`Self::get_blob`]).
    pub async fn read_blob(&self, container: &str, name: &str) -> Result<Bytes, StorageError> {
        let response = self.get_blob(container, name).await?;
        response.bytes().await.map_err(StorageError::transport)
    }

    /// Sends one request, authorized, retrying transient failures with backoff.
    async fn send(
        &self,
        method: Method,
        url: Url,
        headers: HeaderMap,
        body: Option<Bytes>,
    ) -> Result<reqwest::Response, StorageError> {
        let mut attempt = 0;
        loop {
            let request = self
                .authorized(method.clone(), url.clone(), headers.clone(), body.clone())
                .await?;
            let error = match self.http.execute(request).await {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => self.service_error(response).await,
                Err(error) => StorageError::transport(error),
            };
            attempt += 1;
            if !error.is_transient() || attempt >= self.retry.max_attempts {
                return Err(error);
            }
            tracing::debug!(attempt, %error, "retrying storage request");
            tokio::time::sleep(self.retry.delay(attempt)).await;
        }
    }

    async fn authorized(
        &self,
        method: Method,
        mut url: Url,
        mut headers: HeaderMap,
        body: Option<Bytes>,
    ) -> Result<reqwest::Request, StorageError> {
        if let StorageCredential::Sas(sas) = &self.credential {
            url = sas.apply_to(&url);
        }
        headers.insert(
            HeaderName::from_static("x-ms-version"),
            HeaderValue::from_static(SERVICE_VERSION),
        );
        headers.insert(HeaderName::from_static("x-ms-date"), http_date());
        let mut request = reqwest::Request::new(method, url);
        *request.headers_mut() = headers;
        if let Some(body) = body {
            // Explicit, so that an empty body is still sent as `Content-Length: 0` (the service
            // refuses a `Put Blob` without it).
            request.headers_mut().insert(
                reqwest::header::CONTENT_LENGTH,
                HeaderValue::from(body.len()),
            );
            *request.body_mut() = Some(body.into());
        }
        match &self.credential {
            StorageCredential::SharedKey(key) => {
                crate::shared_key::authorize(&mut request, self.endpoint.account(), key);
            }
            StorageCredential::Sas(_) => {}
            #[cfg(feature = "entra")]
            StorageCredential::Entra(credential) => {
                let token = credential
                    .get_token(&["https://storage.azure.com/.default"], None)
                    .await
                    .map_err(|e| StorageError::Credential(e.to_string()))?;
                let mut value = HeaderValue::from_str(&format!("Bearer {}", token.token.secret()))
                    .map_err(|_| StorageError::Credential("token is not a header value".into()))?;
                value.set_sensitive(true);
                request
                    .headers_mut()
                    .insert(reqwest::header::AUTHORIZATION, value);
            }
        }
        Ok(request)
    }

    /// Status, storage error code and message of a failed response, secrets scrubbed.
    async fn service_error(&self, response: reqwest::Response) -> StorageError {
        let status = response.status();
        let header_code = response
            .headers()
            .get("x-ms-error-code")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.unwrap_or_default();
        let (body_code, body_message) = xml::parse_error(&body);
        let code = header_code.or(body_code).unwrap_or_default();
        let message = body_message
            .as_deref()
            .and_then(|m| m.lines().next())
            .map(str::to_owned)
            .unwrap_or_else(|| reason(status));
        StorageError::Service {
            status: status.as_u16(),
            code,
            message: self.scrub(message),
        }
    }

    /// Removes the SAS signature should a server have echoed it.
    fn scrub(&self, text: String) -> String {
        match &self.credential {
            StorageCredential::Sas(sas) => match sas.signature() {
                Some(sig) if !sig.is_empty() => text.replace(sig, "<redacted>"),
                _ => text,
            },
            _ => text,
        }
    }
}

fn reason(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("").to_owned()
}

/// The current time as an RFC 1123 date (`Tue, 01 Dec 2026 18:00:00 GMT`).
fn http_date() -> HeaderValue {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let now = time::OffsetDateTime::now_utc();
    let text = now.format(FORMAT).expect("a fixed format always formats");
    HeaderValue::from_str(&text).expect("dates are ASCII")
}
