//! The older API versions over HTTP: the `v1` session protocol and
//! `2021-01-01-preview`, each in its own shapes, over the one store the
//! stable API uses.

use std::time::Duration;

use crate::common::{Ctx, Reply, conversion_body, read};
use remote_rendering_emulator::{Emulator, Route};
use remote_rendering_rest::generated::arr_2021_01_01_preview::types as preview;
use remote_rendering_rest::generated::arr_v1::types as v1;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PREVIEW: &str = "2021-01-01-preview";

impl Ctx {
    /// A v1 call: `/v1/accounts/{account}/{path}`, no `api-version` query,
    /// but the `api-version: v1` header the generated client sends.
    async fn v1(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let url = format!(
            "{}v1/accounts/{}/{path}",
            self.emu.endpoint(),
            self.emu.account_id()
        );
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(&self.token)
            .header("api-version", "v1");
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.unwrap()).await
    }

    /// A `2021-01-01-preview` call to `path` under the account.
    async fn preview(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let url = format!(
            "{}accounts/{}/{path}?api-version={PREVIEW}",
            self.emu.endpoint(),
            self.emu.account_id()
        );
        let mut request = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.unwrap()).await
    }

    async fn v1_properties(&self, id: &str) -> v1::SessionProperties {
        let reply = self
            .v1(Method::GET, &format!("sessions/{id}/properties"), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json()
    }
}

