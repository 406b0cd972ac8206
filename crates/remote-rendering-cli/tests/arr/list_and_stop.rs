//! `session list --status`, `conversion list --status` and `session stop
//! --all` against an emulator holding sessions in mixed states.

use super::*;
use remote_rendering_emulator::Fault;

const STARTUP: Duration = Duration::from_secs(60);

/// An emulator on a manual clock with sessions `ready-1` and `ready-2`
/// (Ready), `starting` (Starting) and `failed` (Error).
fn mixed_sessions() -> Fixture {
    let fx = Fixture::with(
        Emulator::builder()
            .manual_clock()
            .session_startup(STARTUP)
            .conversion_duration(STARTUP),
    );
    fx.ok(&["session", "start", "--id", "ready-1"]);
    fx.ok(&["session", "start", "--id", "ready-2"]);
    fx.emulator
        .clock()
        .advance(STARTUP + Duration::from_secs(1));
    fx.ok(&["session", "start", "--id", "starting"]);
    fx.ok(&["session", "start", "--id", "failed"]);
    fx.emulator
        .inject_session_error("failed", "OutOfCapacity", "no VM available");
    fx
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn session_list_filters_by_status_in_any_case() {
    let fx = mixed_sessions();
    assert_eq!(
        ids(&fx.json(&["session", "list"])),
        ["failed", "ready-1", "ready-2", "starting"]
    );
    assert_eq!(
        ids(&fx.json(&["session", "list", "--status", "ready"])),
        ["ready-1", "ready-2"]
    );
    assert_eq!(
        ids(&fx.json(&["session", "list", "--status", "Starting,ERROR"])),
        ["failed", "starting"]
    );
    assert_eq!(
        ids(&fx.json(&[
            "session", "list", "--status", "ready", "--status", "starting"
        ])),
        ["ready-1", "ready-2", "starting"]
    );
    assert_eq!(
        ids(&fx.json(&["session", "list", "--status", "expired"])),
        Vec::<String>::new()
    );
    let table = fx.ok(&["session", "list", "--status", "starting"]);
    assert!(
        table.contains("starting") && !table.contains("ready-1"),
        "{table}"
    );

    let output = fx
        .arr()
        .args(["session", "list", "--status", "ready,hibernating"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("hibernating"), "{stderr}");
    for valid in ["starting", "ready", "stopped", "expired", "error"] {
        assert!(stderr.contains(valid), "{valid}: {stderr}");
    }
}

#[test]
fn conversion_list_filters_by_status() {
    let fx = Fixture::with(
        Emulator::builder()
            .manual_clock()
            .conversion_duration(STARTUP),
    );
    let start = |id: &str| {
        fx.ok(&[
            "conversion",
            "start",
            "--id",
            id,
            "--input-container",
            INPUT,
            "--asset",
            "box.fbx",
            "--output-container",
            OUTPUT,
        ]);
    };
    start("done");
    start("broken");
    fx.emulator
        .inject_conversion_failure("broken", "InputContainerError", "no such blob");
    fx.emulator
        .clock()
        .advance(STARTUP + Duration::from_secs(1));
    start("busy");
    assert_eq!(
        ids(&fx.json(&["conversion", "list", "--status", "failed"])),
        ["broken"]
    );
    assert_eq!(
        ids(&fx.json(&["conversion", "list", "--status", "Succeeded,FAILED"])),
        ["broken", "done"]
    );
    assert_eq!(
        ids(&fx.json(&[
            "conversion",
            "list",
            "--status",
            "running",
            "--status",
            "notstarted"
        ])),
        ["busy"]
    );
    let output = fx
        .arr()
        .args(["conversion", "list", "--status", "done"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("succeeded") && stderr.contains("cancelled"),
        "{stderr}"
    );
}

/// `arr session stop --all ...` with stdin not a terminal.
fn stop_all(fx: &Fixture, extra: &[&str]) -> std::process::Output {
    std::process::Command::new(ARR)
        .args(["--output", "json", "session", "stop", "--all"])
        .args(extra)
        .envs(fx.vars())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn stop_all_refuses_without_yes_when_stdin_is_not_a_terminal() {
    let fx = mixed_sessions();
    fx.emulator.clear_requests();
    let output = stop_all(&fx, &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("pass --yes"), "{stderr}");
    assert!(fx.emulator.requests().is_empty(), "nothing may be sent");
    assert_eq!(
        ids(&fx.json(&["session", "list", "--status", "ready"])).len(),
        2
    );
}

#[test]
fn stop_all_with_yes_stops_every_active_session() {
    let fx = mixed_sessions();
    let output = stop_all(&fx, &["--yes"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    // It listed what it stops.
    for id in ["ready-1", "ready-2", "starting"] {
        assert!(stderr.contains(id), "{stderr}");
    }
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let sessions = doc["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3, "{doc:#}");
    assert!(sessions.iter().all(|s| s["stopped"] == true), "{doc:#}");
    // The session in Error is left alone.
    assert!(sessions.iter().all(|s| s["id"] != "failed"), "{doc:#}");
    assert_eq!(fx.emulator.request_count(Route::StopSession), 3);
    for id in ["ready-1", "ready-2", "starting"] {
        assert_eq!(fx.json(&["session", "get", id])["status"], "Stopped");
    }
    assert_eq!(ids(&fx.json(&["session", "list"])), ["failed"]);

    // Nothing left to stop is not an error.
    let output = stop_all(&fx, &["--yes"]);
    assert_eq!(output.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["sessions"], serde_json::json!([]));
}

#[test]
fn stop_all_reports_each_failure_and_exits_non_zero() {
    let fx = mixed_sessions();
    fx.emulator.faults().inject(
        Route::StopSession,
        Fault::Status {
            status: 500,
            retry_after: None,
            times: 1,
        },
    );
    let output = stop_all(&fx, &["--yes", "--no-retry"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("could not stop 1 of 3 session(s)"),
        "{stderr}"
    );
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let sessions = doc["sessions"].as_array().unwrap();
    let failed: Vec<_> = sessions.iter().filter(|s| s["stopped"] == false).collect();
    assert_eq!(failed.len(), 1, "{doc:#}");
    assert!(
        failed[0]["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{doc:#}"
    );
    assert_eq!(fx.emulator.request_count(Route::StopSession), 3);
}

#[test]
fn stop_all_stops_sessions_concurrently() {
    let fx = mixed_sessions();
    // Each stop takes 2 s: one after the other, the three would not fit
    // in the 5 s the command is given; side by side they do.
    fx.emulator.faults().inject(
        Route::StopSession,
        Fault::Latency {
            delay: Duration::from_secs(2),
            times: 3,
        },
    );
    let output = stop_all(&fx, &["--yes", "--timeout", "5s"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(fx.emulator.request_count(Route::StopSession), 3);
}
