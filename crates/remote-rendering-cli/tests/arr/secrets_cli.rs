//! Canary test of the `arr` binary and of the `arr emulator` process: a
//! canary account key, SAS and access token pass through every command,
//! with `-v` and `-vvv` and with `RUST_LOG=trace`, on success and error
//! paths; neither `arr`'s output nor the emulator's log (its stderr at
//! `RUST_LOG=trace`) may contain them.
//!
//! Documented exceptions: `arr token` prints the token it was asked for on
//! stdout, and the emulator prints its own account key once on stdout (the
//! JSON line that tells scripts how to reach it).

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const ARR: &str = env!("CARGO_BIN_EXE_arr");
const KEY: &str = "canary-cli-key-91f0";
const WRONG_KEY: &str = "canary-cli-wrong-key-0c7d";
const INPUT_SAS: &str = "sv=2021&sig=canary-cli-input-sas-5a5a";
const OUTPUT_SAS: &str = "sv=2021&sig=canary-cli-output-sas-6b6b";
const STATIC_TOKEN: &str = "canary-cli-static-token-7c7c";

struct Emulator {
    child: std::process::Child,
    log: tempfile::NamedTempFile,
    vars: Vec<(&'static str, String)>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `arr emulator` with the canary key and a trace-level log.
fn emulator() -> Emulator {
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(ARR)
        .args([
            "emulator",
            "--session-startup",
            "200ms",
            "--conversion-duration",
            "200ms",
        ])
        .env("ARR_EMULATOR_ACCOUNT_KEY", KEY)
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1")
        .env_remove("ARR_EMULATOR_PORT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).expect("the emulator's JSON line");
    let field = |name: &str| info[name].as_str().unwrap().to_string();
    assert_eq!(field("account_key"), KEY);
    let vars = vec![
        ("ARR_ACCOUNT_ID", field("account_id")),
        ("ARR_ACCOUNT_DOMAIN", field("account_domain")),
        ("ARR_ENDPOINT", field("endpoint")),
        ("ARR_STS_ENDPOINT", field("sts_endpoint")),
    ];
    Emulator { child, log, vars }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn arr(emu: &Emulator, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = Command::new(ARR);
    for (name, _) in std::env::vars() {
        if name.starts_with("ARR_") || name == "RUST_LOG" {
            cmd.env_remove(name);
        }
    }
    cmd.env("NO_COLOR", "1");
    for (name, value) in &emu.vars {
        cmd.env(name, value);
    }
    for (name, value) in env {
        cmd.env(name, value);
    }
    let output = cmd.args(args).stdin(Stdio::null()).output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn canaries_never_appear_in_cli_output_or_emulator_logs() {
    let emu = emulator();
    let key = [("ARR_ACCOUNT_KEY", KEY)];
    let sas = [
        ("ARR_ACCOUNT_KEY", KEY),
        ("ARR_INPUT_SAS", INPUT_SAS),
        ("ARR_OUTPUT_SAS", OUTPUT_SAS),
    ];
    let trace = [("ARR_ACCOUNT_KEY", KEY), ("RUST_LOG", "trace")];

    // The token `arr token` prints is a canary for every other output.
    let token = arr(&emu, &key, &["token"]);
    assert_eq!(token.code, Some(0), "{}", token.stderr);
    let issued = token.stdout.trim().to_string();
    assert!(issued.len() > 20, "{issued}");
    let mut outputs = vec![("token (stderr)", token.stderr)];
    for verbosity in ["-v", "-vvv"] {
        let token = arr(&emu, &trace, &[verbosity, "token"]);
        assert_eq!(token.code, Some(0), "{}", token.stderr);
        outputs.push(("token -v (stderr)", token.stderr));
    }

    let mut run = |name: &'static str, env: &[(&str, &str)], args: &[&str], code: i32| {
        let run = arr(&emu, env, args);
        assert_eq!(
            run.code,
            Some(code),
            "{name}: {}\n{}",
            run.stdout,
            run.stderr
        );
        outputs.push((name, format!("{}\n{}", run.stdout, run.stderr)));
    };
    for (verbosity, id) in [("-v", "s1"), ("-vvv", "s2")] {
        run(
            "session start",
            &key,
            &[
                verbosity, "session", "start", "--id", id, "--lease", "1h", "--wait",
            ],
            0,
        );
        run("session get", &key, &[verbosity, "session", "get", id], 0);
        run(
            "session extend",
            &key,
            &[verbosity, "session", "extend", id, "--by", "30m"],
            0,
        );
        run(
            "session list",
            &key,
            &[verbosity, "--output", "json", "session", "list"],
            0,
        );
        run(
            "conversion start",
            &sas,
            &[
                verbosity,
                "conversion",
                "start",
                "--input-container",
                "https://s.blob.core.windows.net/in",
                "--asset",
                "a.fbx",
                "--output-container",
                "https://s.blob.core.windows.net/out",
                "--wait",
                "--poll-interval",
                "100ms",
            ],
            0,
        );
        run(
            "conversion list",
            &sas,
            &[verbosity, "conversion", "list"],
            0,
        );
        // Error paths.
        run(
            "wrong key",
            &[("ARR_ACCOUNT_KEY", WRONG_KEY)],
            &[verbosity, "session", "list"],
            3,
        );
        run(
            "rejected token",
            &[("ARR_ACCESS_TOKEN", STATIC_TOKEN)],
            &[verbosity, "session", "list"],
            3,
        );
        run(
            "missing session",
            &key,
            &[verbosity, "session", "get", "nope"],
            4,
        );
        run(
            "bad lease",
            &key,
            &[verbosity, "session", "start", "--lease", "30s"],
            2,
        );
        run("bad id", &key, &[verbosity, "session", "get", "../x"], 2);
        run(
            "password in endpoint",
            &[
                ("ARR_ACCOUNT_KEY", KEY),
                (
                    "ARR_ENDPOINT",
                    "http://user:canary-cli-key-91f0@example.com",
                ),
            ],
            &[verbosity, "session", "list"],
            2,
        );
        run("session stop", &key, &[verbosity, "session", "stop", id], 0);
    }
    run("trace: list", &trace, &["session", "list"], 0);
    run(
        "trace: wrong key",
        &[("ARR_ACCOUNT_KEY", WRONG_KEY), ("RUST_LOG", "trace")],
        &["session", "list"],
        3,
    );
    run(
        "trace: conversion",
        &[
            ("ARR_ACCOUNT_KEY", KEY),
            ("RUST_LOG", "trace"),
            ("ARR_INPUT_SAS", INPUT_SAS),
            ("ARR_OUTPUT_SAS", OUTPUT_SAS),
        ],
        &[
            "conversion",
            "start",
            "--input-container",
            "https://s.blob.core.windows.net/in",
            "--asset",
            "b.fbx",
            "--output-container",
            "https://s.blob.core.windows.net/out",
        ],
        0,
    );

    // The emulator's log, once it has seen all of that.
    std::thread::sleep(Duration::from_millis(200));
    let log = std::fs::read_to_string(emu.log.path()).unwrap();
    // (At RUST_LOG=trace the emulator and its HTTP stack emit all they
    // have; every request is logged, at info.)
    assert!(
        log.lines().count() > 20,
        "the emulator log is too short:\n{log}"
    );
    outputs.push(("emulator log", log));
    let verbose: String = outputs
        .iter()
        .filter(|(name, _)| name.starts_with("session start"))
        .map(|(_, text)| text.as_str())
        .collect();
    assert!(
        verbose.contains("DEBUG") || verbose.contains("TRACE"),
        "-vvv logged nothing"
    );

    let canaries = [
        KEY,
        WRONG_KEY,
        "canary-cli-input-sas",
        "canary-cli-output-sas",
        STATIC_TOKEN,
        issued.as_str(),
        // Not even the signature of the issued JWT.
        issued.rsplit('.').next().unwrap(),
    ];
    for (name, text) in &outputs {
        for canary in canaries {
            assert!(
                !text.contains(canary),
                "{name}: {}… leaked:\n{text}",
                &canary[..canary.len().min(20)]
            );
        }
    }
}
