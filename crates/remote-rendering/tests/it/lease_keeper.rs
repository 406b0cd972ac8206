//! The lease keeper: extends before expiry, stops at the maximum, ends with
//! the session, stops when dropped.

use super::sessions::standard;
use remote_rendering::{LeaseEvent, LeaseKeeperOptions, SessionId, SessionStatus};
use remote_rendering_emulator::Route;
use std::time::{Duration, Instant};

const MINUTE: Duration = Duration::from_secs(60);

fn keeper_options() -> LeaseKeeperOptions {
    LeaseKeeperOptions::default()
        .with_margin(MINUTE * 10)
        .with_step(MINUTE * 30)
        .with_check_interval(Duration::from_millis(20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_keeper_extends_before_expiry_and_stops_at_the_maximum() {
    // One lease minute lasts 10 ms of a manual clock, advanced to reach the edges.
    let emu = crate::common::emulator()
        .manual_clock()
        .session_startup(Duration::ZERO)
        .lease_minute(Duration::from_millis(10))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    client
        .start_session(&id, &standard(1400))
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    let mut keeper = client.keep_alive(id.clone(), keeper_options()).unwrap();

    // 1,395 of 1,400 minutes gone: 5 left, within the 10-minute margin.
    emu.clock().advance(Duration::from_millis(10) * 1395);
    let event = next(&mut keeper).await;
    assert_eq!(
        event,
        LeaseEvent::Extended {
            from: MINUTE * 1400,
            to: MINUTE * 1430
        }
    );
    assert_eq!(
        client.get_session(&id).await.unwrap().status,
        SessionStatus::Ready
    );

    // 25 more minutes: 10 left again; the next step is capped at 1,440.
    emu.clock().advance(Duration::from_millis(10) * 25);
    let event = next(&mut keeper).await;
    assert_eq!(
        event,
        LeaseEvent::Extended {
            from: MINUTE * 1430,
            to: MINUTE * 1440
        }
    );

    // 10 more minutes: 10 left of the maximum, reported once, never extended beyond.
    emu.clock().advance(Duration::from_millis(10) * 10);
    assert_eq!(
        next(&mut keeper).await,
        LeaseEvent::AtMaximum {
            lease: MINUTE * 1440
        }
    );
    // Then the lease runs out and the keeper ends.
    emu.clock().advance(Duration::from_millis(10) * 20);
    assert_eq!(
        next(&mut keeper).await,
        LeaseEvent::Ended {
            status: SessionStatus::Expired
        }
    );
    assert!(keeper.next_event().await.is_none());
    assert_eq!(emu.request_count(Route::UpdateSession), 2);
}

async fn next(keeper: &mut remote_rendering::LeaseKeeper) -> LeaseEvent {
    tokio::time::timeout(Duration::from_secs(5), keeper.next_event())
        .await
        .expect("an event within 5 s")
        .expect("the keeper is running")
        .expect("no error")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_keeper_ends_when_the_session_is_stopped() {
    let emu = crate::common::emulator()
        .session_startup(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    client.start_session(&id, &standard(60)).await.unwrap();
    let mut keeper = client.keep_alive(id.clone(), keeper_options()).unwrap();
    client.stop_session(&id).await.unwrap();
    assert_eq!(
        next(&mut keeper).await,
        LeaseEvent::Ended {
            status: SessionStatus::Stopped
        }
    );
    assert!(keeper.next_event().await.is_none());
    assert_eq!(emu.request_count(Route::UpdateSession), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_lease_keeper_stops_it() {
    let emu = crate::common::emulator()
        .manual_clock()
        .session_startup(Duration::ZERO)
        .lease_minute(Duration::from_millis(10))
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    client.start_session(&id, &standard(60)).await.unwrap();
    let keeper = client.keep_alive(id.clone(), keeper_options()).unwrap();
    tokio::time::sleep(Duration::from_millis(60)).await;
    drop(keeper);
    tokio::time::sleep(Duration::from_millis(30)).await;
    let before = emu.requests().len();
    // Within the margin now, but nobody is extending any more.
    emu.clock().advance(Duration::from_millis(10) * 55);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(emu.requests().len(), before);
    assert_eq!(emu.request_count(Route::UpdateSession), 0);
    assert_eq!(emu.request_count(Route::StopSession), 0);
}

/// A lease minute of the manual clock in the tests below.
const LEASE_MINUTE: Duration = Duration::from_millis(10);

/// Waits (bounded, generously: the machine may be loaded) until the keeper
/// has made `count` extensions.
async fn extensions(emu: &remote_rendering_emulator::EmulatorHandle, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while emu.request_count(Route::UpdateSession) < count {
        assert!(
            Instant::now() < deadline,
            "the keeper stalled after {} of {count} extensions",
            emu.request_count(Route::UpdateSession),
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_keeper_keeps_going_when_nobody_reads_its_events() {
    // The lease runs on a manual clock, so the machine's speed cannot let it
    // expire: each clock step uses one minute of lease, and the keeper
    // (margin 10 min, step 1 min) extends once per step, well past its
    // 16-event buffer, with nobody reading.
    let emu = crate::common::emulator()
        .manual_clock()
        .session_startup(Duration::ZERO)
        .lease_minute(LEASE_MINUTE)
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    client.start_session(&id, &standard(20)).await.unwrap();
    let options = LeaseKeeperOptions::default()
        .with_margin(MINUTE * 10)
        .with_step(MINUTE)
        .with_check_interval(Duration::from_millis(2));
    let _keeper = client.keep_alive(id.clone(), options).unwrap();
    // 10 minutes of clock reach the margin, then each minute brings one.
    for count in 1..=25 {
        emu.clock()
            .advance(LEASE_MINUTE * if count == 1 { 10 } else { 1 });
        extensions(&emu, count).await;
    }
    let session = client.get_session(&id).await.unwrap();
    assert_eq!(session.status, SessionStatus::Ready);
    assert_eq!(session.max_lease, Some(MINUTE * 45));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_keeper_that_fell_behind_catches_up_at_once() {
    // 55 of 60 minutes gone between two checks (a suspended laptop, a loaded
    // machine): one 1-minute step leaves 6 minutes, inside the 10-minute
    // margin, and the next check is an hour away. The keeper must extend
    // until the margin is restored, not wait for that check.
    let emu = crate::common::emulator()
        .manual_clock()
        .session_startup(Duration::ZERO)
        .lease_minute(LEASE_MINUTE)
        .start()
        .await
        .unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    client.start_session(&id, &standard(60)).await.unwrap();
    emu.clock().advance(LEASE_MINUTE * 55);
    let options = LeaseKeeperOptions::default()
        .with_margin(MINUTE * 10)
        .with_step(MINUTE)
        .with_check_interval(Duration::from_secs(3600));
    let _keeper = client.keep_alive(id.clone(), options).unwrap();
    extensions(&emu, 6).await;
    let session = client.get_session(&id).await.unwrap();
    assert_eq!(session.max_lease, Some(MINUTE * 66));
    assert!(session.remaining_lease().unwrap() > MINUTE * 10);
}

#[tokio::test]
async fn lease_keeper_options_are_validated() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let bad_step = keeper_options().with_step(Duration::from_secs(90));
    assert!(client.keep_alive(SessionId::generate(), bad_step).is_err());
    let bad_interval = keeper_options().with_check_interval(Duration::ZERO);
    assert!(
        client
            .keep_alive(SessionId::generate(), bad_interval)
            .is_err()
    );
    assert!(emu.requests().is_empty());
}
