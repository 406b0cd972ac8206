//! `arr`: manage Azure Remote Rendering sessions and asset conversions from a
//! terminal or CI, on top of the `remote-rendering` client.
//!
//! stdout carries results (tables or one JSON document); everything else
//! (progress, hints, logs, errors) goes to stderr. Exit codes are listed in
//! [`error::EXIT_CODES_HELP`].

use clap::{CommandFactory as _, FromArgMatches as _, ValueEnum as _};
use cli::{Cli, Command, ConfigSubcommand, OutputFormat};
use commands::Context;
use error::{CliError, CliResult};
use remote_rendering::ApiVersion;
use remote_rendering_cli::output::Printer;
use remote_rendering_cli::retry_lines::RetryLines;
use remote_rendering_cli::settings::{self, ArrConfig};
use remote_rendering_cli::sources::Source;
use remote_rendering_cli::terminal::{self, ColorMode, Terminal};
use remote_rendering_cli::{
    cancel, cli, commands, deadline, error, escape, manual, placeholders, quickstart,
};
use std::ffi::OsString;
use std::process::ExitCode;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    // clap's own help and errors honour --color and --output json too, so
    // both are read before clap parses (and validates) them.
    let early_color = early_value(&args, "--color")
        .and_then(|v| ColorMode::from_str(&v, true).ok())
        .unwrap_or_default();
    let early_terminal = Terminal::detect(false, early_color);
    let parsed = Cli::command()
        .color(early_terminal.clap_color())
        .try_get_matches_from(&args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            return usage_error(
                &e,
                early_value(&args, "--output").as_deref() == Some("json"),
            );
        }
    };
    let terminal = Terminal::detect(cli.quiet, cli.color);
    terminal::init(terminal);
    init_tracing(
        cli.verbose,
        matches!(cli.command, Command::Emulator(_)),
        &terminal,
    );
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
            () = expired => Err(CliError::timeout(deadline.message(
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
            printer.print_error(&e);
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
        Command::Completions(args) => {
            manual::completions(&ctx.printer, args.shell);
            Ok(())
        }
        Command::Man(args) => manual::man(&ctx.printer, args.out.as_deref()),
    }
}

/// Prints clap's error (or help, or version) and exits with clap's code;
/// with `--output json` a usage error is also the JSON error document.
fn usage_error(error: &clap::Error, json: bool) -> ExitCode {
    let code = error.exit_code();
    let _ = error.print();
    if code != 0 && json {
        // The first line without styling, e.g. "unexpected argument '--x' found".
        let rendered = error.render().to_string();
        let first = rendered.lines().next().unwrap_or_default();
        let cli_error = CliError::usage(first.trim_start_matches("error: "));
        Printer::new(OutputFormat::Json).print_error(&cli_error);
    }
    ExitCode::from(u8::try_from(code).unwrap_or(error::USAGE))
}

/// The value of `--name VALUE` or `--name=VALUE` (the last one) before a
/// `--`, read before clap parses the command line.
fn early_value(args: &[OsString], name: &str) -> Option<String> {
    let mut found = None;
    let mut args = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        if arg == name {
            found = args.next().map(|v| v.into_owned());
        } else if let Some(value) = arg.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
            found = Some(value.to_string());
        }
    }
    found
}

/// Logs go to stderr. `-v` raises the level of this program and the client
/// library only; dependencies (TLS, HTTP stack) say nothing at the default
/// verbosity (a refused certificate is reported once, as the error) and stay
/// at `warn` with `-v`, so request headers with credentials are never
/// logged. `--quiet` leaves errors only. `RUST_LOG` overrides everything.
///
/// At the default verbosity with stderr on a terminal, retries in progress
/// are shown as plain lines ([`RetryLines`]); in a pipe or CI log they are not.
fn init_tracing(verbose: u8, emulator: bool, terminal: &Terminal) {
    let level = match terminal.quiet() {
        true => "error",
        false => ["warn", "info", "debug", "trace"][usize::from(verbose.min(3))],
    };
    let dependencies = if verbose == 0 { "off" } else { "warn" };
    // The emulator logs its requests at info, as `arr-emulator` does.
    let emulator_level = if emulator && verbose == 0 && !terminal.quiet() {
        "info"
    } else {
        level
    };
    let default = format!(
        "{dependencies},arr={level},remote_rendering={level},remote_rendering_emulator={emulator_level}"
    );
    let from_env = tracing_subscriber::EnvFilter::try_from_default_env().ok();
    let retry_lines =
        from_env.is_none() && verbose == 0 && !terminal.quiet() && terminal.stderr_is_terminal();
    let filter = from_env.unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default));
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(terminal.stderr_color())
        .with_filter(filter);
    tracing_subscriber::registry()
        .with(logs)
        .with(retry_lines.then(RetryLines::layer))
        .init();
}
