//! Fuzz target `models`: see `remote_rendering_fuzz_checks::models` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| remote_rendering_fuzz_checks::models(data));
