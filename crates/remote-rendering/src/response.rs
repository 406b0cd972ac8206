//! Turns what a generated operation returned into a value or this crate's
//! [`Error`]: status codes, error bodies, `Retry-After` and `MS-CV`.

use crate::error::{Error, Result, ServiceError};
use futures::{Stream, StreamExt as _};
use progenitor_client::{ByteStream, ResponseValue};
use remote_rendering_rest::BodyTooLarge;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// What a generated operation returns.
pub(crate) type Raw<T> =
    std::result::Result<ResponseValue<T>, progenitor_client::Error<ByteStream>>;

/// A decoded success: the value and what callers need of the headers.
pub(crate) struct Reply<T> {
    pub(crate) value: T,
    retry_after: Option<Duration>,
    ms_cv: Option<reqwest::header::HeaderValue>,
}

impl<T> Reply<T> {
    /// Converts the value, keeping what was read from the headers.
    pub(crate) fn try_map<U, E>(self, convert: impl FnOnce(T) -> Result<U, E>) -> Result<Reply<U>>
    where
        Error: From<E>,
    {
        Ok(Reply {
            value: convert(self.value)?,
            retry_after: self.retry_after,
            ms_cv: self.ms_cv,
        })
    }

    /// The service's `Retry-After`, if it sent one.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The response's `MS-CV` correlation vector, if it sent one.
    pub(crate) fn ms_cv(&self) -> Option<&str> {
        self.ms_cv.as_ref().and_then(|v| v.to_str().ok())
    }
}

/// A fresh correlation vector for the STS's `X-MRC-CV` header.
pub(crate) fn correlation_vector() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 12];
    if getrandom::fill(&mut bytes).is_err() {
        // It only has to be unlikely to repeat: the clock will do.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        bytes.copy_from_slice(&nanos.to_le_bytes()[..12]);
    }
    format!(
        "{}.0",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

const MS_CV: &str = "ms-cv";

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `Retry-After` as delay-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds).min(crate::retry::MAX_RETRY_AFTER));
    }
    let format = time::format_description::well_known::Rfc2822;
    let when = time::OffsetDateTime::parse(value, &format).ok()?;
    let delta = when - time::OffsetDateTime::now_utc();
    Some(
        Duration::try_from(delta)
            .unwrap_or(Duration::ZERO)
            .min(crate::retry::MAX_RETRY_AFTER),
    )
}

/// Classifies the outcome of one generated call.
pub(crate) async fn classify<T>(operation: &'static str, result: Raw<T>) -> Result<Reply<T>> {
    use progenitor_client::Error as E;
    match result {
        Ok(value) => {
            // Only two headers matter; reading them from the borrowed map
            // avoids copying the whole map on every call.
            let headers = value.headers();
            let retry_after = retry_after(headers);
            let ms_cv = headers.get(MS_CV).cloned();
            Ok(Reply {
                value: value.into_inner(),
                retry_after,
                ms_cv,
            })
        }
        Err(E::ErrorResponse(response)) => {
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = read_error_body(response.into_inner().into_inner()).await;
            let body =
                body.map_err(|(limit, kept)| too_large(operation, &limit, &headers, &kept))?;
            Err(status_error(operation, status, &headers, &body))
        }
        Err(E::UnexpectedResponse(response)) => {
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = read_error_body(response.bytes_stream()).await;
            let body =
                body.map_err(|(limit, kept)| too_large(operation, &limit, &headers, &kept))?;
            if (200..300).contains(&status) {
                return Err(Error::InvalidResponse {
                    operation,
                    message: format!("HTTP {status} is not a documented success status"),
                    ms_cv: header(&headers, MS_CV),
                    transient: true,
                });
            }
            Err(status_error(operation, status, &headers, &body))
        }
        // A success body over its limit: never retried, since a server
        // that sends too much will send it again.
        Err(E::ResponseBodyError(e)) => match BodyTooLarge::find(&e) {
            Some(limit) => Err(too_large(operation, limit, &HeaderMap::new(), &[])),
            None => Err(transport_error(operation, e)),
        },
        Err(E::CommunicationError(e)) | Err(E::InvalidUpgrade(e)) => {
            Err(transport_error(operation, e))
        }
        // A web page where the API should be: usually a wrong endpoint, at
        // times a gateway's glitch; the retry policy tries once more only.
        Err(E::InvalidResponsePayload(body, _)) if looks_like_html(&body) => {
            Err(Error::InvalidResponse {
                operation,
                message: HTML_ANSWER.into(),
                ms_cv: None,
                transient: true,
            })
        }
        Err(E::InvalidResponsePayload(body, e)) => Err(Error::InvalidResponse {
            operation,
            message: format!(
                "the body ({} bytes) does not match the API: {e}",
                body.len()
            ),
            ms_cv: None,
            // Broken JSON (cut short, not JSON at all) may come right on a
            // second try; well-formed JSON of the wrong shape will not.
            transient: !matches!(e.classify(), serde_json::error::Category::Data),
        }),
        Err(E::InvalidRequest(message)) => Err(Error::validation("request", message)),
        Err(E::Custom(message)) => Err(Error::Transport {
            operation,
            message,
            source: None,
        }),
    }
}

