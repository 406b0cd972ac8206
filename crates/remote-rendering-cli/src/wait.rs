//! Waiting for sessions and conversions: progress on stderr, Ctrl-C handling.

use crate::duration::format_duration;
use futures::StreamExt as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use remote_rendering::{Pollable, Poller};
use std::time::{Duration, Instant};

/// How a wait ended.
pub enum WaitOutcome<T> {
    /// The operation finished (Ready / Succeeded) or failed with a typed error.
    Done(remote_rendering::Result<T>),
    /// The user pressed Ctrl-C.
    Interrupted,
}

/// Resolves on Ctrl-C or SIGTERM. Created before waiting starts so that an
/// early signal is not lost and does not kill the process outright.
pub struct Interrupt {
    signals: crate::cancel::Signals,
}

impl Interrupt {
    /// Starts listening for Ctrl-C and SIGTERM.
    pub fn listen() -> std::io::Result<Self> {
        Ok(Self {
            signals: crate::cancel::Signals::new()?,
        })
    }

    /// Waits for the next Ctrl-C or SIGTERM; while it waits, the signal is
    /// this wait's to handle (see `cancel.rs`).
    pub async fn recv(&mut self) {
        let mut listening = crate::cancel::Listening::start();
        self.signals.recv().await;
        crate::cancel::announce();
        listening.take();
    }
}

/// Shows a wait's progress on stderr: a spinner on a terminal, otherwise a
/// plain line per status change (and every 10 s), which suits CI logs.
pub struct Progress {
    bar: Option<ProgressBar>,
    label: String,
    last_line: Option<(String, Instant)>,
}

impl Progress {
    /// Progress for the operation `label` (e.g. `session my-id`).
    pub fn new(label: String) -> Self {
        let terminal = crate::terminal::current();
        let bar = terminal.progress_bars().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let template = match terminal.stderr_color() {
                true => "{spinner:.cyan} {msg} [{elapsed}]",
                false => "{spinner} {msg} [{elapsed}]",
            };
            bar.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(format!("{label}: polling"));
            bar.enable_steady_tick(Duration::from_millis(120));
            crate::terminal::set_spinner(Some(bar.clone()));
            bar
        });
        Self {
            bar,
            label,
            last_line: None,
        }
    }

    /// Reports one observation.
    pub fn update(&mut self, status: &str, elapsed: Duration, next_poll: Option<Duration>) {
        let next = next_poll
            .map(|d| format!(", next poll in {}", format_duration(d)))
            .unwrap_or_default();
        let line = format!(
            "{}: {} (elapsed {}{next})",
            self.label,
            crate::escape::escape_controls(status),
            format_duration(elapsed)
        );
        match &self.bar {
            Some(bar) => bar.set_message(line),
            None => {
                let due = match &self.last_line {
                    None => true,
                    Some((last_status, at)) => {
                        last_status != status || at.elapsed() >= Duration::from_secs(10)
                    }
                };
                if due || next_poll.is_none() {
                    crate::status_line!("{line}");
                    self.last_line = Some((status.to_string(), Instant::now()));
                }
            }
        }
    }

    /// Removes the spinner so later output starts on a clean line.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            crate::terminal::set_spinner(None);
            bar.finish_and_clear();
        }
    }
}

/// Polls until the operation finishes or Ctrl-C, showing progress.
pub async fn wait_with_progress<T: Pollable>(
    poller: Poller<T>,
    label: String,
    interrupt: &mut Interrupt,
) -> WaitOutcome<T> {
    let mut progress = Progress::new(label);
    let watch = async {
        let mut updates = std::pin::pin!(poller.updates());
        let mut last = None;
        while let Some(update) = updates.next().await {
            match update {
                Ok(update) => {
                    progress.update(
                        &update.value.status().to_string(),
                        update.elapsed,
                        update.next_poll,
                    );
                    last = Some(update.value);
                }
                // The error names the final status; main prints it.
                Err(error) => return Err(error),
            }
        }
        last.ok_or_else(|| {
            remote_rendering::Error::Configuration("the poller reported nothing".into())
        })
    };
    let outcome = tokio::select! {
        result = watch => WaitOutcome::Done(result),
        () = interrupt.recv() => WaitOutcome::Interrupted,
    };
    progress.finish();
    outcome
}
