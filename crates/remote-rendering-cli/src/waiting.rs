//! Waiting for a started session or conversion: one implementation over
//! [`Pollable`], used by `start --wait` and `wait` of both.

use crate::cli::WaitOptions;
use crate::commands::Context;
use crate::error::{CliError, CliResult};
use crate::wait::{Interrupt, WaitOutcome, wait_with_progress};
use remote_rendering::{
    Client, Conversion, ConversionId, Error, Pollable, Poller, Session, SessionId,
};
use std::future::Future;

/// What `arr` needs to know to wait for one kind of operation.
pub trait Waited: Pollable {
    /// `session` or `conversion`, as messages name it.
    const NOUN: &'static str;

    /// Prints the final state.
    fn print(ctx: &Context, value: &Self);

    /// Whether `error` is this operation's own terminal failure (after which
    /// the final state is printed too, so scripts can read its error object).
    fn is_failure(error: &Error) -> bool;

    /// The current state, if it can be read.
    fn read(client: &Client, id: &str) -> impl Future<Output = Option<Self>> + Send;

    /// Stops the operation after an interrupt with `--stop-on-cancel`;
    /// `None` when it cannot be stopped.
    fn stop(client: &Client, id: &str) -> impl Future<Output = CliResult<Option<String>>> + Send;

    /// What to tell the user when they stopped waiting and it goes on.
    fn left_running(id: &str) -> String;
}

impl Waited for Session {
    const NOUN: &'static str = "session";

    fn print(ctx: &Context, value: &Self) {
        ctx.print_session(value);
    }

    fn is_failure(error: &Error) -> bool {
        matches!(error, Error::SessionFailed { .. })
    }

    async fn read(client: &Client, id: &str) -> Option<Self> {
        client.get_session(&SessionId::new(id).ok()?).await.ok()
    }

    async fn stop(client: &Client, id: &str) -> CliResult<Option<String>> {
        client.stop_session(&SessionId::new(id)?).await?;
        Ok(Some(format!(
            "interrupted: stopped session {id} (--stop-on-cancel)"
        )))
    }

    fn left_running(id: &str) -> String {
        format!(
            "interrupted: stopped waiting; session {id} keeps running and its lease counts. \
             Resume with `arr session wait {id}`, stop it with `arr session stop {id}`"
        )
    }
}

impl Waited for Conversion {
    const NOUN: &'static str = "conversion";

    fn print(ctx: &Context, value: &Self) {
        ctx.print_conversion(value);
    }

    fn is_failure(error: &Error) -> bool {
        matches!(error, Error::ConversionFailed { .. })
    }

    async fn read(client: &Client, id: &str) -> Option<Self> {
        client
            .get_conversion(&ConversionId::new(id).ok()?)
            .await
            .ok()
    }

    async fn stop(_: &Client, _: &str) -> CliResult<Option<String>> {
        // The API has no way to cancel a conversion.
        Ok(None)
    }

    fn left_running(id: &str) -> String {
        format!(
            "interrupted: stopped waiting; conversion {id} goes on. Resume with `arr conversion wait {id}`"
        )
    }
}

/// Waits for `poller` with progress on stderr, prints the final state, and
/// turns failures and interrupts into the CLI's errors.
pub async fn wait_for<T: Waited>(
    ctx: &Context,
    client: &Client,
    mut poller: Poller<T>,
    options: &WaitOptions,
    stop_on_cancel: bool,
    interrupt: &mut Interrupt,
) -> CliResult {
    let _ = options;
    if let Some(left) = ctx.deadline.left() {
        poller = poller.with_timeout(left);
    }
    let id = poller.id().to_string();
    match wait_with_progress(poller, format!("{} {id}", T::NOUN), interrupt).await {
        WaitOutcome::Done(Ok(value)) => {
            T::print(ctx, &value);
            Ok(())
        }
        WaitOutcome::Done(Err(error)) if T::is_failure(&error) => {
            if let Some(value) = T::read(client, &id).await {
                T::print(ctx, &value);
            }
            Err(error.into())
        }
        // A timeout or an outage mid-wait: the operation goes on, say how to resume.
        WaitOutcome::Done(Err(error)) => {
            let message = match &error {
                remote_rendering::Error::Timeout { .. } if ctx.deadline.timeout().is_some() => {
                    ctx.deadline.message(&T::left_running(&id))
                }
                _ => format!("{error}; {}", T::left_running(&id)),
            };
            Err(CliError::from_client(&error, message))
        }
        WaitOutcome::Interrupted => {
            let stopped = match stop_on_cancel {
                true => T::stop(client, &id).await?,
                false => None,
            };
            Err(CliError::interrupted(
                stopped.unwrap_or_else(|| T::left_running(&id)),
            ))
        }
    }
}
