//! `arr quickstart`: the whole job against an in-process emulator, step by step.

use crate::cli::QuickstartArgs;
use crate::documents::{QuickstartConversion, QuickstartDocument, QuickstartSession, to_value};
use crate::duration::format_duration;
use crate::error::{CliError, CliResult};
use crate::output::{Printer, format_time, sessions_table};
use crate::wait::{Interrupt, WaitOutcome, wait_with_progress};
use futures::TryStreamExt as _;
use remote_rendering::{
    ApiVersion, Client, ConversionId, ConversionInput, ConversionOutput, Credential, SessionId,
    SessionOptions, SessionSize,
};
use remote_rendering_emulator::{Emulator, LinkedStorage};
use std::time::{Duration, Instant};

const STORAGE: &str = "https://quickstartstorage.blob.core.windows.net";
const ASSET: &str = "models/robot.fbx";

/// Runs the quickstart, speaking `api_version` to the emulator.
pub async fn run(printer: &Printer, args: QuickstartArgs, api_version: ApiVersion) -> CliResult {
    let started = Instant::now();
    let mut interrupt = Interrupt::listen()
        .map_err(|e| CliError::service(format!("cannot listen for Ctrl-C: {e}")))?;
    // The quickstart's storage account is linked to the emulated account,
    // as the walk-through gives no SAS (the service refuses that otherwise).
    let linked = LinkedStorage::new("quickstartstorage")
        .map_err(|e| CliError::service(format!("cannot link the quickstart storage: {e}")))?;
    let emulator = Emulator::builder()
        .session_startup(args.session_startup)
        .conversion_duration(args.conversion_duration)
        .linked_storage(linked)
        .start()
        .await
        .map_err(|e| CliError::service(format!("cannot start the emulator: {e}")))?;
    let result = steps(printer, &emulator, api_version, &mut interrupt, started).await;
    emulator.shutdown().await;
    let summary = result?;
    if printer.is_json() {
        printer.print(String::new, || to_value(&summary));
    }
    Ok(())
}

async fn steps(
    printer: &Printer,
    emulator: &remote_rendering_emulator::EmulatorHandle,
    api_version: ApiVersion,
    interrupt: &mut Interrupt,
    started: Instant,
) -> CliResult<QuickstartDocument> {
    let note = |line: String| printer.note(line);
    let interrupted = || {
        CliError::interrupted(
            "interrupted: the quickstart stopped; its emulator and everything in it are gone",
        )
    };
    note(format!(
        "[1/7] Started an in-process emulator at {} (account {}).",
        emulator.endpoint(),
        emulator.account_id()
    ));
    let client = Client::builder(
        &emulator.account_id().to_string(),
        &emulator.account_domain(),
    )
    .endpoint(emulator.endpoint().as_str())
    .sts_endpoint(emulator.sts_endpoint().as_str())
    .credential(Credential::account_key(emulator.account_key()))
    .api_version(api_version)
    // The emulator is quick; the default 2 s/10 s intervals would make
    // the tour mostly waiting.
    .polling_interval(Duration::from_millis(250))
    .build()?;

    let token = client.access_token().await?;
    note(format!(
        "[2/7] Exchanged the account key for an STS access token{} (not shown; `arr token` prints one).",
        token
            .expires_on
            .as_ref()
            .map(|t| format!(" valid until {}", format_time(t)))
            .unwrap_or_default()
    ));

    let options = SessionOptions::new(SessionSize::Standard, Duration::from_secs(60 * 60));
    // The id is picked for us (by the service on v1).
    let poller = client.start_new_session(&options).await?;
    let id = SessionId::new(poller.id())?;
    note(format!(
        "[3/7] Started session {id} ({}, lease {}, API version {api_version}); waiting until it is Ready...",
        options.size,
        format_duration(options.lease)
    ));
    let wait_started = Instant::now();
    let session = match wait_with_progress(poller, format!("session {id}"), interrupt).await {
        WaitOutcome::Done(result) => result?,
        WaitOutcome::Interrupted => return Err(interrupted()),
    };
    note(format!(
        "      Ready after {:.1}s: a client would connect to {}:{}.",
        wait_started.elapsed().as_secs_f64(),
        session.hostname.as_deref().unwrap_or("?"),
        session
            .handshake_port
            .map(|p| p.to_string())
            .unwrap_or_default()
    ));

    let extended = client
        .extend_lease(&id, Duration::from_secs(30 * 60))
        .await?;
    note(format!(
        "[4/7] Extended the lease by 30m: the session may now run {} in total.",
        extended.max_lease.map(format_duration).unwrap_or_default()
    ));

    let sessions: Vec<_> = client.list_sessions().try_collect().await?;
    note("[5/7] Sessions of the account:".to_string());
    for line in sessions_table(&sessions).lines() {
        note(format!("      {line}"));
    }

    let conversion_id = ConversionId::generate();
    let input = ConversionInput::new(&format!("{STORAGE}/input"), ASSET)?;
    let output = ConversionOutput::new(&format!("{STORAGE}/output"))?;
    note(format!(
        "[6/7] Converting {ASSET} (conversion {conversion_id}) and waiting until it finishes..."
    ));
    let poller = client
        .start_conversion(&conversion_id, &input, &output)
        .await?;
    let conversion =
        match wait_with_progress(poller, format!("conversion {conversion_id}"), interrupt).await {
            WaitOutcome::Done(result) => result?,
            WaitOutcome::Interrupted => return Err(interrupted()),
        };
    note(format!(
        "      {}: the converted asset is {}.",
        conversion.status,
        conversion.output_asset_uri.as_deref().unwrap_or("?")
    ));

    client.stop_session(&id).await?;
    note(format!("[7/7] Stopped session {id}."));
    let total = started.elapsed();
    note(format!(
        "Done in {:.1}s. Next: run `arr emulator` in one terminal, export the values it prints as \
         ARR_ENDPOINT, ARR_STS_ENDPOINT, ARR_ACCOUNT_ID, ARR_ACCOUNT_KEY and ARR_ACCOUNT_DOMAIN, \
         then try `arr session start --wait` in another.",
        total.as_secs_f64()
    ));
    Ok(QuickstartDocument {
        endpoint: emulator.endpoint().to_string(),
        session: QuickstartSession {
            id: id.to_string(),
            status: "Stopped".to_string(),
            max_lease_minutes: extended.max_lease.map(|d| d.as_secs() / 60),
        },
        sessions_listed: sessions.len(),
        conversion: QuickstartConversion {
            id: conversion_id.to_string(),
            status: conversion.status.to_string(),
            output_asset_uri: conversion.output_asset_uri,
        },
        seconds: total.as_secs_f64(),
    })
}
