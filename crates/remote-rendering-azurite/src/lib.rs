//! Test harness for Azurite, Microsoft's open-source Azure Blob Storage emulator.
//!
//! A crate of its own (dev-only, `publish = false`) rather than a `testing` feature of the storage
//! crate: any crate's tests (the emulator's, the CLI's) can start Azurite without depending on the
//! storage stack, and no feature of a published crate exists only for tests.
//!
//! [`Azurite::start`] runs the Azurite that `npm ci` installed in the workspace's `node_modules`
//! (pinned in the top-level `package.json`): the Blob service only, in memory, on a free loopback
//! port, always with `--disableTelemetry` (otherwise Azurite contacts a remote host; tests talk to
//! loopback only). The process is killed when the [`Azurite`] value is dropped, and exits by
//! itself when the test process ends (even killed), so no Azurite outlives its tests.
//!
//! Where `node` or Azurite is missing, [`Azurite::start`] returns [`Unavailable`]; tests call
//! [`Azurite::start_or_skip`], which skips with a clear message on a developer machine and panics
//! when the environment variable `CI` is set.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The account name Azurite serves by default (public, documented well-known development value).
pub const ACCOUNT_NAME: &str = "devstoreaccount1";

/// The account key Azurite accepts for [`ACCOUNT_NAME`] (public, documented well-known development
/// value; it protects nothing).
pub const ACCOUNT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// Runs Azurite's Blob entry point (`process.argv` keeps the same shape) and exits once stdin
/// ends.
const EXIT_WITH_PARENT_JS: &str = r#"
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
require(process.env.AZURITE_BLOB_ENTRY);
"#;

/// How long Azurite may take to accept connections after starting.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Why Azurite could not be started.
#[derive(Debug)]
#[non_exhaustive]
pub enum Unavailable {
    /// `node` is not on `PATH`.
    NodeMissing,
    /// Azurite is not installed in the workspace's `node_modules` (run `npm ci` at the root).
    AzuriteMissing {
        /// Where the Blob service's entry point was looked for.
        looked_for: PathBuf,
    },
    /// Azurite started but did not become ready, or could not be spawned.
    Failed(String),
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NodeMissing => write!(f, "`node` is not on PATH"),
            Self::AzuriteMissing { looked_for } => write!(
                f,
                "Azurite is not installed ({} is missing); run `npm ci` at the workspace root",
                looked_for.display()
            ),
            Self::Failed(why) => write!(f, "Azurite did not start: {why}"),
        }
    }
}

impl std::error::Error for Unavailable {}

/// How to run Azurite.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct AzuriteOptions {
    /// Serve HTTPS with a fresh self-signed certificate for `127.0.0.1` (see
    /// [`Azurite::ca_certificate_pem`]) and accept Entra bearer tokens (`--oauth basic`: Azurite
    /// checks a token's issuer, audience and validity times, not its signature). Azurite refuses
    /// bearer tokens over plain HTTP.
    pub https_with_oauth: bool,
}

impl AzuriteOptions {
    /// HTTPS with a self-signed certificate, and bearer tokens accepted.
    pub fn https_with_oauth() -> Self {
        Self {
            https_with_oauth: true,
        }
    }
}

/// A running Azurite Blob service on loopback; killed on drop.
#[derive(Debug)]
pub struct Azurite {
    child: Child,
    port: u16,
    ca_certificate_pem: Option<String>,
    // Azurite's working folder (it refuses `--location` with `--inMemoryPersistence`, so
    // anything it writes lands in its current folder) and its captured stderr.
    _workdir: tempfile::TempDir,
}

impl Azurite {
    /// Starts Azurite's Blob service over plain HTTP, or tells why it cannot.
    pub fn start() -> Result<Self, Unavailable> {
        Self::start_with(&AzuriteOptions::default())
    }

    /// Starts Azurite's Blob service with `options`, or tells why it cannot.
    pub fn start_with(options: &AzuriteOptions) -> Result<Self, Unavailable> {
        let entry = blob_entry_point()?;
        which_node()?;
        let mut last_error = String::new();
        // The free port is found by binding port 0 and releasing it; another process may take it
        // in between, so a failed start is retried on a new port.
        for _ in 0..3 {
            match Self::spawn(&entry, options) {
                Ok(azurite) => return Ok(azurite),
                Err(why) => last_error = why,
            }
        }
        Err(Unavailable::Failed(last_error))
    }

    /// Starts Azurite; where `node` or Azurite is not installed, prints why and returns `None`
    /// so the test can skip, except under CI (the `CI` environment variable is set), where it
    /// panics. An installed Azurite that fails to start always panics.
    pub fn start_or_skip(test: &str) -> Option<Self> {
        Self::start_or_skip_with(test, &AzuriteOptions::default())
    }

