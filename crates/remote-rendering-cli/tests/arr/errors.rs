//! Token, exit codes and secrets: what `arr` prints and how it exits when things fail.

use super::*;

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

#[test]
fn extend_to_below_the_current_lease_is_a_usage_error_before_the_call() {
    // Issue 13: `--to 1h` on a 2-hour lease used to reach the service.
    let fx = Fixture::start();
    fx.ok(&["session", "start", "--id", "short", "--lease", "2h"]);
    let output = fx
        .arr()
        .args(["session", "extend", "short", "--to", "1h"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("would shorten it"), "{stderr}");
    assert_eq!(fx.emulator.request_count(Route::UpdateSession), 0);
}
