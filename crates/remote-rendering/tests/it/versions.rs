//! Every API version through the one domain model, against the emulator
//! (which serves all three over one store).

use crate::common::{builder, emulator};
use futures::TryStreamExt as _;
use remote_rendering::{
    ApiVersion, ConversionId, ConversionInput, ConversionOutput, ConversionStatus, Error,
    SessionId, SessionOptions, SessionSize, SessionStatus,
};
use remote_rendering_emulator::{Fault, Route};
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);
/// Bounds every wait: a state mapped wrongly fails the test instead of
/// polling forever.
const WAIT: Duration = Duration::from_secs(20);

fn conversion_io(asset: &str) -> (ConversionInput, ConversionOutput) {
    (
        // A storage account the test emulator links (no SAS needed).
        ConversionInput::new("https://arrstorage.blob.core.windows.net/models", asset).unwrap(),
        ConversionOutput::new("https://arrstorage.blob.core.windows.net/assets").unwrap(),
    )
}

#[tokio::test]
async fn v1_sessions_work_through_the_domain_model() {
    let emu = emulator().start().await.unwrap();
    let v1 = builder(&emu).api_version(ApiVersion::V1).build().unwrap();
    let stable = builder(&emu).build().unwrap();

    let options = SessionOptions::new(SessionSize::Premium, 90 * MINUTE);
    let poller = v1.start_new_session(&options).await.unwrap();
    let id = SessionId::new(poller.id()).unwrap();
    let session = poller.with_timeout(WAIT).wait().await.unwrap();
    assert_eq!(session.id, id);
    assert_eq!(session.status, SessionStatus::Ready);
    assert_eq!(session.size, SessionSize::Premium);
    assert_eq!(session.max_lease, Some(90 * MINUTE));
    assert_eq!(emu.request_count(Route::V1CreateSession), 1);

    // The service picked the id: asking for one is refused, unsent.
    let error = v1
        .start_session(&SessionId::generate(), &options)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Unsupported {
                api_version: ApiVersion::V1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(emu.request_count(Route::V1CreateSession), 1);

    // Extending sends the total as a timespan and reads the session back.
    let extended = v1.extend_lease(&id, 30 * MINUTE).await.unwrap();
    assert_eq!(extended.max_lease, Some(120 * MINUTE));
    // The 2021-01-01 API sees the same session, with the same lease.
    let seen = stable.get_session(&id).await.unwrap();
    assert_eq!(seen.max_lease, Some(120 * MINUTE));
    let listed: Vec<_> = v1.list_sessions().try_collect().await.unwrap();
    assert_eq!(listed.iter().map(|s| &s.id).collect::<Vec<_>>(), [&id]);

    v1.stop_session(&id).await.unwrap();
    assert_eq!(emu.request_count(Route::V1StopSession), 1);
    assert_eq!(
        stable.get_session(&id).await.unwrap().status,
        SessionStatus::Stopped
    );
    assert_eq!(
        v1.get_session(&id).await.unwrap().status,
        SessionStatus::Stopped
    );
}

#[tokio::test]
async fn v1_has_no_conversions_and_says_so_before_sending() {
    let emu = emulator().start().await.unwrap();
    let v1 = builder(&emu).api_version(ApiVersion::V1).build().unwrap();
    let (input, output) = conversion_io("robot.fbx");
    let id = ConversionId::generate();
    let errors = [
        v1.start_conversion(&id, &input, &output).await.unwrap_err(),
        v1.get_conversion(&id).await.unwrap_err(),
        v1.list_conversions()
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err(),
    ];
    for error in errors {
        assert!(
            matches!(
                error,
                Error::Unsupported {
                    api_version: ApiVersion::V1,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .contains("not supported by API version v1")
        );
    }
    assert!(emu.requests().is_empty(), "{:?}", emu.requests());
}

#[tokio::test]
async fn the_preview_runs_sessions_and_conversions() {
    let emu = emulator().page_size(1).start().await.unwrap();
    let preview = builder(&emu)
        .api_version(ApiVersion::V2021_01_01Preview)
        .build()
        .unwrap();
    let id = SessionId::generate();
    let options = SessionOptions::new(SessionSize::Standard, 30 * MINUTE);
    let session = preview
        .start_session(&id, &options)
        .await
        .unwrap()
        .with_timeout(WAIT)
        .wait()
        .await
        .unwrap();
    assert_eq!(session.status, SessionStatus::Ready);
    // An identical retry of the create is answered 201 by the preview.
    preview.start_session(&id, &options).await.unwrap();
    let extended = preview.extend_lease(&id, 30 * MINUTE).await.unwrap();
    assert_eq!(extended.max_lease, Some(60 * MINUTE));
    let other = preview.start_new_session(&options).await.unwrap();
    // Two sessions, one per page: the preview's next links are followed.
    let listed: Vec<_> = preview.list_sessions().try_collect().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().any(|s| s.id.as_str() == other.id()));

    let (input, output) = conversion_io("robot.fbx");
    let converted = preview
        .start_conversion(&ConversionId::generate(), &input, &output)
        .await
        .unwrap()
        .with_timeout(WAIT)
        .wait()
        .await
        .unwrap();
    assert_eq!(converted.status, ConversionStatus::Succeeded);
    assert!(
        converted
            .output_asset_uri
            .unwrap()
            .ends_with("robot.arrAsset")
    );

    // The preview's `Failure` is the domain's Failed, and ends the wait.
    let (input, output) = conversion_io("notes.txt");
    let error = preview
        .start_conversion(&ConversionId::generate(), &input, &output)
        .await
        .unwrap()
        .with_timeout(WAIT)
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::ConversionFailed {
                status: ConversionStatus::Failed,
                error: Some(_),
                ..
            }
        ),
        "{error:?}"
    );
    let conversions: Vec<_> = preview.list_conversions().try_collect().await.unwrap();
    assert_eq!(conversions.len(), 2);
    preview.stop_session(&id).await.unwrap();
    let requests = emu.requests();
    assert!(
        requests
            .iter()
            .filter(|r| r.route != Some(Route::StsToken))
            .all(|r| r
                .query
                .as_deref()
                .is_some_and(|q| q.contains("api-version=2021-01-01-preview"))),
        "{requests:?}"
    );
}

