//! Micro-benchmarks of the per-request hot paths (divan: `cargo bench -p
//! remote-rendering-bench`). divan rather than criterion: far fewer
//! dependencies to compile on the shared 2-core machine, and each benchmark
//! is a plain function.
//!
//! - JWT `exp` parsing: runs whenever a token is cached or refreshed;
//! - continuation tokens: written and read when pollers are saved/resumed;
//! - request classification: the emulator classifies every request it serves;
//! - session id validation and response decoding: every client call.

use base64::Engine as _;
use divan::black_box;
use http::Method;
use remote_rendering::{Client, Credential, SessionId};
use remote_rendering_emulator::Route;

fn main() {
    divan::main();
}

/// A token shaped like the STS's: HS256 header, claims, signature.
fn token() -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = engine.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = engine.encode(
        r#"{"accountId":"30ea64bd-100f-4bf0-adc9-29fa45d4880c","iat":1767225600,"exp":1767312000,"aud":"https://sts.localhost.mixedreality.emulator"}"#,
    );
    let signature = engine.encode([7u8; 32]);
    format!("{header}.{claims}.{signature}")
}

#[divan::bench]
fn jwt_exp_parsing(bencher: divan::Bencher) {
    let token = token();
    bencher.bench(|| remote_rendering::testing::jwt_expiry(black_box(&token)));
}

/// A client that never sends anything (building one is offline).
fn offline_client() -> Client {
    Client::builder(
        "30ea64bd-100f-4bf0-adc9-29fa45d4880c",
        "localhost.mixedreality.emulator",
    )
    .endpoint("http://127.0.0.1:9")
    .sts_endpoint("http://127.0.0.1:9")
    .credential(Credential::access_token(token()))
    .build()
    .expect("offline client")
}

#[divan::bench]
fn continuation_token_encode(bencher: divan::Bencher) {
    let poller = offline_client().session_poller(SessionId::new("bench-session-0001").unwrap());
    bencher.bench(|| black_box(&poller).continuation_token());
}

#[divan::bench]
fn continuation_token_decode(bencher: divan::Bencher) {
    let client = offline_client();
    let token = client
        .session_poller(SessionId::new("bench-session-0001").unwrap())
        .continuation_token();
    bencher.bench(|| {
        client
            .resume_session_poller(black_box(&token))
            .map(|p| p.id().len())
    });
}

#[divan::bench(args = [
    "/accounts/30ea64bd-100f-4bf0-adc9-29fa45d4880c/sessions/bench-session-0001",
    "/Accounts/30ea64bd-100f-4bf0-adc9-29fa45d4880c/token",
    "/accounts/30ea64bd-100f-4bf0-adc9-29fa45d4880c/conversions",
])]
fn request_classification(path: &str) -> Option<Route> {
    Route::classify(black_box(&Method::GET), black_box(path))
}

#[divan::bench]
fn session_id_validation() -> bool {
    SessionId::new(black_box("bench-session-0001")).is_ok()
}

#[divan::bench]
fn session_response_decoding(bencher: divan::Bencher) {
    let body = br#"{"id":"bench-session-0001","size":"Standard","status":"Ready","maxLeaseTimeMinutes":60,"elapsedTimeMinutes":0,"hostname":"0b5e1c8a.localhost.mixedreality.emulator","handshakePort":50051,"arrInspectorPort":50052,"teraflops":15.0,"creationTime":"2026-01-01T00:00:00.123456789Z"}"#;
    bencher.bench(|| {
        serde_json::from_slice::<remote_rendering_rest::types::SessionProperties>(black_box(body))
            .map(|s| s.id.len())
    });
}
