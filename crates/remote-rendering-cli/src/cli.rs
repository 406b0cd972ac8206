//! The command line: every command, flag and help text.

use crate::duration::{parse_duration, parse_lease};
use crate::error::EXIT_CODES_HELP;
use crate::terminal::ColorMode;
use clap::{ArgAction, ArgGroup, Args, Parser, Subcommand, ValueEnum};
use remote_rendering::{ApiVersion, ConversionStatus, SessionSize, SessionStatus};
use std::path::PathBuf;
use std::time::Duration;

/// Manage Azure Remote Rendering sessions and asset conversions.
///
/// Settings come from flags, then ARR_* environment variables, then the
/// sample scripts' arrconfig.json given with --config.
/// New here? Run `arr quickstart`.
#[derive(Debug, Parser)]
#[command(name = "arr", version, after_help = EXIT_CODES_HELP, max_term_width = 100)]
pub struct Cli {
    /// Read settings from an arrconfig.json (as used by the PowerShell sample scripts).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format on stdout: human tables, or exactly one JSON document (also on failure: `arr schema error`).
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// ARR API version every command speaks [env: ARR_API_VERSION] [default: 2021-01-01]
    #[arg(long, global = true, value_name = "VERSION", value_parser = api_version_parser())]
    pub api_version: Option<ApiVersion>,
    /// More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// No progress, retry or hint lines on stderr; errors are still printed.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Style the output: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorMode::Auto, hide_possible_values = true)]
    pub color: ColorMode,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// What `arr` prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    // Plain comments, not doc comments: clap would list documented values
    // at length under every subcommand's --help.
    // Aligned columns for people.
    Table,
    // One JSON document for scripts.
    Json,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start, inspect, extend and stop rendering sessions.
    Session(SessionCommand),
    /// Convert assets and follow conversions.
    Conversion(ConversionCommand),
    /// Print an STS access token on stdout, for scripts.
    Token(TokenArgs),
    /// Run the local emulator in the foreground (same flags and JSON line as `arr-emulator`).
    Emulator(remote_rendering_emulator::cli::EmulatorArgs),
    /// Walk through a whole job against an in-process emulator.
    Quickstart(QuickstartArgs),
    /// Show and check the effective settings; describe the configuration file format.
    Config(ConfigCommand),
    /// Print the JSON Schema of a command's `--output json` document.
    Schema(SchemaArgs),
    /// Print a shell completion script on stdout.
    ///
    /// E.g. `arr completions bash > ~/.local/share/bash-completion/completions/arr`,
    /// `arr completions zsh > ~/.zfunc/_arr` (with ~/.zfunc in $fpath), or
    /// `arr completions fish > ~/.config/fish/completions/arr.fish`.
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout, or write one per command with --out.
    ///
    /// E.g. `arr man | man -l -`, or `arr man --out ~/.local/share/man/man1`.
    Man(ManArgs),
}

/// Parses `--api-version` with the client's one version grammar, listing
/// the versions in `--help`.
fn api_version_parser() -> impl clap::builder::TypedValueParser<Value = ApiVersion> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(ApiVersion::ALL.map(ApiVersion::as_str))
        .try_map(|name: String| name.parse::<ApiVersion>())
}

/// `arr config ...`
#[derive(Debug, Args)]
pub struct ConfigCommand {
    /// The config command.
    #[command(subcommand)]
    pub command: ConfigSubcommand,
}

/// Config commands.
#[derive(Debug, Subcommand)]
pub enum ConfigSubcommand {
    /// Print the JSON Schema of arrconfig.json, for editors to validate it.
    Schema,
    /// Print the effective settings and where each comes from (secrets are never shown).
    Show(ConfigCheckArgs),
    /// Check the settings (flags, ARR_* variables, --config file) without any network call; exit 2 when invalid.
    Validate(ConfigCheckArgs),
}

/// `arr config show` and `arr config validate`: the connection flags they
/// take into account, as every network command would.
#[derive(Debug, Args)]
pub struct ConfigCheckArgs {
    /// How to reach the service.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// `arr schema`
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which document.
    #[arg(value_enum)]
    pub name: DocumentName,
}

