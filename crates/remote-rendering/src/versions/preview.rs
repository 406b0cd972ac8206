//! `2021-01-01-preview`, over
//! `remote_rendering_rest::generated::arr_2021_01_01_preview`.
//!
//! The same paths as `2021-01-01` with other operation names, looser
//! models (most fields optional, closed enums) and other conversion states:
//! `Created`, `Running`, `Success`, `Failure`, `Aborted` map to NotStarted,
//! Running, Succeeded, Failed, Cancelled; `UnknownError` and `NotFound` are
//! kept as `Unknown` (so a poller ends on them instead of waiting forever).

use super::{VersionAdapter, chosen_or_generated};
use crate::api_version::ApiVersion;
use crate::client::{Client, Page};
use crate::error::{Error, Result};
use crate::ids::{ConversionId, SessionId};
use crate::models::{
    Conversion, ConversionInput, ConversionOutput, Lease, Session, SessionOptions, invalid_id,
    minutes, port, timestamp,
};
use crate::response::Reply;
use crate::status::{ConversionStatus, ServiceErrorDetail, SessionSize, SessionStatus};
use futures::FutureExt as _;
use futures::future::BoxFuture;
use remote_rendering_rest::generated::arr_2021_01_01_preview::{
    API_VERSION, Client as Generated, types as wire,
};

/// The `2021-01-01-preview` adapter.
pub(crate) struct Preview;

impl VersionAdapter for Preview {
    fn version(&self) -> ApiVersion {
        ApiVersion::V2021_01_01Preview
    }

