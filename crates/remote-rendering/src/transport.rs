//! What requests are sent with: the HTTP client, the cap on requests in
//! flight and the limits answers are read under, shared by a client's calls
//! and its STS exchanges.

use crate::in_flight::RequestLimit;
use remote_rendering_rest::{BodyLimits, RequestAuth, RequestContext};

/// The connection pool and the slots its requests take.
#[derive(Clone, Debug)]
pub(crate) struct Transport {
    /// The HTTP client (one connection pool).
    pub(crate) http: reqwest::Client,
    /// How many requests may be in flight at once.
    pub(crate) limit: RequestLimit,
    /// How much of each answer is read.
    pub(crate) body_limits: BodyLimits,
}

impl Transport {
    /// What a generated client's requests carry for one attempt.
    pub(crate) fn context(&self, auth: RequestAuth) -> RequestContext {
        RequestContext::new(auth).with_body_limits(self.body_limits)
    }
}