fn v1_status(properties: &v1::SessionProperties) -> String {
    serde_json::to_value(&properties.session_status)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn v1_sessions_have_their_own_codes_and_shapes() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let created = ctx
        .v1(
            Method::POST,
            "sessions/create",
            Some(json!({"maxLeaseTime": "4:0:0", "models": [], "size": "standard"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{}", created.body);
    let id = created
        .json::<v1::CreateSessionResult>()
        .session_id
        .to_string();
    assert_eq!(
        created.header("location"),
        Some(format!("accounts/{}/sessions/{id}", ctx.emu.account_id()).as_str())
    );

    let properties = ctx.v1_properties(&id).await;
    assert_eq!(v1_status(&properties), "Starting");
    assert_eq!(
        properties.session_max_lease_time.as_deref(),
        Some("04:00:00")
    );
    assert_eq!(
        properties.session_size,
        Some(v1::SessionSize::Known(v1::SessionSizeKnown::Standard))
    );
    ctx.emu.clock().advance(Duration::from_secs(2));
    let properties = ctx.v1_properties(&id).await;
    assert_eq!(v1_status(&properties), "Ready");
    assert!(properties.session_hostname.is_some());

    // Extend: the total since the start; 200 with an empty body.
    let extended = ctx
        .v1(
            Method::PATCH,
            &format!("sessions/{id}"),
            Some(json!({"maxLeaseTime": "5:0:0"})),
        )
        .await;
    assert_eq!(extended.status, StatusCode::OK, "{}", extended.body);
    assert_eq!(extended.body, "");
    assert_eq!(extended.header("content-length"), Some("0"));
    let properties = ctx.v1_properties(&id).await;
    assert_eq!(
        properties.session_max_lease_time.as_deref(),
        Some("05:00:00")
    );
    for (lease, code) in [
        ("4:0:0", "LeaseTimeNotIncreased"),
        ("5:00:30", "InvalidMaxLeaseTime"),
        ("five hours", "InvalidMaxLeaseTime"),
    ] {
        let refused = ctx
            .v1(
                Method::PATCH,
                &format!("sessions/{id}"),
                Some(json!({ "maxLeaseTime": lease })),
            )
            .await;
        assert_eq!(refused.error(StatusCode::BAD_REQUEST).code, code, "{lease}");
    }

    let list = ctx.v1(Method::GET, "sessions", None).await;
    assert_eq!(list.status, StatusCode::OK);
    let list: Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(list["sessions"][0]["sessionId"], id.as_str());
    assert!(list.get("@nextLink").is_none(), "{list}");

    let stopped = ctx
        .v1(Method::DELETE, &format!("sessions/{id}"), None)
        .await;
    assert_eq!(stopped.status, StatusCode::NO_CONTENT);
    assert_eq!(v1_status(&ctx.v1_properties(&id).await), "Stopped");
    let list = ctx.v1(Method::GET, "sessions", None).await;
    assert_eq!(list.json::<v1::SessionsList>().sessions, []);
    let missing = ctx
        .v1(Method::DELETE, "sessions/no-such-session", None)
        .await;
    missing.error(StatusCode::NOT_FOUND);
    assert_eq!(ctx.emu.request_count(Route::V1StopSession), 2);
}

#[tokio::test]
async fn one_store_serves_every_version() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let created = ctx
        .v1(
            Method::POST,
            "sessions/create",
            Some(json!({"maxLeaseTime": "1.00:00:00", "models": [], "size": "premium"})),
        )
        .await;
    let id = created
        .json::<v1::CreateSessionResult>()
        .session_id
        .to_string();
    // Started through v1, seen through 2021-01-01 and the preview.
    let stable = ctx.session(&id).await;
    assert_eq!(stable.max_lease_time_minutes, Some(1440));
    let seen = ctx
        .preview(Method::GET, &format!("sessions/{id}"), None)
        .await
        .json::<preview::SessionProperties>();
    assert_eq!(seen.size, Some(preview::SessionPropertiesSize::Premium));
    // Stopped through 2021-01-01, stopped for v1 too.
    assert_eq!(ctx.stop(&id).await.status, StatusCode::NO_CONTENT);
    assert_eq!(v1_status(&ctx.v1_properties(&id).await), "Stopped");

    // Started through 2021-01-01, extended through v1.
    assert_eq!(
        ctx.create_session("stable", 60).await.status,
        StatusCode::CREATED
    );
    let extended = ctx
        .v1(
            Method::PATCH,
            "sessions/stable/",
            Some(json!({"maxLeaseTime": "2:0:0"})),
        )
        .await;
    // A trailing slash is another path: the protocol has none.
    extended.error(StatusCode::NOT_FOUND);
    let extended = ctx
        .v1(
            Method::PATCH,
            "sessions/stable",
            Some(json!({"maxLeaseTime": "2:0:0"})),
        )
        .await;
    assert_eq!(extended.status, StatusCode::OK);
    assert_eq!(
        ctx.session("stable").await.max_lease_time_minutes,
        Some(120)
    );
}

#[tokio::test]
async fn v1_needs_a_token_but_no_api_version() {
    let ctx = Ctx::start(Emulator::builder()).await;
    let url = format!(
        "{}v1/accounts/{}/sessions",
        ctx.emu.endpoint(),
        ctx.emu.account_id()
    );
    let anonymous = read(ctx.http.get(&url).send().await.unwrap()).await;
    anonymous.error(StatusCode::UNAUTHORIZED);
    let authorized = read(
        ctx.http
            .get(&url)
            .bearer_auth(&ctx.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(authorized.status, StatusCode::OK, "{}", authorized.body);
    // The seed's token request carries no api-version either.
    let token = read(
        ctx.http
            .get(format!(
                "{}accounts/{}/token",
                ctx.emu.sts_endpoint(),
                ctx.emu.account_id()
            ))
            .bearer_auth(format!(
                "{}:{}",
                ctx.emu.account_id(),
                ctx.emu.account_key()
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.body);
    let bad_size = ctx
        .v1(
            Method::POST,
            "sessions/create",
            Some(json!({"maxLeaseTime": "1:0:0", "models": [], "size": "huge"})),
        )
        .await;
    assert_eq!(
        bad_size.error(StatusCode::BAD_REQUEST).target.as_deref(),
        Some("size")
    );
}

#[tokio::test]
async fn the_preview_answers_in_its_own_shapes() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let body = json!({"maxLeaseTimeMinutes": 30, "size": "Standard"});
    let created = ctx
        .preview(Method::PUT, "sessions/p", Some(body.clone()))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    // An identical retry: the preview documents only 201.
    let again = ctx.preview(Method::PUT, "sessions/p", Some(body)).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(ctx.create_session("p", 30).await.status, StatusCode::OK);

    let conversion = ctx
        .preview(
            Method::PUT,
            "conversions/c",
            Some(conversion_body("robot.fbx")),
        )
        .await;
    assert_eq!(
        conversion.status,
        StatusCode::CREATED,
        "{}",
        conversion.body
    );
    let status =
        |reply: &Reply| serde_json::from_str::<Value>(&reply.body).unwrap()["status"].clone();
    assert_eq!(status(&conversion), "Created");
    ctx.emu.clock().advance(Duration::from_secs(2));
    let done = ctx.preview(Method::GET, "conversions/c", None).await;
    assert_eq!(status(&done), "Success");
    let failing = ctx
        .preview(
            Method::PUT,
            "conversions/f",
            Some(conversion_body("notes.txt")),
        )
        .await;
    assert_eq!(failing.status, StatusCode::CREATED);
    ctx.emu.clock().advance(Duration::from_secs(2));
    let failed = ctx.preview(Method::GET, "conversions/f", None).await;
    assert_eq!(status(&failed), "Failure");
    let list = ctx.preview(Method::GET, "conversions", None).await;
    let list = list.json::<preview::GetConversionsResponse>();
    assert_eq!(list.conversions.len(), 2);
    // The stable API still speaks its own words about the same conversion.
    let stable = ctx.get("conversions/c").await;
    assert_eq!(status(&stable), "Succeeded");

    // Errors nest `innererror`, never the stable `innerError`.
    let missing = ctx.preview(Method::GET, "sessions/nope", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let error = missing.json::<preview::ErrorResponse>().error.unwrap();
    assert_eq!(error.code.as_deref(), Some("NotFound"));
    assert!(!missing.body.contains("innerError"), "{}", missing.body);
    let unknown = ctx
        .http
        .get(format!(
            "{}accounts/{}/sessions?api-version=2020-01-01",
            ctx.emu.endpoint(),
            ctx.emu.account_id()
        ))
        .bearer_auth(&ctx.token)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn preview_next_links_ask_for_the_preview_again() {
    let ctx = Ctx::start(Emulator::builder().page_size(1)).await;
    for id in ["a", "b"] {
        ctx.create_session(id, 30).await;
    }
    let first = ctx.preview(Method::GET, "sessions", None).await;
    let first = first.json::<preview::SessionsList>();
    let next = first.next_link.expect("a second page");
    assert!(next.contains(&format!("api-version={PREVIEW}")), "{next}");
    let second = read(
        ctx.http
            .get(&next)
            .bearer_auth(&ctx.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let second = second.json::<preview::SessionsList>();
    assert_eq!(second.sessions[0].id.as_deref(), Some("b"));
}
