//! Issue 13, item 5: what `arr` shows only when stderr is a terminal. The
//! terminal is a real pseudo-terminal (its reading end in this process), so
//! `arr` decides exactly as it does in a user's shell (Unix only).

use super::*;
use remote_rendering_emulator::Fault;
use std::io::Read as _;
use std::time::Instant;

/// What a run printed: exit code, stdout, and what reached the terminal.
struct TerminalRun {
    code: Option<i32>,
    stdout: String,
    terminal: String,
}

/// Runs `arr args` with `vars`, stderr on a pseudo-terminal and stdout in a pipe.
fn run_on_terminal(vars: &[(&str, String)], args: &[&str]) -> TerminalRun {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().unwrap())
        .unwrap();
    let mut child = {
        let mut cmd = std::process::Command::new(ARR);
        for var in ARR_VARS {
            cmd.env_remove(var);
        }
        cmd.env_remove("RUST_LOG")
            .env_remove("NO_COLOR")
            .env("COLUMNS", "100");
        for (name, value) in vars {
            cmd.env(name, value);
        }
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(slave))
            .spawn()
            .unwrap()
        // `cmd`, and with it this process's copy of the terminal's end,
        // is dropped here: reading ends when `arr` exits.
    };
    let mut master = std::fs::File::from(master);
    let reader = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // Linux answers EIO once the other end is closed.
        while let Ok(n @ 1..) = master.read(&mut buf) {
            seen.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&seen).into_owned()
    });
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let started = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            panic!("arr {args:?} did not finish within {RUN_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    TerminalRun {
        code,
        stdout,
        terminal: reader.join().unwrap(),
    }
}

fn unavailable_once(fx: &Fixture, route: Route) {
    fx.emulator.faults().inject(
        route,
        Fault::Status {
            status: 503,
            retry_after: None,
            times: 1,
        },
    );
}

#[test]
fn retries_in_progress_show_on_a_terminal_only() {
    let fx = Fixture::start();
    fx.ok(&["session", "start", "--id", "retried"]);

    unavailable_once(&fx, Route::GetSession);
    let run = run_on_terminal(&fx.vars(), &["session", "get", "retried"]);
    assert_eq!(run.code, Some(0), "{}", run.terminal);
    assert!(run.stdout.contains("retried"), "{}", run.stdout);
    let line = run
        .terminal
        .lines()
        .find(|l| l.starts_with("retrying in "))
        .unwrap_or_else(|| panic!("no retry line on the terminal: {:?}", run.terminal));
    // The default policy: 5 retries after the first attempt.
    assert!(
        line.trim_end().ends_with(" after 503 (attempt 2 of 6)"),
        "{line:?}"
    );

    // In a pipe (a CI log, a script) the same retry is silent.
    unavailable_once(&fx, Route::GetSession);
    let output = fx
        .arr()
        .args(["session", "get", "retried"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");

    // With -v the log shows it (a log line with level and fields).
    unavailable_once(&fx, Route::GetSession);
    let output = fx
        .arr()
        .args(["-v", "session", "get", "retried"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("INFO") && stderr.contains("retrying in "),
        "{stderr}"
    );

    // So it is with --quiet on a terminal.
    unavailable_once(&fx, Route::GetSession);
    let run = run_on_terminal(&fx.vars(), &["--quiet", "session", "get", "retried"]);
    assert_eq!(run.code, Some(0), "{}", run.terminal);
    assert_eq!(run.terminal, "");
}

#[test]
fn a_retry_line_goes_above_the_spinner_of_a_wait() {
    let fx = Fixture::start();
    unavailable_once(&fx, Route::GetSession);
    let run = run_on_terminal(
        &fx.vars(),
        &[
            "session",
            "start",
            "--id",
            "spun",
            "--wait",
            "--poll-interval",
            "100ms",
        ],
    );
    assert_eq!(run.code, Some(0), "{:?}", run.terminal);
    // The spinner's line is cleared (ESC [2K) and the retry line printed
    // from the start of a line, not appended to the spinner's text.
    let line = run
        .terminal
        .split('\n')
        .find(|l| l.contains("retrying in "))
        .unwrap_or_else(|| panic!("no retry line: {:?}", run.terminal));
    let after_clear = line.rsplit("\u{1b}[2K").next().unwrap();
    assert!(
        after_clear
            .trim_start_matches('\r')
            .starts_with("retrying in "),
        "{line:?}"
    );
}

#[test]
fn an_untrusted_certificate_is_one_error_without_tls_logs() {
    let fx = Fixture::with(Emulator::builder().tls());
    let run = run_on_terminal(&fx.vars(), &["session", "list"]);
    assert_eq!(run.code, Some(4), "{}", run.terminal);
    assert!(
        run.terminal.contains("--ca-cert"),
        "the error says what to do: {}",
        run.terminal
    );
    // Only arr's own error line: no rustls/hyper log line, no retry line.
    let lines: Vec<&str> = run
        .terminal
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("error: "), "{lines:?}");
    assert!(!run.terminal.contains("rustls"), "{}", run.terminal);
}

#[test]
fn no_color_turns_off_the_styling_of_logs_on_a_terminal() {
    let fx = Fixture::start();
    let styled = run_on_terminal(&fx.vars(), &["-vv", "session", "list"]);
    assert_eq!(styled.code, Some(0), "{}", styled.terminal);
    assert!(
        styled.terminal.contains('\u{1b}'),
        "logs on a terminal are styled by default: {:?}",
        styled.terminal
    );
    let mut vars = fx.vars();
    vars.push(("NO_COLOR", "1".into()));
    let plain = run_on_terminal(&vars, &["-vv", "session", "list"]);
    assert_eq!(plain.code, Some(0), "{}", plain.terminal);
    assert!(plain.terminal.contains("DEBUG"), "{:?}", plain.terminal);
    assert!(!plain.terminal.contains('\u{1b}'), "{:?}", plain.terminal);
    let never = run_on_terminal(&fx.vars(), &["-vv", "--color", "never", "session", "list"]);
    assert!(!never.terminal.contains('\u{1b}'), "{:?}", never.terminal);
}
