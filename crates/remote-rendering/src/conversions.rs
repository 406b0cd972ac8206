//! Conversion operations: start, read, list.

use crate::client::Client;
use crate::error::Result;
use crate::ids::ConversionId;
use crate::models::{Conversion, ConversionInput, ConversionOutput};
use crate::poller::ConversionPoller;
use futures::Stream;
use std::time::Duration;

impl Client {
    /// Starts an asset conversion and returns a poller that waits for it to finish.
    pub async fn start_conversion(
        &self,
        id: &ConversionId,
        input: &ConversionInput,
        output: &ConversionOutput,
    ) -> Result<ConversionPoller> {
        let reply = self
            .adapter()
            .start_conversion(self, id, input, output)
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
        let reply = self.adapter().get_conversion(self, id).await?;
        let retry_after = reply.retry_after();
        Ok((reply.value, retry_after))
    }

    /// All conversions of the account, following `@nextLink` page by page.
    pub fn list_conversions(&self) -> impl Stream<Item = Result<Conversion>> + Send + 'static {
        self.list(|client, link| client.adapter().list_conversions(client, link))
    }
}
