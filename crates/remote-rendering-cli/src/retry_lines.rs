//! Retries in progress on a terminal: the client's retry event
//! ([`remote_rendering::RETRY_EVENT_TARGET`]) printed as its plain line,
//! `retrying in 2s after 503 (attempt 2 of 6)`, without the timestamp,
//! level and fields of a log line. `main` installs it only at the default
//! verbosity with stderr on a terminal; with `-v` the log shows retries.

use crate::escape::escape_controls;
use remote_rendering::RETRY_EVENT_TARGET;
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

/// A `tracing` layer writing each retry event's message to stderr.
pub struct RetryLines;

impl RetryLines {
    /// The layer, seeing only retry events.
    pub fn layer<S>() -> impl Layer<S>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        RetryLines.with_filter(tracing_subscriber::filter::filter_fn(|metadata| {
            metadata.target() == RETRY_EVENT_TARGET
        }))
    }
}

impl<S: tracing::Subscriber> Layer<S> for RetryLines {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut message = Message(None);
        event.record(&mut message);
        if let Some(line) = message.0 {
            crate::terminal::eprint_line(&escape_controls(&line));
        }
    }
}

/// Picks the `message` field out of an event.
struct Message(Option<String>);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}
