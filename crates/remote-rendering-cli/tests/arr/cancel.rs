//! Issue 13 for `arr` as a process: Ctrl-C and SIGTERM act at once in every
//! phase (a hanging endpoint too), and a failed write to stdout is exit 1.
//! Times to exit are printed (`--nocapture`), not asserted: they would flake.

use super::*;
use std::time::Instant;

/// A server on loopback that accepts connections and never answers.
pub(super) fn hanging_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().map_while(Result::ok) {
            held.push(stream);
        }
    });
    format!("http://{address}")
}

/// Sends `signal` to `child` once `ready` (a stderr line) appeared or after
/// `delay`; returns exit code, stderr and the time from signal to exit.
#[cfg(unix)]
fn signal_after(
    mut child: std::process::Child,
    delay: Duration,
    signal: &str,
) -> (Option<i32>, String, Duration) {
    let lines = read_lines(child.stderr.take().unwrap());
    std::thread::sleep(delay);
    let sent = Instant::now();
    let killed = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_child(&mut child);
    let took = sent.elapsed();
    let stderr: Vec<String> = lines.iter().collect();
    (status.code(), stderr.join("\n"), took)
}

#[cfg(unix)]
fn start_against_hanging_server() -> std::process::Child {
    let endpoint = hanging_server();
    std::process::Command::new(ARR)
        .args(["session", "start", "--wait", "--id", "hang"])
        .env_remove("RUST_LOG")
        .env("ARR_ACCOUNT_ID", "30ea64bd-100f-4bf0-adc9-29fa45d4880c")
        .env("ARR_ACCOUNT_KEY", "not-a-real-key")
        .env("ARR_ACCOUNT_DOMAIN", "eastus.mixedreality.azure.com")
        .env("ARR_ENDPOINT", &endpoint)
        .env("ARR_STS_ENDPOINT", &endpoint)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn ctrl_c_and_sigterm_end_a_hanging_create_call_at_once() {
    for signal in ["-INT", "-TERM"] {
        let child = start_against_hanging_server();
        // Half a second in, `arr` is inside the STS call that never returns.
        let (code, stderr, took) = signal_after(child, Duration::from_millis(500), signal);
        println!("{signal} during a hanging create call: exit after {took:?}");
        assert_eq!(code, Some(130), "{signal}: {stderr}");
        assert!(stderr.contains("cancelling..."), "{signal}: {stderr}");
        assert!(stderr.contains("interrupted"), "{signal}: {stderr}");
    }
}

#[cfg(unix)]
#[test]
fn sigterm_while_waiting_is_handled_like_ctrl_c() {
    let fx = Fixture::with(Emulator::builder().session_startup(Duration::from_secs(120)));
    fx.ok(&["session", "start", "--id", "slow"]);
    let child = std::process::Command::new(ARR)
        .args(["session", "wait", "slow", "--poll-interval", "100ms"])
        .envs(fx.vars())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (code, stderr, took) = signal_after(child, Duration::from_millis(800), "-TERM");
    println!("SIGTERM while polling: exit after {took:?}");
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("Resume with `arr session wait slow`"),
        "{stderr}"
    );
    assert_eq!(fx.emulator.request_count(Route::StopSession), 0);
}

#[cfg(unix)]
#[test]
fn a_failed_write_to_stdout_is_exit_1() {
    let fx = Fixture::start();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    let output = std::process::Command::new(ARR)
        .args(["token"])
        .envs(fx.vars())
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot write the result to stdout"),
        "{stderr}"
    );
}

/// The keep-alive phase: the command's own listener and the process-wide
/// one wake on the same signal; "cancelling..." is said exactly once either
/// way (it used to be lost when the command returned first). Several rounds
/// because that was a race.
#[cfg(unix)]
#[test]
fn ctrl_c_and_sigterm_end_keep_alive_saying_cancelling_once() {
    let fx = Fixture::with(Emulator::builder().session_startup(Duration::from_millis(100)));
    fx.ok(&["session", "start", "--id", "kept", "--wait"]);
    for round in 0..4 {
        for signal in ["-INT", "-TERM"] {
            let child = std::process::Command::new(ARR)
                .args(["session", "keep-alive", "kept", "--check-interval", "1s"])
                .envs(fx.vars())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let (code, stderr, took) = signal_after(child, Duration::from_millis(700), signal);
            println!("{signal} during keep-alive (round {round}): exit after {took:?}");
            assert_eq!(code, Some(130), "{signal}: {stderr}");
            assert_eq!(
                stderr.matches("cancelling...").count(),
                1,
                "{signal}: {stderr}"
            );
            assert!(
                stderr.contains("stopped keeping session kept alive"),
                "{signal}: {stderr}"
            );
        }
    }
}
