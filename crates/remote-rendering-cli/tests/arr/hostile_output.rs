//! Issue 13, item 7: what a lying server says reaches the terminal escaped.
//! The server is a thread on loopback answering every request with one
//! canned HTTP response.

use super::*;
use std::io::{Read as _, Write as _};

/// Answers every request with `status` and the JSON `body`; returns its URL.
fn canned_server(status: u16, body: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf);
            let response = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{address}")
}

/// `arr` pointed at `endpoint` with a static token (no STS).
fn arr_at(endpoint: &str) -> Command {
    let mut cmd = arr();
    cmd.env("ARR_ACCOUNT_ID", "30ea64bd-100f-4bf0-adc9-29fa45d4880c")
        .env("ARR_ACCOUNT_DOMAIN", "eastus.mixedreality.azure.com")
        .env(
            "ARR_ACCESS_TOKEN",
            "eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln",
        )
        .env("ARR_ENDPOINT", endpoint)
        .env("ARR_STS_ENDPOINT", endpoint);
    cmd
}

const EVIL: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\r\nFORGED LINE\u{202e}";

fn assert_clean(what: &str, text: &[u8]) {
    let text = String::from_utf8_lossy(text);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\r') && !text.contains('\u{202e}'),
        "{what} carries raw control characters: {text:?}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("FORGED")),
        "{what}: a forged line: {text:?}"
    );
}

#[test]
fn server_text_in_tables_is_escaped() {
    let session = serde_json::json!({
        "id": "s", "size": "Standard", "status": "Ready",
        "maxLeaseTimeMinutes": 30, "elapsedTimeMinutes": 1,
        "hostname": EVIL,
    });
    let endpoint = canned_server(200, session.to_string());
    let output = arr_at(&endpoint)
        .args(["session", "get", "s"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_clean("stdout", &output.stdout);
    assert!(String::from_utf8_lossy(&output.stdout).contains("\\u{1b}[2J"));
}

#[test]
fn server_error_messages_are_escaped() {
    let error = serde_json::json!({"error": {"code": "BadRequest", "message": EVIL}});
    let endpoint = canned_server(400, error.to_string());
    let output = arr_at(&endpoint)
        .args(["session", "get", "s"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{output:?}");
    assert_clean("stderr", &output.stderr);
}
