//! The library behind `arr`: its command-line definition, the parsers for
//! durations and `arrconfig.json`, and the commands themselves.
//!
//! The binary (`src/main.rs`) is a thin wrapper around these modules; they
//! are a library so that fuzzers and tests can drive the parsers directly.
//! This is not a stable API.

pub mod cancel;
pub mod cli;
pub mod commands;
pub mod config_show;
pub mod config_validate;
pub mod connection;
pub mod deadline;
pub mod documents;
pub mod download;
pub mod duration;
pub mod error;
pub mod error_document;
pub mod escape;
pub mod manual;
pub mod output;
pub mod placeholders;
pub mod quickstart;
pub mod retry_lines;
pub mod settings;
pub mod sources;
pub mod status_filter;
pub mod stop_all;
pub mod storage_args;
pub mod terminal;
pub mod upload;
pub mod upload_progress;
pub mod wait;
pub mod waiting;
