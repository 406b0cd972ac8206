//! Replays every committed fuzz input (the seed corpora in
//! `crates/remote-rendering-fuzz/corpus/<target>/` and the crash
//! reproducers in `crates/remote-rendering-fuzz/regressions/<target>/`)
//! through the very checks the fuzz targets run, so that CI keeps every
//! finding fixed without running a fuzzer.

use remote_rendering_fuzz_checks as checks;
use std::path::PathBuf;

/// The fuzz crate, where the corpora and reproducers are committed.
fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../remote-rendering-fuzz")
}

#[test]
fn every_target_has_a_seed_corpus() {
    for target in checks::TARGETS {
        let inputs = checks::committed_inputs(&fuzz_dir(), target);
        assert!(
            inputs.len() >= 10,
            "{target}: only {} committed inputs",
            inputs.len()
        );
        // Every target is built by the fuzz crate.
        let source = fuzz_dir().join(format!("fuzz_targets/{target}.rs"));
        assert!(source.is_file(), "{} is missing", source.display());
    }
}

#[test]
fn committed_fuzz_inputs_pass_their_checks() {
    let mut replayed = 0;
    for target in checks::TARGETS {
        for path in checks::committed_inputs(&fuzz_dir(), target) {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| checks::check(target, &data));
            assert!(outcome.is_ok(), "{target}: {} fails", path.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0);
    eprintln!("replayed {replayed} fuzz inputs");
}

#[test]
fn the_checks_catch_what_they_guard() {
    // A decoded-but-wrong expiry and an unknown target both fail.
    let outcome = std::panic::catch_unwind(|| checks::check("no_such_target", b""));
    assert!(outcome.is_err());
    // A valid id always round-trips through a continuation token, and the
    // JWT check builds tokens from any 8 bytes without panicking.
    checks::continuation_token(b"my-session");
    checks::jwt_exp(&i64::MAX.to_le_bytes());
    checks::jwt_exp(&i64::MIN.to_le_bytes());
    // Expiries after 2038 (beyond 32 bits) are read exactly.
    checks::jwt_exp(&4_102_444_800_i64.to_le_bytes());
    checks::duration(b"1h30m");
    checks::arrconfig(br#"{"accountSettings":{"arrAccountId":"x"}}"#);
    checks::models(br#"{"error":{"code":"c","message":"m"}}"#);
}
