//! `arr conversion start --upload`: upload the model's folder, start the conversion with SAS
//! tokens (or for linked storage), optionally wait, and print the output blob URL.

use crate::cli::ConversionStartArgs;
use crate::commands::Context;
use crate::error::{CliError, CliResult};
use crate::output::{conversion_json, conversion_rows, render_rows};
use crate::settings::{Env, value_of};
use crate::storage_args::{
    DEFAULT_INPUT_CONTAINER, DEFAULT_OUTPUT_CONTAINER, ResolvedStorage, container_name, model_path,
};
use crate::upload_progress::progress_reporter;
use crate::wait::{Interrupt, WaitOutcome, wait_with_progress};
use remote_rendering::storage::{AccountKey, StorageError, UploadOptions};
use remote_rendering::{
    Client, Conversion, ConversionId, Error, LocalConversion, LocalConversionError, Secret,
    StorageAccess, output_read_sas_url,
};

fn storage_error(error: StorageError) -> CliError {
    // Storage errors carry no URL, key or SAS.
    match error {
        StorageError::Io { .. } | StorageError::InvalidUrl(_) | StorageError::InvalidAccountKey => {
            CliError::usage(error.to_string())
        }
        StorageError::Service {
            status: 401 | 403, ..
        } => CliError::new(
            crate::error::AUTHENTICATION,
            format!("storage refused the credentials: {error}"),
        ),
        _ => CliError::service(error.to_string()),
    }
}

fn local_error(error: LocalConversionError) -> CliError {
    match error {
        LocalConversionError::Storage(e) => storage_error(e),
        LocalConversionError::Conversion(e) => e.into(),
        other => CliError::usage(other.to_string()),
    }
}

/// The request `arr conversion start --upload` sends, from flags, variables and the config file.
pub fn local_conversion(
    args: &ConversionStartArgs,
    ctx: &Context,
    storage: &ResolvedStorage,
) -> CliResult<LocalConversion> {
    let settings = &ctx.config.asset_conversion_settings;
    let access = if args.storage.linked {
        StorageAccess::Linked
    } else {
        StorageAccess::Sas(
            AccountKey::new(&storage.key)
                .map_err(|e| CliError::usage(format!("storage key: {e}")))?,
        )
    };
    let mut request = LocalConversion::new(
        model_path(&args.storage, &ctx.config)?,
        container_name(
            &args.input_container,
            &settings.blob_input_container_name,
            DEFAULT_INPUT_CONTAINER,
        ),
        container_name(
            &args.output_container,
            &settings.blob_output_container_name,
            DEFAULT_OUTPUT_CONTAINER,
        ),
        access,
    );
    request.input_prefix = args
        .storage
        .blob_prefix
        .clone()
        .or_else(|| value_of(&settings.input_folder_path))
        .unwrap_or_default();
    request.output_prefix = args
        .output_prefix
        .clone()
        .or_else(|| value_of(&settings.output_folder_path));
    request.output_asset_name = args
        .output_name
        .clone()
        .or_else(|| value_of(&settings.output_asset_file_name));
    request.output_read_sas = args.storage.sas_url;
    Ok(request)
}

/// Runs `arr conversion start --upload`.
pub async fn start(
    ctx: &Context,
    client: &Client,
    args: &ConversionStartArgs,
    id: ConversionId,
    env: Env<'_>,
) -> CliResult {
    let resolved = ResolvedStorage::resolve(&args.storage, &ctx.config, env)?;
    let storage = resolved.client()?;
    let mut request = local_conversion(args, ctx, &resolved)?;
    request.upload = UploadOptions::default().with_progress(progress_reporter());
    let mut interrupt = match args.wait {
        true => Some(Interrupt::listen().map_err(|e| CliError::service(e.to_string()))?),
        false => None,
    };
    let started = client
        .upload_and_start_conversion(&storage, &id, &request)
        .await
        .map_err(local_error)?;
    crate::status_line!(
        "Uploaded {} files ({} bytes) to {}/{}.",
        started.upload.summary.blobs.len(),
        started.upload.summary.bytes,
        request.input_container,
        started.upload.blob_prefix
    );
    crate::status_line!(
        "Started conversion {id} of {}.",
        started.upload.relative_input_asset_path
    );
    let sas_url =
        output_read_sas_url(&storage, &request, &started.output_asset_blob).map_err(local_error)?;
    let url = started.output_asset_url.to_string();
    let Some(interrupt) = interrupt.as_mut() else {
        if let Some(conversion) = started.poller.last() {
            print(ctx, conversion, &url, sas_url.as_ref());
        }
        crate::status_line!("Wait until it finishes with: arr conversion wait {id}");
        return Ok(());
    };
    let mut poller = started.poller;
    // `--timeout` covers the whole command, the upload included.
    if let Some(left) = ctx.deadline.left() {
        poller = poller.with_timeout(left);
    }
    let left_running = format!("conversion {id} goes on. Resume with `arr conversion wait {id}`");
    match wait_with_progress(poller, format!("conversion {id}"), interrupt).await {
        WaitOutcome::Done(Ok(conversion)) => {
            print(ctx, &conversion, &url, sas_url.as_ref());
            Ok(())
        }
        WaitOutcome::Done(Err(error)) => {
            if matches!(error, Error::ConversionFailed { .. })
                && let Ok(conversion) = client.get_conversion(&id).await
            {
                print(ctx, &conversion, &url, None);
                return Err(error.into());
            }
            let message = match &error {
                Error::Timeout { .. } if ctx.deadline.timeout().is_some() => {
                    ctx.deadline.message(&left_running)
                }
                _ => format!("{error}; {left_running}"),
            };
            Err(CliError::from_client(&error, message))
        }
        WaitOutcome::Interrupted => Err(CliError::interrupted(format!(
            "interrupted: stopped waiting; {left_running}"
        ))),
    }
}

/// The conversion, its output blob URL, and the read SAS URL when asked for.
fn print(ctx: &Context, conversion: &Conversion, url: &str, sas_url: Option<&Secret>) {
    ctx.printer.print(
        || {
            let mut rows = conversion_rows(conversion);
            rows.push(("OUTPUT BLOB", url.to_owned()));
            if let Some(sas) = sas_url {
                rows.push(("OUTPUT SAS URL", sas.expose().to_owned()));
            }
            render_rows(&rows)
        },
        || {
            let mut json = conversion_json(conversion);
            json["outputBlobUrl"] = url.into();
            if let Some(sas) = sas_url {
                json["outputBlobSasUrl"] = sas.expose().into();
            }
            json
        },
    );
}
