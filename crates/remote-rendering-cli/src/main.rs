//! `arr`: manage Azure Remote Rendering sessions and asset conversions from a
//! terminal or CI, on top of the `remote-rendering` client.
//!
//! stdout carries results (tables or one JSON document); everything else
//! (progress, hints, logs, errors) goes to stderr. Exit codes are listed in
//! [`error::EXIT_CODES_HELP`].

use clap::Parser as _;
use cli::{Cli, Command, ConfigSubcommand};
use commands::Context;
use error::{CliError, CliResult};
use remote_rendering::ApiVersion;
use remote_rendering_cli::output::Printer;
use remote_rendering_cli::settings::{self, ArrConfig};
use remote_rendering_cli::sources::Source;
use remote_rendering_cli::{
    cancel, cli, commands, deadline, error, escape, placeholders, quickstart,
};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose, matches!(cli.command, Command::Emulator(_)));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(error::SERVICE);
        }
    };
    let printer = Printer::new(cli.output);
    // `arr emulator` shuts down gracefully on Ctrl-C/SIGTERM by itself.
    let serves = matches!(cli.command, Command::Emulator(_));
    let deadline = deadline::Deadline::start(match &cli.command {
        Command::Session(c) => c.connection.timeout,
        Command::Conversion(c) => c.connection.timeout,
        Command::Token(a) => a.connection.timeout,
        _ => None,
    });
    let result = runtime.block_on(async {
        if serves {
            return run(cli, &printer, deadline).await;
        }
        let expired = async {
            match deadline.timeout() {
                Some(timeout) => tokio::time::sleep(timeout + deadline::GRACE).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            result = run(cli, &printer, deadline) => result,
            () = expired => Err(CliError::service(deadline.message(
                "a request already sent may still take effect",
            ))),
            () = cancel::until_unhandled_signal() => Err(CliError::interrupted(
                "interrupted: cancelled; a request already sent may still take effect \
                 (check with `arr session list` or `arr conversion list`)",
            )),
        }
    });
    if let Some(kind) = printer.write_error() {
        // Exit 0 with nothing written would make a script trust an empty result.
        eprintln!("error: cannot write the result to stdout: {kind}");
        return ExitCode::from(error::OUTPUT);
    }
    match result {
        Ok(()) => ExitCode::from(error::SUCCESS),
        Err(e) => {
            // Error messages quote the service's words: no raw escapes.
            eprintln!("error: {}", escape::escape_controls(&e.to_string()));
            ExitCode::from(e.code)
        }
    }
}

async fn run(cli: Cli, printer: &Printer, deadline: deadline::Deadline) -> CliResult {
    let config = match &cli.config {
        Some(path) => ArrConfig::load(path)?,
        None => ArrConfig::default(),
    };
    if let Some(path) = &cli.config
        && !matches!(&cli.command, Command::Config(c) if matches!(c.command, ConfigSubcommand::Validate(_)))
    {
        // `config validate` lists them itself; everything else says so once.
        let keys = config.placeholder_keys();
        if !keys.is_empty() {
            eprintln!("{}", placeholders::warning(path, &keys));
        }
    }
    let (api_version, api_version_source) = match cli.api_version {
        Some(version) => (version, Source::Flag("--api-version")),
        None => match settings::process_env("ARR_API_VERSION") {
            Some(name) => (
                name.parse()
                    .map_err(|e| CliError::usage(format!("ARR_API_VERSION: {e}")))?,
                Source::Env("ARR_API_VERSION"),
            ),
            None => (ApiVersion::default(), Source::Default),
        },
    };
    let ctx = Context {
        printer: printer.clone(),
        deadline,
        config,
        config_path: cli.config.clone(),
        api_version,
        api_version_source,
    };
    match cli.command {
        Command::Session(cmd) => commands::session(&ctx, cmd).await,
        Command::Conversion(cmd) => commands::conversion(&ctx, cmd).await,
        Command::Token(args) => commands::token(&ctx, args).await,
        Command::Emulator(args) => remote_rendering_emulator::cli::run(args)
            .await
            .map_err(CliError::service),
        Command::Quickstart(args) => quickstart::run(&ctx.printer, args, ctx.api_version).await,
        Command::Config(cmd) => commands::config(&ctx, cmd),
        Command::Schema(args) => commands::schema(&ctx, args),
    }
}

/// Logs go to stderr. `-v` raises the level of this program and the client
/// library only: dependencies (HTTP stack) stay at `warn`, so request headers
/// with credentials are never logged. `RUST_LOG` overrides everything.
fn init_tracing(verbose: u8, emulator: bool) {
    let level = ["warn", "info", "debug", "trace"][usize::from(verbose.min(3))];
    // The emulator logs its requests at info, as `arr-emulator` does.
    let emulator_level = if emulator && verbose == 0 {
        "info"
    } else {
        level
    };
    let default = format!(
        "warn,arr={level},remote_rendering={level},remote_rendering_emulator={emulator_level}"
    );
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter)
        .init();
}
