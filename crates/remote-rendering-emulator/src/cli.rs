//! The `arr-emulator` command line as a library: its flags and what it does
//! with them, shared by the `arr-emulator` binary and `arr emulator`.
//! Prints one JSON line with the connection details on stdout; logs go to
//! stderr.

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::{Emulator, Limits, LinkedStorage, TimingPreset};

/// Local emulator of Azure Remote Rendering (2021-01-01) and the Mixed Reality STS.
// `arr-emulator` parses these directly; `arr emulator` embeds them as a
// subcommand, so both accept the same flags. (A plain comment, so that
// `arr-emulator --help` stays as it was.)
#[derive(Debug, Parser)]
#[command(name = "arr-emulator", version)]
pub struct EmulatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", env = "ARR_EMULATOR_ADDRESS")]
    pub address: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0, env = "ARR_EMULATOR_PORT")]
    pub port: u16,
    /// Account id (default: random).
    #[arg(long)]
    pub account_id: Option<uuid::Uuid>,
    /// Account key (default: random). Prefer the environment variable, which
    /// keeps the key out of process listings.
    #[arg(long, env = "ARR_EMULATOR_ACCOUNT_KEY", hide_env_values = true)]
    pub account_key: Option<String>,
    /// Account domain to report.
    #[arg(long, default_value = "localhost.mixedreality.emulator")]
    pub account_domain: String,
    /// Time a session spends Starting, e.g. `3s`, `500ms`.
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    pub session_startup: Duration,
    /// Time a conversion takes to finish.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub conversion_duration: Duration,
    /// Timing preset: `realistic` uses the durations the service was
    /// recorded with (sessions and conversions take minutes); replaces
    /// --session-startup and --conversion-duration.
    #[arg(long, conflicts_with_all = ["session_startup", "conversion_duration"])]
    pub timing: Option<TimingPreset>,
    /// Send `Retry-After` on conversion polls while they run (the service
    /// never did).
    #[arg(long)]
    pub poll_retry_after: bool,
    /// A storage account linked to the emulated account (repeatable):
    /// conversions may give no SAS for its containers. Without a SAS and a
    /// link, a conversion is refused with 403 `LinkedStorageAccessFailure`.
    /// NAME=ENDPOINT also reads and writes its containers there (key from
    /// ARR_LINKED_STORAGE_KEY_{NAME} or ARR_LINKED_STORAGE_KEY).
    #[arg(long = "linked-storage", value_name = "NAME[=ENDPOINT]")]
    pub linked_storage: Vec<LinkedStorage>,
    /// Length of one lease "minute".
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub lease_minute: Duration,
    /// Items per page of session and conversion lists.
    #[arg(long, default_value_t = 50)]
    pub page_size: usize,
    /// Requests allowed per account and rate window (unlimited when absent).
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Length of the rate-limit window.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub rate_window: Duration,
    /// Lifetime of issued access tokens.
    #[arg(long, default_value = "24h", value_parser = parse_duration)]
    pub token_lifetime: Duration,
    /// Serve HTTPS with a generated certificate.
    #[arg(long)]
    pub tls: bool,
    /// Where to write the CA certificate (PEM) with --tls; it must not exist
    /// yet. Default: a file in a new private directory (mode 0700) under the
    /// system temporary directory. Removed on exit either way.
    #[arg(long, requires = "tls")]
    pub ca_cert_path: Option<PathBuf>,
    /// Keep accounts, sessions, conversions, signing keys and the clock in
    /// an SQLite database in this directory, across restarts (default: in
    /// memory only).
    #[arg(long, env = "ARR_EMULATOR_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// With --data-dir: fsync every write before answering, so acknowledged
    /// writes also survive a power cut (default: they survive any crash of
    /// the emulator itself; much faster).
    #[arg(long, requires = "data_dir")]
    pub sync_every_write: bool,
    /// Requests the request log (`GET /_emulator/requests`) keeps; the
    /// oldest are forgotten first.
    #[arg(long, default_value_t = crate::DEFAULT_REQUEST_LOG_CAPACITY)]
    pub request_log_size: usize,
    /// Token the admin routes (`/_emulator/*`) require as `Authorization:
    /// Bearer <token>`. Default: none on loopback, a random one (printed in
    /// the start line) on any other address.
    #[arg(long, env = "ARR_EMULATOR_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Extra host name admin requests may use in `Host` (repeatable), e.g.
    /// a CI service container's name.
    #[arg(long)]
    pub admin_host_name: Vec<String>,
    /// Connections served at once; further ones wait.
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,
    /// Time a client has to send its request headers.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub header_read_timeout: Duration,
    /// Time a connection may stay open without a request.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub idle_timeout: Duration,
}

/// The workspace's one duration grammar (`250ms`, `3s`, `1.5`, `2m`, `1h30m`,
/// `hh:mm:ss`), shared with `arr`.
pub use remote_rendering_duration::parse_duration;

