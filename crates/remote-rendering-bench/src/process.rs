//! Child processes: the emulator (this binary re-executed with `emulator`)
//! and the fleet scenario (re-executed with `fleet`).
//!
//! Re-executing ourselves rather than locating the `arr-emulator` binary
//! means `cargo run -p remote-rendering-bench` builds everything it needs, in
//! the same profile, and the emulator's CPU and memory never count as the
//! client's.

use crate::measure;
use crate::target::Target;
use anyhow::{Context as _, Result, anyhow, bail};
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a child may take to print its first line.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The executable to re-run: this process's own binary.
pub fn own_executable() -> Result<PathBuf> {
    std::env::current_exe().context("cannot find the arr-bench executable to re-run")
}

/// An emulator running as a separate process.
pub struct EmulatorProcess {
    child: Child,
    /// How to reach it.
    pub target: Target,
}

impl std::fmt::Debug for EmulatorProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorProcess")
            .field("pid", &self.child.id())
            .field("target", &self.target)
            .finish()
    }
}

impl EmulatorProcess {
    /// Starts `<own exe> emulator <args>` on 127.0.0.1 with a free port and
    /// waits for its JSON line. `args` are `arr-emulator` flags.
    pub fn start(args: &[&str]) -> Result<Self> {
        let exe = own_executable()?;
        let mut child = Command::new(&exe)
            .arg("emulator")
            .args(["--address", "127.0.0.1", "--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {} emulator", exe.display()))?;
        let stdout = child.stdout.take().context("no stdout from the emulator")?;
        // Read the line on a thread so that a hung child cannot hang us.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let result = BufReader::new(stdout).read_line(&mut line).map(|_| line);
            let _ = tx.send(result);
        });
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(line)) if !line.trim().is_empty() => line,
            Ok(Ok(_)) => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("the emulator exited without printing its connection details");
            }
            Ok(Err(e)) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e).context("cannot read the emulator's output");
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("the emulator printed nothing within {START_TIMEOUT:?}");
            }
        };
        let target: Target = serde_json::from_str(line.trim())
            .context("the emulator's first line is not its connection JSON")?;
        Ok(Self { child, target })
    }

    /// The emulator's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time the emulator process has used so far.
    pub fn cpu(&self) -> Option<Duration> {
        measure::other_process_cpu(self.pid())
    }

    /// Stops the emulator with SIGTERM (it shuts down cleanly), killing it
    /// if it is still running after 5 s.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: signalling our own child, whose pid we have not reaped.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        // No emulator outlives the benchmark, whatever path ends it.
        self.terminate();
    }
}

/// What a finished child process left.
#[derive(Debug)]
pub struct ChildOutcome {
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Whether it exited with status 0.
    pub success: bool,
    /// Peak RSS in KiB as the kernel accounts it (`wait4`'s `ru_maxrss`).
    pub max_rss_kib: u64,
    /// User + system CPU time of the child.
    pub cpu: Duration,
}

/// Runs `<own exe> <args>` with extra environment variables, waits at most
/// `timeout` (then kills it), and reports its output and resource usage.
pub fn run_self(args: &[&str], env: &[(&str, &str)], timeout: Duration) -> Result<ChildOutcome> {
    let exe = own_executable()?;
    let mut command = Command::new(&exe);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {}", exe.display()))?;
    let mut stdout = child.stdout.take().context("no stdout from the child")?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let pid = libc::pid_t::try_from(child.id()).map_err(|_| anyhow!("pid out of range"))?;
    let deadline = Instant::now() + timeout;
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: wait4 on our own child with valid out-pointers; WNOHANG
        // keeps the loop bounded by the deadline below. Reaping here (not
        // through `Child::wait`) is what gives us the child's rusage.
        let (reaped, usage) = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            let reaped = libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage);
            (reaped, usage)
        };
        if reaped == pid {
            break (status, usage);
        }
        if reaped < 0 {
            bail!("wait4 failed: {}", std::io::Error::last_os_error());
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{} {args:?} did not finish within {timeout:?}",
                exe.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = reader.join().unwrap_or_default();
    Ok(ChildOutcome {
        stdout,
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        // Linux reports ru_maxrss in KiB.
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        cpu: measure::timeval(usage.ru_utime) + measure::timeval(usage.ru_stime),
    })
}
