//! The STS token exchange and the checks every ARR route makes.

use std::time::Duration;

use crate::common::{Ctx, Reply, read};
use base64::Engine as _;
use remote_rendering_emulator::Emulator;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has three parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn sts(ctx: &Ctx, path: &str, authorization: Option<&str>) -> crate::common::Reply {
    let mut request = ctx.http.get(format!("{}{path}", ctx.emu.sts_endpoint()));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    read(request.send().await.unwrap()).await
}

#[tokio::test]
async fn sts_issues_signed_jwts_with_expiry_and_account() {
    let ctx = Ctx::start(Emulator::builder().token_lifetime(Duration::from_secs(3600))).await;
    let id = ctx.emu.account_id();
    let key = format!("Bearer {id}:{}", ctx.emu.account_key());
    // Path matching is case-insensitive and api-version optional.
    for path in [
        format!("Accounts/{id}/token?api-version=2019-02-28-preview"),
        format!("accounts/{id}/token"),
        format!("ACCOUNTS/{id}/TOKEN"),
    ] {
        let reply = sts(&ctx, &path, Some(&key)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        let token: remote_rendering_rest::generated::sts_2019_02_28_preview::types::StsTokenResponseMessage =
            reply.json();
        let claims = jwt_claims(&token.access_token);
        assert_eq!(claims["accountId"], json!(id.to_string()));
        let (iat, exp) = (
            claims["iat"].as_u64().unwrap(),
            claims["exp"].as_u64().unwrap(),
        );
        assert_eq!(exp - iat, 3600);
        let header: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token.access_token.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], "HS256");
    }
    assert_eq!(ctx.emu.sts_requests(), 4); // three here plus the one in Ctx::start
}

#[tokio::test]
async fn sts_rejects_wrong_malformed_and_unknown_credentials() {
    let ctx = Ctx::start(Emulator::builder()).await;
    let id = ctx.emu.account_id();
    let path = format!("Accounts/{id}/token");

    // The service answered a wrong key with 401, an empty body and no
    // Content-Type (recorded 2021–2024; this test used to expect a JSON
    // error with WWW-Authenticate). An unknown account gets the same answer.
    let wrong_key = sts(&ctx, &path, Some(&format!("Bearer {id}:bm90LXRoZS1rZXk="))).await;
    assert_bare_401(&wrong_key);

    let missing = sts(&ctx, &path, None).await;
    missing.error(StatusCode::UNAUTHORIZED);
    assert!(missing.header("www-authenticate").is_some());

    for malformed in ["Basic abc", "Bearer", "Bearer not-a-uuid:key"] {
        let reply = sts(&ctx, &path, Some(malformed)).await;
        reply.error(StatusCode::BAD_REQUEST);
        assert!(reply.header("www-authenticate").is_some(), "{malformed}");
    }

    let stranger = uuid::Uuid::new_v4();
    let unknown = sts(
        &ctx,
        &format!("Accounts/{stranger}/token"),
        Some(&format!("Bearer {stranger}:{}", ctx.emu.account_key())),
    )
    .await;
    assert_bare_401(&unknown);

    // The key of this account does not unlock another account id in the path.
    let mismatched = sts(
        &ctx,
        &format!("Accounts/{stranger}/token"),
        Some(&format!("Bearer {id}:{}", ctx.emu.account_key())),
    )
    .await;
    assert_bare_401(&mismatched);
}

fn assert_bare_401(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    assert_eq!(reply.body, "");
    assert_eq!(reply.header("content-type"), None);
    assert_eq!(reply.header("content-length"), Some("0"));
    assert_eq!(reply.header("www-authenticate"), None);
    assert_eq!(reply.header("api-supported-versions"), None);
}

#[tokio::test]
async fn sts_accepts_identity_tokens_until_they_expire() {
    let mut ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let path = format!("Accounts/{}/token", ctx.emu.account_id());
    let identity = ctx.emu.identity_token(Duration::from_secs(600));
    let reply = sts(&ctx, &path, Some(&format!("Bearer {identity}"))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // The exchanged token works on ARR.
    ctx.token = reply
        .json::<remote_rendering_rest::generated::sts_2019_02_28_preview::types::StsTokenResponseMessage>()
        .access_token;
    assert_eq!(ctx.get("sessions").await.status, StatusCode::OK);

    let garbage = sts(&ctx, &path, Some("Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln")).await;
    garbage.error(StatusCode::UNAUTHORIZED);
    // An ARR access token is not an identity token.
    let access = sts(&ctx, &path, Some(&format!("Bearer {}", ctx.token))).await;
    access.error(StatusCode::UNAUTHORIZED);

    ctx.emu.clock().advance(Duration::from_secs(601));
    let expired = sts(&ctx, &path, Some(&format!("Bearer {identity}"))).await;
    expired.error(StatusCode::UNAUTHORIZED);
    assert!(expired.header("www-authenticate").is_some());
}

#[tokio::test]
async fn arr_routes_require_token_account_and_api_version() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let sessions = ctx.url("sessions");

    let missing = read(ctx.http.get(&sessions).send().await.unwrap()).await;
    missing.error(StatusCode::UNAUTHORIZED);
    assert!(
        missing
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );

    let garbage = read(
        ctx.http
            .get(&sessions)
            .bearer_auth("not.a.jwt")
            .send()
            .await
            .unwrap(),
    )
    .await;
    garbage.error(StatusCode::UNAUTHORIZED);
    assert!(
        garbage
            .header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );

    // The account key itself is not a token.
    let key = read(
        ctx.http
            .get(&sessions)
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
    key.error(StatusCode::UNAUTHORIZED);

    let other_account = format!(
        "{}accounts/{}/sessions?api-version=2021-01-01",
        ctx.emu.endpoint(),
        uuid::Uuid::new_v4()
    );
    let forbidden = read(
        ctx.http
            .get(other_account)
            .bearer_auth(&ctx.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    forbidden.error(StatusCode::FORBIDDEN);

    let base = format!(
        "{}accounts/{}/sessions",
        ctx.emu.endpoint(),
        ctx.emu.account_id()
    );
    let no_version = read(
        ctx.http
            .get(&base)
            .bearer_auth(&ctx.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        no_version.error(StatusCode::BAD_REQUEST).code,
        "MissingApiVersionParameter"
    );
    let old_version = read(
        ctx.http
            // The preview is served too (protocol::versions); this one never was.
            .get(format!("{base}?api-version=2020-01-01"))
            .bearer_auth(&ctx.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        old_version.error(StatusCode::BAD_REQUEST).code,
        "UnsupportedApiVersion"
    );

    // Tokens expire on the emulator clock (default lifetime 24 h).
    assert_eq!(ctx.get("sessions").await.status, StatusCode::OK);
    ctx.emu.clock().advance(Duration::from_secs(24 * 3600 + 1));
    let expired = ctx.get("sessions").await;
    expired.error(StatusCode::UNAUTHORIZED);
    assert!(
        expired
            .header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );
}
