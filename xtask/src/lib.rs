//! Maintainer tasks for the workspace, usable as a library so that tests can
//! prove the committed generated code is current.
//!
//! The pipeline, per `spec/swagger/*.json` file:
//! Swagger 2.0 --[`convert`]--> OpenAPI 3.0.3 --progenitor--> Rust module,
//! plus a readable listing of the generated public surface ([`surface`]).
//! The [`registry`] of versions (module list, API version constants, auth
//! hooks) is generated from the same files, and [`surface_diff`] compares two
//! versions' surfaces for the reviewer of a bump. [`schema_feature`] puts the
//! generated JSON Schema implementations behind a cargo feature.

pub mod codegen;
pub mod convert;
pub mod generate;
pub mod registry;
pub mod schema_feature;
pub mod surface;
pub mod surface_diff;
