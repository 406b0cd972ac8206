//! The session, conversion and token commands.

use crate::cli::{
    ConfigCommand, ConfigSubcommand, ConnectionArgs, ConversionCommand, ConversionSubcommand,
    KeepAliveArgs, SchemaArgs, SessionCommand, SessionSubcommand, TokenArgs,
};
use crate::connection::Connection;
use crate::documents::{
    self, ExtensionDocument, KeepAliveDocument, SessionStopDocument, TokenDocument, to_value,
};
use crate::duration::format_duration;
use crate::error::{CliError, CliResult, FAILED};
use crate::output::{
    Printer, conversion_json, conversion_rows, conversions_table, format_time, render_rows,
    session_json, session_rows, sessions_table,
};
use crate::settings::{ArrConfig, conversion_locations, process_env, session_options};
use crate::sources::{Source, Sourced};
use crate::status_filter::matches;
use crate::wait::Interrupt;
use crate::waiting::wait_for;
use futures::TryStreamExt as _;
use remote_rendering::{
    ApiVersion, Client, ConversionId, LeaseEvent, LeaseKeeperOptions, SessionId,
};
use serde_json::json;

/// What every command needs: where output goes and the loaded config file.
pub struct Context {
    /// stdout formatting.
    pub printer: Printer,
    /// The `--config` file, or an empty one.
    pub config: ArrConfig,
    /// Where the `--config` file is, if one was given.
    pub config_path: Option<std::path::PathBuf>,
    /// The command's `--timeout`.
    pub deadline: crate::deadline::Deadline,
    /// The API version every command speaks (`--api-version`, `ARR_API_VERSION`).
    pub api_version: ApiVersion,
    /// Where [`Context::api_version`] came from.
    pub api_version_source: Source,
}

impl Context {
    fn client(&self, args: &ConnectionArgs) -> CliResult<Client> {
        let client = Connection::resolve(args, &self.config, &process_env)?
            .with_api_version(self.api_version)
            .client()?;
        tracing::debug!(endpoint = client.endpoint(), sts = client.sts_endpoint(), account = %client.account_id(), api_version = %client.api_version(), "client ready");
        Ok(client)
    }

    pub(crate) fn print_session(&self, session: &remote_rendering::Session) {
        self.printer.print(
            || render_rows(&session_rows(session)),
            || session_json(session),
        );
    }

    pub(crate) fn print_conversion(&self, conversion: &remote_rendering::Conversion) {
        self.printer.print(
            || render_rows(&conversion_rows(conversion)),
            || conversion_json(conversion),
        );
    }
}

fn listen_for_interrupt() -> CliResult<Interrupt> {
    Interrupt::listen().map_err(|e| CliError::service(format!("cannot listen for Ctrl-C: {e}")))
}

