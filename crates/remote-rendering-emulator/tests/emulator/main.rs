//! The emulator's integration tests, in one binary so the emulator and the
//! TLS stack are linked once.

mod common;
mod operations;
mod properties;
mod protocol;
mod python_interop;
mod replay;
mod schemathesis;
mod service;
