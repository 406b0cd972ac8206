//! `arr-emulator`: runs the Azure Remote Rendering + STS emulator as a
//! process. Prints one JSON line with the connection details on stdout; logs
//! go to stderr. The flags and the work live in
//! [`remote_rendering_emulator::cli`], which `arr emulator` shares.

use clap::Parser;
use remote_rendering_emulator::cli::{EmulatorArgs, run};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run(EmulatorArgs::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            std::process::ExitCode::FAILURE
        }
    }
}
