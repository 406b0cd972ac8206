//! The wire protocol over HTTP: STS, authorization, sessions, conversions.

use std::time::Duration;

use crate::common::{Ctx, conversion_body, conversion_status, read, status_of};
use base64::Engine as _;
use remote_rendering_emulator::Emulator;
use remote_rendering_rest::types::{self, ConversionStatusKnown as C, SessionStatusKnown as S};
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

    let wrong_key = sts(&ctx, &path, Some(&format!("Bearer {id}:bm90LXRoZS1rZXk="))).await;
    wrong_key.error(StatusCode::UNAUTHORIZED);
    assert!(wrong_key.header("www-authenticate").is_some());

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
    unknown.error(StatusCode::UNAUTHORIZED);
    assert!(unknown.header("www-authenticate").is_some());

    // The key of this account does not unlock another account id in the path.
    let mismatched = sts(
        &ctx,
        &format!("Accounts/{stranger}/token"),
        Some(&format!("Bearer {id}:{}", ctx.emu.account_key())),
    )
    .await;
    mismatched.error(StatusCode::UNAUTHORIZED);
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
            .get(format!("{base}?api-version=2021-01-01-preview"))
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

#[tokio::test]
async fn session_create_validates_id_and_body() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let long = "x".repeat(257);
    for bad_id in [long.as_str(), "has.dot", "spa%20ce"] {
        let reply = ctx.create_session(bad_id, 10).await;
        assert_eq!(
            reply.error(StatusCode::BAD_REQUEST).code,
            "InvalidSessionId",
            "{bad_id}"
        );
    }
    assert_eq!(
        ctx.create_session(&"x".repeat(256), 10).await.status,
        StatusCode::CREATED
    );

    for (body, target) in [
        (
            json!({"maxLeaseTimeMinutes": 1441, "size": "Standard"}),
            Some("maxLeaseTimeMinutes"),
        ),
        (
            json!({"maxLeaseTimeMinutes": -1, "size": "Standard"}),
            Some("maxLeaseTimeMinutes"),
        ),
        (
            json!({"maxLeaseTimeMinutes": 10, "size": "Huge"}),
            Some("size"),
        ),
        (json!({"maxLeaseTimeMinutes": 10}), None),
        (json!({"size": "Standard"}), None),
        (json!("nonsense"), None),
    ] {
        let reply = ctx.put("sessions/s", body.clone()).await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(error.target.as_deref(), target, "{body}");
        assert!(!error.message.is_empty());
    }
    let not_json = read(
        ctx.http
            .put(ctx.url("sessions/s"))
            .bearer_auth(&ctx.token)
            .body("{")
            .send()
            .await
            .unwrap(),
    )
    .await;
    not_json.error(StatusCode::BAD_REQUEST);
    // None of the rejected requests created anything.
    ctx.get("sessions/s").await.error(StatusCode::NOT_FOUND);
    // Boundaries are accepted.
    assert_eq!(
        ctx.create_session("zero", 0).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        ctx.create_session("max", 1440).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn session_create_is_idempotent_and_conflicts_on_other_settings() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let first = ctx.create_session("s1", 30).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let created: types::SessionProperties = first.json();
    assert_eq!(status_of(&created), S::Starting);

    let retried = ctx.create_session("s1", 30).await;
    assert_eq!(retried.status, StatusCode::OK);
    let again: types::SessionProperties = retried.json();
    assert_eq!(again.creation_time, created.creation_time);

    let conflict = ctx.create_session("s1", 31).await;
    assert_eq!(conflict.error(StatusCode::CONFLICT).code, "Conflict");
    let other_size = ctx
        .put(
            "sessions/s1",
            json!({"maxLeaseTimeMinutes": 30, "size": "Premium"}),
        )
        .await;
    other_size.error(StatusCode::CONFLICT);
}

