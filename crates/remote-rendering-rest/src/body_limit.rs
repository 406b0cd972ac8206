//! Caps on how much of a response body the client reads.
//!
//! Every response the generated clients receive passes through
//! [`BodyLimits::limit`] (in the `exec` hook, see the crate root): a body
//! whose `Content-Length` exceeds the limit fails at once without being
//! read, and any other body fails as soon as more than the limit has arrived.
//! The failure is a [`BodyTooLarge`] error inside the `reqwest::Error` that
//! reading the body returns; callers find it with [`BodyTooLarge::find`].
//! Nothing more than the limit plus one network chunk is ever held.

use bytes::Bytes;
use futures::StreamExt as _;
use reqwest::ResponseBuilderExt as _;

/// How many bytes of a response body the client reads before giving up.
///
/// Success bodies (session and conversion properties, pages of lists) are a
/// few kilobytes; error bodies are smaller still. The defaults leave ample
/// room for both while keeping a hostile or broken server from filling the
/// client's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BodyLimits {
    /// Limit for bodies of `2xx` responses, in bytes.
    pub success: u64,
    /// Limit for bodies of every other status, in bytes; the part read is
    /// kept for the error message.
    pub error: u64,
}

impl BodyLimits {
    /// Default limit for success bodies: 4 MiB.
    pub const DEFAULT_SUCCESS: u64 = 4 * 1024 * 1024;
    /// Default limit for error bodies: 64 KiB.
    pub const DEFAULT_ERROR: u64 = 64 * 1024;

    /// Limits of `success` bytes for success bodies and `error` bytes for
    /// the others.
    pub const fn new(success: u64, error: u64) -> Self {
        Self { success, error }
    }

    /// The limit that applies to a response with `status`.
    pub fn for_status(&self, status: reqwest::StatusCode) -> u64 {
        if status.is_success() {
            self.success
        } else {
            self.error
        }
    }

    /// The same response, with a body that fails with [`BodyTooLarge`] once
    /// it exceeds the limit for its status (at once, without reading, when
    /// its `Content-Length` already does). Status and headers are unchanged.
    ///
    /// A response that declares a length within the limit is returned as it
    /// is: hyper never delivers more than the declared length (it reports a
    /// longer body as an error), so counting would only cost a rebuilt
    /// response and a boxed stream on every call (≈ 5 % of a call's
    /// instructions; `arr-bench profile` under callgrind).
    pub fn limit(&self, mut response: reqwest::Response) -> reqwest::Response {
        let status = response.status();
        let limit = self.for_status(status);
        let declared = response.content_length();
        if declared.is_some_and(|length| length <= limit) {
            return response;
        }
        let too_large = move |content_length| BodyTooLarge {
            status: status.as_u16(),
            limit,
            content_length,
        };
        let mut builder = http::Response::builder()
            .status(status)
            .version(response.version())
            .url(response.url().clone());
        if let Some(headers) = builder.headers_mut() {
            *headers = std::mem::take(response.headers_mut());
        }
        if let Some(extensions) = builder.extensions_mut() {
            *extensions = std::mem::take(response.extensions_mut());
        }
        let body = match declared {
            Some(length) if length > limit => {
                // Dropping the response closes the connection unread.
                drop(response);
                let failure = too_large(Some(length));
                reqwest::Body::wrap_stream(futures::stream::once(async move {
                    Err::<Bytes, _>(failure)
                }))
            }
            _ => {
                let mut received = 0u64;
                let capped = response.bytes_stream().map(move |chunk| {
                    let chunk = chunk?;
                    received = received.saturating_add(chunk.len() as u64);
                    if received > limit {
                        return Err(Box::new(too_large(None)) as BoxError);
                    }
                    Ok(chunk)
                });
                // Ends the body at its first error: nothing past the limit
                // is read, even if the reader polls again.
                let mut failed = false;
                reqwest::Body::wrap_stream(capped.take_while(move |item| {
                    let keep = !failed;
                    failed |= item.is_err();
                    std::future::ready(keep)
                }))
            }
        };
        let limited = builder
            .body(body)
            .expect("the parts of a valid response make a valid response");
        reqwest::Response::from(limited)
    }
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self::new(Self::DEFAULT_SUCCESS, Self::DEFAULT_ERROR)
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A response body was larger than its [`BodyLimits`] allow; reading stopped
/// at the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BodyTooLarge {
    /// The response's HTTP status.
    pub status: u16,
    /// The limit that applied, in bytes.
    pub limit: u64,
    /// The `Content-Length` the response declared, when that is what
    /// exceeded the limit (the body was then not read at all).
    pub content_length: Option<u64>,
}

impl BodyTooLarge {
    /// The [`BodyTooLarge`] behind an error (typically the `reqwest::Error`
    /// that reading a limited body returned), searching its sources.
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Self> {
        let mut current = Some(error);
        while let Some(error) = current {
            if let Some(found) = error.downcast_ref::<Self>() {
                return Some(found);
            }
            current = error.source();
        }
        None
    }
}

impl std::fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.content_length {
            Some(length) => write!(
                f,
                "the HTTP {} response declares {length} bytes, over the {}-byte limit",
                self.status, self.limit
            ),
            None => write!(
                f,
                "the HTTP {} response body exceeds the {}-byte limit",
                self.status, self.limit
            ),
        }
    }
}

impl std::error::Error for BodyTooLarge {}
