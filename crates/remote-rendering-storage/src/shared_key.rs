//! Shared Key authorization: the documented string-to-sign of the Blob service (versions
//! 2009-09-19 and later, with the `Content-Length` rule of 2015-02-21 and later), signed with
//! HMAC-SHA256 of the account key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use sha2::Sha256;
use std::collections::BTreeMap;

use crate::credential::AccountKey;

/// HMAC-SHA256 of `data` under `key`, base64-encoded.
pub(crate) fn sign(key: &AccountKey, data: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.bytes()).expect("HMAC accepts any key size");
    mac.update(data.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// Adds `Authorization: SharedKey account:signature` to a request whose other headers
/// (including `x-ms-date` and `x-ms-version`) are final.
pub(crate) fn authorize(request: &mut reqwest::Request, account: &str, key: &AccountKey) {
    let content_length = request
        .body()
        .and_then(|body| body.as_bytes())
        .map_or(0, <[u8]>::len);
    let to_sign = string_to_sign(
        request.method().as_str(),
        request.headers(),
        content_length,
        account,
        request.url(),
    );
    let value = format!("SharedKey {account}:{}", sign(key, &to_sign));
    let mut value = HeaderValue::from_str(&value).expect("base64 and account names are ASCII");
    value.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, value);
}

fn string_to_sign(
    method: &str,
    headers: &HeaderMap,
    content_length: usize,
    account: &str,
    url: &url::Url,
) -> String {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    // Since 2015-02-21 a zero Content-Length is signed as the empty string.
    let length = if content_length == 0 {
        String::new()
    } else {
        content_length.to_string()
    };
    let mut out = String::with_capacity(256);
    for part in [
        method.to_owned(),
        header("content-encoding"),
        header("content-language"),
        length,
        header("content-md5"),
        header("content-type"),
        // `Date` is empty: x-ms-date is always sent and signed among the canonicalized headers.
        String::new(),
        header("if-modified-since"),
        header("if-match"),
        header("if-none-match"),
        header("if-unmodified-since"),
        header("range"),
    ] {
        out.push_str(&part);
        out.push('\n');
    }
    out.push_str(&canonicalized_headers(headers));
    out.push_str(&canonicalized_resource(account, url));
    out
}

/// `x-ms-*` headers, lowercase names, sorted, `name:value\n` each (values trimmed).
fn canonicalized_headers(headers: &HeaderMap) -> String {
    let mut ms: BTreeMap<&str, String> = BTreeMap::new();
    for (name, value) in headers {
        if name.as_str().starts_with("x-ms-") {
            let value = value.to_str().unwrap_or("").trim().to_owned();
            ms.insert(name.as_str(), value);
        }
    }
    ms.iter().map(|(n, v)| format!("{n}:{v}\n")).collect()
}

/// `/{account}{encoded path}` then, per query parameter sorted by lowercase name,
/// `\nname:value1,value2` (decoded values, sorted).
fn canonicalized_resource(account: &str, url: &url::Url) -> String {
    let mut out = format!("/{account}{}", url.path());
    let mut params: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in url.query_pairs() {
        params
            .entry(name.to_lowercase())
            .or_default()
            .push(value.into_owned());
    }
    for (name, mut values) in params {
        values.sort();
        out.push('\n');
        out.push_str(&name);
        out.push(':');
        out.push_str(&values.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_to_sign_follows_the_documented_layout() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ms-version", HeaderValue::from_static("2023-11-03"));
        headers.insert(
            "x-ms-date",
            HeaderValue::from_static("Fri, 26 Jun 2015 23:39:12 GMT"),
        );
        headers.insert("content-type", HeaderValue::from_static("application/xml"));
        let url = url::Url::parse(
            "http://127.0.0.1:1/devstoreaccount1/c/a%20b?restype=container&comp=list&prefix=x",
        )
        .unwrap();
        let s = string_to_sign("PUT", &headers, 5, "devstoreaccount1", &url);
        assert_eq!(
            s,
            "PUT\n\n\n5\n\napplication/xml\n\n\n\n\n\n\n\
             x-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-version:2023-11-03\n\
             /devstoreaccount1/devstoreaccount1/c/a%20b\ncomp:list\nprefix:x\nrestype:container"
        );
    }
}
