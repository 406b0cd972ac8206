//! The wire protocol over HTTP: STS, authorization, sessions, conversions.

mod conversions;
mod sessions;
mod sts_and_auth;
mod versions;
