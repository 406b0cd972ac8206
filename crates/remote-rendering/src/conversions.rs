//! Conversion operations: start, read, list.

use crate::client::Client;
use crate::error::Result;
use crate::ids::ConversionId;
use crate::models::{Conversion, ConversionInput, ConversionOutput};
use crate::poller::ConversionPoller;
use futures::{FutureExt as _, Stream};
use remote_rendering_rest::types as wire;
use std::time::Duration;

impl Client {
    /// Starts an asset conversion and returns a poller that waits for it to finish.
    pub async fn start_conversion(
        &self,
        id: &ConversionId,
        input: &ConversionInput,
        output: &ConversionOutput,
    ) -> Result<ConversionPoller> {
        let body = wire::CreateConversionSettings {
            settings: wire::ConversionSettings {
                input_location: input.into(),
                output_location: output.into(),
            },
        };
        let reply = self
            .send("create conversion", id.as_str(), |c| {
                let request = c.create_conversion().account_id(self.account_id());
                let request = request
                    .conversion_id(id.as_str())
                    .api_version(self.api_version());
                request.body(body.clone()).send().boxed()
            })
            .await?;
        let retry_after = reply.retry_after();
        Ok(ConversionPoller::started(self.clone(), reply.value).after(retry_after))
    }

    /// Reads a conversion.
    pub async fn get_conversion(&self, id: &ConversionId) -> Result<Conversion> {
        Ok(self.get_conversion_reply(id).await?.0)
    }

    /// Reads a conversion, with the service's `Retry-After` (for pollers).
    pub(crate) async fn get_conversion_reply(
        &self,
        id: &ConversionId,
    ) -> Result<(Conversion, Option<Duration>)> {
        let reply = self
            .send("get conversion", id.as_str(), |c| {
                let request = c.get_conversion().account_id(self.account_id());
                request
                    .conversion_id(id.as_str())
                    .api_version(self.api_version())
                    .send()
                    .boxed()
            })
            .await?;
        let retry_after = reply.retry_after();
        Ok((reply.value, retry_after))
    }

    /// All conversions of the account, following `@nextLink` page by page.
    pub fn list_conversions(&self) -> impl Stream<Item = Result<Conversion>> + Send + 'static {
        self.list(
            "list conversions",
            |c, account, version| {
                let request = c.list_conversions().account_id(account);
                request.api_version(version).send().boxed()
            },
            |page: wire::ConversionList| {
                let items = page.conversions.into_iter().map(Conversion::try_from);
                Ok((items.collect::<Result<_>>()?, page.next_link))
            },
        )
    }
}
