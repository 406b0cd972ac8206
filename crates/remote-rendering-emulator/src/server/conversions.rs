//! Conversion operations: create (with input validation), get, list.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use http::header::RETRY_AFTER;
use http::{HeaderMap, HeaderValue, StatusCode, Uri};
use remote_rendering_rest::types;

use super::extract::{AuthorizedAccount, continuation, next_link, parse_body, valid_id};
use super::responses::{ApiError, conversion_body, conversion_list_body, json};
use super::shared::Shared;
use crate::linked_storage::account_of;
use crate::state::Conversion;

fn check_container_uri(uri: &str, target: &str, sas_field: &str) -> Result<(), ApiError> {
    // No recording shows a container URL with a query; the spec gives the
    // SAS its own field. Refused (never stored, echoed or logged).
    let has_query =
        url::Url::parse(uri).is_ok_and(|u| u.query().is_some() || u.fragment().is_some());
    if has_query {
        return Err(ApiError::bad_request(
            "InvalidStorageContainerUri",
            format!(
                "{target} must not carry a query or fragment: send a SAS token in {sas_field}."
            ),
        )
        .target(target));
    }
    let ok = url::Url::parse(uri)
        .map(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        })
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "InvalidStorageContainerUri",
            format!("{target} must be an absolute http(s) URL."),
        )
        .target(target))
    }
}

fn validate(settings: &types::ConversionSettings) -> Result<(), ApiError> {
    let input = &settings.input_location;
    let output = &settings.output_location;
    check_container_uri(
        &input.storage_container_uri,
        "settings.inputLocation.storageContainerUri",
        "storageContainerReadListSas",
    )?;
    check_container_uri(
        &output.storage_container_uri,
        "settings.outputLocation.storageContainerUri",
        "storageContainerWriteSas",
    )?;
    let path = &input.relative_input_asset_path;
    let target = "settings.inputLocation.relativeInputAssetPath";
    if path.trim().is_empty() {
        return Err(ApiError::bad_request(
            "InvalidInputAssetPath",
            "relativeInputAssetPath must not be empty.",
        )
        .target(target));
    }
    if path.starts_with('/')
        || path.starts_with('\\')
        || path.contains("://")
        || path.ends_with('/')
    {
        return Err(ApiError::bad_request(
            "InvalidInputAssetPath",
            "relativeInputAssetPath must be a relative path to a file.",
        )
        .target(target));
    }
    if let Some(name) = &output.output_asset_filename
        && (name.len() <= ".arrAsset".len() || !name.ends_with(".arrAsset") || name.contains('/'))
    {
        return Err(ApiError::bad_request(
            "InvalidOutputAssetFilename",
            "outputAssetFilename must be a file name ending in '.arrAsset'.",
        )
        .target("settings.outputLocation.outputAssetFilename"));
    }
    Ok(())
}

/// Whether a SAS comes with a location: its own field, or a `sig` in the
/// container URI's query.
fn has_sas(sas: Option<&String>, container_uri: &str) -> bool {
    sas.is_some_and(|s| !s.trim().is_empty())
        || url::Url::parse(container_uri)
            .is_ok_and(|u| u.query_pairs().any(|(k, _)| k.eq_ignore_ascii_case("sig")))
}

/// A location without a SAS needs its storage account linked to the
/// emulated account; otherwise the service refused the conversion at once.
fn check_storage_access(
    shared: &Shared,
    settings: &types::ConversionSettings,
) -> Result<(), ApiError> {
    let input = &settings.input_location;
    let output = &settings.output_location;
    let locations = [
        (
            input.storage_container_read_list_sas.as_ref(),
            &input.storage_container_uri,
        ),
        (
            output.storage_container_write_sas.as_ref(),
            &output.storage_container_uri,
        ),
    ];
    for (sas, uri) in locations {
        let linked = || {
            account_of(uri)
                .is_some_and(|account| shared.linked_storage.iter().any(|l| l.name == account))
        };
        if !has_sas(sas, uri) && !linked() {
            return Err(not_linked());
        }
    }
    Ok(())
}

/// No SAS for storage that is not linked: the 2024 answer (2021–2022:
/// `DelegatedResourceAccessError`).
fn not_linked() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "LinkedStorageAccessFailure",
        "Storage account not linked or linked with insufficient permissions. Documentation on how to link Remote Rendering Accounts to storage can be found here: https://docs.microsoft.com/azure/remote-rendering/how-tos/create-an-account#link-storage-accounts.",
    )
}

/// `PUT /accounts/{account_id}/conversions/{conversion_id}`.
pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    Path((_, id)): Path<(String, String)>,
    _: AuthorizedAccount,
    body: Bytes,
) -> Result<Response, ApiError> {
    if !valid_id(&id) {
        return Err(ApiError::bad_request(
            "InvalidConversionId",
            "A conversion id must be 1 to 256 characters of letters, digits, '-' and '_'.",
        )
        .target("conversion_id"));
    }
    let create: types::CreateConversionSettings = parse_body(&body, StatusCode::BAD_REQUEST)?;
    validate(&create.settings)?;
    check_storage_access(&shared, &create.settings)?;
    // Containers the emulator can reach are read and written for real (see `crate::storage`).
    let storage_job =
        crate::storage::plan(&shared.linked_storage, &create.settings).map_err(|_| not_linked())?;
    let now = shared.clock.elapsed();
    let wall = shared.clock.now();
    let mut store = shared.store();
    let (new, _) = store.create_conversion(&id, create.settings, now, wall);
    let (status, conversion) = if new {
        let job = storage_job.map(|job| job.spawn());
        (StatusCode::CREATED, store.start_storage_job(&id, job))
    } else {
        let existing = store.conversion(&id).expect("found or created above");
        (StatusCode::OK, existing)
    };
    Ok(json(
        status,
        &conversion_body(&conversion.view(now, &shared.timing)),
    ))
}

/// `GET /accounts/{account_id}/conversions/{conversion_id}`.
pub(super) async fn get(
    State(shared): State<Arc<Shared>>,
    Path((_, id)): Path<(String, String)>,
    _: AuthorizedAccount,
) -> Result<Response, ApiError> {
    let store = shared.store();
    let conversion = store
        .conversion(&id)
        .ok_or_else(|| ApiError::conversion_not_found(&id))?;
    Ok(poll_response(&shared, conversion))
}

/// A conversion as a poll sees it: with `Retry-After` while it runs, only
/// when that was asked for (the service never sent it).
fn poll_response(shared: &Shared, conversion: &Conversion) -> Response {
    let now = shared.clock.elapsed();
    let mut response = json(
        StatusCode::OK,
        &conversion_body(&conversion.view(now, &shared.timing)),
    );
    let remaining = conversion.remaining(now, &shared.timing);
    if shared.poll_retry_after && !remaining.is_zero() {
        // Whole seconds, at least one, at most the 15 the service suggests.
        let secs = (remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0)).clamp(1, 15);
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// `GET /accounts/{account_id}/conversions`.
pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    AuthorizedAccount { account }: AuthorizedAccount,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let after = continuation(&uri)?;
    let now = shared.clock.elapsed();
    let store = shared.store();
    let (page, next) = store.conversion_page(after, shared.page_size);
    let list = types::ConversionList {
        conversions: page
            .into_iter()
            .map(|c| c.view(now, &shared.timing))
            .collect(),
        next_link: next_link(&shared, &headers, &account, "conversions", next),
    };
    Ok(json(StatusCode::OK, &conversion_list_body(&list)))
}
