//! Fuzz target `jwt_exp`: see `remote_rendering_fuzz_checks::jwt_exp` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| remote_rendering_fuzz_checks::jwt_exp(data));
