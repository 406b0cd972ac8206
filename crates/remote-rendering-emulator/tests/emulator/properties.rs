//! Property tests of the emulator's HTTP surface: whatever arrives (random
//! methods, paths with percent-encoding and traversal, api-versions,
//! headers, JSON or non-JSON bodies), the emulator answers without a 5xx or
//! a panic, and every error body has the spec's shape
//! `{"error":{"code":string,"message":string,...}}`.
//!
//! Requests are written by hand on a raw TCP connection, so paths reach the
//! server exactly as generated (no client-side normalisation). The case
//! counts are bounded (see `CASES`) to keep the file within seconds.

use proptest::prelude::*;
use remote_rendering_emulator::{Emulator, EmulatorHandle};
use serde_json::Value;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Cases per property.
const CASES: u32 = 128;

struct Shared {
    runtime: tokio::runtime::Runtime,
    emu: EmulatorHandle,
    token: String,
}

/// One emulator for every case (on its own runtime), with a valid token.
fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (emu, token) = runtime.block_on(async {
            let emu = Emulator::builder()
                .session_startup(Duration::from_millis(50))
                .conversion_duration(Duration::from_millis(50))
                .start()
                .await
                .unwrap();
            let path = format!(
                "/Accounts/{}/token?api-version=2019-02-28-preview",
                emu.account_id()
            );
            let auth = format!("Bearer {}:{}", emu.account_id(), emu.account_key());
            let reply = send(&emu, "GET", &path, Some(&auth), &[]).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            let token = serde_json::from_str::<Value>(&reply.body).unwrap()["AccessToken"]
                .as_str()
                .unwrap()
                .to_string();
            (emu, token)
        });
        Shared {
            runtime,
            emu,
            token,
        }
    })
}

struct Reply {
    status: u16,
    body: String,
}

/// Sends one raw HTTP/1.1 request and reads the whole answer.
async fn send(
    emu: &EmulatorHandle,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: &[u8],
) -> Reply {
    let mut stream = tokio::net::TcpStream::connect(emu.local_addr())
        .await
        .expect("connect");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        emu.local_addr(),
        body.len()
    );
    if let Some(authorization) = authorization {
        head.push_str(&format!("Authorization: {authorization}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("the emulator answers within 10 s")
        .expect("read");
    parse(&raw, method == "HEAD").unwrap_or_else(|| {
        panic!(
            "not an HTTP response to {method} {path:?}: {:?}",
            String::from_utf8_lossy(&raw)
        )
    })
}

fn parse(raw: &[u8], head_only: bool) -> Option<Reply> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
    let mut body = raw[split + 4..].to_vec();
    let chunked = head
        .lines()
        .any(|l| l.eq_ignore_ascii_case("transfer-encoding: chunked"));
    if chunked && !head_only {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).ok()?.trim(), 16)
                    .ok()?;
            if size == 0 {
                break;
            }
            out.extend_from_slice(rest.get(line_end + 2..line_end + 2 + size)?);
            rest = rest.get(line_end + 4 + size..)?;
        }
        body = out;
    }
    Some(Reply {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// The answer must not be a 5xx, and an error answer with a body must have
/// the spec's error shape.
fn check(reply: &Reply, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        reply.status < 500,
        "{what}: HTTP {} {}",
        reply.status,
        reply.body
    );
    if reply.status >= 400 && !reply.body.is_empty() {
        let value: Value = serde_json::from_str(&reply.body).map_err(|e| {
            TestCaseError::fail(format!(
                "{what}: error body is not JSON ({e}): {}",
                reply.body
            ))
        })?;
        let error = &value["error"];
        prop_assert!(error.is_object(), "{what}: no error object: {}", reply.body);
        prop_assert!(error["code"].is_string(), "{what}: no code: {}", reply.body);
        prop_assert!(
            error["message"].is_string(),
            "{what}: no message: {}",
            reply.body
        );
    }
    Ok(())
}

fn run(method: &str, path: &str, authorization: Option<String>, body: &[u8]) -> Reply {
    let shared = shared();
    shared.runtime.block_on(send(
        &shared.emu,
        method,
        path,
        authorization.as_deref(),
        body,
    ))
}

// ---- Strategies -------------------------------------------------------------

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::String),
        prop_oneof![
            Just("Standard"),
            Just("Premium"),
            Just("Ready"),
            Just("https://x.blob.example/c"),
            Just("a.fbx"),
            Just("")
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    let keys = prop_oneof![
        Just("maxLeaseTimeMinutes".to_string()),
        Just("size".to_string()),
        Just("settings".to_string()),
        Just("inputLocation".to_string()),
        Just("outputLocation".to_string()),
        Just("storageContainerUri".to_string()),
        Just("relativeInputAssetPath".to_string()),
        Just("blobPrefix".to_string()),
        Just("outputAssetFilename".to_string()),
        "\\PC{0,12}",
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A JSON document, or bytes that are not one.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => Just(Vec::new()),
        1 => Just(b"{\"maxLeaseTimeMinutes\":".to_vec()),
    ]
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop_oneof![
            Just("GET"),
            Just("PUT"),
            Just("PATCH"),
            Just("POST"),
            Just("DELETE"),
            Just("HEAD"),
            Just("OPTIONS"),
            Just("TRACE"),
        ]
        .prop_map(str::to_string),
        1 => "[A-Z]{1,10}",
    ]
}

