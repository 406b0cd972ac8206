//! Maintainer tasks for the workspace, usable as a library so that tests can
//! prove the committed generated code is current.
//!
//! The pipeline, per `spec/swagger/*.json` file:
//! Swagger 2.0 --[`convert`]--> OpenAPI 3.0.3 --progenitor--> Rust module,
//! plus a readable listing of the generated public surface ([`surface`]).

pub mod codegen;
pub mod convert;
pub mod generate;
pub mod surface;
