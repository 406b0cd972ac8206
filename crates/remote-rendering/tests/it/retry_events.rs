//! The retry event (`RETRY_EVENT_TARGET`): one INFO event before each
//! retry, whose message an application can show as it is.

use remote_rendering::{RETRY_EVENT_TARGET, SessionId, SessionOptions, SessionSize};
use remote_rendering_emulator::{Fault, Route};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::SubscriberExt as _;

/// One captured event: its target, level and fields as text.
#[derive(Debug, Default)]
struct Captured {
    target: String,
    level: String,
    fields: Vec<(String, String)>,
}

impl Captured {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Visit for Captured {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.fields
            .push((field.name().to_string(), value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.fields
            .push((field.name().to_string(), format!("{value:?}")));
    }
}

/// Collects every event of the subscriber it is part of.
#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Vec<Captured>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Collector {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let mut captured = Captured {
            target: event.metadata().target().to_string(),
            level: event.metadata().level().to_string(),
            ..Captured::default()
        };
        event.record(&mut captured);
        self.0.lock().unwrap().push(captured);
    }
}

#[tokio::test]
async fn each_retry_is_one_info_event_with_a_readable_line() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    client
        .start_session(
            &id,
            &SessionOptions::new(SessionSize::Standard, Duration::from_secs(600)),
        )
        .await
        .unwrap();
    emu.faults().inject(
        Route::GetSession,
        Fault::Status {
            status: 503,
            retry_after: None,
            times: 2,
        },
    );
    let collector = Collector::default();
    // A current-thread test runtime: the events are raised on this thread.
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(collector.clone()));
    client.get_session(&id).await.unwrap();

    let events = collector.0.lock().unwrap();
    let retries: Vec<&Captured> = events
        .iter()
        .filter(|e| e.target == RETRY_EVENT_TARGET)
        .collect();
    assert_eq!(retries.len(), 2, "{events:?}");
    for (retry, attempt) in retries.iter().zip(["2", "3"]) {
        assert_eq!(retry.level, "INFO");
        assert_eq!(retry.field("attempt"), Some(attempt));
        // `fast_retry`: 5 retries after the first attempt.
        assert_eq!(retry.field("max_attempts"), Some("6"));
        assert_eq!(retry.field("cause"), Some("503"));
        assert_eq!(retry.field("operation"), Some("get session"));
        let message = retry.field("message").unwrap();
        assert!(
            message.starts_with("retrying in ")
                && message.ends_with(&format!(" after 503 (attempt {attempt} of 6)")),
            "{message}"
        );
    }
}