#[tokio::test]
async fn session_lifecycle_follows_the_clock() {
    let ctx = Ctx::start(
        Emulator::builder()
            .manual_clock()
            .session_startup(Duration::from_secs(30))
            .lease_minute(Duration::from_secs(1)),
    )
    .await;
    ctx.create_session("life", 3).await;
    let starting = ctx.session("life").await;
    assert_eq!(status_of(&starting), S::Starting);
    assert_eq!(starting.hostname, None);
    assert_eq!(starting.max_lease_time_minutes, Some(3));

    ctx.emu.clock().advance(Duration::from_secs(30));
    let ready = ctx.session("life").await;
    assert_eq!(status_of(&ready), S::Ready);
    assert_eq!(ready.elapsed_time_minutes, Some(0));
    assert!(ready.hostname.as_deref().unwrap().contains('.'));
    let (handshake, inspector) = (
        ready.handshake_port.unwrap(),
        ready.arr_inspector_port.unwrap(),
    );
    assert!((49152..=65534).contains(&handshake) && (49152..=65534).contains(&inspector));
    assert!(ready.teraflops.unwrap() > 0.0);
    assert!(ready.creation_time.is_some());
    assert_eq!(ready.error, None);
    assert!(matches!(
        ready.size,
        types::SessionSize::Known(types::SessionSizeKnown::Standard)
    ));

    ctx.emu.clock().advance(Duration::from_millis(2500));
    assert_eq!(ctx.session("life").await.elapsed_time_minutes, Some(2));

    ctx.emu.clock().advance(Duration::from_millis(500));
    let expired = ctx.session("life").await;
    assert_eq!(status_of(&expired), S::Expired);
    assert_eq!(expired.elapsed_time_minutes, Some(3));
}

#[tokio::test]
async fn session_status_moves_with_real_time_too() {
    let ctx = Ctx::start(
        Emulator::builder()
            .session_startup(Duration::from_millis(150))
            .lease_minute(Duration::from_millis(100)),
    )
    .await;
    ctx.create_session("rt", 2).await;
    assert_eq!(status_of(&ctx.session("rt").await), S::Starting);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(status_of(&ctx.session("rt").await), S::Ready);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(status_of(&ctx.session("rt").await), S::Expired);
}

#[tokio::test]
async fn session_lease_updates() {
    let ctx = Ctx::start(
        Emulator::builder()
            .manual_clock()
            .session_startup(Duration::ZERO)
            .lease_minute(Duration::from_secs(1)),
    )
    .await;
    ctx.create_session("lease", 10).await;
    let updated = ctx
        .patch("sessions/lease", json!({"maxLeaseTimeMinutes": 20}))
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(
        updated
            .json::<types::SessionProperties>()
            .max_lease_time_minutes,
        Some(20)
    );

    for (value, code) in [
        (20, "LeaseTimeNotIncreased"),
        (5, "LeaseTimeNotIncreased"),
        (1441, "LeaseTimeTooLong"),
    ] {
        let reply = ctx
            .patch("sessions/lease", json!({"maxLeaseTimeMinutes": value}))
            .await;
        assert_eq!(
            reply.error(StatusCode::UNPROCESSABLE_ENTITY).code,
            code,
            "{value}"
        );
    }
    ctx.patch("sessions/lease", json!({"other": 1}))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        ctx.patch("sessions/lease", json!({"maxLeaseTimeMinutes": 1440}))
            .await
            .status,
        StatusCode::OK
    );
    ctx.patch("sessions/missing", json!({"maxLeaseTimeMinutes": 30}))
        .await
        .error(StatusCode::NOT_FOUND);

    // The extension keeps the session alive past its original lease.
    ctx.emu.clock().advance(Duration::from_secs(15));
    assert_eq!(status_of(&ctx.session("lease").await), S::Ready);

    // An ended session's lease cannot change.
    ctx.stop("lease").await;
    ctx.patch("sessions/lease", json!({"maxLeaseTimeMinutes": 1440}))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn stopping_sessions_and_unknown_ids() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    ctx.create_session("s", 10).await;
    let stopped = ctx.stop("s").await;
    assert_eq!(stopped.status, StatusCode::NO_CONTENT);
    assert!(stopped.body.is_empty());
    assert_eq!(status_of(&ctx.session("s").await), S::Stopped);
    assert_eq!(ctx.stop("s").await.status, StatusCode::NO_CONTENT);
    assert_eq!(status_of(&ctx.session("s").await), S::Stopped);

    assert_eq!(
        ctx.stop("nope").await.error(StatusCode::NOT_FOUND).code,
        "NotFound"
    );
    ctx.get("sessions/nope").await.error(StatusCode::NOT_FOUND);
    ctx.get("conversions/nope")
        .await
        .error(StatusCode::NOT_FOUND);
    // Routes that do not exist at all also answer in the error shape.
    ctx.get("nothing-here").await.error(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn injected_session_errors_are_reported() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    ctx.create_session("doomed", 10).await;
    ctx.emu.inject_session_error(
        "doomed",
        "SessionCreationFailed",
        "No capacity in this region.",
    );
    let session = ctx.session("doomed").await;
    assert_eq!(status_of(&session), S::Error);
    let error = session.error.unwrap();
    assert_eq!(error.code, "SessionCreationFailed");
    assert_eq!(error.message, "No capacity in this region.");
    // Error is final: time passing does not revive it.
    ctx.emu.clock().advance(Duration::from_secs(3600));
    assert_eq!(status_of(&ctx.session("doomed").await), S::Error);
}