/// Reads an error body (limited by the generated clients' hook, see
/// `remote_rendering_rest::BodyLimits`). A body damaged in transit counts
/// as what arrived of it; one over its limit is `Err` with its start.
async fn read_error_body(
    body: impl Stream<Item = reqwest::Result<bytes::Bytes>>,
) -> std::result::Result<Vec<u8>, (BodyTooLarge, Vec<u8>)> {
    let mut body = std::pin::pin!(body);
    let mut read = Vec::new();
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(chunk) => read.extend_from_slice(&chunk),
            Err(e) => match BodyTooLarge::find(&e) {
                Some(limit) => return Err((limit.clone(), read)),
                None => break,
            },
        }
    }
    Ok(read)
}

/// [`Error::ResponseTooLarge`], keeping the start of what was read.
fn too_large(
    operation: &'static str,
    limit: &BodyTooLarge,
    headers: &HeaderMap,
    read: &[u8],
) -> Error {
    let excerpt = (!read.is_empty()).then(|| {
        String::from_utf8_lossy(read)
            .chars()
            .take(Error::EXCERPT_CHARS)
            .collect()
    });
    Error::ResponseTooLarge {
        operation,
        status: limit.status,
        limit: limit.limit,
        content_length: limit.content_length,
        excerpt,
        ms_cv: header(headers, MS_CV),
    }
}

/// The message of an HTML answer; [`Error::is_html_answer`] recognises it.
pub(crate) const HTML_ANSWER: &str =
    "the endpoint answered HTML, not the ARR API: check --endpoint (the client's endpoint setting)";

fn looks_like_html(body: &[u8]) -> bool {
    let start = body.trim_ascii_start();
    let head = &start[..start.len().min(15)];
    head.starts_with(b"<!") || head.to_ascii_lowercase().starts_with(b"<html")
}

pub(crate) fn transport_error(operation: &'static str, e: reqwest::Error) -> Error {
    if e.is_timeout() {
        return Error::Timeout {
            operation,
            after: Duration::ZERO,
        };
    }
    // reqwest's Display includes the URL, which holds no secret here (SAS and
    // keys never travel in URLs this client builds).
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(inner) = source {
        message = format!("{message}: {inner}");
        source = inner.source();
    }
    if let Some(cause) = crate::unreachable::Unreachable::of(&e) {
        message = format!("{}; {message}", cause.hint());
    }
    Error::Transport {
        operation,
        message,
        source: Some(std::sync::Arc::new(e)),
    }
}

/// Decodes the spec's error body. The service wrote `"details": null,
/// "target": null, "innerError": null` in early 2021 (recorded); nulls are
/// dropped first so such a body decodes like the later ones.
fn decode_error_body(body: &[u8]) -> Option<remote_rendering_rest::types::ErrorResponse> {
    fn drop_nulls(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.retain(|_, v| !v.is_null());
                map.values_mut().for_each(drop_nulls);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(drop_nulls),
            _ => {}
        }
    }
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    drop_nulls(&mut value);
    serde_json::from_value(value).ok()
}

