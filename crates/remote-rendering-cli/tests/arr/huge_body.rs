//! Issue 13, finding 2: `arr` against a server that answers an endless body
//! fails promptly with one request, exit 4 and a message naming the limit.
//! The server is a thread on loopback.

use super::*;
use std::io::{Read as _, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Answers every request with `status` and a chunked body that never ends
/// (until the client hangs up); returns its URL and a request counter.
fn endless_server(status: u16) -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let _ = stream.read(&mut buf);
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                     transfer-encoding: chunked\r\n\r\n"
                );
                let chunk = [b"4000\r\n".as_slice(), &[b' '; 0x4000], b"\r\n"].concat();
                if stream.write_all(head.as_bytes()).is_ok() {
                    while stream.write_all(&chunk).is_ok() {}
                }
            });
        }
    });
    (format!("http://{address}"), requests)
}

#[test]
fn an_endless_answer_fails_promptly_with_exit_4_and_no_retry() {
    for status in [200, 503] {
        let (endpoint, requests) = endless_server(status);
        let started = Instant::now();
        let output = arr()
            .env("ARR_ACCOUNT_ID", "30ea64bd-100f-4bf0-adc9-29fa45d4880c")
            .env("ARR_ACCOUNT_DOMAIN", "eastus.mixedreality.azure.com")
            .env(
                "ARR_ACCESS_TOKEN",
                "eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln",
            )
            .env("ARR_ENDPOINT", &endpoint)
            .env("ARR_STS_ENDPOINT", &endpoint)
            .args(["session", "list"])
            .output()
            .unwrap();
        let took = started.elapsed();
        println!("endless HTTP {status} body: arr exited after {took:?}");
        assert_eq!(output.status.code(), Some(4), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let limit = if status == 200 { "4 MiB" } else { "64 KiB" };
        assert!(
            stderr.contains(&format!("is larger than the client's {limit} limit")),
            "{stderr}"
        );
        assert_eq!(requests.load(Ordering::SeqCst), 1, "retried: {stderr}");
        // Generous for a loaded machine; unbounded reading never returns.
        assert!(took < Duration::from_secs(30), "took {took:?}");
    }
}
