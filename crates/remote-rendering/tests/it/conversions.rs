//! Conversion operations and the conversion poller, over HTTP against the
//! emulator.

use futures::{StreamExt as _, TryStreamExt as _};
use remote_rendering::{ConversionId, ConversionInput, ConversionOutput, ConversionStatus, Error};
use remote_rendering_emulator::Route;
use std::time::{Duration, Instant};

const INPUT: &str = "https://arrstorage.blob.core.windows.net/input";
const OUTPUT: &str = "https://arrstorage.blob.core.windows.net/output";

fn input(asset: &str) -> ConversionInput {
    ConversionInput::new(INPUT, asset).unwrap()
}

fn output() -> ConversionOutput {
    ConversionOutput::new(OUTPUT).unwrap()
}

#[tokio::test]
async fn start_wait_get_with_every_setting_and_the_output_uri() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = ConversionId::new("house-1").unwrap();
    let input = input("models/house.fbx")
        .with_sas("sv=2020&sig=read-secret")
        .with_blob_prefix("models");
    let output = output()
        .with_sas("sv=2020&sig=write-secret")
        .with_blob_prefix("converted")
        .with_output_asset_name("house-v1.arrAsset")
        .unwrap();
    let poller = client.start_conversion(&id, &input, &output).await.unwrap();
    assert_eq!(poller.id(), "house-1");
    let done = poller.wait().await.unwrap();
    assert_eq!(done.status, ConversionStatus::Succeeded);
    assert_eq!(
        done.output_asset_uri.as_deref(),
        Some("https://arrstorage.blob.core.windows.net/output/converted/house-v1.arrAsset")
    );
    assert_eq!(done.input_asset, "models/house.fbx");
    assert_eq!(done.input_container, INPUT);
    assert_eq!(done.output_container, OUTPUT);
    assert!(done.created_on.is_some());
    assert!(done.error.is_none());

    let got = client.get_conversion(&id).await.unwrap();
    assert_eq!(got, done);
}

#[tokio::test]
async fn the_output_name_defaults_to_the_input_name() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let done = client
        .start_conversion(&ConversionId::generate(), &input("robot.glb"), &output())
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(
        done.output_asset_uri.as_deref(),
        Some("https://arrstorage.blob.core.windows.net/output/robot.arrAsset")
    );
}

#[tokio::test]
async fn an_unsupported_input_fails_with_the_service_error() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = ConversionId::generate();
    let error = client
        .start_conversion(&id, &input("notes.txt"), &output())
        .await
        .unwrap()
        .wait()
        .await
        .unwrap_err();
    match &error {
        Error::ConversionFailed {
            id: failed,
            status,
            error: Some(detail),
        } => {
            assert_eq!(failed, id.as_str());
            assert_eq!(*status, ConversionStatus::Failed);
            assert_eq!(detail.code, "InvalidInputFileFormat");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        error.to_string().contains("InvalidInputFileFormat"),
        "{error}"
    );
    let got = client.get_conversion(&id).await.unwrap();
    assert_eq!(got.status, ConversionStatus::Failed);
    assert!(got.output_asset_uri.is_none());
}

