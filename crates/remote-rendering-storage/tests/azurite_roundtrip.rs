//! Upload, download and SAS against a real Blob service: Azurite on loopback.

mod common;

use common::{bytes, endpoint, key_client, write};
use remote_rendering_azurite::{ACCOUNT_KEY, ACCOUNT_NAME};
use remote_rendering_storage::{
    AccountKey, BlobStorage, SasPermissions, StorageCredential, StorageError, UploadOptions,
    container_sas,
};
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

#[tokio::test]
async fn model_folder_round_trips_byte_for_byte() {
    let Some(azurite) = common::azurite("model_folder_round_trips_byte_for_byte") else {
        return;
    };
    let storage = key_client(endpoint(&azurite));
    assert!(storage.create_container("input").await.unwrap());
    assert!(
        !storage.create_container("input").await.unwrap(),
        "second create reports existing"
    );

    let local = tempfile::tempdir().unwrap();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("robot.fbx", bytes(1, 3 * 1024 * 1024 + 17)),
        ("textures/diffuse map.png", bytes(2, 70_000)),
        ("textures/normal/n.png", bytes(3, 1)),
        ("empty.txt", Vec::new()),
    ];
    for (name, content) in &files {
        write(&local.path().join(name), content);
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let progress = seen.clone();
    let options = UploadOptions::default()
        .with_block_size(1024 * 1024)
        .with_parallelism(3)
        .with_progress(move |p| progress.lock().unwrap().push(p));
    let upload = storage
        .upload_model_folder(
            &local.path().join("robot.fbx"),
            "input",
            "/robots/r1",
            &options,
        )
        .await
        .unwrap();
    assert_eq!(upload.blob_prefix, "robots/r1/");
    assert_eq!(upload.relative_input_asset_path, "robot.fbx");
    let total: u64 = files.iter().map(|(_, c)| c.len() as u64).sum();
    assert_eq!(upload.summary.bytes, total);
    let seen = seen.lock().unwrap().clone();
    let last = seen.last().expect("progress reported");
    assert_eq!((last.bytes_done, last.bytes_total), (total, total));
    assert!(seen.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done));

    let mut listed: Vec<String> = storage
        .list_blobs("input", "robots/")
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    listed.sort();
    let mut expected: Vec<String> = files
        .iter()
        .map(|(n, _)| format!("robots/r1/{n}"))
        .collect();
    expected.sort();
    assert_eq!(listed, expected);

    let back = tempfile::tempdir().unwrap();
    let downloaded = storage
        .download_prefix("input", "robots/r1/", back.path())
        .await
        .unwrap();
    assert_eq!(downloaded.len(), files.len());
    for (name, content) in &files {
        let read = std::fs::read(back.path().join(name)).unwrap();
        assert!(read == *content, "{name} differs after the round trip");
    }
}

#[tokio::test]
async fn large_file_uploads_in_blocks_and_reads_back() {
    let Some(azurite) = common::azurite("large_file_uploads_in_blocks_and_reads_back") else {
        return;
    };
    let storage = key_client(endpoint(&azurite));
    storage.create_container("big").await.unwrap();
    let local = tempfile::tempdir().unwrap();
    let content = bytes(7, 40 * 1024 * 1024 + 123);
    let path = local.path().join("big.bin");
    write(&path, &content);
    let calls = Arc::new(Mutex::new(0u32));
    let counter = calls.clone();
    // 4 MiB blocks: 11 blocks, the last one partial.
    let options = UploadOptions::default()
        .with_block_size(4 * 1024 * 1024)
        .with_parallelism(4)
        .with_progress(move |_| *counter.lock().unwrap() += 1);
    let uploaded = storage
        .upload_file(&path, "big", "a/big.bin", &options)
        .await
        .unwrap();
    assert_eq!(uploaded.size, content.len() as u64);
    assert_eq!(*calls.lock().unwrap(), 11, "one progress report per block");
    let out = local.path().join("back.bin");
    storage
        .download_blob("big", "a/big.bin", &out)
        .await
        .unwrap();
    assert!(
        std::fs::read(&out).unwrap() == content,
        "40 MiB blob differs"
    );
}

