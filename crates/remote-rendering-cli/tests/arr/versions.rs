//! `--api-version` / `ARR_API_VERSION`: every command in every version,
//! against one emulator (one store), so a session is the same session
//! whichever version looks at it.

use super::*;

const PREVIEW: &str = "2021-01-01-preview";

/// Whether every ARR request the emulator logged (not the STS exchange)
/// went to a route of `v1` (true) or carried `api-version=version`.
fn all_requests_spoke(fx: &Fixture, v1: bool, version: &str) -> bool {
    fx.emulator
        .requests()
        .iter()
        .filter(|r| r.route.is_some_and(|route| route != Route::StsToken))
        .all(|r| match (v1, r.route) {
            (true, Some(route)) => route.is_v1(),
            _ => r
                .query
                .as_deref()
                .is_some_and(|q| q.contains(&format!("api-version={version}"))),
        })
}

#[test]
fn v1_sessions_start_list_extend_and_stop_and_show_in_the_default_version() {
    let fx = Fixture::start();
    let v1 = |args: &[&str]| {
        let mut all = vec!["--api-version", "v1"];
        all.extend_from_slice(args);
        fx.json(&all)
    };
    let started = v1(&["session", "start", "--wait", "--poll-interval", "100ms"]);
    assert_eq!(started["status"], "Ready", "{started}");
    assert_eq!(started["maxLeaseMinutes"], 240);
    // The service picked the id: a GUID.
    let id = started["id"].as_str().unwrap().to_string();
    assert!(uuid_like(&id), "{id}");
    assert_eq!(fx.emulator.request_count(Route::V1CreateSession), 1);

    let listed = v1(&["session", "list"]);
    assert_eq!(listed[0]["id"], id.as_str(), "{listed}");
    let extended = v1(&["session", "extend", &id, "--by", "30m"]);
    assert_eq!(extended["maxLeaseMinutes"], 270, "{extended}");
    assert_eq!(fx.emulator.request_count(Route::V1UpdateSession), 1);
    assert!(all_requests_spoke(&fx, true, "v1"));

    // The default version sees the same session, with the v1 extension.
    let by_default = fx.json(&["session", "list"]);
    assert_eq!(by_default[0]["id"], id.as_str(), "{by_default}");
    assert_eq!(by_default[0]["maxLeaseMinutes"], 270);
    assert_eq!(fx.emulator.request_count(Route::ListSessions), 1);

    let stopped = v1(&["session", "stop", &id]);
    assert_eq!(stopped["stopped"], true);
    assert_eq!(fx.emulator.request_count(Route::V1StopSession), 1);
    assert_eq!(fx.json(&["session", "get", &id])["status"], "Stopped");

    // The variable selects the version too; a chosen id is what v1 lacks.
    let output = fx
        .arr()
        .env("ARR_API_VERSION", "v1")
        .args(["session", "start", "--id", "mine"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not supported by API version v1"),
        "{stderr}"
    );
    // So are conversions, refused before anything is sent.
    let before = fx.emulator.requests().len();
    let output = fx
        .arr()
        .args(["--api-version", "v1", "conversion", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let after = fx.emulator.requests();
    assert!(
        after[before..]
            .iter()
            .all(|r| r.route == Some(Route::StsToken)),
        "{after:?}"
    );
}

fn uuid_like(text: &str) -> bool {
    let groups: Vec<_> = text.split('-').map(str::len).collect();
    groups == [8, 4, 4, 4, 12] && text.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[test]
fn the_preview_runs_the_quickstart_session_and_conversion_steps() {
    // The quickstart itself, speaking the preview to its own emulator.
    let output = arr()
        .args(["--api-version", PREVIEW, "--output", "json", "quickstart"])
        .args(["--session-startup", "1s", "--conversion-duration", "1s"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["conversion"]["status"], "Succeeded", "{summary}");
    assert_eq!(summary["session"]["maxLeaseMinutes"], 90);

    // Its steps as commands, against a shared emulator.
    let fx = Fixture::start();
    let preview = |args: &[&str]| {
        let mut all = vec!["--api-version", PREVIEW];
        all.extend_from_slice(args);
        fx.json(&all)
    };
    let session = preview(&[
        "session",
        "start",
        "--lease",
        "1h",
        "--wait",
        "--poll-interval",
        "100ms",
    ]);
    assert_eq!(session["status"], "Ready", "{session}");
    let id = session["id"].as_str().unwrap().to_string();
    let extended = preview(&["session", "extend", &id, "--by", "30m"]);
    assert_eq!(extended["maxLeaseMinutes"], 90);
    assert_eq!(preview(&["session", "list"])[0]["id"], id.as_str());
    let conversion = preview(&[
        "conversion",
        "start",
        "--input-container",
        INPUT,
        "--asset",
        "robot.fbx",
        "--output-container",
        OUTPUT,
        "--wait",
        "--poll-interval",
        "100ms",
    ]);
    assert_eq!(conversion["status"], "Succeeded", "{conversion}");
    assert_eq!(
        conversion["outputAssetUri"],
        format!("{OUTPUT}/robot.arrAsset")
    );
    assert_eq!(
        preview(&["conversion", "list"]).as_array().unwrap().len(),
        1
    );
    preview(&["session", "stop", &id]);
    assert!(all_requests_spoke(&fx, false, PREVIEW));
    // The stable API reports the same conversion in its own words.
    let stable = fx.json(&["conversion", "get", conversion["id"].as_str().unwrap()]);
    assert_eq!(stable["status"], "Succeeded");
}

#[test]
fn an_unknown_api_version_is_a_usage_error() {
    let fx = Fixture::start();
    let flag = fx
        .arr()
        .args(["--api-version", "2099-01-01", "session", "list"])
        .output()
        .unwrap();
    assert_eq!(flag.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&flag.stderr);
    assert!(stderr.contains("2021-01-01-preview"), "{stderr}");
    let variable = fx
        .arr()
        .env("ARR_API_VERSION", "2099-01-01")
        .args(["session", "list"])
        .output()
        .unwrap();
    assert_eq!(variable.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&variable.stderr);
    assert!(stderr.contains("ARR_API_VERSION"), "{stderr}");
    assert!(fx.emulator.requests().is_empty());
}
