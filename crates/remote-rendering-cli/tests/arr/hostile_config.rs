//! Malformed `arrconfig.json` files through the real `arr` binary: each one
//! ends with exit code 2 and one clear line on stderr, nothing on stdout,
//! and no request reaches the emulator the other settings point at.

use assert_cmd::Command;
use remote_rendering_emulator::{Emulator, EmulatorHandle};
use std::time::Duration;

const ARR: &str = env!("CARGO_BIN_EXE_arr");
const CANARY_KEY: &str = "canary-config-key-6f3b";

/// `arr` with a clean environment and the emulator's endpoints, so that a
/// request, if one were sent, would be logged.
fn arr(emu: &EmulatorHandle) -> Command {
    let mut cmd = Command::new(ARR);
    for (name, _) in std::env::vars() {
        if name.starts_with("ARR_") || name == "RUST_LOG" {
            cmd.env_remove(name);
        }
    }
    cmd.env("ARR_STS_ENDPOINT", emu.sts_endpoint().as_str())
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(30));
    cmd
}

fn valid(emu: &EmulatorHandle) -> serde_json::Value {
    serde_json::json!({
        "accountSettings": {
            "arrAccountId": emu.account_id().to_string(),
            "arrAccountKey": CANARY_KEY,
            "arrAccountDomain": emu.account_domain(),
        },
        "renderingSessionSettings": {
            "remoteRenderingDomain": emu.endpoint().as_str(),
            "vmSize": "standard",
            "maxLeaseTime": "01:00:00"
        },
        "assetConversionSettings": {
            "storageAccountName": "mystorage",
            "blobInputContainerName": "in",
            "blobOutputContainerName": "out",
            "inputAssetPath": "robot.fbx"
        }
    })
}

/// `(name, file bytes, command, what the error line must mention)`.
fn cases(emu: &EmulatorHandle) -> Vec<(&'static str, Vec<u8>, Vec<&'static str>, &'static str)> {
    let with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut config = valid(emu);
        edit(&mut config);
        serde_json::to_vec_pretty(&config).unwrap()
    };
    let session = vec!["session", "start"];
    let list = vec!["session", "list"];
    let conversion = vec!["conversion", "start"];
    let text = |s: &str| s.as_bytes().to_vec();
    vec![
        ("empty file", Vec::new(), list.clone(), "arrconfig.json"),
        ("whitespace", text(" \n\t "), list.clone(), "arrconfig.json"),
        (
            "not json",
            text("accountSettings = 1"),
            list.clone(),
            "arrconfig.json",
        ),
        (
            "truncated",
            valid(emu).to_string().as_bytes()[..40].to_vec(),
            list.clone(),
            "arrconfig.json",
        ),
        (
            "trailing comma",
            text(r#"{"accountSettings": {"arrAccountKey": "canary-config-key-6f3b",}}"#),
            list.clone(),
            "arrconfig.json",
        ),
        (
            "comment",
            text("// settings\n{}"),
            list.clone(),
            "arrconfig.json",
        ),
        // serde reads a struct from an (empty) array: every setting is missing.
        ("array", text("[]"), list.clone(), "account id"),
        ("null", text("null"), list.clone(), "arrconfig.json"),
        (
            "string",
            text(r#""canary-config-key-6f3b""#),
            list.clone(),
            "arrconfig.json",
        ),
        (
            "invalid utf-8",
            vec![b'{', 0xff, 0xfe, b'}'],
            list.clone(),
            "--config",
        ),
        (
            "utf-16",
            "{}".encode_utf16().flat_map(u16::to_le_bytes).collect(),
            list.clone(),
            "arrconfig.json",
        ),
        (
            "two boms",
            text("\u{feff}\u{feff}{}"),
            list.clone(),
            "account id",
        ),
        (
            "nul bytes",
            text("{\"accountSettings\":{\"arrAccountId\":\"\0\"}}"),
            list.clone(),
            "arrconfig.json",
        ),
        (
            "deeply nested",
            text(&format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))),
            list.clone(),
            "arrconfig.json",
        ),
        (
            "section of the wrong type",
            with(&|c| c["accountSettings"] = serde_json::json!(5)),
            list.clone(),
            "arrconfig.json",
        ),
        (
            "key of the wrong type",
            with(&|c| c["accountSettings"]["arrAccountKey"] = serde_json::json!(42)),
            list.clone(),
            "arrconfig.json",
        ),
        (
            "id of the wrong type",
            with(&|c| c["accountSettings"]["arrAccountId"] = serde_json::json!({"a": 1})),
            list.clone(),
            "arrconfig.json",
        ),
        (
            "account id not a uuid",
            with(&|c| c["accountSettings"]["arrAccountId"] = "../../etc".into()),
            list.clone(),
            "account id",
        ),
        (
            "domain with a path",
            with(&|c| {
                c["accountSettings"]["arrAccountDomain"] = "eastus.mixedreality.azure.com/x".into()
            }),
            list.clone(),
            "account domain",
        ),
        (
            "endpoint over http to a remote host",
            with(&|c| {
                c["renderingSessionSettings"]["remoteRenderingDomain"] = "http://example.com".into()
            }),
            list.clone(),
            "endpoint",
        ),
        (
            "endpoint with user info",
            with(&|c| {
                c["renderingSessionSettings"]["remoteRenderingDomain"] =
                    "http://user:canary-config-key-6f3b@example.com".into()
            }),
            list.clone(),
            "endpoint",
        ),
        (
            "endpoint with a query",
            with(&|c| {
                c["renderingSessionSettings"]["remoteRenderingDomain"] =
                    "https://x.example/?sig=1".into()
            }),
            list.clone(),
            "endpoint",
        ),
        (
            "region with a slash",
            with(&|c| {
                c["renderingSessionSettings"]["remoteRenderingDomain"] = "east/us".into();
            }),
            list.clone(),
            "region",
        ),
        (
            "lease not a duration",
            with(&|c| c["renderingSessionSettings"]["maxLeaseTime"] = "forever".into()),
            session.clone(),
            "maxLeaseTime",
        ),
        (
            "lease of seconds",
            with(&|c| c["renderingSessionSettings"]["maxLeaseTime"] = "00:00:30".into()),
            session.clone(),
            "maxLeaseTime",
        ),
        (
            "lease of zero",
            with(&|c| c["renderingSessionSettings"]["maxLeaseTime"] = "00:00:00".into()),
            session.clone(),
            "maxLeaseTime",
        ),
        (
            "lease too large to count",
            with(&|c| {
                c["renderingSessionSettings"]["maxLeaseTime"] = "99999999999999999.00:00:00".into()
            }),
            session.clone(),
            "maxLeaseTime",
        ),
        (
            "lease above the maximum",
            with(&|c| c["renderingSessionSettings"]["maxLeaseTime"] = "1.00:01:00".into()),
            session.clone(),
            "lease",
        ),
        (
            "lease of the wrong type",
            with(&|c| c["renderingSessionSettings"]["maxLeaseTime"] = serde_json::json!(60)),
            session.clone(),
            "arrconfig.json",
        ),
        (
            "unknown size",
            with(&|c| c["renderingSessionSettings"]["vmSize"] = "galactic".into()),
            session.clone(),
            "vmSize",
        ),
        (
            "storage account with a slash",
            with(&|c| c["assetConversionSettings"]["storageAccountName"] = "a/b?c".into()),
            conversion.clone(),
            "container",
        ),
        (
            "asset path traversal",
            with(&|c| c["assetConversionSettings"]["inputAssetPath"] = "../secret.fbx".into()),
            conversion.clone(),
            "asset",
        ),
        (
            "output name with a directory",
            with(&|c| {
                c["assetConversionSettings"]["outputAssetFileName"] = "dir/x.arrAsset".into()
            }),
            conversion.clone(),
            "output asset name",
        ),
    ]
}

