//! Asset conversions: start one, wait for it, handle a failing one, resume a
//! poller from its continuation token and list conversions.
//!
//! Runs against an in-process emulator: `cargo run --example conversions`.

use futures::TryStreamExt as _;
use remote_rendering::{
    Client, ConversionId, ConversionInput, ConversionOutput, Credential, Error,
};
use remote_rendering_emulator::Emulator;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::builder()
        .conversion_duration(Duration::from_millis(500))
        .start()
        .await?;
    let client = Client::builder(
        &emulator.account_id().to_string(),
        &emulator.account_domain(),
    )
    .endpoint(emulator.endpoint().as_str())
    .sts_endpoint(emulator.sts_endpoint().as_str())
    .credential(Credential::account_key(emulator.account_key()))
    .build()?;

    // Input: a container (with an optional read/list SAS) and an asset path in it.
    let input = ConversionInput::new(
        "https://myaccount.blob.core.windows.net/input",
        "models/house.fbx",
    )?
    .with_sas("sv=2021-08-06&sr=c&sp=rl&sig=not-a-real-signature");
    // Output: a container (with an optional write SAS), a prefix and a name.
    let output = ConversionOutput::new("https://myaccount.blob.core.windows.net/output")?
        .with_sas("sv=2021-08-06&sr=c&sp=w&sig=not-a-real-signature")
        .with_blob_prefix("converted")
        .with_output_asset_name("house.arrAsset")?;
    // The SAS tokens are redacted in Debug output.
    println!("{input:?}");

    let id = ConversionId::generate();
    let poller = client.start_conversion(&id, &input, &output).await?;

    // A poller can be stored as a token and resumed elsewhere (it polls at
    // the configured interval, or as a `Retry-After` says when one is sent).
    let token = poller.continuation_token();
    drop(poller);
    let conversion = client.resume_conversion_poller(&token)?.wait().await?;
    println!(
        "{} {}: {}",
        conversion.id,
        conversion.status,
        conversion.output_asset_uri.as_deref().unwrap_or("-")
    );

    // A failing conversion ends the wait with a typed error.
    // (With a SAS: a conversion without one is refused at once unless the
    // storage account is linked to the Remote Rendering account.)
    let text = ConversionInput::new("https://myaccount.blob.core.windows.net/input", "notes.txt")?
        .with_sas("sv=2021-08-06&sr=c&sp=rl&sig=not-a-real-signature");
    let failing = client
        .start_conversion(&ConversionId::generate(), &text, &output)
        .await?;
    match failing.wait().await {
        Err(Error::ConversionFailed { status, error, .. }) => {
            let code = error.map(|e| e.code).unwrap_or_default();
            println!("conversion ended {status}: {code}");
        }
        other => println!("unexpected: {other:?}"),
    }

    let all: Vec<_> = client.list_conversions().try_collect().await?;
    for conversion in &all {
        println!("{}  {}", conversion.id, conversion.status);
    }
    Ok(())
}
