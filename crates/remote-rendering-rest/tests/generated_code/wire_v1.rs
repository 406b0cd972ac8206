//! The v1 session protocol (`spec/swagger/arr-v1.json`) on the wire: every
//! operation through the generated `arr_v1` client, in the order the session
//! management page uses them, against the capture server of [`crate::wire`].
//! One snapshot shows all requests: paths under `/v1/`, no `api-version`
//! query parameter, timespan lease bodies. (Progenitor sends `info.version`
//! as an `api-version` header on every request, `v1` here.)

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use remote_rendering_rest::generated::arr_v1::{self, types};
use serde_json::{Value, json};

use crate::wire::{CaptureServer, account, auth, http_client, json_reply, within};

const SESSION: &str = "d31bddca-dab7-498e-9bc9-7594bc12862f";

fn properties(status: &str) -> Value {
    json!({
        "message": null,
        "sessionElapsedTime": "00:00:01",
        "sessionHostname": "vm.example.invalid",
        "sessionId": SESSION,
        "sessionMaxLeaseTime": "04:00:00",
        "sessionStatus": status
    })
}

/// Canned v1 answers; `segments` follow the leading `v1`.
pub(crate) fn reply(method: &Method, segments: &[&str]) -> Response {
    match (method.as_str(), segments) {
        ("POST", ["accounts", account, "sessions", "create"]) => (
            StatusCode::ACCEPTED,
            [
                ("content-type", "application/json"),
                (
                    "location",
                    &format!("accounts/{account}/sessions/{SESSION}"),
                ),
            ],
            json!({ "sessionId": SESSION }).to_string(),
        )
            .into_response(),
        ("GET", ["accounts", _, "sessions"]) => {
            json_reply(StatusCode::OK, json!({ "sessions": [properties("Ready")] }))
        }
        ("GET", ["accounts", _, "sessions", _, "properties"]) => {
            json_reply(StatusCode::OK, properties("Starting"))
        }
        ("PATCH", ["accounts", _, "sessions", _]) => StatusCode::OK.into_response(),
        ("DELETE", ["accounts", _, "sessions", _]) => StatusCode::NO_CONTENT.into_response(),
        _ => (StatusCode::NOT_FOUND, "no canned v1 reply for this route").into_response(),
    }
}

#[tokio::test]
async fn v1_session_protocol() {
    let server = CaptureServer::start().await;
    let client = arr_v1::Client::new_with_client(&server.base_url, http_client(), auth());

    let token = within(client.get_token().account_id(account()).send())
        .await
        .expect("token");
    assert_eq!(token.access_token, "sts-access-token");

    let created = within(
        client
            .create_session()
            .account_id(account())
            .body(types::CreateSessionSettings {
                max_lease_time: "4:0:0".into(),
                models: Vec::new(),
                size: types::SessionSize::Known(types::SessionSizeKnown::Standard),
            })
            .send(),
    )
    .await
    .expect("create");
    assert_eq!(created.status(), 202);
    assert_eq!(created.session_id.to_string(), SESSION);

    let session = SESSION.to_string();
    let properties = within(
        client
            .get_session_properties()
            .account_id(account())
            .session_id(&session)
            .send(),
    )
    .await
    .expect("properties");
    assert_eq!(
        properties.session_status,
        types::SessionStatus::Known(types::SessionStatusKnown::Starting)
    );
    assert_eq!(properties.message, None);

    let updated = within(
        client
            .update_session()
            .account_id(account())
            .session_id(&session)
            .body(types::UpdateSessionSettings {
                max_lease_time: "5:0:0".into(),
            })
            .send(),
    )
    .await
    .expect("update");
    assert_eq!(updated.status(), 200);

    let listed = within(client.list_sessions().account_id(account()).send())
        .await
        .expect("list");
    assert_eq!(listed.sessions.len(), 1);

    let stopped = within(
        client
            .stop_session()
            .account_id(account())
            .session_id(&session)
            .send(),
    )
    .await
    .expect("stop");
    assert_eq!(stopped.status(), 204);

    insta::assert_json_snapshot!(server.requests());
}
