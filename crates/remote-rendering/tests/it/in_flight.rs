//! The cap on requests in flight (`max_concurrent_requests`), seen from a
//! small server on loopback that counts the requests it holds at once.

use remote_rendering::{Client, Credential, Error, RetryPolicy, SessionId};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Barrier;

/// A JWT-shaped token (`exp` in 2100) the client uses without an STS.
const TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln";
const ACCOUNT: &str = "30ea64bd-100f-4bf0-adc9-29fa45d4880c";

/// Requests held at once: now and at most.
#[derive(Default)]
struct Concurrency {
    now: AtomicUsize,
    most: AtomicUsize,
    total: AtomicUsize,
}

/// Serves GET session on 127.0.0.1. Each request is held until `batch`
/// requests are held together (a barrier), then for `grace` more, so that
/// any request beyond the client's cap would arrive while they are held
/// and be counted; then each is answered (Ready) on its own connection.
async fn serve(batch: usize, grace: Duration) -> (String, Arc<Concurrency>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let counts = Arc::new(Concurrency::default());
    let barrier = Arc::new(Barrier::new(batch));
    let shared = counts.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (counts, barrier) = (shared.clone(), barrier.clone());
            tokio::spawn(async move {
                let mut socket = socket;
                let Some(path) = read_head(&mut socket).await else {
                    return;
                };
                counts.total.fetch_add(1, Ordering::SeqCst);
                let now = counts.now.fetch_add(1, Ordering::SeqCst) + 1;
                counts.most.fetch_max(now, Ordering::SeqCst);
                barrier.wait().await;
                tokio::time::sleep(grace).await;
                // Counted out before the answer leaves: the client may send
                // its next request as soon as this one is answered.
                counts.now.fetch_sub(1, Ordering::SeqCst);
                let _ = answer(&mut socket, &path).await;
            });
        }
    });
    (base, counts)
}

/// Reads a request head (GETs have no body); returns the path.
async fn read_head(socket: &mut TcpStream) -> Option<String> {
    let mut data = Vec::new();
    let mut buf = [0u8; 2048];
    while !data.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&data).to_string();
    head.split(' ').nth(1).map(str::to_string)
}

async fn answer(socket: &mut TcpStream, path: &str) -> std::io::Result<()> {
    let id = path
        .split('?')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .unwrap_or("s");
    let body = serde_json::json!({
        "id": id, "size": "Standard", "status": "Ready",
        "maxLeaseTimeMinutes": 30, "elapsedTimeMinutes": 0,
    })
    .to_string();
    let head = format!(
        "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await?;
    socket.write_all(body.as_bytes()).await?;
    socket.shutdown().await
}

fn client(base: &str, max: usize, retry: RetryPolicy) -> Client {
    Client::builder(ACCOUNT, "eastus.mixedreality.azure.com")
        .endpoint(base)
        .sts_endpoint(base)
        .credential(Credential::access_token(TOKEN))
        .retry_policy(retry)
        .request_timeout(Duration::from_secs(10))
        .max_concurrent_requests(max)
        .build()
        .unwrap()
}

#[tokio::test]
async fn no_more_requests_are_in_flight_than_the_cap() {
    const CAP: usize = 4;
    // Three batches: the server releases requests CAP at a time.
    let (base, counts) = serve(CAP, Duration::from_millis(50)).await;
    let client = client(&base, CAP, crate::common::fast_retry());
    let calls = (0..3 * CAP).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.get_session(&SessionId::generate()).await })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().expect("every call succeeds");
    }
    assert_eq!(counts.total.load(Ordering::SeqCst), 3 * CAP);
    assert_eq!(
        counts.most.load(Ordering::SeqCst),
        CAP,
        "the server held more (or fewer) requests at once than the cap"
    );
}

#[tokio::test]
async fn waiting_for_a_slot_ends_at_the_calls_deadline() {
    // The server holds requests until two are held: with a cap of 1 the
    // first call is never answered, and the second waits for its slot.
    let (base, counts) = serve(2, Duration::ZERO).await;
    let retry = RetryPolicy::none().with_max_elapsed(Duration::from_millis(200));
    let client = client(&base, 1, retry);
    let holder = tokio::spawn({
        let client = client.clone();
        async move { client.get_session(&SessionId::generate()).await }
    });
    while counts.total.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let error = client
        .get_session(&SessionId::generate())
        .await
        .expect_err("no slot came free");
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_eq!(
        counts.total.load(Ordering::SeqCst),
        1,
        "the waiting call sent nothing"
    );
    holder.abort();
}