#[tokio::test]
async fn session_list_pages_with_absolute_next_links_and_skips_stopped() {
    let ctx = Ctx::start(Emulator::builder().manual_clock().page_size(2)).await;
    for id in ["a", "b", "c", "d", "e"] {
        ctx.create_session(id, 10).await;
    }
    ctx.stop("c").await;

    let mut ids = Vec::new();
    let mut pages = 0;
    let mut url = ctx.url("sessions");
    loop {
        let page = read(
            ctx.http
                .get(&url)
                .bearer_auth(&ctx.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let list: types::SessionsList = page.json();
        assert!(list.sessions.len() <= 2);
        ids.extend(list.sessions.into_iter().map(|s| s.id));
        pages += 1;
        match list.next_link {
            Some(next) => {
                assert!(next.starts_with(ctx.emu.endpoint().as_str()), "{next}");
                assert!(next.contains("api-version=2021-01-01"));
                url = next;
            }
            None => break,
        }
    }
    assert_eq!(ids, ["a", "b", "d", "e"]);
    assert_eq!(pages, 2);
    // The next link needs the same authentication as any other call.
    let first: types::SessionsList = ctx.get("sessions").await.json();
    let unauthenticated = read(ctx.http.get(first.next_link.unwrap()).send().await.unwrap()).await;
    unauthenticated.error(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn conversion_create_validates_input() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let with = |pointer: &str, value: Value| {
        let mut body = conversion_body("house.fbx");
        *body.pointer_mut(pointer).unwrap() = value;
        body
    };
    let remove = |parent: &str, field: &str| {
        let mut body = conversion_body("house.fbx");
        body.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(field);
        body
    };
    let cases = [
        (json!({}), None),
        (remove("/settings", "inputLocation"), None),
        (remove("/settings", "outputLocation"), None),
        (
            remove("/settings/inputLocation", "relativeInputAssetPath"),
            None,
        ),
        (
            remove("/settings/outputLocation", "storageContainerUri"),
            None,
        ),
        (
            with(
                "/settings/inputLocation/storageContainerUri",
                json!("not a uri"),
            ),
            Some("settings.inputLocation.storageContainerUri"),
        ),
        (
            with(
                "/settings/inputLocation/storageContainerUri",
                json!("/relative/container"),
            ),
            Some("settings.inputLocation.storageContainerUri"),
        ),
        (
            with(
                "/settings/outputLocation/storageContainerUri",
                json!("ftp://host/c"),
            ),
            Some("settings.outputLocation.storageContainerUri"),
        ),
        (
            with("/settings/inputLocation/relativeInputAssetPath", json!("")),
            Some("settings.inputLocation.relativeInputAssetPath"),
        ),
        (
            with(
                "/settings/inputLocation/relativeInputAssetPath",
                json!("/abs/house.fbx"),
            ),
            Some("settings.inputLocation.relativeInputAssetPath"),
        ),
        (
            with(
                "/settings/inputLocation/relativeInputAssetPath",
                json!("https://x/house.fbx"),
            ),
            Some("settings.inputLocation.relativeInputAssetPath"),
        ),
        (with("/settings/outputLocation/blobPrefix", json!(7)), None),
    ];
    for (body, target) in cases {
        let reply = ctx.put("conversions/c1", body.clone()).await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(error.target.as_deref(), target, "{body}");
    }
    let bad_id = ctx
        .put("conversions/bad.id", conversion_body("house.fbx"))
        .await;
    assert_eq!(
        bad_id.error(StatusCode::BAD_REQUEST).code,
        "InvalidConversionId"
    );
    ctx.get("conversions/c1").await.error(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn conversion_create_is_idempotent_and_never_echoes_sas() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let created = ctx
        .put("conversions/c1", conversion_body("house.fbx"))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let conversion: types::Conversion = created.json();
    assert_eq!(conversion_status(&conversion), C::NotStarted);
    assert_eq!(conversion.error, None);
    assert_eq!(
        conversion.settings.input_location.relative_input_asset_path,
        "house.fbx"
    );

    let retried = ctx
        .put("conversions/c1", conversion_body("house.fbx"))
        .await;
    assert_eq!(retried.status, StatusCode::OK);
    let conflict = ctx
        .put("conversions/c1", conversion_body("other.fbx"))
        .await;
    assert_eq!(conflict.error(StatusCode::CONFLICT).code, "Conflict");

    ctx.emu.clock().advance(Duration::from_secs(5));
    let get = ctx.get("conversions/c1").await;
    let list = ctx.get("conversions").await;
    for reply in [&created, &retried, &get, &list] {
        assert!(!reply.body.contains("SECRET"), "{}", reply.body);
        assert!(!reply.body.contains("Sas"), "{}", reply.body);
    }
    // `error` is present and null when there is no failure.
    let raw: Value = serde_json::from_str(&get.body).unwrap();
    assert_eq!(raw["error"], Value::Null);
    assert!(raw.as_object().unwrap().contains_key("error"));
}

#[tokio::test]
async fn conversion_runs_to_success_with_retry_after_and_output_uri() {
    let ctx = Ctx::start(
        Emulator::builder()
            .manual_clock()
            .conversion_duration(Duration::from_secs(20)),
    )
    .await;
    ctx.put("conversions/c1", conversion_body("models/house.fbx"))
        .await;
    let mut named = conversion_body("house.glb");
    named["settings"]["outputLocation"]["outputAssetFilename"] = json!("custom.arrAsset");
    named["settings"]["outputLocation"]
        .as_object_mut()
        .unwrap()
        .remove("blobPrefix");
    ctx.put("conversions/c2", named).await;

    let waiting = ctx.get("conversions/c1").await;
    assert_eq!(conversion_status(&waiting.json()), C::NotStarted);
    assert_eq!(waiting.header("retry-after"), Some("15"));

    ctx.emu.clock().advance(Duration::from_secs(17));
    let running = ctx.get("conversions/c1").await;
    let conversion: types::Conversion = running.json();
    assert_eq!(conversion_status(&conversion), C::Running);
    assert_eq!(conversion.output, None);
    assert_eq!(running.header("retry-after"), Some("3"));

    ctx.emu.clock().advance(Duration::from_secs(3));
    let done = ctx.get("conversions/c1").await;
    assert_eq!(done.header("retry-after"), None);
    let conversion: types::Conversion = done.json();
    assert_eq!(conversion_status(&conversion), C::Succeeded);
    assert_eq!(
        conversion.output.unwrap().output_asset_uri.as_deref(),
        Some("https://out.blob.example/assets/converted/house.arrAsset")
    );
    let other: types::Conversion = ctx.get("conversions/c2").await.json();
    assert_eq!(
        other.output.unwrap().output_asset_uri.as_deref(),
        Some("https://out.blob.example/assets/custom.arrAsset")
    );
}

#[tokio::test]
async fn conversions_fail_for_unsupported_input_or_on_injection() {
    let ctx = Ctx::start(
        Emulator::builder()
            .manual_clock()
            .conversion_duration(Duration::from_secs(10)),
    )
    .await;
    ctx.put("conversions/bad", conversion_body("drawing.dwg"))
        .await;
    ctx.put("conversions/hit", conversion_body("house.fbx"))
        .await;
    ctx.emu.clock().advance(Duration::from_secs(10));
    let failed: types::Conversion = ctx.get("conversions/bad").await.json();
    assert_eq!(conversion_status(&failed), C::Failed);
    assert_eq!(failed.output, None);
    let error = failed.error.unwrap();
    assert_eq!(error.code, "InvalidInputFileFormat");
    assert!(error.message.contains("drawing.dwg"));

    ctx.put("conversions/late", conversion_body("house.fbx"))
        .await;
    ctx.emu
        .inject_conversion_failure("late", "ConversionFailed", "The model is corrupt.");
    let reply = ctx.get("conversions/late").await;
    assert_eq!(reply.header("retry-after"), None);
    let late: types::Conversion = reply.json();
    assert_eq!(conversion_status(&late), C::Failed);
    assert_eq!(late.error.unwrap().message, "The model is corrupt.");
}

#[tokio::test]
async fn conversion_list_pages() {
    let ctx = Ctx::start(Emulator::builder().manual_clock().page_size(2)).await;
    for id in ["c1", "c2", "c3"] {
        ctx.put(&format!("conversions/{id}"), conversion_body("a.fbx"))
            .await;
    }
    let first: types::ConversionList = ctx.get("conversions").await.json();
    assert_eq!(first.conversions.len(), 2);
    let next = first.next_link.unwrap();
    let second = read(
        ctx.http
            .get(next)
            .bearer_auth(&ctx.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let second: types::ConversionList = second.json();
    assert_eq!(
        second
            .conversions
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        ["c3"]
    );
    assert_eq!(second.next_link, None);

    let bogus = read(
        ctx.http
            .get(format!("{}&continuationToken=zzz", ctx.url("conversions")))
            .bearer_auth(&ctx.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    bogus.error(StatusCode::BAD_REQUEST);
}
