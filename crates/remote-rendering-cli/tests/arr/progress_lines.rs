//! A wait whose stderr is not a terminal (CI logs, pipes) prints plain
//! progress lines: one per status change, no spinner control codes.

use super::*;

#[test]
fn conversion_wait_without_a_terminal_prints_progress_lines() {
    let fx = Fixture::with(Emulator::builder().conversion_duration(Duration::from_millis(1500)));
    fx.ok(&[
        "conversion",
        "start",
        "--id",
        "logged",
        "--input-container",
        INPUT,
        "--asset",
        "box.fbx",
        "--output-container",
        OUTPUT,
    ]);
    // `output()` pipes stderr: not a terminal.
    let output = fx
        .arr()
        .args(["conversion", "wait", "logged", "--poll-interval", "100ms"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\r'),
        "control codes: {stderr:?}"
    );
    let progress: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("conversion logged: "))
        .collect();
    assert!(
        progress.iter().any(|l| l.contains(": Running (elapsed")),
        "{stderr}"
    );
    assert!(
        progress
            .last()
            .is_some_and(|l| l.contains(": Succeeded (elapsed")),
        "{stderr}"
    );
    // About 15 polls, but a line per change only.
    assert!(progress.len() <= 4, "{stderr}");
}
