//! Fuzz target `continuation_token`: see `remote_rendering_fuzz_checks::continuation_token` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| remote_rendering_fuzz_checks::continuation_token(data));
