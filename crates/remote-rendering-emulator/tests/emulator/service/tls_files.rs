//! `--tls` writes its CA certificate exclusively, in a private directory,
//! and removes it on exit.

use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, BufReader};

#[tokio::test]
async fn the_ca_file_is_private_exclusive_and_removed_on_exit() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_arr-emulator"))
        .args(["--port", "0", "--tls"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        info["listening"].as_str().unwrap().split(':').next(),
        Some("127.0.0.1")
    );
    let pem = PathBuf::from(info["ca_cert"].as_str().unwrap());
    let dir = pem.parent().unwrap().to_owned();
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700,
        "{}",
        dir.display()
    );
    assert!(
        !dir.file_name()
            .unwrap()
            .to_string_lossy()
            .contains(&child.id().unwrap().to_string())
    );
    assert!(
        std::fs::read_to_string(&pem)
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );

    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let exit = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(!pem.exists(), "the CA file was left behind");
    assert!(!dir.exists(), "the private directory was left behind");

    // A path that already exists (a file or link someone placed) is refused.
    let taken = tempfile::NamedTempFile::new().unwrap();
    let refused = tokio::process::Command::new(env!("CARGO_BIN_EXE_arr-emulator"))
        .args(["--port", "0", "--tls", "--ca-cert-path"])
        .arg(taken.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .unwrap();
    assert!(!refused.success());
    assert_eq!(std::fs::read(taken.path()).unwrap(), b"");
}
