//! Shared by the Azurite tests: a started Azurite, clients for it, test data.

#![allow(dead_code)]

use rand::{RngCore as _, SeedableRng as _};
use remote_rendering_azurite::{ACCOUNT_KEY, ACCOUNT_NAME, Azurite};
use remote_rendering_storage::{BlobEndpoint, BlobStorage, StorageCredential};
use std::path::Path;

/// Azurite, or `None` (skip) outside CI when it is not installed.
pub fn azurite(test: &str) -> Option<Azurite> {
    Azurite::start_or_skip(test)
}

pub fn endpoint(azurite: &Azurite) -> BlobEndpoint {
    BlobEndpoint::with_url(ACCOUNT_NAME, &azurite.blob_endpoint()).unwrap()
}

pub fn endpoint_at(url: &str) -> BlobEndpoint {
    BlobEndpoint::with_url(ACCOUNT_NAME, url).unwrap()
}

/// A client signing with the account key.
pub fn key_client(endpoint: BlobEndpoint) -> BlobStorage {
    BlobStorage::new(
        endpoint,
        StorageCredential::shared_key(ACCOUNT_KEY).unwrap(),
    )
    .unwrap()
}

/// `len` pseudo-random bytes, reproducible from `seed`.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut data = vec![0u8; len];
    rand::rngs::StdRng::seed_from_u64(seed).fill_bytes(&mut data);
    data
}

pub fn write(path: &Path, content: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}
