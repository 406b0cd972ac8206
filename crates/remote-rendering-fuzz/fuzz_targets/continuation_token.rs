//! Fuzz target `continuation_token`: see `remote_rendering_fuzz::continuation_token` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| remote_rendering_fuzz::continuation_token(data));