/// Runs `arr session ...`.
pub async fn session(ctx: &Context, cmd: SessionCommand) -> CliResult {
    let client = ctx.client(&cmd.connection)?;
    match cmd.command {
        SessionSubcommand::Start(args) => {
            let id = args.id.as_deref().map(SessionId::new).transpose()?;
            let options = session_options(&args, &ctx.config)?;
            // Listen before anything is sent, so Ctrl-C never kills the process
            // between creating the session and printing how to find it again.
            let mut interrupt = if args.wait {
                Some(listen_for_interrupt()?)
            } else {
                None
            };
            // Without --id the id is picked for us (by the service on v1).
            let poller = match &id {
                Some(id) => client.start_session(id, &options).await?,
                None => client.start_new_session(&options).await?,
            };
            let id = SessionId::new(poller.id())?;
            crate::status_line!(
                "Started session {id} ({}, lease {}).",
                options.size,
                format_duration(options.lease)
            );
            match interrupt.as_mut() {
                Some(interrupt) => {
                    wait_for(
                        ctx,
                        &client,
                        poller,
                        &args.wait_options,
                        args.stop_on_cancel,
                        interrupt,
                    )
                    .await
                }
                None => {
                    if let Some(session) = poller.last() {
                        ctx.print_session(session);
                    }
                    let version = match ctx.api_version {
                        ApiVersion::V2021_01_01 => String::new(),
                        other => format!("--api-version {other} "),
                    };
                    crate::status_line!(
                        "Wait until it is Ready with: arr {version}session wait {id}"
                    );
                    Ok(())
                }
            }
        }
        SessionSubcommand::Get(args) => {
            let session = client.get_session(&SessionId::new(args.id)?).await?;
            ctx.print_session(&session);
            Ok(())
        }
        SessionSubcommand::List(args) => {
            let sessions: Vec<_> = client
                .list_sessions()
                .try_filter(|s| std::future::ready(matches(&args.status, &s.status)))
                .try_collect()
                .await?;
            ctx.printer.print(
                || sessions_table(&sessions),
                || json!(sessions.iter().map(session_json).collect::<Vec<_>>()),
            );
            Ok(())
        }
        SessionSubcommand::Extend(args) => {
            let id = SessionId::new(args.id)?;
            let session = match (args.by, args.to) {
                (Some(by), _) => client.extend_lease(&id, by).await?,
                (None, Some(to)) => {
                    // `extend` never shortens: a total below the current
                    // lease is the user's mistake, found before the call.
                    let current = client.get_session(&id).await?;
                    if let Some(lease) = current.max_lease.filter(|lease| to < *lease) {
                        return Err(CliError::usage(format!(
                            "session {id} already has a {} lease; --to {} would shorten it \
                             (give a larger total, or --by to add to it)",
                            format_duration(lease),
                            format_duration(to)
                        )));
                    }
                    client.update_lease(&id, to).await?
                }
                // clap's argument group requires one of them.
                (None, None) => return Err(CliError::usage("give --by or --to")),
            };
            ctx.print_session(&session);
            Ok(())
        }
        SessionSubcommand::Stop(args) if args.all => {
            crate::stop_all::run(&ctx.printer, &client, args.yes).await
        }
        SessionSubcommand::Stop(args) => {
            // clap's argument group requires an id without --all.
            let id = SessionId::new(args.id.unwrap_or_default())?;
            client.stop_session(&id).await?;
            ctx.printer.print(
                || format!("Stopped session {id}.\n"),
                || {
                    to_value(&SessionStopDocument {
                        id: id.to_string(),
                        stopped: true,
                    })
                },
            );
            Ok(())
        }
        SessionSubcommand::Wait(args) => {
            let id = SessionId::new(args.id)?;
            let mut interrupt = listen_for_interrupt()?;
            let poller = client.session_poller(id);
            wait_for(
                ctx,
                &client,
                poller,
                &args.wait_options,
                args.stop_on_cancel,
                &mut interrupt,
            )
            .await
        }
        SessionSubcommand::KeepAlive(args) => keep_alive(ctx, &client, args).await,
    }
}

async fn keep_alive(ctx: &Context, client: &Client, args: KeepAliveArgs) -> CliResult {
    let id = SessionId::new(args.id)?;
    let mut interrupt = listen_for_interrupt()?;
    let options = LeaseKeeperOptions::default()
        .with_margin(args.margin)
        .with_step(args.step)
        .with_check_interval(args.check_interval);
    let mut keeper = client.keep_alive(id.clone(), options)?;
    crate::status_line!(
        "Keeping session {id} alive: extending by {} when less than {} is left. Ctrl-C to stop.",
        format_duration(args.step),
        format_duration(args.margin)
    );
    let mut extensions = Vec::new();
    let summary = |extensions: &Vec<ExtensionDocument>, ended: Option<String>| {
        to_value(&KeepAliveDocument {
            id: id.to_string(),
            extensions: extensions.clone(),
            ended_status: ended,
        })
    };
    loop {
        let event = tokio::select! {
            event = keeper.next_event() => event,
            () = interrupt.recv() => {
                ctx.printer.print(String::new, || summary(&extensions, None));
                return Err(CliError::interrupted(format!(
                    "interrupted: stopped keeping session {id} alive; it keeps running until its lease ends"
                )));
            }
        };
        match event {
            Some(Ok(LeaseEvent::Extended { from, to })) => {
                ctx.printer.note(format!(
                    "Extended the lease of session {id} from {} to {}.",
                    format_duration(from),
                    format_duration(to)
                ));
                extensions.push(ExtensionDocument {
                    from_minutes: from.as_secs() / 60,
                    to_minutes: to.as_secs() / 60,
                });
            }
            Some(Ok(LeaseEvent::AtMaximum { lease })) => ctx.printer.note(format!(
                "The lease of session {id} is at the {} maximum; it cannot be extended further.",
                format_duration(lease)
            )),
            Some(Ok(LeaseEvent::Ended { status })) => {
                ctx.printer.print(String::new, || {
                    summary(&extensions, Some(status.to_string()))
                });
                return Err(CliError::new(
                    FAILED,
                    format!("session {id} ended {status}; nothing left to keep alive"),
                ));
            }
            Some(Ok(other)) => tracing::info!(?other, "lease keeper"),
            // The keeper goes on after transient errors and ends after the others.
            Some(Err(error)) if error.is_retryable() => {
                tracing::warn!("lease keeper: {error}; retrying");
            }
            Some(Err(error)) => return Err(error.into()),
            None => return Err(CliError::service("the lease keeper ended unexpectedly")),
        }
    }
}

