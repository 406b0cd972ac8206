//! `arrconfig.json` as the sample scripts write it, precedence of flags, environment and file, and TLS.

use super::*;

fn write_config(fx: &Fixture, key: &str) -> tempfile::NamedTempFile {
    let e = &fx.emulator;
    let config = serde_json::json!({
        "accountSettings": {
            "arrAccountId": e.account_id().to_string(),
            "arrAccountKey": key,
            "arrAccountDomain": e.account_domain(),
            "aKeyFromTheFuture": true
        },
        "renderingSessionSettings": {
            "remoteRenderingDomain": e.endpoint().as_str(),
            "vmSize": "premium",
            "maxLeaseTime": "02:30:00"
        },
        "assetConversionSettings": {
            "localAssetDirectoryPath": "C:\\models",
            "resourceGroup": "rg",
            "storageAccountName": "mystorage",
            "blobInputContainerName": "arrinput",
            "blobOutputContainerName": "arroutput",
            "inputFolderPath": "",
            "inputAssetPath": "robot.fbx",
            "outputFolderPath": "converted",
            "outputAssetFileName": "robot.arrAsset"
        }
    });
    let mut file = tempfile::NamedTempFile::new().unwrap();
    // PowerShell's Out-File writes a byte-order mark; the file must still load.
    std::io::Write::write_all(&mut file, format!("\u{feff}{config:#}").as_bytes()).unwrap();
    file
}

#[test]
fn the_sample_scripts_arrconfig_json_works() {
    let fx = Fixture::start();
    let config = write_config(&fx, &fx.emulator.account_key());
    let path = config.path().to_str().unwrap();
    // Only the STS endpoint comes from outside: the file format has no key for it.
    let run = |args: &[&str]| {
        let output = arr()
            .env("ARR_STS_ENDPOINT", fx.emulator.sts_endpoint().as_str())
            .args(["--config", path, "--output", "json"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice::<Value>(&output.stdout).unwrap()
    };
    let session = run(&["session", "start"]);
    assert_eq!(session["size"], "Premium");
    assert_eq!(session["maxLeaseMinutes"], 150);
    // Flags beat the file.
    let session = run(&["session", "start", "--size", "standard", "--lease", "1h"]);
    assert_eq!(session["size"], "Standard");
    assert_eq!(session["maxLeaseMinutes"], 60);

    let conversion = run(&["conversion", "start", "--wait", "--poll-interval", "100ms"]);
    assert_eq!(
        conversion["inputContainer"],
        "https://mystorage.blob.core.windows.net/arrinput"
    );
    assert_eq!(conversion["inputAsset"], "robot.fbx");
    assert_eq!(conversion["status"], "Succeeded");
    assert_eq!(
        conversion["outputAssetUri"],
        "https://mystorage.blob.core.windows.net/arroutput/converted/robot.arrAsset"
    );
}

#[test]
fn flags_override_environment_which_overrides_the_config_file() {
    let fx = Fixture::start();
    let good = fx.emulator.account_key();
    let config = write_config(&fx, "key-from-file");
    let path = config.path().to_str().unwrap();
    // The file's key is wrong; the environment's is right.
    fx.arr()
        .args(["--config", path, "session", "list"])
        .assert()
        .success();
    // The flag's key is wrong and beats the environment.
    fx.arr()
        .args([
            "--config",
            path,
            "session",
            "list",
            "--account-key",
            "key-from-flag",
        ])
        .assert()
        .code(3);
    // With only the file, its wrong key is used.
    arr()
        .env("ARR_STS_ENDPOINT", fx.emulator.sts_endpoint().as_str())
        .args(["--config", path, "session", "list"])
        .assert()
        .code(3);
    // A right flag beats a wrong variable.
    fx.arr()
        .env("ARR_ACCOUNT_KEY", "key-from-env")
        .args(["session", "list", "--account-key", &good])
        .assert()
        .success();
}

#[test]
fn tls_needs_the_ca_certificate() {
    let fx = Fixture::with(
        Emulator::builder()
            .session_startup(Duration::from_millis(200))
            .tls(),
    );
    let mut ca = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut ca, fx.emulator.ca_cert_pem().unwrap().as_bytes()).unwrap();
    let ca_path = ca.path().to_str().unwrap();
    assert!(fx.emulator.endpoint().as_str().starts_with("https://"));
    fx.arr().args(["session", "list"]).assert().code(4);
    fx.arr()
        .args([
            "--output",
            "json",
            "session",
            "start",
            "--wait",
            "--ca-cert",
            ca_path,
            "--poll-interval",
            "100ms",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"status\": \"Ready\""));
    fx.arr()
        .env("ARR_CA_CERT", ca_path)
        .args(["session", "list"])
        .assert()
        .success();
}