/// The JSON documents `--output json` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocumentName {
    /// `session start --wait`, `session get`, `session wait`, `session extend`.
    Session,
    /// `session list`.
    SessionList,
    /// `session stop`.
    SessionStop,
    /// `session keep-alive`.
    KeepAlive,
    /// `conversion start --wait`, `conversion get`, `conversion wait`.
    Conversion,
    /// `conversion list`.
    ConversionList,
    /// `token`.
    Token,
    /// `quickstart`.
    Quickstart,
    /// `session stop --all`.
    SessionStopAll,
    /// `config show`.
    ConfigShow,
    /// `config validate`.
    ConfigValidate,
    /// Any command that fails, with `--output json`.
    Error,
}

/// How to reach the service. Each flag falls back to its environment
/// variable, then to the --config file.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectionArgs {
    /// Account id (UUID) [env: ARR_ACCOUNT_ID] [config: accountSettings.arrAccountId]
    #[arg(long, global = true, value_name = "UUID")]
    pub account_id: Option<String>,
    /// Account key; prefer the variable, which stays out of process lists [env: ARR_ACCOUNT_KEY] [config: accountSettings.arrAccountKey]
    #[arg(long, global = true, value_name = "KEY")]
    pub account_key: Option<String>,
    /// Account domain, e.g. eastus.mixedreality.azure.com [env: ARR_ACCOUNT_DOMAIN] [config: accountSettings.arrAccountDomain]
    #[arg(long, global = true, value_name = "DOMAIN")]
    pub account_domain: Option<String>,
    /// Service endpoint URL [env: ARR_ENDPOINT] [config: renderingSessionSettings.remoteRenderingDomain]
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Region, e.g. westus2; the endpoint is derived from it [env: ARR_REGION] [config: accountSettings.region]
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// STS endpoint URL (default https://sts.{account domain}) [env: ARR_STS_ENDPOINT]
    #[arg(long, global = true, value_name = "URL")]
    pub sts_endpoint: Option<String>,
    /// Root certificates (PEM) to trust instead of the system's, e.g. the emulator's [env: ARR_CA_CERT]
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Poll interval while waiting (default: the service's Retry-After, else 2s/10s)
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub poll_interval: Option<Duration>,
    /// Give up after this long: the whole command, waiting included; exit 4
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Timeout of one HTTP request (default 30s)
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub request_timeout: Option<Duration>,
    /// How often a failed request is retried (default 5)
    #[arg(long, global = true, value_name = "N", conflicts_with = "no_retry")]
    pub retries: Option<u32>,
    /// Do not retry failed requests
    #[arg(long, global = true)]
    pub no_retry: bool,
}

/// `arr session ...`
#[derive(Debug, Args)]
pub struct SessionCommand {
    /// How to reach the service.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// The session command.
    #[command(subcommand)]
    pub command: SessionSubcommand,
}

/// Session commands.
#[derive(Debug, Subcommand)]
pub enum SessionSubcommand {
    /// Start a session (a fresh id is generated and printed unless --id is given).
    Start(SessionStartArgs),
    /// Show one session.
    Get(SessionIdArg),
    /// List the sessions that are not stopped.
    List(SessionListArgs),
    /// Extend a session's lease, by an amount or to a total.
    Extend(SessionExtendArgs),
    /// Stop a session, or with --all every session still starting or running.
    Stop(SessionStopArgs),
    /// Wait until a session is Ready (or ends).
    Wait(SessionWaitArgs),
    /// Keep extending a session's lease until Ctrl-C or until the session ends.
    KeepAlive(KeepAliveArgs),
}

/// Parses `--size` with the client's one size grammar
/// ([`SessionSize::known`]), listing the choices in `--help`.
fn size_parser() -> impl clap::builder::TypedValueParser<Value = SessionSize> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(["standard", "premium"])
        .try_map(|name: String| SessionSize::known(&name).ok_or("not a session size"))
}

/// Options of a wait. How long to wait is the global `--timeout`.
#[derive(Debug, Clone, Default, Args)]
pub struct WaitOptions {}

