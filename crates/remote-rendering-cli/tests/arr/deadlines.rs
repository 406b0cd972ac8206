//! Issue 13, item 4: one overall deadline per command, stating the real
//! elapsed time; request timeout and retries on every command.

use super::cancel::hanging_server;
use super::*;
use std::time::Instant;

fn arr_hanging(args: &[&str]) -> (Option<i32>, String, Duration) {
    let endpoint = hanging_server();
    let started = Instant::now();
    let output = arr()
        .env("ARR_ACCOUNT_ID", "30ea64bd-100f-4bf0-adc9-29fa45d4880c")
        .env("ARR_ACCOUNT_KEY", "not-a-real-key")
        .env("ARR_ACCOUNT_DOMAIN", "eastus.mixedreality.azure.com")
        .env("ARR_ENDPOINT", &endpoint)
        .env("ARR_STS_ENDPOINT", &endpoint)
        .args(args)
        .output()
        .unwrap();
    let took = started.elapsed();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        took,
    )
}

#[test]
fn the_overall_timeout_ends_any_command_and_states_the_real_time() {
    let (code, stderr, took) = arr_hanging(&["session", "list", "--timeout", "1s"]);
    println!("session list --timeout 1s against a hanging server: exit after {took:?}");
    assert_eq!(code, Some(4), "{stderr}");
    assert!(stderr.contains("gave up after 1"), "{stderr}");
    assert!(stderr.contains("(--timeout 1s)"), "{stderr}");
    // Far below the 30 s request timeout and its retries.
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn request_timeout_and_no_retry_apply_to_every_command() {
    let (code, stderr, took) = arr_hanging(&["token", "--request-timeout", "300ms", "--no-retry"]);
    println!("token --request-timeout 300ms --no-retry: exit after {took:?}");
    assert_eq!(code, Some(4), "{stderr}");
    assert!(stderr.contains("timed out after 0.3s"), "{stderr}");
}