/// Builds the error for an error status, decoding the spec's error body when present.
pub(crate) fn status_error(
    operation: &'static str,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Error {
    let ms_cv = header(headers, MS_CV);
    let decoded = decode_error_body(body);
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("error")
        .to_string();
    if (300..400).contains(&status) {
        let location = header(headers, "location").unwrap_or_default();
        return Error::InvalidResponse {
            operation,
            message: format!(
                "the endpoint answered HTTP {status}, a redirect to `{}`; ARR never redirects, \
                 so it was not followed: check the endpoint",
                location.escape_debug()
            ),
            ms_cv,
            transient: false,
        };
    }
    if status == 401 || status == 403 {
        // The code leads the message: the service's codes (e.g.
        // `LinkedStorageAccessFailure` on 403) say what to fix.
        let message = decoded
            .as_ref()
            .map(|d| match d.error.code.as_str() {
                "" => d.error.message.clone(),
                code => format!("{code}: {}", d.error.message),
            })
            .or_else(|| header(headers, "www-authenticate"))
            .unwrap_or(reason);
        return Error::Authentication {
            status: Some(status),
            message,
            ms_cv,
        };
    }
    let (code, message, details, target) = match decoded {
        Some(d) => (
            Some(d.error.code),
            d.error.message,
            d.error.details.into_iter().map(Into::into).collect(),
            d.error.target,
        ),
        None => (None, reason, Vec::new(), None),
    };
    Error::Service(Box::new(ServiceError {
        operation,
        status,
        code,
        message,
        details,
        target,
        ms_cv,
        retry_after: retry_after(headers),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn error_bodies_become_typed_service_errors() {
        let mut headers = HeaderMap::new();
        headers.insert("ms-cv", "abc.1".parse().unwrap());
        let body = br#"{"error":{"code":"InvalidArgument","message":"bad lease","target":"maxLeaseTimeMinutes"}}"#;
        let error = status_error("update session", 422, &headers, body);
        let service = error.service_error().unwrap();
        assert_eq!(service.code.as_deref(), Some("InvalidArgument"));
        assert_eq!(service.target.as_deref(), Some("maxLeaseTimeMinutes"));
        assert_eq!(
            error.to_string(),
            "update session failed with HTTP 422 InvalidArgument: bad lease (target: maxLeaseTimeMinutes) [MS-CV abc.1]"
        );
        assert!(!error.is_retryable());
        let throttled = status_error("get session", 429, &HeaderMap::new(), b"");
        assert!(throttled.is_retryable());
        assert_eq!(
            throttled.service_error().unwrap().message,
            "Too Many Requests"
        );
    }

    #[tokio::test]
    async fn only_bodies_damaged_in_transit_are_retryable() {
        let payload = |body: &'static [u8]| {
            let error =
                serde_json::from_slice::<remote_rendering_rest::types::SessionProperties>(body)
                    .expect_err("the body does not decode");
            let bytes = bytes::Bytes::from_static(body);
            progenitor_client::Error::<progenitor_client::ByteStream>::InvalidResponsePayload(
                bytes, error,
            )
        };
        // Cut short and not JSON: may come right on a second try.
        for body in [&b"{\"id\": \"a"[..], b"busy, try later"] {
            let error = classify::<()>("get session", Err(payload(body)))
                .await
                .err()
                .unwrap();
            assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
            assert!(error.is_retryable(), "{error:?}");
        }
        // A web page: usually a wrong endpoint, retried once only (issue 13).
        let error = classify::<()>("get session", Err(payload(b"<html>busy</html>")))
            .await
            .err()
            .unwrap();
        assert!(error.is_html_answer(), "{error:?}");
        assert!(error.to_string().contains("answered HTML"), "{error}");
        // Well-formed JSON of the wrong shape: it will not.
        let error = classify::<()>("get session", Err(payload(b"{}")))
            .await
            .err()
            .unwrap();
        assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
        assert!(!error.is_retryable(), "{error:?}");
    }
}