/// `arr session start`
#[derive(Debug, Clone, Default, Args)]
pub struct SessionStartArgs {
    /// Session id (letters, digits, '-', '_'); generated when omitted.
    #[arg(long)]
    pub id: Option<String>,
    /// Server size [config: renderingSessionSettings.vmSize] [default: standard]
    #[arg(long, value_parser = size_parser(), ignore_case = true)]
    pub size: Option<SessionSize>,
    /// Lease: 4h, 90m, 1h30m or hh:mm:ss, whole minutes [config: renderingSessionSettings.maxLeaseTime] [default: 4h]
    #[arg(long, value_name = "DURATION", value_parser = parse_lease)]
    pub lease: Option<Duration>,
    /// Wait until the session is Ready, showing progress.
    #[arg(long)]
    pub wait: bool,
    /// On Ctrl-C while waiting, stop the session instead of leaving it running.
    #[arg(long, requires = "wait")]
    pub stop_on_cancel: bool,
    /// Wait options.
    #[command(flatten)]
    pub wait_options: WaitOptions,
}

/// A session id argument.
#[derive(Debug, Clone, Args)]
pub struct SessionIdArg {
    /// Session id.
    pub id: String,
}

/// `arr session list`
#[derive(Debug, Clone, Default, Args)]
pub struct SessionListArgs {
    /// Only sessions in these states (comma-separated or repeated, any case).
    #[arg(long, value_name = "STATUS", value_delimiter = ',', ignore_case = true,
          value_parser = crate::status_filter::session_status_parser())]
    pub status: Vec<SessionStatus>,
}

/// `arr session stop`
#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("which").required(true).multiple(false).args(["id", "all"])))]
pub struct SessionStopArgs {
    /// Session id.
    pub id: Option<String>,
    /// Stop every session that is not already Stopped, Expired or Error (asks first).
    #[arg(long)]
    pub all: bool,
    /// With --all: stop without asking (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `arr session extend`
#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("amount").required(true).multiple(false).args(["by", "to"])))]
pub struct SessionExtendArgs {
    /// Session id.
    pub id: String,
    /// Add this much to the current lease (whole minutes).
    #[arg(long, value_name = "DURATION", value_parser = parse_lease)]
    pub by: Option<Duration>,
    /// Set the total lease, counted from when the session became Ready (whole minutes).
    #[arg(long, value_name = "DURATION", value_parser = parse_lease)]
    pub to: Option<Duration>,
}

/// `arr session wait`
#[derive(Debug, Clone, Args)]
pub struct SessionWaitArgs {
    /// Session id.
    pub id: String,
    /// On Ctrl-C, stop the session instead of leaving it running.
    #[arg(long)]
    pub stop_on_cancel: bool,
    /// Wait options.
    #[command(flatten)]
    pub wait_options: WaitOptions,
}

/// `arr session keep-alive`
#[derive(Debug, Clone, Args)]
pub struct KeepAliveArgs {
    /// Session id.
    pub id: String,
    /// Extend when less than this much lease is left.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub margin: Duration,
    /// Extend by this much each time (whole minutes).
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_lease)]
    pub step: Duration,
    /// How often to check the session.
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = parse_duration)]
    pub check_interval: Duration,
}

/// `arr conversion ...`
#[derive(Debug, Args)]
pub struct ConversionCommand {
    /// How to reach the service.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// The conversion command.
    #[command(subcommand)]
    pub command: ConversionSubcommand,
}

/// Conversion commands.
#[derive(Debug, Subcommand)]
pub enum ConversionSubcommand {
    /// Start converting an asset (a fresh id is generated and printed unless --id is given).
    Start(Box<ConversionStartArgs>),
    /// Show one conversion.
    Get(ConversionIdArg),
    /// List the account's conversions.
    List(ConversionListArgs),
    /// Wait until a conversion finishes.
    Wait(ConversionWaitArgs),
    /// Download what a Succeeded conversion wrote (the .arrAsset, result and info files).
    Download(crate::download::DownloadArgs),
}

