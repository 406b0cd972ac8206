//! End-to-end tests of the `arr` binary against an in-process emulator.
//!
//! Each test starts its own emulator on a private tokio runtime and runs the
//! real binary with the emulator's endpoint and credentials in its
//! environment, so the tests exercise exactly what a user runs.

use assert_cmd::Command;
use predicates::prelude::*;
use remote_rendering_emulator::{Emulator, EmulatorBuilder, EmulatorHandle, LinkedStorage, Route};
use serde_json::Value;
use std::io::{BufRead as _, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

const ARR: &str = env!("CARGO_BIN_EXE_arr");
/// Every variable `arr` reads; cleared so the developer's shell cannot leak in.
const ARR_VARS: [&str; 13] = [
    "ARR_ACCOUNT_ID",
    "ARR_ACCOUNT_KEY",
    "ARR_ACCOUNT_DOMAIN",
    "ARR_ACCESS_TOKEN",
    "ARR_ENDPOINT",
    "ARR_REGION",
    "ARR_STS_ENDPOINT",
    "ARR_CA_CERT",
    "ARR_INPUT_SAS",
    "ARR_OUTPUT_SAS",
    "ARR_EMULATOR_PORT",
    "ARR_EMULATOR_ADDRESS",
    "ARR_EMULATOR_ACCOUNT_KEY",
];
/// Upper bound for one `arr` run; every run here takes a few seconds at most.
const RUN_TIMEOUT: Duration = Duration::from_secs(40);

/// An `arr` command with a clean, deterministic environment.
fn arr() -> Command {
    let mut cmd = Command::new(ARR);
    for var in ARR_VARS {
        cmd.env_remove(var);
    }
    cmd.env_remove("RUST_LOG")
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .timeout(RUN_TIMEOUT);
    cmd
}

/// A running emulator and the runtime that serves it.
struct Fixture {
    emulator: EmulatorHandle,
    runtime: tokio::runtime::Runtime,
}

impl Fixture {
    fn start() -> Self {
        Self::with(
            Emulator::builder()
                .session_startup(Duration::from_millis(300))
                .conversion_duration(Duration::from_millis(300)),
        )
    }

    fn with(builder: EmulatorBuilder) -> Self {
        // The tests' storage accounts are linked: many conversions here give
        // no SAS, which the service refused for accounts not linked.
        let builder = ["store", "mystorage"].into_iter().fold(builder, |b, name| {
            b.linked_storage(LinkedStorage::new(name).unwrap())
        });
        // The server runs on the runtime's worker while the test thread
        // blocks on `arr` processes.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let emulator = runtime.block_on(builder.start()).unwrap();
        Self { emulator, runtime }
    }

    /// `arr` configured for this emulator through environment variables.
    fn arr(&self) -> Command {
        let mut cmd = arr();
        for (name, value) in self.vars() {
            cmd.env(name, value);
        }
        cmd
    }

    fn vars(&self) -> Vec<(&'static str, String)> {
        let e = &self.emulator;
        vec![
            ("ARR_ACCOUNT_ID", e.account_id().to_string()),
            ("ARR_ACCOUNT_KEY", e.account_key()),
            ("ARR_ACCOUNT_DOMAIN", e.account_domain()),
            ("ARR_ENDPOINT", e.endpoint().to_string()),
            ("ARR_STS_ENDPOINT", e.sts_endpoint().to_string()),
        ]
    }

    /// Runs `arr` with `args` and returns stdout, asserting exit code 0.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.arr().args(args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "arr {args:?}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs `arr --output json ...` and parses stdout as exactly one document.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--output", "json"];
        all.extend_from_slice(args);
        let stdout = self.ok(&all);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("not one JSON document ({e}): {stdout}"))
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.runtime.block_on(self.emulator.shutdown());
    }
}

/// Replaces what changes from run to run: UUIDs, times, ports, durations.
fn redacted() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[uuid]",
    );
    settings.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[time]");
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    settings.add_filter(r"\d+(\.\d+)?s\b", "[secs]");
    // Session hosts and ports are random, as the service's were.
    settings.add_filter(r"lb\d+\.remoterendering\.vm\.", "lb[n].remoterendering.vm.");
    settings.add_filter(r"(HANDSHAKE PORT|INSPECTOR PORT)(\s+)\d+", "$1$2[port]");
    settings
}

/// Whether a `FIELD  value` table has the row `field` = `value`.
fn has_row(table: &str, field: &str, value: &str) -> bool {
    table.lines().any(|line| {
        line.strip_prefix(field)
            .is_some_and(|rest| rest.starts_with(' ') && rest.trim() == value)
    })
}

