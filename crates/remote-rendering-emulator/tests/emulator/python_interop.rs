//! The official Azure Remote Rendering Python SDK against the emulator
//! (`tests/interop/run.sh`): session and conversion lifecycles over TLS.
#![cfg(unix)]

use crate::common::script;

use std::time::Duration;

#[test]
fn python_sdk_runs_session_and_conversion_lifecycles() {
    if !script::python3_available() {
        println!("skipping: python3 not found");
        return;
    }
    // Includes creating the virtual environment on a first run.
    script::run_script("interop/run.sh", Duration::from_secs(600));
}
