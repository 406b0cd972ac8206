//! The `arr-emulator` command line as a library: its flags and what it does
//! with them, shared by the `arr-emulator` binary and `arr emulator`.
//! Prints one JSON line with the connection details on stdout; logs go to
//! stderr.

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::Emulator;

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
    /// Where to write the CA certificate (PEM) with --tls; default: a file in
    /// the system temporary directory.
    #[arg(long, requires = "tls")]
    pub ca_cert_path: Option<PathBuf>,
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
        .account_domain(args.account_domain);
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

    let ca_cert = match emulator.ca_cert_pem() {
        None => None,
        Some(pem) => {
            let path = args.ca_cert_path.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("arr-emulator-{}-ca.pem", std::process::id()))
            });
            std::fs::write(&path, pem)
                .map_err(|e| format!("cannot write CA certificate to {}: {e}", path.display()))?;
            Some(path.display().to_string())
        }
    };
    let line = serde_json::json!({
        "endpoint": emulator.endpoint().as_str(),
        "sts_endpoint": emulator.sts_endpoint().as_str(),
        "account_id": emulator.account_id().to_string(),
        "account_key": emulator.account_key(),
        "account_domain": emulator.account_domain(),
        "ca_cert": ca_cert,
    });
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{line}").map_err(|e| e.to_string())?;
        stdout.flush().map_err(|e| e.to_string())?;
    }

    shutdown_signal().await?;
    tracing::info!("shutting down");
    emulator.shutdown().await;
    Ok(())
}

/// Resolves on Ctrl-C, or on SIGTERM where there is one (scripts and CI
/// stop the emulator that way).
async fn shutdown_signal() -> Result<(), String> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| format!("cannot wait for SIGTERM: {e}"))?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.map_err(|e| format!("cannot wait for Ctrl-C: {e}")),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