    fn start_session<'a>(
        &'a self,
        client: &'a Client,
        id: Option<&'a SessionId>,
        options: &'a SessionOptions,
    ) -> BoxFuture<'a, Result<Reply<Session>>> {
        async move {
            let id = chosen_or_generated(id);
            let size = match options.size {
                SessionSize::Standard => wire::SessionSize::Standard,
                SessionSize::Premium => wire::SessionSize::Premium,
                ref other => {
                    return Err(Error::validation(
                        "size",
                        format!("`{other}` is not a size API version {API_VERSION} knows"),
                    ));
                }
            };
            let body = wire::CreateSessionBody {
                max_lease_time_minutes: Lease::try_from(options.lease)?.minutes() as i64,
                size,
            };
            client
                .send_with(
                    "create session",
                    id.as_str(),
                    Generated::new_with_client,
                    |c| {
                        let request = c.create_session().account_id(client.account_id());
                        let request = request.session_id(id.as_str()).api_version(API_VERSION);
                        request.body(body.clone()).send().boxed()
                    },
                )
                .await
        }
        .boxed()
    }

    fn get_session<'a>(
        &'a self,
        client: &'a Client,
        id: &'a SessionId,
    ) -> BoxFuture<'a, Result<Reply<Session>>> {
        client
            .send_with(
                "get session",
                id.as_str(),
                Generated::new_with_client,
                |c| {
                    let request = c.get_session_properties().account_id(client.account_id());
                    let request = request.session_id(id.as_str()).api_version(API_VERSION);
                    request.send().boxed()
                },
            )
            .boxed()
    }

    fn set_lease<'a>(
        &'a self,
        client: &'a Client,
        id: &'a SessionId,
        lease: Lease,
    ) -> BoxFuture<'a, Result<Session>> {
        async move {
            let body = wire::UpdateSessionBody {
                max_lease_time_minutes: lease.minutes() as i64,
            };
            let reply = client
                .send_with(
                    "update session",
                    id.as_str(),
                    Generated::new_with_client,
                    |c| {
                        let request = c.update_session().account_id(client.account_id());
                        let request = request.session_id(id.as_str()).api_version(API_VERSION);
                        request.body(body.clone()).send().boxed()
                    },
                )
                .await?;
            Ok(reply.value)
        }
        .boxed()
    }

    fn stop_session<'a>(
        &'a self,
        client: &'a Client,
        id: &'a SessionId,
    ) -> BoxFuture<'a, Result<()>> {
        async move {
            client
                .send_with::<_, (), ()>(
                    "stop session",
                    id.as_str(),
                    Generated::new_with_client,
                    |c| {
                        let request = c.stop_session().account_id(client.account_id());
                        let request = request.session_id(id.as_str()).api_version(API_VERSION);
                        request.send().boxed()
                    },
                )
                .await?;
            Ok(())
        }
        .boxed()
    }

    fn list_sessions<'a>(
        &'a self,
        client: &'a Client,
        link: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<Session>>> {
        const OPERATION: &str = "list sessions";
        async move {
            let page: wire::SessionsList = match link {
                Some(link) => client.follow_link(OPERATION, link).await?,
                None => {
                    client
                        .send_with(OPERATION, "", Generated::new_with_client, |c| {
                            let request = c.get_sessions().account_id(client.account_id());
                            request.api_version(API_VERSION).send().boxed()
                        })
                        .await?
                        .value
                }
            };
            let items = page.sessions.into_iter().map(Session::try_from);
            Ok((items.collect::<Result<_>>()?, page.next_link))
        }
        .boxed()
    }

    fn start_conversion<'a>(
        &'a self,
        client: &'a Client,
        id: &'a ConversionId,
        input: &'a ConversionInput,
        output: &'a ConversionOutput,
    ) -> BoxFuture<'a, Result<Reply<Conversion>>> {
        let body = wire::ConversionRequest {
            settings: wire::ConversionSettings {
                input_location: input_settings(input),
                output_location: output_settings(output),
            },
        };
        async move {
            client
                .send_with(
                    "create conversion",
                    id.as_str(),
                    Generated::new_with_client,
                    |c| {
                        let request = c.create_conversion().account_id(client.account_id());
                        let request = request.conversion_id(id.as_str()).api_version(API_VERSION);
                        request.body(body.clone()).send().boxed()
                    },
                )
                .await
        }
        .boxed()
    }

    fn get_conversion<'a>(
        &'a self,
        client: &'a Client,
        id: &'a ConversionId,
    ) -> BoxFuture<'a, Result<Reply<Conversion>>> {
        client
            .send_with(
                "get conversion",
                id.as_str(),
                Generated::new_with_client,
                |c| {
                    let request = c.get_conversion().account_id(client.account_id());
                    let request = request.conversion_id(id.as_str()).api_version(API_VERSION);
                    request.send().boxed()
                },
            )
            .boxed()
    }

    fn list_conversions<'a>(
        &'a self,
        client: &'a Client,
        link: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<Conversion>>> {
        const OPERATION: &str = "list conversions";
        async move {
            let page: wire::GetConversionsResponse = match link {
                Some(link) => client.follow_link(OPERATION, link).await?,
                None => {
                    client
                        .send_with(OPERATION, "", Generated::new_with_client, |c| {
                            let request = c.get_conversions().account_id(client.account_id());
                            request.api_version(API_VERSION).send().boxed()
                        })
                        .await?
                        .value
                }
            };
            let items = page.conversions.into_iter().map(Conversion::try_from);
            Ok((items.collect::<Result<_>>()?, page.next_link))
        }
        .boxed()
    }
}

fn input_settings(input: &ConversionInput) -> wire::ConversionInputSettings {
    wire::ConversionInputSettings {
        storage_container_uri: input.storage_container_uri.to_string(),
        storage_container_read_list_sas: input.read_list_sas.as_ref().map(|s| s.expose().into()),
        blob_prefix: input.blob_prefix.clone(),
        relative_input_asset_path: input.relative_input_asset_path.clone(),
    }
}

fn output_settings(output: &ConversionOutput) -> wire::ConversionOutputSettings {
    wire::ConversionOutputSettings {
        storage_container_uri: output.storage_container_uri.to_string(),
        storage_container_write_sas: output.write_sas.as_ref().map(|s| s.expose().into()),
        blob_prefix: output.blob_prefix.clone(),
        output_asset_filename: output.output_asset_name.clone(),
    }
}

/// A field the preview's model leaves optional but a session cannot lack.
fn missing(field: &str) -> Error {
    Error::InvalidResponse {
        operation: "decode",
        message: format!("the session has no `{field}`"),
        ms_cv: None,
        transient: false,
    }
}

impl TryFrom<wire::SessionProperties> for Session {
    type Error = Error;