    /// [`Azurite::start_or_skip`] with `options`.
    pub fn start_or_skip_with(test: &str, options: &AzuriteOptions) -> Option<Self> {
        match Self::start_with(options) {
            Ok(azurite) => Some(azurite),
            Err(why @ Unavailable::Failed(_)) => panic!("{test}: {why}"),
            Err(why) if std::env::var_os("CI").is_some() => {
                panic!("{test}: Azurite is required under CI: {why}")
            }
            Err(why) => {
                eprintln!("SKIPPED {test}: {why}");
                None
            }
        }
    }

    fn spawn(entry: &Path, options: &AzuriteOptions) -> Result<Self, String> {
        let port = free_loopback_port().map_err(|e| format!("no free port: {e}"))?;
        let workdir = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
        let stderr_path = workdir.path().join("stderr.log");
        let stderr = std::fs::File::create(&stderr_path)
            .map_err(|e| format!("cannot create {}: {e}", stderr_path.display()))?;
        // Azurite runs under a small wrapper that exits when its stdin closes, i.e. when this
        // process ends, even killed: no Azurite outlives the tests that started it.
        let wrapper = workdir.path().join("exit-with-parent.js");
        std::fs::write(&wrapper, EXIT_WITH_PARENT_JS)
            .map_err(|e| format!("cannot write {}: {e}", wrapper.display()))?;
        let mut command = Command::new("node");
        command.arg(&wrapper).env("AZURITE_BLOB_ENTRY", entry);
        let ca_certificate_pem = if options.https_with_oauth {
            let pem = write_self_signed_certificate(workdir.path())?;
            command
                .arg("--cert")
                .arg(workdir.path().join("cert.pem"))
                .arg("--key")
                .arg(workdir.path().join("key.pem"))
                .args(["--oauth", "basic"]);
            Some(pem)
        } else {
            None
        };
        let child = command
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args([
                "--inMemoryPersistence",
                "--disableTelemetry",
                "--skipApiVersionCheck",
                "--loose",
                "--silent",
            ])
            .current_dir(workdir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot spawn node: {e}"))?;
        let mut azurite = Self {
            child,
            port,
            ca_certificate_pem,
            _workdir: workdir,
        };
        match azurite.wait_ready() {
            Ok(()) => Ok(azurite),
            Err(why) => {
                let said = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                Err(format!("{why}; stderr: {}", said.trim()))
            }
        }
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let address = SocketAddr::from(([127, 0, 0, 1], self.port));
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited early with {status}"));
            }
            let ready = if self.ca_certificate_pem.is_some() {
                TcpStream::connect_timeout(&address, Duration::from_millis(500)).is_ok()
            } else {
                answers_http(address)
            };
            if ready {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!("not ready after {READY_TIMEOUT:?}"))
    }

    /// The loopback port the Blob service listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The Blob endpoint in Azurite's path style: `http://127.0.0.1:PORT/devstoreaccount1`
    /// (`https` when started with [`AzuriteOptions::https_with_oauth`]).
    pub fn blob_endpoint(&self) -> String {
        let scheme = if self.ca_certificate_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://127.0.0.1:{}/{ACCOUNT_NAME}", self.port)
    }

    /// The PEM of the self-signed certificate served over HTTPS, for a client to trust.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca_certificate_pem.as_deref()
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// True once something on `address` answers an HTTP request with a status line.
fn answers_http(address: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request =
        "GET /devstoreaccount1?comp=list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 ")
}

/// Writes `cert.pem` and `key.pem` for `127.0.0.1` and `localhost` into `dir`; returns the
/// certificate's PEM.
fn write_self_signed_certificate(dir: &Path) -> Result<String, String> {
    let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
    let certified = rcgen::generate_simple_self_signed(names).map_err(|e| e.to_string())?;
    let cert = certified.cert.pem();
    std::fs::write(dir.join("cert.pem"), &cert).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("key.pem"), certified.signing_key.serialize_pem())
        .map_err(|e| e.to_string())?;
    Ok(cert)
}

fn free_loopback_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

fn which_node() -> Result<(), Unavailable> {
    let found = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|status| status.success())
        .unwrap_or(false);
    if found {
        Ok(())
    } else {
        Err(Unavailable::NodeMissing)
    }
}

/// The Blob service's entry point inside the workspace's `node_modules`.
fn blob_entry_point() -> Result<PathBuf, Unavailable> {
    let root = workspace_root();
    let entry = root.join("node_modules/azurite/dist/src/blob/main.js");
    if entry.is_file() {
        Ok(entry)
    } else {
        Err(Unavailable::AzuriteMissing { looked_for: entry })
    }
}

/// The workspace root: the nearest ancestor of this crate holding `package.json`.
fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .find(|dir| dir.join("package.json").is_file())
        .unwrap_or(here)
        .to_path_buf()
}