/// Starts the emulator, prints the JSON line with its connection details
/// on stdout, and serves until Ctrl-C or SIGTERM. Logging is the caller's
/// to set up.
pub async fn run(args: EmulatorArgs) -> Result<(), String> {
    let mut builder = Emulator::builder()
        .bind(SocketAddr::new(args.address, args.port))
        .session_startup(args.session_startup)
        .conversion_duration(args.conversion_duration)
        .lease_minute(args.lease_minute)
        .page_size(args.page_size)
        .token_lifetime(args.token_lifetime)
        .poll_retry_after(args.poll_retry_after)
        .account_domain(args.account_domain)
        .request_log_capacity(args.request_log_size)
        .limits(
            Limits::default()
                .max_connections(args.max_connections)
                .header_read_timeout(args.header_read_timeout)
                .idle_timeout(args.idle_timeout),
        );
    if let Some(preset) = args.timing {
        builder = builder.timing(preset);
    }
    for account in args.linked_storage {
        builder = builder.linked_storage(account);
    }
    if let Some(dir) = &args.data_dir {
        builder = builder
            .data_dir(dir)
            .sync_every_write(args.sync_every_write);
    }
    if let Some(token) = args.admin_token {
        builder = builder.admin_token(token);
    }
    for name in args.admin_host_name {
        builder = builder.admin_host_name(name);
    }
    if let Some(id) = args.account_id {
        builder = builder.account_id(id);
    }
    if let Some(key) = args.account_key {
        builder = builder.account_key(key);
    }
    if let Some(limit) = args.rate_limit {
        builder = builder.rate_limit(limit, args.rate_window);
    }
    if args.tls {
        builder = builder.tls();
    }

    let emulator = builder.start().await.map_err(|e| e.to_string())?;

    // Removed when this function returns (the directory with it).
    let ca_file = match emulator.ca_cert_pem() {
        None => None,
        Some(pem) => Some(CaFile::write(args.ca_cert_path, &pem)?),
    };
    let shutdown = shutdown_signal()?;
    let line = serde_json::json!({
        "listening": emulator.bound_addr().to_string(),
        "endpoint": emulator.endpoint().as_str(),
        "sts_endpoint": emulator.sts_endpoint().as_str(),
        "account_id": emulator.account_id().to_string(),
        "account_key": emulator.account_key(),
        "account_domain": emulator.account_domain(),
        "ca_cert": ca_file.as_ref().map(|f| f.path.display().to_string()),
        "admin_token": emulator.admin_token(),
        "data_dir": args.data_dir.as_ref().map(|d| d.display().to_string()),
    });
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{line}").map_err(|e| e.to_string())?;
        stdout.flush().map_err(|e| e.to_string())?;
    }

    shutdown.await;
    tracing::info!("shutting down");
    emulator.shutdown().await;
    drop(ca_file);
    Ok(())
}

/// The CA certificate written for clients to trust, removed on drop. It is
/// created exclusively (never through a file or link someone else placed),
/// by default inside a new private directory.
struct CaFile {
    path: PathBuf,
    // Held so the private directory lives (and is removed) with the file.
    _dir: Option<tempfile::TempDir>,
}

impl CaFile {
    fn write(asked: Option<PathBuf>, pem: &str) -> Result<Self, String> {
        let (path, dir) = match asked {
            Some(path) => (path, None),
            None => {
                let mut builder = tempfile::Builder::new();
                builder.prefix("arr-emulator-");
                // Private: nobody else may read, replace or link in it.
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt as _;
                    builder.permissions(std::fs::Permissions::from_mode(0o700));
                }
                let dir = builder.tempdir().map_err(|e| {
                    format!("cannot create a directory for the CA certificate: {e}")
                })?;
                (dir.path().join("ca.pem"), Some(dir))
            }
        };
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| format!("cannot create CA certificate file {}: {e}", path.display()))?;
        file.write_all(pem.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| format!("cannot write CA certificate to {}: {e}", path.display()))?;
        Ok(Self { path, _dir: dir })
    }
}

impl Drop for CaFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Waits for Ctrl-C, or SIGTERM where there is one (scripts and CI stop the
/// emulator that way). The handlers are installed when this is called, not
/// when the future is first polled: a script that reads the start line and
/// signals at once must find them in place (else SIGTERM's default action
/// kills the process and the CA file is left behind).
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term =
            signal(SignalKind::terminate()).map_err(|e| format!("cannot wait for SIGTERM: {e}"))?;
        let mut interrupt =
            signal(SignalKind::interrupt()).map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = interrupt.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            if let Err(e) = tokio::signal::ctrl_c().await {
                tracing::error!("cannot wait for Ctrl-C: {e}");
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fidelity_flags_parse() {
        let args = EmulatorArgs::try_parse_from([
            "arr-emulator",
            "--timing",
            "realistic",
            "--linked-storage",
            "mystorage",
            "--linked-storage",
            "other1",
            "--poll-retry-after",
        ])
        .unwrap();
        assert_eq!(args.timing, Some(TimingPreset::Realistic));
        assert_eq!(args.linked_storage.len(), 2);
        assert!(args.poll_retry_after);
        assert!(
            EmulatorArgs::try_parse_from([
                "arr-emulator",
                "--timing",
                "realistic",
                "--session-startup",
                "1s"
            ])
            .is_err()
        );
        assert!(EmulatorArgs::try_parse_from(["arr-emulator", "--linked-storage", "a=b"]).is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("3s").unwrap(), Duration::from_secs(3));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("3 parsecs").is_err());
        assert!(parse_duration("fast").is_err());
    }
}
