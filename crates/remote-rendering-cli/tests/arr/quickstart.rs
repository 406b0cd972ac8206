//! `arr quickstart` and `arr emulator` serving another `arr` process.

use super::*;

#[test]
fn quickstart_walks_through_the_whole_job() {
    let started = std::time::Instant::now();
    let output = arr()
        .args([
            "quickstart",
            "--session-startup",
            "1s",
            "--conversion-duration",
            "1s",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    for step in [
        "[1/7]",
        "[2/7]",
        "[3/7]",
        "Ready after",
        "[4/7]",
        "1h30m",
        "[5/7]",
        "[6/7]",
        "Succeeded",
        "[7/7] Stopped",
    ] {
        assert!(stdout.contains(step), "{step} missing: {stdout}");
    }
    assert!(started.elapsed() < Duration::from_secs(30));

    let output = arr()
        .args([
            "--output",
            "json",
            "quickstart",
            "--session-startup",
            "1s",
            "--conversion-duration",
            "1s",
        ])
        .output()
        .unwrap();
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["conversion"]["status"], "Succeeded");
    assert_eq!(summary["session"]["maxLeaseMinutes"], 90);
}

#[cfg(unix)]
#[test]
fn arr_emulator_serves_another_arr_process() {
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("ca.pem");
    let mut child = std::process::Command::new(ARR)
        .args([
            "emulator",
            "--port",
            "0",
            "--session-startup",
            "100ms",
            "--tls",
            "--ca-cert-path",
        ])
        .arg(&ca_path)
        .env_remove("ARR_EMULATOR_PORT")
        .env_remove("ARR_EMULATOR_ADDRESS")
        .env_remove("ARR_EMULATOR_ACCOUNT_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = read_lines(child.stdout.take().unwrap());
    let line = lines
        .recv_timeout(RUN_TIMEOUT)
        .expect("the JSON start line");
    let info: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(info["ca_cert"], ca_path.display().to_string());
    let field = |name: &str| info[name].as_str().unwrap().to_string();

    let session = arr()
        .env("ARR_ACCOUNT_ID", field("account_id"))
        .env("ARR_ACCOUNT_KEY", field("account_key"))
        .env("ARR_ACCOUNT_DOMAIN", field("account_domain"))
        .args([
            "--output",
            "json",
            "session",
            "start",
            "--wait",
            "--poll-interval",
            "100ms",
        ])
        .args([
            "--endpoint",
            &field("endpoint"),
            "--sts-endpoint",
            &field("sts_endpoint"),
        ])
        .args(["--ca-cert", &field("ca_cert")])
        .output()
        .unwrap();
    assert!(
        session.status.success(),
        "{}",
        String::from_utf8_lossy(&session.stderr)
    );
    let session: Value = serde_json::from_slice(&session.stdout).unwrap();
    assert_eq!(session["status"], "Ready");

    // SIGTERM ends the emulator cleanly, as it does `arr-emulator`.
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(wait_child(&mut child).code(), Some(0));
}
