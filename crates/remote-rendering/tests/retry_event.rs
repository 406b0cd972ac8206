//! The retry event (`RETRY_EVENT_TARGET`): one INFO event before each
//! retry, whose message an application can show as it is.
//!
//! A test binary of its own: `tracing` caches per call site whether anyone
//! listens, and a call site first reached by a concurrent test while no
//! subscriber was set can miss the subscriber this test sets for its thread.

use remote_rendering::{
    Client, Credential, RETRY_EVENT_TARGET, RetryPolicy, SessionId, SessionOptions, SessionSize,
};
use remote_rendering_emulator::{Emulator, Fault, Route};
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
    let emu = Emulator::builder()
        .session_startup(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let client = Client::builder(&emu.account_id().to_string(), &emu.account_domain())
        .endpoint(emu.endpoint().as_str())
        .sts_endpoint(emu.sts_endpoint().as_str())
        .credential(Credential::account_key(emu.account_key()))
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(5)
                .with_initial_delay(Duration::from_millis(10))
                .with_max_delay(Duration::from_millis(50)),
        )
        .build()
        .unwrap();
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
        // 5 retries after the first attempt.
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
