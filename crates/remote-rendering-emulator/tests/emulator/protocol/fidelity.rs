//! Behaviour taken from the real service's recordings that the replay test
//! cannot show on its own: the knobs (linked storage, `Retry-After` on
//! polls, the realistic timing preset) and answers to requests no recording
//! made in that order.

use std::time::Duration;

use crate::common::{Ctx, conversion_body};
use remote_rendering_emulator::{Emulator, LinkedStorage, TimingPreset};
use reqwest::StatusCode;
use serde_json::{Value, json};

const NO_ACCESS: &str = "Storage account not linked or linked with insufficient permissions. Documentation on how to link Remote Rendering Accounts to storage can be found here: https://docs.microsoft.com/azure/remote-rendering/how-tos/create-an-account#link-storage-accounts.";

fn without_sas(input_container: &str, output_container: &str) -> Value {
    json!({"settings": {
        "inputLocation": {"storageContainerUri": input_container, "relativeInputAssetPath": "box.fbx"},
        "outputLocation": {"storageContainerUri": output_container}
    }})
}

#[tokio::test]
async fn conversions_without_sas_need_linked_storage() {
    let linked = LinkedStorage::new("linkedacct").unwrap();
    let ctx = Ctx::start(Emulator::builder().manual_clock().linked_storage(linked)).await;
    let other = "https://otheracct.blob.core.windows.net/c";
    let mine = "https://linkedacct.blob.core.windows.net/c";

    for (id, body) in [
        ("c1", without_sas(other, other)),
        // The output location alone without SAS or link is refused too.
        ("c2", without_sas(mine, other)),
    ] {
        let refused = ctx.put(&format!("conversions/{id}"), body).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        let error = refused.json::<Value>()["error"].clone();
        assert_eq!(
            error,
            json!({"code": "LinkedStorageAccessFailure", "message": NO_ACCESS})
        );
        assert!(refused.header("api-supported-versions").is_some());
    }
    let accepted = ctx.put("conversions/c3", without_sas(mine, mine)).await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.body);
    // Azurite-style path URIs name the account in the path.
    let path_style = "http://127.0.0.1:10000/linkedacct/c";
    let accepted = ctx
        .put("conversions/c4", without_sas(path_style, path_style))
        .await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.body);
}

#[tokio::test]
async fn conversions_echo_settings_as_the_service_did_and_reuse_ids() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let created = ctx
        .put("conversions/c1", conversion_body("models/house.fbx"))
        .await;
    let body: Value = created.json();
    let output = &body["settings"]["outputLocation"];
    assert_eq!(output["blobPrefix"], "converted/");
    assert_eq!(output["outputAssetFilename"], "house.arrAsset");
    assert_eq!(body["error"], Value::Null);
    let created_at = body["creationTime"].as_str().unwrap();
    assert!(created_at.ends_with('Z'), "{created_at}");

    // Polls carry no Retry-After unless asked for.
    let poll = ctx.get("conversions/c1").await;
    assert_eq!(poll.header("retry-after"), None);
    assert_eq!(poll.header("cache-control"), Some("no-store, no-cache"));

    ctx.emu.clock().advance(Duration::from_secs(5));
    let again = ctx
        .put("conversions/c1", conversion_body("other.glb"))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    let again: Value = again.json();
    assert_eq!(again["status"], "Succeeded");
    assert_eq!(
        again["settings"]["inputLocation"]["relativeInputAssetPath"],
        "models/house.fbx"
    );

    let list = ctx.get("conversions").await;
    assert_eq!(list.json::<Value>()["@nextLink"], Value::Null);
    assert!(list.body.contains(r#""@nextLink":null"#), "{}", list.body);
    assert_eq!(list.header("cache-control"), None);
}

#[tokio::test]
async fn the_realistic_preset_takes_minutes() {
    let ctx = Ctx::start(
        Emulator::builder()
            .manual_clock()
            .timing(TimingPreset::Realistic),
    )
    .await;
    ctx.create_session("s", 10).await;
    ctx.put("conversions/c", conversion_body("a.fbx")).await;
    ctx.emu.clock().advance(Duration::from_secs(120));
    assert_eq!(
        ctx.get("sessions/s").await.json::<Value>()["status"],
        "Starting"
    );
    assert_eq!(
        ctx.get("conversions/c").await.json::<Value>()["status"],
        "Running"
    );
    ctx.emu.clock().advance(Duration::from_secs(30));
    assert_eq!(
        ctx.get("sessions/s").await.json::<Value>()["status"],
        "Ready"
    );
    assert_eq!(
        ctx.get("conversions/c").await.json::<Value>()["status"],
        "Succeeded"
    );
}

#[tokio::test]
async fn every_arr_answer_lists_the_api_versions_and_the_sts_none() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let versions = "2021-01-01-preview, 2021-01-01, 2021-08-01-preview";
    let not_found = ctx.get("sessions/nobody").await;
    assert_eq!(not_found.status, StatusCode::NOT_FOUND);
    ctx.create_session("s", 10).await;
    let stopped = ctx.stop("s").await;
    assert_eq!(stopped.status, StatusCode::NO_CONTENT);
    assert_eq!(stopped.header("content-type"), None);
    for reply in [&not_found, &stopped] {
        assert_eq!(reply.header("api-supported-versions"), Some(versions));
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    }
    let token = ctx
        .http
        .get(format!(
            "{}Accounts/{}/token",
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
        .unwrap();
    let headers = token.headers();
    assert_eq!(headers.get("api-supported-versions"), None);
    assert_eq!(headers["cache-control"], "no-store, no-cache");
    assert_eq!(headers["pragma"], "no-cache");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers.contains_key("mise-correlation-id"));
}

#[tokio::test]
async fn sessions_show_host_and_ports_only_while_ready() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let created: Value = ctx.create_session("s", 10).await.json();
    for absent in [
        "hostname",
        "handshakePort",
        "arrInspectorPort",
        "teraflops",
        "error",
    ] {
        assert!(
            created.get(absent).is_none(),
            "{absent} while Starting: {created}"
        );
    }
    let created_at = created["creationTime"].as_str().unwrap();
    assert!(created_at.ends_with("+00:00"), "{created_at}");
    let fraction = created_at
        .split('.')
        .nth(1)
        .map_or(0, |f| f.len() - "+00:00".len());
    assert!(fraction <= 7, "{created_at}");

    ctx.emu.clock().advance(Duration::from_secs(2));
    let ready: Value = ctx.get("sessions/s").await.json();
    let host = ready["hostname"].as_str().unwrap();
    assert!(
        host.starts_with("lb") && host.contains(".remoterendering.vm."),
        "{host}"
    );
    assert!(ready["handshakePort"].as_u64().unwrap() >= 49152);
    assert_eq!(ready["teraflops"], 8.1);

    ctx.stop("s").await;
    let stopped: Value = ctx.get("sessions/s").await.json();
    assert_eq!(stopped["status"], "Stopped");
    assert!(stopped.get("hostname").is_none() && stopped.get("handshakePort").is_none());
    assert_eq!(stopped["teraflops"], 8.1);
}
