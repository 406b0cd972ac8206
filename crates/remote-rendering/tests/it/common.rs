//! Helpers shared by the integration tests: an in-process emulator on
//! 127.0.0.1 and a client tuned for speed (short intervals, small backoff).

use remote_rendering::{Client, ClientBuilder, Credential, RetryPolicy};
use remote_rendering_emulator::{Emulator, EmulatorBuilder, EmulatorHandle, LinkedStorage};
use std::time::Duration;

/// Fast emulator defaults: 100 ms startup and conversions. The tests'
/// storage accounts are linked, as the service refused conversions without
/// a SAS for accounts that were not (403 `LinkedStorageAccessFailure`), and
/// many tests give no SAS.
pub fn emulator() -> EmulatorBuilder {
    ["arrstorage", "storage"].into_iter().fold(
        Emulator::builder()
            .session_startup(Duration::from_millis(100))
            .conversion_duration(Duration::from_millis(100)),
        |builder, account| builder.linked_storage(LinkedStorage::new(account).unwrap()),
    )
}

/// Retries quickly: 5 retries starting at 10 ms.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_retries(5)
        .with_initial_delay(Duration::from_millis(10))
        .with_max_delay(Duration::from_millis(50))
        .with_max_elapsed(Duration::from_secs(20))
}

/// A builder pointed at `emu` with the account key and fast settings.
pub fn builder(emu: &EmulatorHandle) -> ClientBuilder {
    Client::builder(&emu.account_id().to_string(), &emu.account_domain())
        .endpoint(emu.endpoint().as_str())
        .sts_endpoint(emu.sts_endpoint().as_str())
        .credential(Credential::account_key(emu.account_key()))
        .polling_interval(Duration::from_millis(20))
        .retry_policy(fast_retry())
        .request_timeout(Duration::from_secs(10))
}

/// A ready client for `emu`.
pub fn client(emu: &EmulatorHandle) -> Client {
    builder(emu).build().expect("client builds")
}
