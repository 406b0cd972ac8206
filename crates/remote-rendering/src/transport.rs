//! What requests are sent with: the HTTP client and the cap on requests in
//! flight, shared by a client's calls and its STS exchanges.

use crate::in_flight::RequestLimit;

/// The connection pool and the slots its requests take.
#[derive(Clone, Debug)]
pub(crate) struct Transport {
    /// The HTTP client (one connection pool).
    pub(crate) http: reqwest::Client,
    /// How many requests may be in flight at once.
    pub(crate) limit: RequestLimit,
}
