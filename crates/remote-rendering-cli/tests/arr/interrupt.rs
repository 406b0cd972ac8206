//! Ctrl-C while waiting: the wait stops, the session goes on.

use super::*;

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
