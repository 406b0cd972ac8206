//! Fuzz target `duration`: see `remote_rendering_fuzz::duration` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| remote_rendering_fuzz::duration(data));
