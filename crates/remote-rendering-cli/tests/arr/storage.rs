//! Conversions that really touch storage: `arr` uploads to Azurite, the emulator reads the input
//! and writes the output there, `arr conversion download` fetches it. Skipped with a message
//! where Azurite (node) is missing, failing under `CI`.

use super::Fixture;
use remote_rendering::storage::{
    AccountKey, BlobEndpoint, BlobStorage, SasPermissions, StorageCredential, container_sas,
};
use remote_rendering::{
    Client, ConversionId, ConversionInput, ConversionOutput, Credential, Error,
};
use remote_rendering_azurite::{ACCOUNT_KEY, ACCOUNT_NAME, Azurite};
use remote_rendering_emulator::{Emulator, LinkedStorage};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::path::Path;
use std::time::Duration;

fn storage(azurite: &Azurite) -> BlobStorage {
    let endpoint = BlobEndpoint::with_url(ACCOUNT_NAME, &azurite.blob_endpoint()).unwrap();
    BlobStorage::new(
        endpoint,
        StorageCredential::shared_key(ACCOUNT_KEY).unwrap(),
    )
    .unwrap()
}

fn write(path: &Path, content: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// A model folder: the model and a texture it references.
fn model_folder(root: &Path) -> Vec<u8> {
    let model: Vec<u8> = (0..200_000u32)
        .flat_map(|i| (i * 7).to_le_bytes())
        .collect();
    write(&root.join("models/robot.fbx"), &model);
    write(
        &root.join("models/textures/robot_diffuse.png"),
        b"png bytes",
    );
    model
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn fast_emulator() -> remote_rendering_emulator::EmulatorBuilder {
    Emulator::builder()
        .session_startup(Duration::from_millis(200))
        .conversion_duration(Duration::from_millis(200))
}

fn client(fixture: &Fixture) -> Client {
    let e = &fixture.emulator;
    Client::builder(&e.account_id().to_string(), &e.account_domain())
        .endpoint(e.endpoint().as_str())
        .sts_endpoint(e.sts_endpoint().as_str())
        .credential(Credential::account_key(e.account_key()))
        .polling_interval(Duration::from_millis(50))
        .build()
        .unwrap()
}

fn sas(azurite: &Azurite, container: &str, permissions: SasPermissions, key: &str) -> String {
    let endpoint = BlobEndpoint::with_url(ACCOUNT_NAME, &azurite.blob_endpoint()).unwrap();
    let expiry = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    container_sas(
        &endpoint,
        &AccountKey::new(key).unwrap(),
        container,
        permissions,
        None,
        expiry,
    )
    .unwrap()
    .as_query()
    .to_owned()
}

#[test]
fn readme_chain_uploads_converts_and_downloads() {
    let Some(azurite) = Azurite::start_or_skip("readme_chain_uploads_converts_and_downloads")
    else {
        return;
    };
    let fixture = Fixture::with(fast_emulator());
    let work = tempfile::tempdir().unwrap();
    let model = model_folder(work.path());
    let endpoint = azurite.blob_endpoint();
    let output = fixture
        .arr()
        .current_dir(work.path())
        .env("ARR_STORAGE_KEY", ACCOUNT_KEY)
        .args(["conversion", "start", "--upload", "./models/robot.fbx"])
        .args([
            "--storage-account",
            ACCOUNT_NAME,
            "--storage-endpoint",
            &endpoint,
        ])
        .args(["--wait", "--id", "readme-robot"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(super::has_row(&stdout, "STATUS", "Succeeded"), "{stdout}");
    let url = format!("{endpoint}/arroutput/robot.arrAsset");
    assert!(super::has_row(&stdout, "OUTPUT BLOB", &url), "{stdout}");
    assert!(
        !stdout.contains("sig=") && !stderr.contains("sig="),
        "no SAS printed"
    );
    assert!(!stdout.contains(ACCOUNT_KEY) && !stderr.contains(ACCOUNT_KEY));

    // The folder went up, and the emulator wrote an asset derived from the model's bytes.
    let blobs = storage(&azurite);
    let input: Vec<String> = fixture
        .runtime
        .block_on(blobs.list_blobs("arrinput", ""))
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(input, ["robot.fbx", "textures/robot_diffuse.png"]);
    let asset = fixture
        .runtime
        .block_on(blobs.read_blob("arroutput", "robot.arrAsset"))
        .unwrap();
    let asset_text = String::from_utf8_lossy(&asset);
    assert!(asset_text.contains(&sha256_hex(&model)), "{asset_text}");

    // `arr conversion download` fetches the asset and the files beside it.
    let to = work.path().join("downloaded");
    let listing = fixture
        .arr()
        .env("ARR_STORAGE_KEY", ACCOUNT_KEY)
        .args(["conversion", "download", "readme-robot", "--to"])
        .arg(&to)
        .output()
        .unwrap();
    assert_eq!(
        listing.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&listing.stderr)
    );
    assert_eq!(
        std::fs::read(to.join("robot.arrAsset")).unwrap(),
        asset.to_vec()
    );
    let result: Value =
        serde_json::from_slice(&std::fs::read(to.join("robot.result.json")).unwrap()).unwrap();
    assert_eq!(
        result.as_array().unwrap().last().unwrap()["result"],
        "succeeded"
    );
    assert!(to.join("robot.info.json").is_file());
}

#[test]
fn linked_storage_needs_no_sas_and_a_missing_link_is_403() {
    let Some(azurite) =
        Azurite::start_or_skip("linked_storage_needs_no_sas_and_a_missing_link_is_403")
    else {
        return;
    };
    let endpoint = azurite.blob_endpoint();
    let work = tempfile::tempdir().unwrap();
    model_folder(work.path());
    let upload = |fixture: &Fixture| {
        fixture
            .arr()
            .current_dir(work.path())
            .env("ARR_STORAGE_KEY", ACCOUNT_KEY)
            .env("ARR_STORAGE_ACCOUNT", ACCOUNT_NAME)
            .env("ARR_STORAGE_ENDPOINT", &endpoint)
            .args([
                "--output",
                "json",
                "conversion",
                "start",
                "--upload",
                "models/robot.fbx",
            ])
            .args(["--linked", "--wait", "--blob-prefix", "linked"])
            .output()
            .unwrap()
    };

    // Not linked, no SAS: the service refused at PUT.
    let refused = upload(&Fixture::with(fast_emulator()));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    // 403: the client reports refused access (exit 3) with the service's message.
    assert_eq!(refused.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("Storage account not linked"), "{stderr}");

    // Linked (with the endpoint and key the emulator uses): converted without any SAS.
    let linked = LinkedStorage::with_endpoint(ACCOUNT_NAME, &endpoint, ACCOUNT_KEY).unwrap();
    let fixture = Fixture::with(fast_emulator().linked_storage(linked));
    let done = upload(&fixture);
    assert_eq!(
        done.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let json: Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_eq!(json["status"], "Succeeded");
    assert_eq!(
        json["outputBlobUrl"],
        format!("{endpoint}/arroutput/robot.arrAsset")
    );
    assert!(
        json.get("outputBlobSasUrl").is_none(),
        "no SAS URL unless asked"
    );
    let blobs = storage(&azurite);
    assert!(
        fixture
            .runtime
            .block_on(blobs.read_blob("arroutput", "robot.arrAsset"))
            .is_ok()
    );
}

#[test]
fn missing_asset_and_unreadable_container_fail_the_conversion() {
    let Some(azurite) =
        Azurite::start_or_skip("missing_asset_and_unreadable_container_fail_the_conversion")
    else {
        return;
    };
    let fixture = Fixture::with(fast_emulator());
    let blobs = storage(&azurite);
    let runtime = &fixture.runtime;
    runtime.block_on(blobs.create_container("test")).unwrap();
    runtime
        .block_on(blobs.put_blob("test", "Input/box.fbx", "box".into()))
        .unwrap();
    let client = client(&fixture);
    let container = format!("{}/test", azurite.blob_endpoint());
    let read = sas(&azurite, "test", SasPermissions::READ_LIST, ACCOUNT_KEY);
    let write = sas(
        &azurite,
        "test",
        SasPermissions::WRITE_CREATE_LIST,
        ACCOUNT_KEY,
    );
    let convert = |id: &str, asset: &str, read_sas: &str| {
        let input = ConversionInput::new(&container, asset)
            .unwrap()
            .with_sas(read_sas)
            .with_blob_prefix("Input");
        let output = ConversionOutput::new(&container)
            .unwrap()
            .with_sas(write.as_str())
            .with_blob_prefix("Output");
        let id = ConversionId::new(id).unwrap();
        runtime.block_on(async {
            let poller = client.start_conversion(&id, &input, &output).await.unwrap();
            let outcome = poller.wait().await;
            (outcome, client.get_conversion(&id).await.unwrap())
        })
    };

    let (outcome, failed) = convert("missing", "boxWhichDoesNotExist.fbx", &read);
    assert!(
        matches!(outcome, Err(Error::ConversionFailed { .. })),
        "{outcome:?}"
    );
    let error = failed.error.expect("an error object");
    assert_eq!(error.code, "InputContainerError");
    assert!(
        error.message.starts_with("Could not find the asset file"),
        "{}",
        error.message
    );
    let details: Vec<&str> = error.details.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        details,
        [
            format!("InputStorageContainerUri: {container}").as_str(),
            "InputRelativeInputAssetPath: boxWhichDoesNotExist.fbx",
            "InputBlobPrefix: Input/",
        ]
    );
    assert!(error.details.iter().all(|d| d.code == "AdditionalInfo"));

    // A SAS signed with another key cannot list the container.
    let forged = sas(
        &azurite,
        "test",
        SasPermissions::READ_LIST,
        "b3RoZXIga2V5IG90aGVyIGtleSBvdGhlciBrZXk=",
    );
    let (outcome, failed) = convert("forged", "box.fbx", &forged);
    assert!(
        matches!(outcome, Err(Error::ConversionFailed { .. })),
        "{outcome:?}"
    );
    assert_eq!(failed.error.unwrap().code, "InputContainerError");

    // The same conversion with a good SAS succeeds and its output exists.
    let (outcome, done) = convert("good", "box.fbx", &read);
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(
        done.output_asset_uri.as_deref(),
        Some(format!("{container}/Output/box.arrAsset").as_str())
    );
    assert!(
        runtime
            .block_on(blobs.read_blob("test", "Output/box.arrAsset"))
            .is_ok()
    );
}
