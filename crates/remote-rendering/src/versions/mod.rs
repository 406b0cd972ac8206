//! The version seam: one [`VersionAdapter`] per API version, each over its
//! generated module in `remote_rendering_rest::generated`.
//!
//! The client's operations (`sessions`, `conversions`, the pollers, the
//! lease keeper) speak only the domain model and call the adapter of the
//! client's [`ApiVersion`]; an adapter builds that version's requests from
//! the domain values, sends them through the shared request pipeline
//! (`Client::send_with`: retries, token refresh, error decoding) and maps
//! the answers back. What a version cannot do is refused with
//! [`Error::Unsupported`] by the trait's default methods, before anything
//! is sent.
//!
//! Adding a version: generate its module (`cargo xtask codegen`), add a
//! variant to [`ApiVersion`] (two match arms: its name and its adapter) and
//! one module here implementing [`VersionAdapter`].

use crate::api_version::ApiVersion;
use crate::client::{Client, Page};
use crate::error::{Error, Result};
use crate::ids::{ConversionId, SessionId};
use crate::models::{
    Conversion, ConversionInput, ConversionOutput, Lease, Session, SessionOptions,
};
use crate::response::Reply;
use futures::FutureExt as _;
use futures::future::BoxFuture;

pub(crate) mod preview;
pub(crate) mod stable;
pub(crate) mod v1;

/// One API version's way of doing each operation of the domain model.
///
/// Object safe (futures are boxed) so that a client holds its adapter as a
/// `&'static dyn VersionAdapter` chosen once, when it is built.
pub(crate) trait VersionAdapter: Send + Sync + 'static {
    /// The version this adapter speaks.
    fn version(&self) -> ApiVersion;

    /// Creates a session. `id` is the caller's choice, or `None` to let
    /// the version decide (the service on v1, a generated id otherwise).
    fn start_session<'a>(
        &'a self,
        client: &'a Client,
        id: Option<&'a SessionId>,
        options: &'a SessionOptions,
    ) -> BoxFuture<'a, Result<Reply<Session>>>;

    /// Reads a session.
    fn get_session<'a>(
        &'a self,
        client: &'a Client,
        id: &'a SessionId,
    ) -> BoxFuture<'a, Result<Reply<Session>>>;

    /// Sets a session's total lease and returns the session as it is then.
    fn set_lease<'a>(
        &'a self,
        client: &'a Client,
        id: &'a SessionId,
        lease: Lease,
    ) -> BoxFuture<'a, Result<Session>>;

    /// Stops a session.
    fn stop_session<'a>(
        &'a self,
        client: &'a Client,
        id: &'a SessionId,
    ) -> BoxFuture<'a, Result<()>>;

    /// One page of the session list: the first (`link` is `None`) or the
    /// one an `@nextLink` points at.
    fn list_sessions<'a>(
        &'a self,
        client: &'a Client,
        link: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<Session>>>;

    /// Starts a conversion.
    fn start_conversion<'a>(
        &'a self,
        _client: &'a Client,
        _id: &'a ConversionId,
        _input: &'a ConversionInput,
        _output: &'a ConversionOutput,
    ) -> BoxFuture<'a, Result<Reply<Conversion>>> {
        unsupported(self.version(), "start conversion")
    }

    /// Reads a conversion.
    fn get_conversion<'a>(
        &'a self,
        _client: &'a Client,
        _id: &'a ConversionId,
    ) -> BoxFuture<'a, Result<Reply<Conversion>>> {
        unsupported(self.version(), "get conversion")
    }

    /// One page of the conversion list.
    fn list_conversions<'a>(
        &'a self,
        _client: &'a Client,
        _link: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<Conversion>>> {
        unsupported(self.version(), "list conversions")
    }
}

/// The answer to an operation `api_version` does not have.
pub(crate) fn unsupported<'a, T: Send + 'a>(
    api_version: ApiVersion,
    operation: &'static str,
) -> BoxFuture<'a, Result<T>> {
    futures::future::ready(Err(Error::Unsupported {
        operation,
        api_version,
    }))
    .boxed()
}

/// The id of a session a 2021 version creates: the caller's, or a fresh one.
pub(crate) fn chosen_or_generated(id: Option<&SessionId>) -> SessionId {
    id.cloned().unwrap_or_else(SessionId::generate)
}
