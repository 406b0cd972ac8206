//! The client's integration tests, one binary: each module talks HTTP to
//! an in-process emulator on loopback.
//!
//! The secret canaries (`secrets.rs`, `secrets_paths.rs`) are separate
//! binaries because they install the global tracing subscriber.

mod auth;
mod common;
mod conversions;
mod fault_matrix;
mod from_env;
mod hostile_input;
mod lease_keeper;
mod retries;
mod sessions;
mod validation;
