//! The client's integration tests, one binary: each module talks HTTP to
//! an in-process emulator on loopback.
//!
//! Separate binaries: the secret canaries (`secrets.rs`, `secrets_paths.rs`)
//! install the global tracing subscriber; the fault matrix runs 24 cells at
//! once and would starve the timing-sensitive tests here.

mod auth;
mod common;
mod conversions;
mod from_env;
mod hostile_input;
mod hostile_server;
mod huge_body;
mod in_flight;
mod lease_keeper;
mod local_conversion;
mod lying_server;
mod recorded_responses;
mod retries;
mod sessions;
mod unreachable;
mod validation;
mod versions;
