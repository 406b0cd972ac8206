//! The wire protocol over HTTP: STS, authorization, sessions, conversions.

mod conversions;
mod fidelity;
mod sessions;
mod sts_and_auth;
mod versions;