/// Runs `arr conversion ...`.
pub async fn conversion(ctx: &Context, cmd: ConversionCommand) -> CliResult {
    let client = ctx.client(&cmd.connection)?;
    match cmd.command {
        ConversionSubcommand::Start(args) => {
            let id = match &args.id {
                Some(id) => ConversionId::new(id.as_str())?,
                None => ConversionId::generate(),
            };
            if args.storage.upload.is_some() {
                return crate::upload::start(ctx, &client, &args, id, &process_env).await;
            }
            let (input, output) = conversion_locations(&args, &ctx.config, &process_env)?;
            let mut interrupt = if args.wait {
                Some(listen_for_interrupt()?)
            } else {
                None
            };
            let poller = client.start_conversion(&id, &input, &output).await?;
            crate::status_line!(
                "Started conversion {id} of {}.",
                input.relative_input_asset_path
            );
            match interrupt.as_mut() {
                Some(interrupt) => {
                    wait_for(ctx, &client, poller, &args.wait_options, false, interrupt).await
                }
                None => {
                    if let Some(conversion) = poller.last() {
                        ctx.print_conversion(conversion);
                    }
                    crate::status_line!("Wait until it finishes with: arr conversion wait {id}");
                    Ok(())
                }
            }
        }
        ConversionSubcommand::Get(args) => {
            let conversion = client.get_conversion(&ConversionId::new(args.id)?).await?;
            ctx.print_conversion(&conversion);
            Ok(())
        }
        ConversionSubcommand::List(args) => {
            let conversions: Vec<_> = client
                .list_conversions()
                .try_filter(|c| std::future::ready(matches(&args.status, &c.status)))
                .try_collect()
                .await?;
            ctx.printer.print(
                || conversions_table(&conversions),
                || json!(conversions.iter().map(conversion_json).collect::<Vec<_>>()),
            );
            Ok(())
        }
        ConversionSubcommand::Download(args) => {
            crate::download::run(ctx, &client, args, &process_env).await
        }
        ConversionSubcommand::Wait(args) => {
            let id = ConversionId::new(args.id)?;
            let mut interrupt = listen_for_interrupt()?;
            let poller = client.conversion_poller(id);
            wait_for(
                ctx,
                &client,
                poller,
                &args.wait_options,
                false,
                &mut interrupt,
            )
            .await
        }
    }
}

/// Runs `arr token`: the one command that prints a secret, because asking
/// for it is the point.
pub async fn token(ctx: &Context, args: TokenArgs) -> CliResult {
    let client = ctx.client(&args.connection)?;
    let token = client.access_token().await?;
    ctx.printer.print(
        || format!("{}\n", token.secret()),
        || {
            to_value(&TokenDocument {
                access_token: token.secret().to_string(),
                expires_on: token.expires_on.as_ref().map(format_time),
            })
        },
    );
    Ok(())
}

/// Runs `arr config ...`.
pub fn config(ctx: &Context, cmd: ConfigCommand) -> CliResult {
    match cmd.command {
        ConfigSubcommand::Schema => {
            let schema = schemars::schema_for!(ArrConfig);
            print_schema(ctx, &schema)
        }
        ConfigSubcommand::Show(args) => {
            let settings = crate::config_show::effective(&config_inputs(ctx, &args));
            crate::config_show::print(&ctx.printer, ctx.config_path.as_deref(), &settings);
            Ok(())
        }
        ConfigSubcommand::Validate(args) => {
            let problems = crate::config_validate::problems(&config_inputs(ctx, &args));
            crate::config_validate::report(&ctx.printer, ctx.config_path.as_deref(), problems)
        }
    }
}

fn config_inputs<'a>(
    ctx: &'a Context,
    args: &'a crate::cli::ConfigCheckArgs,
) -> crate::config_show::Inputs<'a> {
    crate::config_show::Inputs {
        args: &args.connection,
        config: &ctx.config,
        api_version: Sourced::new(ctx.api_version, ctx.api_version_source.clone()),
        env: &process_env,
    }
}

/// Runs `arr schema NAME`.
pub fn schema(ctx: &Context, args: SchemaArgs) -> CliResult {
    print_schema(ctx, &documents::schema(args.name))
}

/// A schema is a JSON document whatever `--output` says.
fn print_schema(_: &Context, schema: &schemars::schema::RootSchema) -> CliResult {
    let text = serde_json::to_string_pretty(schema)
        .map_err(|e| CliError::service(format!("cannot write the schema: {e}")))?;
    println!("{text}");
    Ok(())
}
