//! HTTP front end, one module per concern:
//!
//! * [`connections`]: accept loop, TLS, serving a connection;
//! * [`pipeline`]: classification, faults, rate limits, `MS-CV`, request log;
//! * [`routes`]: the router, derived from the route table ([`crate::Route`]);
//! * [`extract`]: authorisation ([`extract::AuthorizedAccount`]), bodies,
//!   ids and paging parameters;
//! * [`responses`]: JSON bodies and the spec's error answers;
//!   [`responses_headers`]: the service's headers on every answer;
//! * [`sts`], [`sessions`], [`conversions`]: the operations;
//! * [`v1`] (with [`timespan`]): the `v1` session protocol over the same
//!   store; [`preview`]: `2021-01-01-preview`, the stable handlers' answers
//!   in the preview's shapes;
//! * [`admin`]: the `/_emulator/` test controls;
//! * [`shared`]: the state they all share.
//!
//! Dependencies point one way: connections → pipeline, routes → handlers →
//! extract → responses, shared.

mod admin;
mod connections;
mod conversions;
mod extract;
mod pipeline;
mod preview;
mod responses;
mod responses_headers;
mod routes;
mod sessions;
mod shared;
mod sts;
mod timespan;
mod v1;

pub use connections::Limits;
pub(crate) use connections::serve;
pub(crate) use shared::{AdminAccess, Shared};
