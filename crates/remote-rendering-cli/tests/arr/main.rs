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

mod cancel;
mod config_commands;
mod config_file;
mod deadlines;
mod errors;
mod hostile_config;
mod hostile_output;
mod huge_body;
mod interrupt;
mod list_and_stop;
mod output_modes;
mod progress_lines;
mod quickstart;
mod schemas;
mod secrets_cli;
mod storage;
#[cfg(unix)]
mod terminal_lines;
mod versions;

const ARR: &str = env!("CARGO_BIN_EXE_arr");
/// Every variable `arr` reads; cleared so the developer's shell cannot leak in.
const ARR_VARS: [&str; 17] = [
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
    "ARR_STORAGE_ACCOUNT",
    "ARR_STORAGE_KEY",
    "ARR_STORAGE_ENDPOINT",
    "ARR_API_VERSION",
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
        &["conversion", "download"],
        &["token"],
        &["emulator"],
        &["quickstart"],
        &["config"],
        &["config", "schema"],
        &["config", "show"],
        &["config", "validate"],
        &["schema"],
        &["completions"],
        &["man"],
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

/// Waits for `child`, killing it after the run timeout.
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