#[tokio::test]
async fn a_failure_injected_while_running_ends_the_wait() {
    let emu = crate::common::emulator()
        .conversion_duration(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = ConversionId::generate();
    let poller = client
        .start_conversion(&id, &input("a.fbx"), &output())
        .await
        .unwrap();
    emu.inject_conversion_failure(id.as_str(), "StorageUnreachable", "cannot read input");
    let error = poller.wait().await.unwrap_err();
    assert!(
        matches!(&error, Error::ConversionFailed { status: ConversionStatus::Failed, error: Some(e), .. } if e.code == "StorageUnreachable"),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_poller_honours_retry_after() {
    // The emulator answers GET conversion with `Retry-After` (whole seconds
    // until it finishes) when asked to (the service never sent it); the
    // configured 20 ms interval would mean ~75 polls.
    let emu = crate::common::emulator()
        .poll_retry_after(true)
        .conversion_duration(Duration::from_millis(1500))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let started = Instant::now();
    let done = client
        .start_conversion(&ConversionId::generate(), &input("a.fbx"), &output())
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(done.status, ConversionStatus::Succeeded);
    let polls = emu.request_count(Route::GetConversion);
    assert!((2..=3).contains(&polls), "{polls} polls");
    assert!(started.elapsed() >= Duration::from_millis(1500));
    // The update says when the next poll is.
    let mut updates = Box::pin(
        client
            .start_conversion(&ConversionId::generate(), &input("b.fbx"), &output())
            .await
            .unwrap()
            .updates(),
    );
    let first = updates.next().await.unwrap().unwrap();
    assert!(!first.value.status.is_terminal());
    assert!(
        first.next_poll.unwrap() >= Duration::from_secs(1),
        "{:?}",
        first.next_poll
    );
}

#[tokio::test]
async fn updates_stream_goes_through_the_states_in_order() {
    let emu = crate::common::emulator()
        .conversion_duration(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let poller = client
        .start_conversion(&ConversionId::generate(), &input("a.fbx"), &output())
        .await
        .unwrap();
    let statuses: Vec<_> = poller
        .updates()
        .map_ok(|u| u.value.status)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(statuses.last(), Some(&ConversionStatus::Succeeded));
    let rank = |s: &ConversionStatus| match s {
        ConversionStatus::NotStarted => 0,
        ConversionStatus::Running => 1,
        _ => 2,
    };
    assert!(
        statuses.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn conversion_pollers_resume_from_a_token_or_an_id_and_time_out() {
    use base64::Engine as _;
    let emu = crate::common::emulator()
        .conversion_duration(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = ConversionId::new("resume-me").unwrap();
    let token = client
        .start_conversion(&id, &input("a.fbx"), &output())
        .await
        .unwrap()
        .continuation_token();
    let python = base64::engine::general_purpose::STANDARD
        .encode(format!("1:{}:resume-me", emu.account_id()));
    assert_eq!(
        token,
        format!("{python}_"),
        "Python's token, then the conversion mark"
    );

    let error = client
        .resume_conversion_poller(&token)
        .unwrap()
        .with_timeout(Duration::from_millis(50))
        .wait()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");

    let other = crate::common::client(&emu);
    let done = other
        .resume_conversion_poller(&token)
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(done.status, ConversionStatus::Succeeded);
    // The Python SDK's own token (no kind) resumes too.
    let done = other
        .resume_conversion_poller(&python)
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(done.id, id);
    let done = other
        .resume_conversion_poller("resume-me")
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(done.id, id);
    let done = other.conversion_poller(id.clone()).wait().await.unwrap();
    assert_eq!(done.id, id);
}

#[tokio::test]
async fn list_follows_next_links_across_pages() {
    let emu = crate::common::emulator()
        .page_size(2)
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let mut ids = Vec::new();
    for i in 0..5 {
        let id = ConversionId::new(format!("conv-{i}")).unwrap();
        client
            .start_conversion(&id, &input("a.fbx"), &output())
            .await
            .unwrap();
        ids.push(id);
    }
    let listed: Vec<_> = client.list_conversions().try_collect().await.unwrap();
    assert_eq!(listed.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), ids);
    assert_eq!(emu.request_count(Route::ListConversions), 3);
}

#[tokio::test]
async fn the_same_id_twice_is_one_conversion_whatever_was_sent() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = ConversionId::generate();
    client
        .start_conversion(&id, &input("a.fbx"), &output())
        .await
        .unwrap();
    client
        .start_conversion(&id, &input("a.fbx"), &output())
        .await
        .unwrap();
    // The service answered a create with an id in use with that conversion
    // as it is now, whatever was sent (recorded by the Java SDK, 2024); this
    // test used to expect 409 for different settings.
    client
        .start_conversion(&id, &input("b.fbx"), &output())
        .await
        .unwrap();
    assert_eq!(
        client.get_conversion(&id).await.unwrap().input_asset,
        "a.fbx"
    );
    let listed: Vec<_> = client.list_conversions().try_collect().await.unwrap();
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn a_token_of_the_other_kind_is_refused_naming_both_kinds() {
    let emu = crate::common::emulator()
        .session_startup(Duration::from_millis(100))
        .conversion_duration(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let session_token = client
        .start_session(
            &remote_rendering::SessionId::new("same-name").unwrap(),
            &remote_rendering::SessionOptions::new(
                remote_rendering::SessionSize::Standard,
                Duration::from_secs(600),
            ),
        )
        .await
        .unwrap()
        .continuation_token();
    let conversion_token = client
        .start_conversion(
            &ConversionId::new("same-name").unwrap(),
            &input("a.fbx"),
            &output(),
        )
        .await
        .unwrap()
        .continuation_token();
    emu.clear_requests();

    let error = client.resume_conversion_poller(&session_token).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Validation {
                field: "continuation token",
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("session") && message.contains("conversion"),
        "{message}"
    );
    assert!(message.contains("resume_session_poller"), "{message}");
    let error = client.resume_session_poller(&conversion_token).unwrap_err();
    assert!(matches!(error, Error::Validation { .. }), "{error:?}");
    assert!(
        error.to_string().contains("resume_conversion_poller"),
        "{error}"
    );
    assert!(
        emu.requests().is_empty(),
        "nothing is sent for a wrong token"
    );

    // Each resumes its own kind.
    assert_eq!(
        client.resume_session_poller(&session_token).unwrap().id(),
        "same-name"
    );
    assert_eq!(
        client
            .resume_conversion_poller(&conversion_token)
            .unwrap()
            .id(),
        "same-name"
    );
}