// ---- Help ------------------------------------------------------------------

#[test]
fn help_of_every_command_is_stable() {
    let commands: &[&[&str]] = &[
        &[],
        &["session"],
        &["session", "start"],
        &["session", "get"],
        &["session", "list"],
        &["session", "extend"],
        &["session", "stop"],
        &["session", "wait"],
        &["session", "keep-alive"],
        &["conversion"],
        &["conversion", "start"],
        &["conversion", "get"],
        &["conversion", "list"],
        &["conversion", "wait"],
        &["token"],
        &["emulator"],
        &["quickstart"],
    ];
    for command in commands {
        let output = arr().args(*command).arg("--help").output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{command:?}");
        let name = if command.is_empty() {
            "help".to_string()
        } else {
            format!("help_{}", command.join("_"))
        };
        insta::assert_snapshot!(name, String::from_utf8(output.stdout).unwrap());
    }
}

#[test]
fn help_documents_exit_codes_and_settings() {
    arr()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("130  interrupted"))
        .stdout(predicate::str::contains(
            "5    the waited-for operation ended in a failure state",
        ));
    arr()
        .args(["session", "start", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("[env: ARR_ACCOUNT_KEY]"))
        .stdout(predicate::str::contains(
            "renderingSessionSettings.maxLeaseTime",
        ));
}

// ---- Sessions --------------------------------------------------------------

#[test]
fn session_lifecycle_in_tables() {
    let fx = Fixture::start();
    let settings = redacted();
    let _guard = settings.bind_to_scope();

    let started = fx
        .arr()
        .args(["session", "start", "--id", "demo", "--lease", "1h30m"])
        .output()
        .unwrap();
    assert!(started.status.success());
    insta::assert_snapshot!(
        "session_start_table",
        String::from_utf8(started.stdout).unwrap()
    );
    let hint = String::from_utf8(started.stderr).unwrap();
    assert!(hint.contains("arr session wait demo"), "{hint}");

    let waited = fx.ok(&["session", "wait", "demo", "--poll-interval", "100ms"]);
    insta::assert_snapshot!("session_wait_table", waited);
    insta::assert_snapshot!("session_get_table", fx.ok(&["session", "get", "demo"]));
    insta::assert_snapshot!(
        "session_extend_by_table",
        fx.ok(&["session", "extend", "demo", "--by", "30m"])
    );
    let extended = fx.ok(&["session", "extend", "demo", "--to", "03:00:00"]);
    assert!(has_row(&extended, "LEASE", "3h"), "{extended}");
    insta::assert_snapshot!("session_list_table", fx.ok(&["session", "list"]));
    insta::assert_snapshot!("session_stop_table", fx.ok(&["session", "stop", "demo"]));
    assert_eq!(fx.emulator.request_count(Route::StopSession), 1);
}

