//! Runs the repository's Python-based check scripts from Rust tests.

use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Whether `python3` can be started here; without it a test skips, except
/// under CI (`CI` set), where this panics instead.
pub fn python3_available() -> bool {
    let found = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found || std::env::var_os("CI").is_none(),
        "python3 not found, and CI is set: this check must run in CI"
    );
    found
}

/// Runs `tests/<relative>` with bash against this build of `arr-emulator`,
/// killing it after `limit`. Panics unless it exits successfully.
pub fn run_script(relative: &str, limit: Duration) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests")
        .join(relative);
    let mut child = Command::new("bash")
        .arg(&script)
        .env("ARR_EMULATOR_BIN", env!("CARGO_BIN_EXE_arr-emulator"))
        // Own process group, so a timeout can end the script's children too.
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", script.display()));
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{} failed: {status}", script.display());
            return;
        }
        if started.elapsed() > limit {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
            let _ = child.wait();
            panic!("{} did not finish within {limit:?}", script.display());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