/// `arr conversion list`
#[derive(Debug, Clone, Default, Args)]
pub struct ConversionListArgs {
    /// Only conversions in these states (comma-separated or repeated, any case).
    #[arg(long, value_name = "STATUS", value_delimiter = ',', ignore_case = true,
          value_parser = crate::status_filter::conversion_status_parser())]
    pub status: Vec<ConversionStatus>,
}

/// `arr conversion start`
#[derive(Debug, Clone, Default, Args)]
pub struct ConversionStartArgs {
    /// Input blob container URL (a name with --upload) [config: assetConversionSettings.storageAccountName + blobInputContainerName]
    #[arg(long, value_name = "URI")]
    pub input_container: Option<String>,
    /// Read/list SAS for the input container, if the account is not linked to the storage [env: ARR_INPUT_SAS]
    #[arg(long, value_name = "SAS")]
    pub input_sas: Option<String>,
    /// Only read input blobs under this prefix [config: assetConversionSettings.inputFolderPath]
    #[arg(long, value_name = "P")]
    pub input_prefix: Option<String>,
    /// Asset to convert, relative to the container and prefix [config: assetConversionSettings.inputAssetPath]
    #[arg(long, value_name = "RELATIVE_PATH")]
    pub asset: Option<String>,
    /// Output blob container URL (a name with --upload) [config: assetConversionSettings.storageAccountName + blobOutputContainerName]
    #[arg(long, value_name = "URI")]
    pub output_container: Option<String>,
    /// Write SAS for the output container [env: ARR_OUTPUT_SAS]
    #[arg(long, value_name = "SAS")]
    pub output_sas: Option<String>,
    /// Write output blobs under this prefix [config: assetConversionSettings.outputFolderPath]
    #[arg(long, value_name = "P")]
    pub output_prefix: Option<String>,
    /// Name of the .arrAsset file [config: assetConversionSettings.outputAssetFileName]
    #[arg(long, value_name = "NAME")]
    pub output_name: Option<String>,
    /// Conversion id; generated when omitted.
    #[arg(long)]
    pub id: Option<String>,
    /// Wait until the conversion finishes, showing progress.
    #[arg(long)]
    pub wait: bool,
    /// Wait options.
    #[command(flatten)]
    pub wait_options: WaitOptions,
    /// Upload a local model first (--upload and the storage flags).
    #[command(flatten)]
    pub storage: crate::storage_args::StorageArgs,
}

/// A conversion id argument.
#[derive(Debug, Clone, Args)]
pub struct ConversionIdArg {
    /// Conversion id.
    pub id: String,
}

/// `arr conversion wait`
#[derive(Debug, Clone, Args)]
pub struct ConversionWaitArgs {
    /// Conversion id.
    pub id: String,
    /// Wait options.
    #[command(flatten)]
    pub wait_options: WaitOptions,
}

/// `arr token`
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// How to reach the service.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// `arr quickstart`
#[derive(Debug, Clone, Args)]
pub struct QuickstartArgs {
    /// How long the emulated session takes to start.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub session_startup: Duration,
    /// How long the emulated conversion takes.
    #[arg(long, value_name = "DURATION", default_value = "3s", value_parser = parse_duration)]
    pub conversion_duration: Duration,
}

/// `arr completions`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `arr man`
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write arr.1 and a page per subcommand into this folder instead.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn session_size_is_accepted_in_any_case() {
        // Issue 13: the config's "Standard" was accepted, `--size Premium` was not.
        for size in ["premium", "Premium", "PREMIUM"] {
            let cli = Cli::try_parse_from(["arr", "session", "start", "--size", size])
                .unwrap_or_else(|e| panic!("{size}: {e}"));
            let Command::Session(session) = cli.command else {
                panic!("not a session command");
            };
            let SessionSubcommand::Start(start) = session.command else {
                panic!("not session start");
            };
            assert_eq!(start.size, Some(SessionSize::Premium), "{size}");
        }
        assert!(Cli::try_parse_from(["arr", "session", "start", "--size", "huge"]).is_err());
    }
}