/// A path segment: a meaningful word, random URL characters, or
/// percent-encoded bytes (including `/`, `.` and invalid UTF-8).
fn segment(account: String) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop_oneof![
            Just("accounts".to_string()),
            Just("Accounts".to_string()),
            Just(account),
            Just("sessions".to_string()),
            Just("conversions".to_string()),
            Just("token".to_string()),
            Just(":stop".to_string()),
            Just("%3Astop".to_string()),
            Just("stop-action".to_string()),
            Just("..".to_string()),
            Just(".".to_string()),
            Just(String::new()),
            Just("s1".to_string()),
        ],
        2 => "[a-zA-Z0-9._~:@!$&'()*+,;=-]{0,20}",
        1 => prop::collection::vec(any::<u8>(), 1..6).prop_map(|bytes| {
            bytes.iter().map(|b| format!("%{b:02X}")).collect::<String>()
        }),
        1 => Just("%2F..%2F".to_string()),
        1 => Just("x".repeat(300)),
    ]
}

fn path(account: String) -> impl Strategy<Value = String> {
    let version = prop_oneof![
        Just(Some("2021-01-01".to_string())),
        Just(Some("2021-01-01-preview".to_string())),
        Just(Some("2019-02-28-preview".to_string())),
        Just(None),
        "[0-9a-z.%-]{0,12}".prop_map(Some),
    ];
    (
        prop::collection::vec(segment(account), 0..6),
        version,
        prop::option::of("[a-zA-Z0-9=&%$-]{0,16}"),
    )
        .prop_map(|(segments, version, extra)| {
            let mut path = format!("/{}", segments.join("/"));
            let mut query = Vec::new();
            if let Some(version) = version {
                query.push(format!("api-version={version}"));
            }
            if let Some(extra) = extra {
                query.push(extra);
            }
            if !query.is_empty() {
                path.push('?');
                path.push_str(&query.join("&"));
            }
            path
        })
        // The admin routes may legitimately inject faults (5xx).
        .prop_filter("not an admin route", |p| !p.starts_with("/_emulator"))
}

fn authorization() -> impl Strategy<Value = Option<String>> {
    let shared = shared();
    let token = shared.token.clone();
    let key = format!("{}:{}", shared.emu.account_id(), shared.emu.account_key());
    prop_oneof![
        4 => Just(Some(format!("Bearer {token}"))),
        1 => Just(Some(format!("Bearer {key}"))),
        1 => Just(None),
        1 => "[ -~]{0,40}".prop_map(Some),
        1 => "[a-zA-Z0-9._-]{0,60}".prop_map(|t| Some(format!("Bearer {t}"))),
    ]
}

fn account() -> String {
    shared().emu.account_id().to_string()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: CASES,
        max_shrink_iters: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Random methods, paths, api-versions, credentials and bodies.
    #[test]
    fn any_request_gets_a_well_formed_answer(
        method in method(),
        path in path(account()),
        authorization in authorization(),
        body in body(),
    ) {
        let reply = run(&method, &path, authorization, &body);
        check(&reply, &format!("{method} {path}"))?;
    }

    /// Random bodies on every route that reads one, with a valid token.
    #[test]
    fn any_body_on_a_real_route_gets_a_well_formed_answer(
        route in 0usize..5,
        id in "[a-zA-Z0-9_-]{1,12}",
        body in body(),
    ) {
        let account = account();
        let (method, path) = match route {
            0 => ("PUT", format!("/accounts/{account}/sessions/{id}?api-version=2021-01-01")),
            1 => ("PATCH", format!("/accounts/{account}/sessions/{id}?api-version=2021-01-01")),
            2 => ("POST", format!("/accounts/{account}/sessions/{id}/:stop?api-version=2021-01-01")),
            3 => ("PUT", format!("/accounts/{account}/conversions/{id}?api-version=2021-01-01")),
            _ => ("GET", format!("/Accounts/{account}/token?api-version=2019-02-28-preview")),
        };
        let authorization = if route == 4 {
            format!("Bearer {}:{}", account, shared().emu.account_key())
        } else {
            format!("Bearer {}", shared().token)
        };
        let reply = run(method, &path, Some(authorization), &body);
        check(&reply, &format!("{method} {path}"))?;
    }

    /// Session bodies close to valid ones: every field with a value of any
    /// JSON type.
    #[test]
    fn near_valid_session_bodies_get_a_well_formed_answer(
        id in "[a-zA-Z0-9_-]{1,12}",
        lease in json_value(),
        size in json_value(),
        extra in json_value(),
    ) {
        let account = account();
        let body = serde_json::json!({"maxLeaseTimeMinutes": lease, "size": size, "extra": extra});
        let path = format!("/accounts/{account}/sessions/{id}?api-version=2021-01-01");
        let authorization = Some(format!("Bearer {}", shared().token));
        let reply = run("PUT", &path, authorization.clone(), &serde_json::to_vec(&body).unwrap());
        check(&reply, &format!("PUT {body}"))?;
        let patch = serde_json::json!({"maxLeaseTimeMinutes": lease});
        let reply = run("PATCH", &path, authorization, &serde_json::to_vec(&patch).unwrap());
        check(&reply, &format!("PATCH {patch}"))?;
    }
}

#[test]
fn the_checks_can_fail() {
    // A 5xx and a body outside the spec's shape are both caught.
    let server_error = Reply {
        status: 503,
        body: String::new(),
    };
    assert!(check(&server_error, "x").is_err());
    for body in [
        "not json",
        "{}",
        r#"{"error":"x"}"#,
        r#"{"error":{"code":1,"message":"m"}}"#,
        r#"{"error":{"code":"c"}}"#,
    ] {
        let reply = Reply {
            status: 400,
            body: body.to_string(),
        };
        assert!(check(&reply, "x").is_err(), "{body}");
    }
    let good = Reply {
        status: 404,
        body: r#"{"error":{"code":"NotFound","message":"m","details":[]}}"#.to_string(),
    };
    assert!(check(&good, "x").is_ok());
}
