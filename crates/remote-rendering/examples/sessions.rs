//! Rendering sessions: start one, watch it come up, extend its lease, keep
//! it alive in the background, list sessions and stop it.
//!
//! Runs against an in-process emulator: `cargo run --example sessions`.
//! Against Azure, build the client with `Client::from_env()` instead.

use futures::{StreamExt as _, TryStreamExt as _};
use remote_rendering::{
    Client, Credential, LeaseKeeperOptions, SessionId, SessionOptions, SessionSize,
};
use remote_rendering_emulator::Emulator;
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // An emulator whose sessions start in 300 ms and whose lease minutes last 50 ms.
    let emulator = Emulator::builder()
        .session_startup(Duration::from_millis(300))
        .lease_minute(Duration::from_millis(50))
        .start()
        .await?;
    let client = Client::builder(
        &emulator.account_id().to_string(),
        &emulator.account_domain(),
    )
    .endpoint(emulator.endpoint().as_str())
    .sts_endpoint(emulator.sts_endpoint().as_str())
    .credential(Credential::account_key(emulator.account_key()))
    .polling_interval(Duration::from_millis(100))
    .build()?;

    // Start a session and show its progress until it is Ready.
    let id = SessionId::generate();
    let options = SessionOptions::new(SessionSize::Standard, 20 * MINUTE);
    let poller = client.start_session(&id, &options).await?;
    println!("continuation token: {}", poller.continuation_token());
    let mut updates = Box::pin(poller.updates());
    while let Some(update) = updates.next().await {
        let update = update?;
        println!(
            "{:>6.2}s  {}  (next poll in {:?})",
            update.elapsed.as_secs_f64(),
            update.value.status,
            update.next_poll
        );
    }

    let session = client.get_session(&id).await?;
    println!(
        "ready: {}:{} with {:?} of lease",
        session.hostname.as_deref().unwrap_or("?"),
        session.handshake_port.unwrap_or_default(),
        session.max_lease
    );

    // The lease is a total since Ready; extend_lease adds to it.
    let session = client.extend_lease(&id, 10 * MINUTE).await?;
    println!("lease extended to {:?}", session.max_lease);

    // Or let a background task extend it whenever less than 5 minutes are left.
    let mut keeper = client.keep_alive(
        id.clone(),
        LeaseKeeperOptions::default()
            .with_margin(5 * MINUTE)
            .with_step(10 * MINUTE)
            .with_check_interval(Duration::from_millis(100)),
    )?;
    // 28 of 30 lease minutes pass at once on the emulator's clock.
    emulator.clock().advance(28 * Duration::from_millis(50));
    if let Some(event) = keeper.next_event().await {
        println!("lease keeper: {:?}", event?);
    }
    drop(keeper); // stops the keeper, not the session

    let sessions: Vec<_> = client.list_sessions().try_collect().await?;
    println!("{} session(s) running", sessions.len());

    client.stop_session(&id).await?;
    println!("stopped: {}", client.get_session(&id).await?.status);
    Ok(())
}