#[test]
fn session_commands_print_one_json_document() {
    let fx = Fixture::start();
    let started = fx.json(&[
        "session",
        "start",
        "--size",
        "premium",
        "--lease",
        "2h",
        "--wait",
        "--poll-interval",
        "100ms",
    ]);
    let id = started["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("session-"), "a fresh id is generated: {id}");
    insta::assert_json_snapshot!("session_start_wait_json", started, {
        ".id" => "[id]", ".createdOn" => "[time]", ".hostname" => "[hostname]",
        // Random high ports, as the service gave.
        ".handshakePort" => "[port]", ".arrInspectorPort" => "[port]"
    });
    assert_eq!(fx.json(&["session", "get", &id])["status"], "Ready");
    let list = fx.json(&["session", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(
        fx.json(&["session", "extend", &id, "--by", "1h"])["maxLeaseMinutes"],
        180
    );
    assert_eq!(
        fx.json(&["session", "stop", &id]),
        serde_json::json!({"id": id, "stopped": true})
    );
    // A stopped session is no longer listed.
    assert_eq!(fx.json(&["session", "list"]), serde_json::json!([]));
}

#[test]
fn a_generated_session_id_is_printed() {
    let fx = Fixture::start();
    let stdout = fx.ok(&["session", "start"]);
    let id = stdout
        .lines()
        .find_map(|l| l.strip_prefix("ID"))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no ID row: {stdout}"));
    assert!(id.starts_with("session-"), "{id}");
    // The default lease is 4 hours.
    assert!(has_row(&stdout, "LEASE", "4h"), "{stdout}");
    fx.ok(&["session", "get", id]);
}

#[test]
fn a_session_ending_in_error_exits_5_and_shows_its_state() {
    let fx = Fixture::with(Emulator::builder().session_startup(Duration::from_secs(30)));
    fx.ok(&["session", "start", "--id", "doomed"]);
    fx.emulator
        .inject_session_error("doomed", "OutOfCapacity", "no VM available");
    fx.arr()
        .args([
            "--output",
            "json",
            "session",
            "wait",
            "doomed",
            "--poll-interval",
            "100ms",
        ])
        .assert()
        .code(5)
        .stdout(predicate::str::contains("\"status\": \"Error\""))
        .stderr(predicate::str::contains(
            "session doomed ended Error: OutOfCapacity no VM available",
        ));
}

#[test]
fn keep_alive_extends_until_the_session_ends() {
    let fx = Fixture::start();
    fx.ok(&[
        "session",
        "start",
        "--id",
        "kept",
        "--lease",
        "1h",
        "--wait",
        "--poll-interval",
        "100ms",
    ]);
    // A margin above the whole lease makes the keeper extend at its first check.
    let mut child = std::process::Command::new(ARR)
        .args([
            "session",
            "keep-alive",
            "kept",
            "--margin",
            "2h",
            "--step",
            "30m",
            "--check-interval",
            "1s",
        ])
        .envs(fx.vars())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = read_lines(child.stdout.take().unwrap());
    let first = lines.recv_timeout(RUN_TIMEOUT).expect("an extension");
    assert!(
        first.contains("Extended the lease of session kept from 1h to 1h30m"),
        "{first}"
    );
    fx.ok(&["session", "stop", "kept"]);
    let status = wait_child(&mut child);
    assert_eq!(status.code(), Some(5), "the keeper ends with the session");
    assert!(fx.emulator.request_count(Route::UpdateSession) >= 1);
}

// ---- Conversions -----------------------------------------------------------

const INPUT: &str = "https://store.blob.core.windows.net/input";
const OUTPUT: &str = "https://store.blob.core.windows.net/output";

#[test]
fn conversion_lifecycle_in_tables_and_json() {
    let fx = Fixture::start();
    let settings = redacted();
    let _guard = settings.bind_to_scope();
    let started = fx.ok(&[
        "conversion",
        "start",
        "--id",
        "conv1",
        "--input-container",
        INPUT,
        "--asset",
        "models/box.fbx",
        "--output-container",
        OUTPUT,
        "--output-name",
        "box.arrAsset",
    ]);
    insta::assert_snapshot!("conversion_start_table", started);
    insta::assert_snapshot!(
        "conversion_wait_table",
        fx.ok(&["conversion", "wait", "conv1", "--poll-interval", "100ms"])
    );
    insta::assert_snapshot!("conversion_list_table", fx.ok(&["conversion", "list"]));
    let got = fx.json(&["conversion", "get", "conv1"]);
    insta::assert_json_snapshot!("conversion_get_json", got, {".createdOn" => "[time]"});
    assert_eq!(
        fx.json(&["conversion", "list"]).as_array().unwrap().len(),
        1
    );
}

#[test]
fn conversion_start_wait_succeeds_and_failures_exit_5() {
    let fx = Fixture::start();
    let done = fx.json(&[
        "conversion",
        "start",
        "--input-container",
        INPUT,
        "--asset",
        "box.glb",
        "--output-container",
        OUTPUT,
        "--wait",
        "--poll-interval",
        "100ms",
    ]);
    assert_eq!(done["status"], "Succeeded");
    assert!(done["id"].as_str().unwrap().starts_with("conversion-"));

    fx.arr()
        .args([
            "conversion",
            "start",
            "--id",
            "bad",
            "--input-container",
            INPUT,
            "--asset",
            "notes.txt",
            "--output-container",
            OUTPUT,
            "--wait",
            "--poll-interval",
            "100ms",
        ])
        .assert()
        .code(5)
        .stdout(predicate::str::contains("Failed"))
        .stderr(predicate::str::contains("conversion bad ended Failed"));
}

// ---- Token, errors, secrets ------------------------------------------------

#[test]
fn token_prints_the_token_only_when_asked() {
    let fx = Fixture::start();
    let token = fx.ok(&["token"]);
    assert_eq!(token.trim().split('.').count(), 3, "a JWT: {token}");
    let json = fx.json(&["token"]);
    assert_eq!(
        json["accessToken"].as_str().unwrap().split('.').count(),
        3,
        "{json}"
    );
    assert!(json["expiresOn"].is_string());
}

#[test]
fn secrets_are_never_printed_even_verbosely() {
    let fx = Fixture::start();
    let key = fx.emulator.account_key();
    let output = fx
        .arr()
        .args([
            "-vvv",
            "conversion",
            "start",
            "--input-container",
            INPUT,
            "--input-sas",
            "sv=SECRET-IN",
            "--asset",
            "box.fbx",
            "--output-container",
            OUTPUT,
            "--output-sas",
            "sv=SECRET-OUT",
            "--wait",
            "--poll-interval",
            "100ms",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let both = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(both.contains("DEBUG"), "-vvv logs: {both}");
    for secret in [key.as_str(), "SECRET-IN", "SECRET-OUT"] {
        assert!(!both.contains(secret), "{secret} leaked: {both}");
    }
    let token = fx.ok(&["token"]);
    let output = fx
        .arr()
        .args([
            "-vvv",
            "session",
            "start",
            "--wait",
            "--poll-interval",
            "100ms",
        ])
        .output()
        .unwrap();
    let both = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !both.contains(&key) && !both.contains(token.trim()),
        "{both}"
    );
}

#[test]
fn a_refused_key_exits_3() {
    let fx = Fixture::start();
    fx.arr()
        .env("ARR_ACCOUNT_KEY", "wrong-key-123")
        .args(["session", "list"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("authentication failed"))
        .stderr(predicate::str::contains("wrong-key-123").not());
}

#[test]
fn service_errors_exit_4() {
    let fx = Fixture::start();
    fx.arr()
        .args(["session", "get", "no-such-session"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("HTTP 404"));
    // Nothing listens on port 9 of the loopback: a transport error.
    fx.arr()
        .env("ARR_ENDPOINT", "http://127.0.0.1:9")
        .args(["conversion", "list"])
        .assert()
        .code(4);
}

#[test]
fn usage_and_validation_errors_exit_2() {
    let fx = Fixture::start();
    arr()
        .args(["session", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "missing account id: pass --account-id or set ARR_ACCOUNT_ID or `accountSettings.arrAccountId` in the --config file",
        ));
    fx.arr()
        .args(["session", "start", "--lease", "45s"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("whole number of minutes"));
    fx.arr()
        .args(["session", "start", "--lease", "25h"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("1440"));
    fx.arr().args(["session", "extend", "x"]).assert().code(2);
    fx.arr()
        .args(["session", "get", "not/valid"])
        .assert()
        .code(2);
    fx.arr()
        .args([
            "conversion",
            "start",
            "--input-container",
            INPUT,
            "--asset",
            "a.fbx",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--output-container"));
    assert_eq!(
        fx.emulator.request_count(Route::CreateSession),
        0,
        "nothing invalid was sent"
    );
}

// ---- Ctrl-C ----------------------------------------------------------------

/// Lines of a child's pipe, read on a thread.
fn read_lines(pipe: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

fn wait_child(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + RUN_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("arr did not end in time");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
fn interrupt_wait(fx: &Fixture, extra: &[&str]) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(ARR)
        .args(["session", "wait", "slow", "--poll-interval", "100ms"])
        .args(extra)
        .envs(fx.vars())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = read_lines(child.stderr.take().unwrap());
    // The first progress line shows the wait is under way.
    let first = lines.recv_timeout(RUN_TIMEOUT).expect("a progress line");
    assert!(first.contains("session slow: Starting"), "{first}");
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_child(&mut child);
    let rest: Vec<String> = lines.iter().collect();
    (status.code(), rest.join("\n"))
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_waiting_but_not_the_session() {
    let fx = Fixture::with(Emulator::builder().session_startup(Duration::from_secs(120)));
    fx.ok(&["session", "start", "--id", "slow"]);

    let (code, stderr) = interrupt_wait(&fx, &[]);
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("Resume with `arr session wait slow`"),
        "{stderr}"
    );
    assert_eq!(fx.emulator.request_count(Route::StopSession), 0);
    assert!(fx.ok(&["session", "get", "slow"]).contains("Starting"));

    let (code, stderr) = interrupt_wait(&fx, &["--stop-on-cancel"]);
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("stopped session slow"), "{stderr}");
    assert_eq!(fx.emulator.request_count(Route::StopSession), 1);
}

// ---- arrconfig.json, precedence, TLS ----------------------------------------

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

// ---- Quickstart and emulator -------------------------------------------------

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
