//! Schemathesis contract check of the emulator against
//! `spec/openapi/arr-2021-01-01.json` (`tests/contract/run.sh`).
#![cfg(unix)]

use crate::common::script;

use std::time::Duration;

#[test]
fn responses_conform_to_the_openapi_document() {
    if !script::python3_available() {
        println!("skipping: python3 not found");
        return;
    }
    // Includes creating the virtual environment on a first run.
    script::run_script("contract/run.sh", Duration::from_secs(900));
}
