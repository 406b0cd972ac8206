//! `arr-emulator` as a child process, for tests that restart or kill it.

use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

/// A running `arr-emulator` and the JSON line it printed.
pub struct EmulatorProcess {
    pub child: Child,
    pub info: serde_json::Value,
}

impl EmulatorProcess {
    /// Starts `arr-emulator` on `data_dir` with a fixed account, so a
    /// restart serves the same account.
    pub async fn start(data_dir: &Path, account_id: uuid::Uuid, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_arr-emulator"))
            .args(["--port", "0", "--account-id", &account_id.to_string()])
            .arg("--data-dir")
            .arg(data_dir)
            .args(extra)
            .env("ARR_EMULATOR_ACCOUNT_KEY", "crash-test-key")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start arr-emulator");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("arr-emulator prints its start line in time")
            .unwrap()
            .expect("arr-emulator printed a start line");
        let info = serde_json::from_str(&line).unwrap();
        Self { child, info }
    }

    pub fn endpoint(&self) -> String {
        self.info["endpoint"].as_str().unwrap().to_owned()
    }

    /// SIGKILL: no chance to flush or clean up anything.
    pub async fn kill(mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }
}
