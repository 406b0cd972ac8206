//! `Client::convert_local_model` against Azurite and the emulator: the whole chain in one call,
//! and the read SAS URL it mints for the output (fetched anonymously). Skipped with a message
//! where Azurite (node) is missing, failing under `CI`.

use crate::common;
use remote_rendering::storage::{
    AccountKey, BlobEndpoint, BlobStorage, StorageCredential, UploadOptions,
};
use remote_rendering::{ConversionId, ConversionStatus, LocalConversion, StorageAccess};
use remote_rendering_azurite::{ACCOUNT_KEY, ACCOUNT_NAME, Azurite};

#[tokio::test]
async fn a_local_model_is_converted_in_one_call_with_a_read_sas_url() {
    let Some(azurite) =
        Azurite::start_or_skip("a_local_model_is_converted_in_one_call_with_a_read_sas_url")
    else {
        return;
    };
    let emulator = common::emulator().start().await.unwrap();
    let client = common::client(&emulator);
    let endpoint = BlobEndpoint::with_url(ACCOUNT_NAME, &azurite.blob_endpoint()).unwrap();
    let storage = BlobStorage::new(
        endpoint,
        StorageCredential::shared_key(ACCOUNT_KEY).unwrap(),
    )
    .unwrap();

    let folder = tempfile::tempdir().unwrap();
    let model = vec![7u8; 300_000];
    std::fs::write(folder.path().join("house.gltf"), &model).unwrap();
    std::fs::write(folder.path().join("house.bin"), b"buffers").unwrap();
    let mut request = LocalConversion::new(
        folder.path().join("house.gltf"),
        "models",
        "converted",
        StorageAccess::Sas(AccountKey::new(ACCOUNT_KEY).unwrap()),
    );
    request.input_prefix = "house/v1".into();
    request.output_prefix = Some("out".into());
    request.output_read_sas = true;
    request.upload = UploadOptions::default().with_block_size(64 * 1024);

    let id = ConversionId::new("one-call").unwrap();
    let converted = client
        .convert_local_model(&storage, &id, &request)
        .await
        .unwrap();
    assert_eq!(converted.conversion.status, ConversionStatus::Succeeded);
    assert_eq!(converted.upload.blob_prefix, "house/v1/");
    assert_eq!(converted.upload.summary.blobs.len(), 2);
    let url = format!("{}/converted/out/house.arrAsset", azurite.blob_endpoint());
    assert_eq!(converted.output_asset_url.as_str(), url);
    assert_eq!(
        converted.conversion.output_asset_uri.as_deref(),
        Some(url.as_str())
    );

    // The read SAS URL works without any other credential, and only for reading.
    let sas_url = converted.output_asset_sas_url.expect("asked for");
    assert!(
        !format!("{sas_url:?}").contains("sig="),
        "Debug hides the SAS"
    );
    let http = reqwest::Client::new();
    let fetched = http.get(sas_url.expose()).send().await.unwrap();
    assert_eq!(fetched.status(), 200);
    let bytes = fetched.bytes().await.unwrap();
    assert_eq!(
        bytes,
        storage
            .read_blob("converted", "out/house.arrAsset")
            .await
            .unwrap()
    );
    let overwrite = http
        .put(sas_url.expose())
        .header("x-ms-blob-type", "BlockBlob")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(overwrite.status(), 403, "a read SAS does not write");
    emulator.shutdown().await;
}
