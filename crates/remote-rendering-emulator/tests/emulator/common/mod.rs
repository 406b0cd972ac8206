//! Helpers shared by the integration tests: an emulator plus a reqwest
//! client that already holds an STS token.

#[cfg(unix)]
pub mod script;

use std::time::Duration;

use remote_rendering_emulator::{EmulatorBuilder, EmulatorHandle};
use remote_rendering_rest::types;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub struct Ctx {
    pub emu: EmulatorHandle,
    pub http: reqwest::Client,
    pub token: String,
}

/// A response with its body already read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body does not parse ({e}): {}", self.body))
    }

    /// Asserts the spec's error shape and returns the error object.
    pub fn error(&self, status: StatusCode) -> types::Error {
        assert_eq!(self.status, status, "body: {}", self.body);
        self.json::<types::ErrorResponse>().error
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .no_proxy()
        .build()
        .unwrap()
}

pub async fn read(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    // Every answer carries a correlation vector.
    assert!(
        headers.contains_key("ms-cv"),
        "missing MS-CV on {status}: {body}"
    );
    Reply {
        status,
        headers,
        body,
    }
}

/// Exchanges the account key for an access token at the STS.
pub async fn sts_token(http: &reqwest::Client, emu: &EmulatorHandle) -> String {
    let reply = read(
        http.get(format!(
            "{}Accounts/{}/token?api-version=2019-02-28-preview",
            emu.sts_endpoint(),
            emu.account_id()
        ))
        .bearer_auth(format!("{}:{}", emu.account_id(), emu.account_key()))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply
        .json::<remote_rendering_rest::generated::sts_2019_02_28_preview::types::StsTokenResponseMessage>()
        .access_token
}

impl Ctx {
    pub async fn start(builder: EmulatorBuilder) -> Ctx {
        let emu = builder.start().await.unwrap();
        let http = client();
        let token = sts_token(&http, &emu).await;
        Ctx { emu, http, token }
    }

    /// Absolute URL of `path` under the account, with the api-version.
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}accounts/{}/{path}?api-version=2021-01-01",
            self.emu.endpoint(),
            self.emu.account_id()
        )
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn stop(&self, session: &str) -> Reply {
        self.call(Method::POST, &format!("sessions/{session}/:stop"), None)
            .await
    }

    pub async fn session(&self, id: &str) -> types::SessionProperties {
        let reply = self.get(&format!("sessions/{id}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json()
    }

    pub async fn create_session(&self, id: &str, lease: i64) -> Reply {
        self.put(
            &format!("sessions/{id}"),
            serde_json::json!({"maxLeaseTimeMinutes": lease, "size": "Standard"}),
        )
        .await
    }
}

pub fn status_of(session: &types::SessionProperties) -> types::SessionStatusKnown {
    match &session.status {
        types::SessionStatus::Known(known) => *known,
        other => panic!("unexpected status {other:?}"),
    }
}

pub fn conversion_status(conversion: &types::Conversion) -> types::ConversionStatusKnown {
    match &conversion.status {
        types::ConversionStatus::Known(known) => *known,
        other => panic!("unexpected status {other:?}"),
    }
}

/// Conversion settings with SAS tokens, for `outputAssetUri` and redaction
/// checks.
pub fn conversion_body(input: &str) -> Value {
    serde_json::json!({
        "settings": {
            "inputLocation": {
                "storageContainerUri": "https://in.blob.example/models",
                "storageContainerReadListSas": "sv=2020&sig=READSECRET",
                "relativeInputAssetPath": input
            },
            "outputLocation": {
                "storageContainerUri": "https://out.blob.example/assets",
                "storageContainerWriteSas": "sv=2020&sig=WRITESECRET",
                "blobPrefix": "converted"
            }
        }
    })
}