#[tokio::test]
async fn minted_sas_allows_only_what_it_grants() {
    let Some(azurite) = common::azurite("minted_sas_allows_only_what_it_grants") else {
        return;
    };
    let endpoint = endpoint(&azurite);
    let admin = key_client(endpoint.clone());
    admin.create_container("arrin").await.unwrap();
    admin.create_container("arrout").await.unwrap();
    admin
        .put_blob("arrin", "m/model.fbx", bytes(9, 1000).into())
        .await
        .unwrap();
    let key = AccountKey::new(ACCOUNT_KEY).unwrap();
    let expiry = OffsetDateTime::now_utc() + Duration::hours(1);
    let sas_client = |container: &str, permissions| {
        let sas = container_sas(&endpoint, &key, container, permissions, None, expiry).unwrap();
        BlobStorage::new(endpoint.clone(), StorageCredential::Sas(sas)).unwrap()
    };

    // Input: read + list.
    let input = sas_client("arrin", SasPermissions::READ_LIST);
    assert_eq!(input.list_blobs("arrin", "m/").await.unwrap().len(), 1);
    let body = input
        .get_blob("arrin", "m/model.fbx")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.as_ref(), bytes(9, 1000).as_slice());
    let refused = input
        .put_blob("arrin", "m/other.fbx", vec![1u8].into())
        .await
        .unwrap_err();
    assert_eq!(
        refused.status(),
        Some(403),
        "read+list SAS wrote: {refused}"
    );
    let elsewhere = input.list_blobs("arrout", "").await.unwrap_err();
    assert_eq!(
        elsewhere.status(),
        Some(403),
        "container-scoped SAS listed another container"
    );

    // Output: write + create + list, no read.
    let output = sas_client("arrout", SasPermissions::WRITE_CREATE_LIST);
    output
        .put_blob("arrout", "o/model.arrAsset", bytes(10, 500).into())
        .await
        .unwrap();
    assert_eq!(output.list_blobs("arrout", "o/").await.unwrap().len(), 1);
    let refused = output
        .get_blob("arrout", "o/model.arrAsset")
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403), "write SAS read: {refused}");

    // Expired.
    let past = OffsetDateTime::now_utc() - Duration::minutes(5);
    let sas = container_sas(
        &endpoint,
        &key,
        "arrin",
        SasPermissions::READ_LIST,
        None,
        past,
    )
    .unwrap();
    let expired = BlobStorage::new(endpoint.clone(), StorageCredential::Sas(sas.clone())).unwrap();
    let error = expired.list_blobs("arrin", "").await.unwrap_err();
    assert_eq!(error.status(), Some(403));
    let shown = format!("{error} {error:?} {expired:?}");
    let signature = sas.as_query().split("sig=").nth(1).unwrap();
    assert!(!shown.contains(signature), "SAS signature leaked: {shown}");
}

#[tokio::test]
async fn wrong_key_is_a_clear_error_without_secrets() {
    let Some(azurite) = common::azurite("wrong_key_is_a_clear_error_without_secrets") else {
        return;
    };
    let wrong_key = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmc=";
    let credential = StorageCredential::shared_key(wrong_key).unwrap();
    let storage = BlobStorage::new(endpoint(&azurite), credential).unwrap();
    let error = storage.create_container("nope").await.unwrap_err();
    match &error {
        StorageError::Service { status, code, .. } => {
            assert_eq!(*status, 403);
            // The service says AuthenticationFailed; Azurite says AuthorizationFailure.
            assert!(
                ["AuthenticationFailed", "AuthorizationFailure"].contains(&code.as_str()),
                "{code}"
            );
        }
        other => panic!("expected a 403 service error, got {other:?}"),
    }
    let shown = format!("{error} | {error:?} | {storage:?}");
    for secret in [wrong_key, ACCOUNT_KEY] {
        assert!(!shown.contains(secret), "key leaked: {shown}");
    }
    assert!(shown.contains("403"), "{shown}");
    assert!(
        shown.contains(ACCOUNT_NAME),
        "endpoint shown for diagnosis: {shown}"
    );
}

#[tokio::test]
async fn blob_sas_url_reads_that_blob_only() {
    let Some(azurite) = common::azurite("blob_sas_url_reads_that_blob_only") else {
        return;
    };
    let endpoint = endpoint(&azurite);
    let admin = key_client(endpoint.clone());
    admin.create_container("arrout").await.unwrap();
    let asset = bytes(11, 4096);
    admin
        .put_blob("arrout", "Output/robot.arrAsset", asset.clone().into())
        .await
        .unwrap();
    admin
        .put_blob("arrout", "Output/other.arrAsset", vec![0u8; 10].into())
        .await
        .unwrap();
    let key = AccountKey::new(ACCOUNT_KEY).unwrap();
    let expiry = OffsetDateTime::now_utc() + Duration::hours(1);
    let sas = remote_rendering_storage::blob_sas(
        &endpoint,
        &key,
        "arrout",
        "Output/robot.arrAsset",
        SasPermissions::READ,
        None,
        expiry,
    )
    .unwrap();

    // The URL a user would be given: a plain GET reads the blob.
    let url = sas.apply_to(
        &endpoint
            .blob_url("arrout", "Output/robot.arrAsset")
            .unwrap(),
    );
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), asset.as_slice());

    let holder = BlobStorage::new(endpoint.clone(), StorageCredential::Sas(sas)).unwrap();
    let other = holder
        .get_blob("arrout", "Output/other.arrAsset")
        .await
        .unwrap_err();
    assert_eq!(other.status(), Some(403), "blob SAS read another blob");
    let list = holder.list_blobs("arrout", "").await.unwrap_err();
    assert_eq!(list.status(), Some(403), "blob SAS listed the container");
}
