//! Ambiguous and hostile requests: duplicate credentials and parameters,
//! every spelling of an account id against the rate limit, oversized
//! bodies, undecodable paths, nonsense faults, SAS tokens in URLs.

use std::time::Duration;

use remote_rendering_emulator::{Emulator, Route};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Ctx, conversion_body, read};

#[tokio::test]
async fn duplicate_authorization_headers_and_api_versions_are_400() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let two_tokens = read(
        ctx.http
            .get(ctx.url("sessions"))
            .header("authorization", format!("Bearer {}", ctx.token))
            .header("authorization", "Bearer someone-elses")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        two_tokens.error(StatusCode::BAD_REQUEST).code,
        "DuplicateHeader"
    );

    // At the STS too: which credentials would be checked is ambiguous.
    let sts = format!(
        "{}Accounts/{}/token",
        ctx.emu.sts_endpoint(),
        ctx.emu.account_id()
    );
    let key = format!("Bearer {}:{}", ctx.emu.account_id(), ctx.emu.account_key());
    let reply = read(
        ctx.http
            .get(&sts)
            .header("authorization", "Bearer x:y")
            .header("authorization", &key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    for query in [
        "api-version=2021-01-01&api-version=1999-01-01",
        "api-version=2021-01-01&api%2Dversion=2021-01-01",
    ] {
        let url = format!(
            "{}accounts/{}/sessions?{query}",
            ctx.emu.endpoint(),
            ctx.emu.account_id()
        );
        let reply = read(
            ctx.http
                .get(url)
                .bearer_auth(&ctx.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            reply.error(StatusCode::BAD_REQUEST).code,
            "DuplicateParameter",
            "{query}"
        );
    }
}

#[tokio::test]
async fn the_rate_limit_holds_for_every_spelling_of_the_account_id() {
    let ctx = Ctx::start(
        Emulator::builder()
            .manual_clock()
            .rate_limit(3, Duration::from_secs(60)),
    )
    .await;
    let id = ctx.emu.account_id().to_string();
    let spellings = [
        id.clone(),
        id.to_uppercase(),
        id.replace('-', ""),
        format!("%7B{id}%7D"),
        format!("urn:uuid:{id}"),
        format!("%7B{}%7D", id.to_uppercase().replace('-', "")),
    ];
    let mut statuses = Vec::new();
    for spelling in &spellings {
        let url = format!(
            "{}accounts/{spelling}/sessions?api-version=2021-01-01",
            ctx.emu.endpoint()
        );
        let reply = read(
            ctx.http
                .get(url)
                .bearer_auth(&ctx.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        statuses.push(reply.status.as_u16());
    }
    // Three allowed in the window, whatever the spelling; the rest limited.
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(limited, spellings.len() - 3, "{statuses:?}");
    // The STS has a budget of its own: ARR's exhaustion does not block it.
    let sts = crate::common::sts_token(&ctx.http, &ctx.emu).await;
    assert!(!sts.is_empty());
}

#[tokio::test]
async fn oversized_bodies_and_undecodable_paths_get_the_spec_error_shape() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let huge = format!(
        r#"{{"maxLeaseTimeMinutes": 5, "size": "Standard", "pad": "{}"}}"#,
        "x".repeat(3 << 20)
    );
    let reply = read(
        ctx.http
            .put(ctx.url("sessions/big"))
            .bearer_auth(&ctx.token)
            .header("content-type", "application/json")
            .body(huge)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::PAYLOAD_TOO_LARGE).code,
        "PayloadTooLarge"
    );
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );

    let url = format!(
        "{}accounts/%FF/sessions?api-version=2021-01-01",
        ctx.emu.endpoint()
    );
    let reply = read(
        ctx.http
            .get(url)
            .bearer_auth(&ctx.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    reply.error(StatusCode::BAD_REQUEST);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
}

#[tokio::test]
async fn the_fault_injector_refuses_nonsense_with_a_reason() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let url = format!("{}_emulator/faults", ctx.emu.endpoint());
    for (fault, why) in [
        (
            json!({"kind": "status", "status": 100, "times": 1}),
            "200 to 599",
        ),
        (
            json!({"kind": "status", "status": 101, "times": 1}),
            "200 to 599",
        ),
        (
            json!({"kind": "status", "status": 199, "times": 1}),
            "200 to 599",
        ),
        (
            json!({"kind": "status", "status": 600, "times": 1}),
            "200 to 599",
        ),
        (
            json!({"kind": "status", "status": 503, "times": 0}),
            "at least 1",
        ),
        (
            json!({"kind": "latency", "delay_ms": 86_400_000u64, "times": 1}),
            "at most",
        ),
        (
            json!({"kind": "status", "status": 503, "retry_after_secs": 999_999_999u64, "times": 1}),
            "at most",
        ),
    ] {
        let reply = read(
            ctx.http
                .post(&url)
                .json(&json!({"route": "GetSession", "fault": fault}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert!(error.message.contains(why), "{fault}: {}", error.message);
    }
    let huge_advance = read(
        ctx.http
            .post(format!("{}_emulator/clock/advance", ctx.emu.endpoint()))
            .json(&json!({"millis": u64::MAX}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    huge_advance.error(StatusCode::BAD_REQUEST);
    assert!(ctx.emu.faults().pending().is_empty());
}

#[tokio::test]
async fn sas_in_container_urls_is_refused_never_echoed_and_never_logged() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    for (side, field) in [("inputLocation", "input"), ("outputLocation", "output")] {
        let mut body = conversion_body("a.fbx");
        body["settings"][side]["storageContainerUri"] =
            json!("https://blob.example/c?sv=2020&sig=URLSECRET");
        let reply = ctx.put(&format!("conversions/{field}"), body).await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(error.code, "InvalidStorageContainerUri");
        assert!(!reply.body.contains("URLSECRET"));
    }
    assert!(!ctx.get("conversions").await.body.contains("URLSECRET"));

    // Percent-encoded parameter names are redacted too.
    for query in ["%73ig=ENCSECRET", "%53Ig=ENCSECRET", "si%67=ENCSECRET"] {
        let url = format!("{}&sv=2020&{query}", ctx.url("conversions"));
        read(
            ctx.http
                .get(url)
                .bearer_auth(&ctx.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
    }
    let log = format!("{:?}", ctx.emu.requests());
    assert!(!log.contains("ENCSECRET"), "{log}");
    assert!(!log.contains("URLSECRET"), "{log}");
}

#[tokio::test]
async fn the_request_log_is_a_bounded_ring() {
    let ctx = Ctx::start(Emulator::builder().manual_clock().request_log_capacity(5)).await;
    for i in 0..12 {
        ctx.get(&format!("sessions/s{i}")).await;
    }
    let log = ctx.emu.requests();
    assert_eq!(log.len(), 5);
    // The latest five, oldest first.
    let paths: Vec<_> = log
        .iter()
        .map(|r| r.path.rsplit('/').next().unwrap().to_owned())
        .collect();
    assert_eq!(paths, ["s7", "s8", "s9", "s10", "s11"]);
    assert!(log.iter().all(|r| r.route == Some(Route::GetSession)));
}