#[tokio::test]
async fn a_v1_create_is_repeated_only_when_it_cannot_have_arrived() {
    let emu = emulator().start().await.unwrap();
    let v1 = builder(&emu).api_version(ApiVersion::V1).build().unwrap();
    let options = SessionOptions::new(SessionSize::Standard, 30 * MINUTE);
    let sessions = || async {
        let all: Vec<_> = v1.list_sessions().try_collect().await.unwrap();
        all.len()
    };

    // Throttled: nothing was done, so the create is repeated.
    emu.faults().inject(
        Route::V1CreateSession,
        Fault::Status {
            status: 429,
            retry_after: None,
            times: 1,
        },
    );
    v1.start_new_session(&options).await.unwrap();
    assert_eq!(emu.request_count(Route::V1CreateSession), 2);
    assert_eq!(sessions().await, 1);

    // The answer was lost after the session was made: repeating would make
    // a second one, whose id nobody would know. The error is returned.
    emu.faults()
        .inject(Route::V1CreateSession, Fault::DropAfterApply { times: 1 });
    let error = v1.start_new_session(&options).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(emu.request_count(Route::V1CreateSession), 3);
    assert_eq!(sessions().await, 2);

    // A 503 may come after the work was done, too.
    emu.faults().inject(
        Route::V1CreateSession,
        Fault::Status {
            status: 503,
            retry_after: None,
            times: 1,
        },
    );
    let error = v1.start_new_session(&options).await.unwrap_err();
    assert_eq!(error.status(), Some(503), "{error:?}");
    assert_eq!(emu.request_count(Route::V1CreateSession), 4);

    // The 2021 versions name the session, so their creates stay retried.
    let stable = builder(&emu).build().unwrap();
    emu.faults()
        .inject(Route::CreateSession, Fault::DropAfterApply { times: 1 });
    stable.start_new_session(&options).await.unwrap();
    assert_eq!(emu.request_count(Route::CreateSession), 2);
    assert_eq!(sessions().await, 3);
}
