//! `2021-01-01-preview`: the same paths as `2021-01-01`, told apart by
//! `api-version`. A preview request is handled by the stable API's handlers
//! (one backend, one store) and their answer is rewritten into the
//! preview's shapes:
//!
//! * creates answer `201` also when they find an identical resource (the
//!   preview documents no `200`);
//! * conversion states are `Created`, `Running`, `Success`, `Failure`,
//!   `Aborted`; conversion lists are `GetConversionsResponse`s;
//! * error objects nest `innererror` (lower case);
//! * `@nextLink`s keep `api-version=2021-01-01-preview`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter, on};
use http::StatusCode;
use http::header::CONTENT_LENGTH;
use remote_rendering_rest::generated::arr_2021_01_01_preview::{API_VERSION, types as preview};
use remote_rendering_rest::types;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower::ServiceExt as _;

use super::extract::{ServedApiVersion, query_param};
use super::responses::to_json;
use super::shared::Shared;
use crate::Route;

/// `stable`, the handler of a 2021 `route`, serving `2021-01-01-preview`
/// requests too.
pub(super) fn serving_preview_too(
    route: Route,
    stable: MethodRouter<Arc<Shared>>,
) -> MethodRouter<Arc<Shared>> {
    let method = MethodFilter::try_from(route.method()).expect("routes use standard methods");
    on(
        method,
        move |State(shared): State<Arc<Shared>>, mut request: Request| async move {
            let is_preview =
                query_param(request.uri(), "api-version").as_deref() == Some(API_VERSION);
            if is_preview {
                request
                    .extensions_mut()
                    .insert(ServedApiVersion(API_VERSION));
            }
            let response = stable
                .with_state::<()>(shared)
                .oneshot(request)
                .await
                .unwrap_or_else(|never| match never {});
            if is_preview {
                in_preview_shape(route, response).await
            } else {
                response
            }
        },
    )
}

/// Rewrites a stable answer of `route` into the preview's shape. Bodies
/// that are not what the route answers (none, or not JSON) pass unchanged.
async fn in_preview_shape(route: Route, response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let created = matches!(route, Route::CreateSession | Route::CreateConversion);
    if created && parts.status == StatusCode::OK {
        parts.status = StatusCode::CREATED;
    }
    let rewritten = if !parts.status.is_success() {
        convert::<types::ErrorResponse, _>(&bytes, |e| preview::ErrorResponse {
            error: Some(error(e.error)),
        })
    } else {
        match route {
            Route::CreateSession | Route::GetSession | Route::UpdateSession => {
                convert(&bytes, session)
            }
            Route::ListSessions => {
                convert(&bytes, |list: types::SessionsList| preview::SessionsList {
                    next_link: list.next_link.map(preview_link),
                    sessions: list.sessions.into_iter().map(session).collect(),
                })
            }
            Route::CreateConversion | Route::GetConversion => convert(&bytes, conversion),
            Route::ListConversions => convert(&bytes, |list: types::ConversionList| {
                preview::GetConversionsResponse {
                    next_link: list.next_link.map(preview_link),
                    conversions: list.conversions.into_iter().map(conversion).collect(),
                }
            }),
            _ => None,
        }
    };
    let body = rewritten.unwrap_or_else(|| bytes.to_vec());
    parts.headers.insert(CONTENT_LENGTH, body.len().into());
    Response::from_parts(parts, Body::from(body))
}

/// Decodes a stable body, maps it, and writes it without the
/// `innererror: null` the generated preview error type always writes.
fn convert<S: DeserializeOwned, P: Serialize>(
    bytes: &[u8],
    map: impl FnOnce(S) -> P,
) -> Option<Vec<u8>> {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                if map
                    .get("innererror")
                    .is_some_and(serde_json::Value::is_null)
                {
                    map.remove("innererror");
                }
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let stable = serde_json::from_slice(bytes).ok()?;
    let mut value: serde_json::Value = serde_json::from_slice(&to_json(&map(stable))).ok()?;
    strip(&mut value);
    serde_json::to_vec(&value).ok()
}

/// A next link of the stable handlers, asking for the preview again.
fn preview_link(link: String) -> String {
    let stable = format!("api-version={}", crate::API_VERSION);
    link.replace(&stable, &format!("api-version={API_VERSION}"))
}

fn error(e: types::Error) -> preview::Error {
    preview::Error {
        code: Some(e.code),
        message: Some(e.message),
        details: e.details.into_iter().map(error).collect(),
        innererror: Box::new((*e.inner_error).map(error)),
        target: e.target,
    }
}

/// The same enum value in the preview's (closed) enum, by its wire name.
fn same_value<S: Serialize, P: DeserializeOwned>(value: &S) -> Option<P> {
    serde_json::from_value(serde_json::to_value(value).ok()?).ok()
}

fn session(s: types::SessionProperties) -> preview::SessionProperties {
    preview::SessionProperties {
        arr_inspector_port: s.arr_inspector_port,
        creation_time: s.creation_time,
        elapsed_time_minutes: s.elapsed_time_minutes,
        error: s.error.map(error),
        handshake_port: s.handshake_port,
        hostname: s.hostname,
        id: Some(s.id),
        max_lease_time_minutes: s.max_lease_time_minutes,
        size: same_value(&s.size),
        status: same_value(&s.status),
        teraflops: s.teraflops,
    }
}

fn conversion(c: types::Conversion) -> preview::Conversion {
    use preview::ConversionStatusKnown as P;
    use types::ConversionStatusKnown as S;
    let status = match c.status {
        types::ConversionStatus::Known(known) => preview::ConversionStatus::Known(match known {
            S::NotStarted => P::Created,
            S::Running => P::Running,
            S::Succeeded => P::Success,
            S::Failed => P::Failure,
            S::Cancelled => P::Aborted,
        }),
        // The store only ever reports known states.
        types::ConversionStatus::Other(_) => preview::ConversionStatus::Known(P::UnknownError),
    };
    let input = c.settings.input_location;
    let output = c.settings.output_location;
    preview::Conversion {
        creation_time: Some(c.creation_time),
        error: c.error.map(error),
        id: c.id,
        output: c.output.map(|o| preview::ConversionOutput {
            output_asset_uri: o.output_asset_uri,
        }),
        settings: preview::ConversionSettings {
            input_location: preview::ConversionInputSettings {
                blob_prefix: input.blob_prefix,
                relative_input_asset_path: input.relative_input_asset_path,
                storage_container_read_list_sas: input.storage_container_read_list_sas,
                storage_container_uri: input.storage_container_uri,
            },
            output_location: preview::ConversionOutputSettings {
                blob_prefix: output.blob_prefix,
                output_asset_filename: output.output_asset_filename,
                storage_container_uri: output.storage_container_uri,
                storage_container_write_sas: output.storage_container_write_sas,
            },
        },
        status,
    }
}
