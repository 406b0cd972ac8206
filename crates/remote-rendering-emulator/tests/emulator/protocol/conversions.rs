//! Conversion operations over HTTP.

use std::time::Duration;

use crate::common::{Ctx, conversion_body, conversion_status, read};
use remote_rendering_emulator::Emulator;
use remote_rendering_rest::types::{self, ConversionStatusKnown as C};
use reqwest::StatusCode;
use serde_json::{Value, json};

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
    // The service answered a create with an id in use with that conversion
    // as it is now, whatever was sent (Java 2024 re-run); this test used to
    // expect 409 for different settings.
    let reused = ctx
        .put("conversions/c1", conversion_body("other.fbx"))
        .await;
    assert_eq!(reused.status, StatusCode::OK, "{}", reused.body);
    let reused: types::Conversion = reused.json();
    assert_eq!(
        reused.settings.input_location.relative_input_asset_path,
        "house.fbx"
    );

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
    // `Retry-After` on polls is opt-in: the service never sent it.
    let ctx = Ctx::start(
        Emulator::builder()
            .manual_clock()
            .poll_retry_after(true)
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
