//! Benchmarks of the Azure Remote Rendering client against the local
//! emulator: the scenario harness behind `arr-bench` (issue 6) and the pieces
//! its tests reuse.
//!
//! The scenarios measure cost *ratios* within one run (ergonomic client vs the
//! generated client vs bare `reqwest`, ours vs the official Python SDK),
//! because the machines this runs on are shared and noisy. Whenever CPU time
//! or memory is measured, the emulator runs as a separate process (this very
//! binary, re-executed with the `emulator` subcommand), so that the figures
//! are the client's alone.
//!
//! Modules:
//! - [`target`]: connection details of an emulator and clients built from them;
//! - [`process`]: the emulator and the fleet scenario as child processes;
//! - [`measure`]: CPU time, peak RSS and latency summaries;
//! - [`loadgen`]: a lean HTTP/1.1 load generator for emulator capacity;
//! - [`persistence`]: emulator throughput with `--data-dir` (issue 14);
//! - [`scenarios`]: items 1 to 4 and 6 of the issue;
//! - [`sequential`]: CPU per sequential call, on the main thread, a spawned task or a
//!   current-thread runtime (item 7 and `arr-bench profile`);
//! - [`fleet`]: item 5, a fleet of sessions kept alive, and [`fleet_item`], its rows;
//! - [`python`]: item 7, the official Python SDK as a peer, and [`python_item`], its rows;
//! - [`oneshot`]: item 8, `arr session list` as a fresh process against curl;
//! - [`report`]: the Markdown table;
//! - [`upload`]: `arr-bench upload`, Blob upload to Azurite against the Python SDK (issue 11).

#![warn(missing_docs)]

pub mod fleet;
pub mod fleet_item;
pub mod loadgen;
pub mod measure;
pub mod oneshot;
pub mod persistence;
pub mod process;
pub mod python;
pub mod python_item;
pub mod report;
pub mod scenarios;
pub mod sequential;
pub mod target;
pub mod upload;

pub use report::{Report, Row, Verdict};
pub use target::Target;
