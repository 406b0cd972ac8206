//! `2021-01-01`, over `remote_rendering_rest::generated::arr_2021_01_01`
//! (the crate root's re-export). Its wire models map onto the domain model
//! one to one (`crate::models`).

use super::{VersionAdapter, chosen_or_generated};
use crate::api_version::ApiVersion;
use crate::client::{Client, Page};
use crate::error::Result;
use crate::ids::{ConversionId, SessionId};
use crate::models::{
    Conversion, ConversionInput, ConversionOutput, Lease, Session, SessionOptions,
};
use crate::response::Reply;
use futures::FutureExt as _;
use futures::future::BoxFuture;
use remote_rendering_rest::generated::arr_2021_01_01::{API_VERSION, types as wire};

/// The `2021-01-01` adapter.
pub(crate) struct Stable;

impl VersionAdapter for Stable {
    fn version(&self) -> ApiVersion {
        ApiVersion::V2021_01_01
    }

    fn start_session<'a>(
        &'a self,
        client: &'a Client,
        id: Option<&'a SessionId>,
        options: &'a SessionOptions,
    ) -> BoxFuture<'a, Result<Reply<Session>>> {
        async move {
            let id = chosen_or_generated(id);
            let body = wire::CreateSessionSettings::try_from(options)?;
            client
                .send("create session", id.as_str(), |c| {
                    let request = c.create_session().account_id(client.account_id());
                    let request = request.session_id(id.as_str()).api_version(API_VERSION);
                    request.body(body.clone()).send().boxed()
                })
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
            .send("get session", id.as_str(), |c| {
                let request = c.get_session().account_id(client.account_id());
                let request = request.session_id(id.as_str()).api_version(API_VERSION);
                request.send().boxed()
            })
            .boxed()
    }

    fn set_lease<'a>(
        &'a self,
        client: &'a Client,
        id: &'a SessionId,
        lease: Lease,
    ) -> BoxFuture<'a, Result<Session>> {
        async move {
            let body = wire::UpdateSessionSettings {
                max_lease_time_minutes: lease.minutes() as i64,
            };
            let reply = client
                .send("update session", id.as_str(), |c| {
                    let request = c.update_session().account_id(client.account_id());
                    let request = request.session_id(id.as_str()).api_version(API_VERSION);
                    request.body(body.clone()).send().boxed()
                })
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
                .send::<(), ()>("stop session", id.as_str(), |c| {
                    let request = c.stop_session().account_id(client.account_id());
                    let request = request.session_id(id.as_str()).api_version(API_VERSION);
                    request.send().boxed()
                })
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
                        .send(OPERATION, "", |c| {
                            let request = c.list_sessions().account_id(client.account_id());
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
        let body = wire::CreateConversionSettings {
            settings: wire::ConversionSettings {
                input_location: input.into(),
                output_location: output.into(),
            },
        };
        async move {
            client
                .send("create conversion", id.as_str(), |c| {
                    let request = c.create_conversion().account_id(client.account_id());
                    let request = request.conversion_id(id.as_str()).api_version(API_VERSION);
                    request.body(body.clone()).send().boxed()
                })
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
            .send("get conversion", id.as_str(), |c| {
                let request = c.get_conversion().account_id(client.account_id());
                let request = request.conversion_id(id.as_str()).api_version(API_VERSION);
                request.send().boxed()
            })
            .boxed()
    }

    fn list_conversions<'a>(
        &'a self,
        client: &'a Client,
        link: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<Conversion>>> {
        const OPERATION: &str = "list conversions";
        async move {
            let page: wire::ConversionList = match link {
                Some(link) => client.follow_link(OPERATION, link).await?,
                None => {
                    client
                        .send(OPERATION, "", |c| {
                            let request = c.list_conversions().account_id(client.account_id());
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
