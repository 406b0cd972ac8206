//! `arr session stop --all`: lists the sessions still starting or running,
//! asks before stopping them (unless `--yes`), stops them a few at a time
//! and reports each outcome.

use crate::documents::{SessionStopAllDocument, StopOutcomeDocument, to_value};
use crate::error::{CliError, CliResult, exit_code};
use crate::escape::escape_controls;
use crate::output::{Printer, render_table};
use futures::{StreamExt as _, TryStreamExt as _};
use remote_rendering::{Client, Session};
use std::io::IsTerminal as _;

/// How many stop calls are in flight at once: enough to finish a long list
/// quickly, few enough not to trip the service's throttling.
pub const CONCURRENT_STOPS: usize = 4;

/// Checks, before anything is sent, that stopping may be confirmed: on a
/// terminal `arr` asks; elsewhere only `--yes` says yes.
pub fn check_confirmable(yes: bool) -> CliResult {
    if yes || std::io::stdin().is_terminal() {
        return Ok(());
    }
    Err(CliError::usage(
        "`arr session stop --all` asks for confirmation, but stdin is not a terminal: \
         pass --yes to stop every running session without asking",
    ))
}

/// Runs `arr session stop --all`.
pub async fn run(printer: &Printer, client: &Client, yes: bool) -> CliResult {
    check_confirmable(yes)?;
    let sessions: Vec<Session> = client
        .list_sessions()
        .try_filter(|s| std::future::ready(!s.status.is_terminal()))
        .try_collect()
        .await?;
    if sessions.is_empty() {
        eprintln!("No running sessions to stop.");
        printer.print(String::new, || {
            to_value(&SessionStopAllDocument {
                sessions: Vec::new(),
            })
        });
        return Ok(());
    }
    let rows: Vec<Vec<String>> = sessions
        .iter()
        .map(|s| vec![s.id.to_string(), s.status.to_string()])
        .collect();
    eprint!(
        "Stopping {} session(s):\n{}",
        sessions.len(),
        render_table(&["ID", "STATUS"], &rows)
    );
    if !yes && !confirm(sessions.len()).await? {
        eprintln!("Nothing stopped.");
        printer.print(String::new, || {
            to_value(&SessionStopAllDocument {
                sessions: Vec::new(),
            })
        });
        return Ok(());
    }

    // `buffered` keeps the listing order while stops run concurrently.
    let outcomes: Vec<_> = futures::stream::iter(&sessions)
        .map(|session| async move { (session, client.stop_session(&session.id).await) })
        .buffered(CONCURRENT_STOPS)
        .collect()
        .await;

    let mut first_failure = None;
    let mut documents = Vec::new();
    let mut lines = String::new();
    for (session, outcome) in outcomes {
        let id = session.id.to_string();
        match outcome {
            Ok(()) => lines.push_str(&format!("Stopped session {}.\n", escape_controls(&id))),
            Err(ref error) => {
                lines.push_str(&format!(
                    "Could not stop session {}: {}\n",
                    escape_controls(&id),
                    escape_controls(&error.to_string())
                ));
                first_failure.get_or_insert(exit_code(error));
            }
        }
        documents.push(StopOutcomeDocument {
            id,
            status: session.status.to_string(),
            stopped: outcome.is_ok(),
            error: outcome.err().map(|e| e.to_string()),
        });
    }
    let failed = documents.iter().filter(|d| !d.stopped).count();
    let total = documents.len();
    printer.print(
        || lines,
        || {
            to_value(&SessionStopAllDocument {
                sessions: documents,
            })
        },
    );
    match first_failure {
        None => Ok(()),
        Some(code) => Err(CliError::new(
            code,
            format!("could not stop {failed} of {total} session(s)"),
        )),
    }
}

/// Asks on the terminal. The answer is read on a thread of its own: Ctrl-C
/// still acts while it waits, and (unlike tokio's blocking pool, which the
/// runtime waits for on exit) a pending read does not hold the process.
async fn confirm(count: usize) -> CliResult<bool> {
    eprint!("Stop these {count} session(s)? [y/N] ");
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = sender.send(std::io::stdin().read_line(&mut line).map(|_| line));
    });
    let answer = receiver
        .await
        .map_err(|_| CliError::service("cannot read the answer"))?
        .map_err(|e| CliError::service(format!("cannot read the answer: {e}")))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