    fn try_from(s: wire::SessionProperties) -> Result<Self> {
        let id = s.id.ok_or_else(|| missing("id"))?;
        let status = s.status.ok_or_else(|| missing("status"))?;
        Ok(Self {
            id: SessionId::new(id).map_err(|e| invalid_id("session", e))?,
            // The preview's enums are closed: a value outside them fails to
            // decode rather than arriving here.
            size: s.size.map_or(SessionSize::Unknown(String::new()), |size| {
                SessionSize::from(size.to_string().as_str())
            }),
            status: SessionStatus::from(status.to_string().as_str()),
            max_lease: minutes(s.max_lease_time_minutes),
            elapsed: minutes(s.elapsed_time_minutes),
            hostname: s.hostname,
            handshake_port: port(s.handshake_port),
            arr_inspector_port: port(s.arr_inspector_port),
            teraflops: s.teraflops,
            created_on: s.creation_time.as_ref().and_then(timestamp),
            error: s.error.map(Into::into),
        })
    }
}

impl TryFrom<wire::Conversion> for Conversion {
    type Error = Error;

    fn try_from(c: wire::Conversion) -> Result<Self> {
        Ok(Self {
            id: ConversionId::new(c.id).map_err(|e| invalid_id("conversion", e))?,
            status: conversion_status(&c.status),
            input_container: c.settings.input_location.storage_container_uri,
            input_asset: c.settings.input_location.relative_input_asset_path,
            output_container: c.settings.output_location.storage_container_uri,
            output_asset_uri: c.output.and_then(|o| o.output_asset_uri),
            created_on: c.creation_time.as_ref().and_then(timestamp),
            error: c.error.map(Into::into),
        })
    }
}

/// The preview's conversion states in the stable API's words.
fn conversion_status(status: &wire::ConversionStatus) -> ConversionStatus {
    use wire::ConversionStatusKnown as P;
    match status {
        wire::ConversionStatus::Known(known) => match known {
            P::Created => ConversionStatus::NotStarted,
            P::Running => ConversionStatus::Running,
            P::Success => ConversionStatus::Succeeded,
            P::Failure => ConversionStatus::Failed,
            P::Aborted => ConversionStatus::Cancelled,
            P::UnknownError | P::NotFound => ConversionStatus::Unknown(known.to_string()),
        },
        wire::ConversionStatus::Other(other) => ConversionStatus::Unknown(other.to_string()),
    }
}

impl From<wire::Error> for ServiceErrorDetail {
    fn from(e: wire::Error) -> Self {
        Self {
            code: e.code.unwrap_or_default(),
            message: e.message.unwrap_or_default(),
            details: e.details.into_iter().map(Into::into).collect(),
            target: e.target,
            inner_error: (*e.innererror).map(|inner| Box::new(inner.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_conversion_states_map_onto_the_stable_ones() {
        let status = |text: &str| {
            conversion_status(&serde_json::from_value(serde_json::json!(text)).unwrap())
        };
        assert_eq!(status("Created"), ConversionStatus::NotStarted);
        assert_eq!(status("Running"), ConversionStatus::Running);
        assert_eq!(status("Success"), ConversionStatus::Succeeded);
        assert_eq!(status("Failure"), ConversionStatus::Failed);
        assert_eq!(status("Aborted"), ConversionStatus::Cancelled);
        for unknown in ["UnknownError", "NotFound", "Paused"] {
            assert_eq!(status(unknown), ConversionStatus::Unknown(unknown.into()));
        }
    }

    #[test]
    fn a_preview_session_without_id_or_status_is_refused() {
        let session: wire::SessionProperties =
            serde_json::from_value(serde_json::json!({"status": "Ready"})).unwrap();
        assert!(matches!(
            Session::try_from(session),
            Err(Error::InvalidResponse { .. })
        ));
        let session: wire::SessionProperties = serde_json::from_value(
            serde_json::json!({"id": "s", "status": "Ready", "size": "Premium", "maxLeaseTimeMinutes": 30}),
        )
        .unwrap();
        let session = Session::try_from(session).unwrap();
        assert_eq!(session.size, SessionSize::Premium);
        assert_eq!(session.status, SessionStatus::Ready);
        assert_eq!(
            session.max_lease,
            Some(std::time::Duration::from_secs(1800))
        );
    }
}
