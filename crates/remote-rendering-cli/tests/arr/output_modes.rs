//! Issue 13: `--quiet`, `--color`/`NO_COLOR`, errors as JSON with
//! `--output json`, shell completions and man pages.

use super::schemas::violations;
use super::*;

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn quiet_silences_progress_and_hints_but_not_errors() {
    let fx = Fixture::start();
    let args = [
        "session",
        "start",
        "--id",
        "loud",
        "--wait",
        "--poll-interval",
        "100ms",
    ];
    let loud = fx.arr().args(args).output().unwrap();
    assert_eq!(loud.status.code(), Some(0), "{}", stderr_of(&loud));
    assert!(
        stderr_of(&loud).contains("Started session loud"),
        "{}",
        stderr_of(&loud)
    );

    let quiet = fx
        .arr()
        .args([
            "--quiet",
            "session",
            "start",
            "--id",
            "hushed",
            "--wait",
            "--poll-interval",
            "100ms",
        ])
        .output()
        .unwrap();
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr_of(&quiet));
    assert_eq!(stderr_of(&quiet), "", "--quiet printed on stderr");
    assert!(String::from_utf8_lossy(&quiet.stdout).contains("hushed"));

    // Hints of a start without --wait, and notes in JSON mode, too.
    let quiet = fx
        .arr()
        .args([
            "-q",
            "--output",
            "json",
            "conversion",
            "start",
            "--input-container",
            INPUT,
        ])
        .args(["--asset", "box.fbx", "--output-container", OUTPUT])
        .output()
        .unwrap();
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr_of(&quiet));
    assert_eq!(stderr_of(&quiet), "");

    // Errors are still printed.
    fx.arr()
        .args(["--quiet", "session", "get", "no-such-session"])
        .assert()
        .code(4)
        .stderr(predicate::str::starts_with("error: "));
}

#[test]
fn color_never_and_no_color_print_no_escape_sequences() {
    let fx = Fixture::start();
    let runs: [&[&str]; 4] = [
        &["--help"],
        &["session", "start", "--lease", "45s"],
        &["sesion", "list"],
        &["-vv", "session", "list"],
    ];
    let has_escape =
        |o: &std::process::Output| o.stdout.contains(&0x1b) || o.stderr.contains(&0x1b);
    for args in runs {
        // `--color always` does style each of these, so their absence below means something.
        let always = fx.arr().arg("--color=always").args(args).output().unwrap();
        assert!(
            has_escape(&always),
            "--color always {args:?}: {}",
            stderr_of(&always)
        );
        let never = fx
            .arr()
            .args(["--color", "never"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            !has_escape(&never),
            "--color never {args:?}: {}",
            stderr_of(&never)
        );
        // `arr()` sets NO_COLOR; auto is the default.
        let no_color = fx.arr().args(args).output().unwrap();
        assert!(
            !has_escape(&no_color),
            "NO_COLOR {args:?}: {}",
            stderr_of(&no_color)
        );
    }
}

#[test]
fn errors_are_one_json_document_on_stdout_with_output_json() {
    let fx = Fixture::start();
    let schema: Value =
        serde_json::from_str(&fx.ok(&["schema", "error"])).expect("the schema is JSON");
    let cases: [(&[&str], &str, i32); 3] = [
        (&["session", "get", "no-such-session"], "service", 4),
        (&["session", "start", "--lease", "45s"], "usage", 2),
        (&["session", "frobnicate"], "usage", 2),
    ];
    for (args, code, exit) in cases {
        let output = fx
            .arr()
            .args(["--output", "json"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(exit), "{args:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let document: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not one JSON document ({e}): {stdout}"));
        let error = &document["error"];
        assert_eq!(error["code"], code, "{document}");
        assert_eq!(error["exitCode"], exit, "{document}");
        assert!(!error["message"].as_str().unwrap().is_empty(), "{document}");
        assert_eq!(
            violations(&schema, &schema, &document, "$"),
            Vec::<String>::new()
        );
        // stderr keeps the human message.
        assert!(
            stderr_of(&output).contains("error"),
            "{}",
            stderr_of(&output)
        );
    }
    let output = fx
        .arr()
        .args(["--output", "json", "session", "get", "no-such-session"])
        .output()
        .unwrap();
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["error"]["status"], 404, "{document}");
    assert!(document["error"]["msCv"].is_string(), "{document}");
    assert!(
        stderr_of(&output).contains(document["error"]["message"].as_str().unwrap()),
        "the same message on both streams"
    );
    // Table output keeps stdout empty on failure.
    let output = fx
        .arr()
        .args(["session", "get", "no-such-session"])
        .output()
        .unwrap();
    assert!(output.stdout.is_empty());
}

#[test]
fn completion_scripts_know_every_command_in_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = arr().args(["completions", shell]).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{shell}: {}",
            stderr_of(&output)
        );
        let script = String::from_utf8(output.stdout).unwrap();
        for word in [
            "session",
            "conversion",
            "keep-alive",
            "api-version",
            "completions",
        ] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    arr().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn man_pages_are_generated_from_the_command_line() {
    let page = arr().arg("man").output().unwrap();
    assert_eq!(page.status.code(), Some(0));
    let page = String::from_utf8(page.stdout).unwrap();
    assert!(page.contains(".TH arr 1"), "{page}");
    assert!(page.contains("session"), "{page}");

    let folder = tempfile::tempdir().unwrap();
    let listed = arr()
        .args(["man", "--out"])
        .arg(folder.path())
        .output()
        .unwrap();
    assert_eq!(listed.status.code(), Some(0), "{}", stderr_of(&listed));
    let listed = String::from_utf8(listed.stdout).unwrap();
    for name in [
        "arr.1",
        "arr-session.1",
        "arr-session-start.1",
        "arr-conversion-download.1",
    ] {
        let path = folder.path().join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains(".TH "), "{name}: {text}");
        assert!(listed.contains(&path.display().to_string()), "{listed}");
    }
}
