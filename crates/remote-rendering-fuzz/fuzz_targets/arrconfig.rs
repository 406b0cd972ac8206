//! Fuzz target `arrconfig`: see `remote_rendering_fuzz_checks::arrconfig` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| remote_rendering_fuzz_checks::arrconfig(data));
