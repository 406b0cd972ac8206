//! Real Blob storage for conversions: which containers the emulator can reach, and with what.
//!
//! The service read a conversion's input and wrote its output through the SAS it was given, or
//! through a storage account linked to the Remote Rendering account. The emulator does the same
//! for containers it can reach without leaving the machine:
//!
//! * a container on a loopback host (`http://127.0.0.1:10000/devstoreaccount1/input`, Azurite),
//!   through the conversion's SAS;
//! * a container of a linked account given with an endpoint (`--linked-storage NAME=ENDPOINT`):
//!   the container URI's host is replaced by that endpoint, and requests are signed with the
//!   account key from `ARR_LINKED_STORAGE_KEY_{NAME}` (or `ARR_LINKED_STORAGE_KEY`), or carry the
//!   conversion's SAS when it has one.
//!
//! Any other container (a public cloud host the emulator has no endpoint for) keeps the simulated
//! behaviour: nothing is read or written, and the input's file extension alone decides success.

mod outputs;
mod run;

pub(crate) use run::{Outcome, StorageJob};

use crate::LinkedStorage;
use remote_rendering_rest::types;
use remote_rendering_storage::{BlobEndpoint, BlobStorage, StorageCredential};

/// One location (input or output) the emulator can read or write for real.
#[derive(Clone, Debug)]
pub(crate) struct Reachable {
    pub(crate) storage: BlobStorage,
    pub(crate) container: String,
}

/// No SAS and not linked, for storage the emulator can see: the service refused such a
/// conversion at `PUT` (403 `LinkedStorageAccessFailure`).
#[derive(Debug)]
pub(crate) struct NotLinked;

/// Decides how each location of `settings` is accessed; `Ok(None)` when neither is reachable
/// (simulated as before).
pub(crate) fn plan(
    linked: &[LinkedStorage],
    settings: &types::ConversionSettings,
) -> Result<Option<StorageJob>, NotLinked> {
    let input = &settings.input_location;
    let output = &settings.output_location;
    let input_access = access(
        linked,
        &input.storage_container_uri,
        input.storage_container_read_list_sas.as_deref(),
    )?;
    let output_access = access(
        linked,
        &output.storage_container_uri,
        output.storage_container_write_sas.as_deref(),
    )?;
    if input_access.is_none() && output_access.is_none() {
        return Ok(None);
    }
    Ok(Some(StorageJob::new(
        settings.clone(),
        input_access,
        output_access,
    )))
}

/// The SAS of a location: its own field, else one pasted into the container URI's query.
fn sas_of(field: Option<&str>, container_uri: &str) -> Option<String> {
    if let Some(sas) = field.map(str::trim).filter(|s| !s.is_empty()) {
        return Some(sas.to_owned());
    }
    let url = url::Url::parse(container_uri).ok()?;
    let has_signature = url
        .query_pairs()
        .any(|(k, _)| k.eq_ignore_ascii_case("sig"));
    has_signature.then(|| url.query().unwrap_or_default().to_owned())
}

/// How one location is accessed: `Some` to read or write it for real, `None` to simulate it.
fn access(
    linked: &[LinkedStorage],
    container_uri: &str,
    sas_field: Option<&str>,
) -> Result<Option<Reachable>, NotLinked> {
    // The URI was validated already; one the storage crate cannot split stays simulated.
    let Ok((endpoint, container)) = BlobEndpoint::from_container_url(container_uri) else {
        return Ok(None);
    };
    let sas = sas_of(sas_field, container_uri);
    let account = linked.iter().find(|l| l.name == endpoint.account());
    let target = match account.and_then(|a| a.endpoint.clone()) {
        Some(mapped) => Some(mapped),
        None if endpoint.is_loopback() => Some(endpoint),
        None => None,
    };
    let Some(target) = target else {
        return Ok(None);
    };
    let credential = match (sas, account) {
        // A SAS that is not a query string cannot authorize anything: requests go out with a
        // signature the storage refuses, and the conversion fails as with any unusable SAS.
        (Some(sas), _) => StorageCredential::sas(&sas)
            .unwrap_or_else(|_| StorageCredential::sas("sig=unusable").expect("well-formed")),
        // Linked by name only: no key to sign with, so simulated.
        (None, Some(account)) => match account.credential() {
            Some(credential) => credential,
            None => return Ok(None),
        },
        (None, None) => return Err(NotLinked),
    };
    Ok(match BlobStorage::new(target, credential) {
        Ok(storage) => Some(Reachable { storage, container }),
        Err(error) => {
            tracing::warn!(%error, "no HTTP client for storage; simulating the conversion");
            None
        }
    })
}