#[test]
fn malformed_arrconfig_files_exit_2_with_one_clear_line_and_send_nothing() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emu = runtime.block_on(Emulator::builder().start()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cases = cases(&emu);
    assert!(cases.len() >= 30);
    for (name, bytes, command, mention) in &cases {
        let path = dir.path().join(format!("{}.json", name.replace(' ', "-")));
        std::fs::write(&path, bytes).unwrap();
        let output = arr(&emu)
            .arg("--config")
            .arg(&path)
            .args(command)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stdout.is_empty(), "{name}: stdout {stdout}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{name}: not one line:\n{stderr}");
        assert!(lines[0].starts_with("error: "), "{name}: {stderr}");
        assert!(
            lines[0].contains(mention),
            "{name}: does not mention {mention}: {stderr}"
        );
        assert!(lines[0].len() < 500, "{name}: too long: {stderr}");
        assert!(
            !stderr.contains(CANARY_KEY),
            "{name}: the key leaked: {stderr}"
        );
        let requests = emu.requests();
        assert!(requests.is_empty(), "{name}: sent {requests:?}");
    }

    // A missing file and a directory are refused the same way.
    for path in [dir.path().join("missing.json"), dir.path().to_path_buf()] {
        let output = arr(&emu)
            .arg("--config")
            .arg(&path)
            .args(["session", "list"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("--config"), "{stderr}");
    }

    // The valid file, for contrast, reaches the emulator.
    let path = dir.path().join("valid.json");
    std::fs::write(&path, valid(&emu).to_string()).unwrap();
    let output = arr(&emu)
        .env("ARR_ACCOUNT_KEY", emu.account_key())
        .arg("--config")
        .arg(&path)
        .args(["session", "list"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!emu.requests().is_empty());
}
