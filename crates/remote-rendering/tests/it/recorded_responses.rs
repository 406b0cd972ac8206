//! The client decodes every response the real service was recorded giving
//! (`../shared/recordings/exchanges.json`, 2021–2024, including the early
//! 2021 shape with every field written as null or zero) and surfaces the
//! recorded error codes and messages through its `Error`.
//!
//! A small loopback server answers each of the client's public operations
//! with one recorded status, headers and body.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt as _;
use remote_rendering::{
    Client, ConversionId, ConversionInput, ConversionOutput, ConversionStatus, Credential, Error,
    RetryPolicy, SessionId, SessionOptions, SessionSize, SessionStatus,
};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// A recorded answer: status, headers of interest, body text.
#[derive(Clone, Debug)]
struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Canned {
    fn from_recording(exchange: &Value) -> Self {
        let body = match &exchange["response_body"] {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let headers = exchange["response_headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .filter(|(k, _)| !k.eq_ignore_ascii_case("content-length"))
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            status: exchange["status"].as_u64().unwrap() as u16,
            headers,
            body,
        }
    }

    fn token() -> Self {
        // The recorders' fake token: payload {"exp":2147483647}.
        Self {
            status: 200,
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: r#"{"AccessToken":"fake.eyJleHAiOjIxNDc0ODM2NDd9.fake"}"#.into(),
        }
    }
}

/// What the loopback server answers: STS requests and ARR requests.
#[derive(Clone)]
struct Answers {
    sts: Arc<Mutex<Canned>>,
    arr: Arc<Mutex<Canned>>,
}

async fn serve(listener: TcpListener, answers: Answers) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let answers = answers.clone();
        tokio::spawn(async move {
            let mut buffer = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read the head, then as much body as Content-Length says.
            let head_end = loop {
                let Ok(n) = socket.read(&mut chunk).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                buffer.extend_from_slice(&chunk[..n]);
                if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                    break at + 4;
                }
            };
            let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buffer.len() < head_end + length {
                match socket.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                }
            }
            let path = head.split_whitespace().nth(1).unwrap_or_default();
            let canned = if path.contains("/token") {
                answers.sts.lock().unwrap().clone()
            } else {
                answers.arr.lock().unwrap().clone()
            };
            let mut response = format!("HTTP/1.1 {} Recorded\r\n", canned.status);
            for (name, value) in &canned.headers {
                response.push_str(&format!("{name}: {value}\r\n"));
            }
            response.push_str(&format!(
                "content-length: {}\r\nconnection: close\r\n\r\n{}",
                canned.body.len(),
                canned.body
            ));
            let _ = socket.write_all(response.as_bytes()).await;
            let _ = socket.shutdown().await;
        });
    }
}

fn client(endpoint: &str) -> Client {
    let account = "00000000-0000-0000-0000-000000000000";
    Client::builder(account, "eastus.mixedreality.azure.com")
        .endpoint(endpoint)
        .sts_endpoint(endpoint)
        .credential(Credential::account_key("cmVjb3JkZWQ="))
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(0)
                .with_initial_delay(Duration::from_millis(10))
                .with_max_delay(Duration::from_millis(10))
                .with_max_elapsed(Duration::from_secs(5)),
        )
        .request_timeout(Duration::from_secs(5))
        .build()
        .expect("client builds")
}

/// A recorded container URI the client accepts (recorders sanitized some).
fn container(value: &Value) -> String {
    match value.as_str() {
        Some(uri) if uri.starts_with("https://") => uri.to_owned(),
        _ => "https://sanitized.blob.core.windows.net/test".to_owned(),
    }
}

fn conversion_request(body: &Value) -> (ConversionInput, ConversionOutput) {
    let settings = &body["settings"];
    let (input, output) = (&settings["inputLocation"], &settings["outputLocation"]);
    let mut conversion_input = ConversionInput::new(
        &container(&input["storageContainerUri"]),
        input["relativeInputAssetPath"].as_str().unwrap(),
    )
    .unwrap();
    if let Some(prefix) = input["blobPrefix"].as_str() {
        conversion_input = conversion_input.with_blob_prefix(prefix);
    }
    let mut conversion_output =
        ConversionOutput::new(&container(&output["storageContainerUri"])).unwrap();
    if let Some(prefix) = output["blobPrefix"].as_str() {
        conversion_output = conversion_output.with_blob_prefix(prefix);
    }
    (conversion_input, conversion_output)
}

/// Runs the client operation the exchange recorded; `Ok(status)` is the
/// resource status it decoded (empty for answers without one).
async fn play(client: &Client, exchange: &Value) -> Result<String, Error> {
    let method = exchange["method"].as_str().unwrap();
    let path = exchange["path"].as_str().unwrap();
    let recorded_id = exchange["resource_id"].as_str().unwrap_or("recorded-id");
    let session = || SessionId::new(recorded_id).unwrap();
    let conversion = || ConversionId::new(recorded_id).unwrap();
    let request = &exchange["request_body"];
    match (method, path) {
        (_, p) if p.ends_with("/token") => client.access_token().await.map(|_| String::new()),
        ("PUT", "/accounts/{account}/sessions/{session}") => {
            let minutes = request["maxLeaseTimeMinutes"].as_u64().unwrap_or(4).max(1);
            let options =
                SessionOptions::new(SessionSize::Standard, Duration::from_secs(minutes * 60));
            let poller = client.start_session(&session(), &options).await?;
            Ok(poller
                .last()
                .map(|s| s.status.as_str().to_owned())
                .unwrap_or_default())
        }
        ("GET", "/accounts/{account}/sessions/{session}") => {
            let s = client.get_session(&session()).await?;
            assert!(!matches!(s.status, SessionStatus::Unknown(_)), "{s:?}");
            Ok(s.status.as_str().to_owned())
        }
        ("PATCH", "/accounts/{account}/sessions/{session}") => {
            let minutes = request["maxLeaseTimeMinutes"].as_u64().unwrap();
            let s = client
                .update_lease(&session(), Duration::from_secs(minutes * 60))
                .await?;
            Ok(s.status.as_str().to_owned())
        }
        ("POST", "/accounts/{account}/sessions/{session}/:stop") => client
            .stop_session(&session())
            .await
            .map(|()| String::new()),
        ("GET", "/accounts/{account}/sessions") => {
            let listed: Vec<_> = client.list_sessions().try_collect().await?;
            Ok(format!("{} items", listed.len()))
        }
        ("PUT", "/accounts/{account}/conversions/{conversion}") => {
            let (input, output) = conversion_request(request);
            let poller = client
                .start_conversion(&conversion(), &input, &output)
                .await?;
            Ok(poller
                .last()
                .map(|c| c.status.as_str().to_owned())
                .unwrap_or_default())
        }
        ("GET", "/accounts/{account}/conversions/{conversion}") => {
            let c = client.get_conversion(&conversion()).await?;
            assert!(!matches!(c.status, ConversionStatus::Unknown(_)), "{c:?}");
            Ok(c.status.as_str().to_owned())
        }
        ("GET", "/accounts/{account}/conversions") => {
            let listed: Vec<_> = client.list_conversions().try_collect().await?;
            Ok(format!("{} items", listed.len()))
        }
        other => panic!("no client operation for {other:?}"),
    }
}

/// What the client must have made of the recorded answer.
fn check(exchange: &Value, outcome: Result<String, Error>) -> Result<(), String> {
    let status = exchange["status"].as_u64().unwrap();
    let body = &exchange["response_body"];
    match (status, outcome) {
        (200..=299, Ok(decoded)) => {
            let expected = match (body.get("status"), body.as_object()) {
                (Some(s), _) => s.as_str().unwrap_or_default().to_owned(),
                (None, Some(map)) => match map.get("sessions").or_else(|| map.get("conversions")) {
                    Some(items) => format!("{} items", items.as_array().map_or(0, Vec::len)),
                    None => String::new(),
                },
                (None, None) => String::new(),
            };
            (decoded == expected)
                .then_some(())
                .ok_or(format!("decoded {decoded:?}, recorded {expected:?}"))
        }
        (_, Ok(decoded)) => Err(format!("recorded {status} decoded as success: {decoded:?}")),
        (200..=299, Err(e)) => Err(format!("cannot decode a recorded {status}: {e:?}")),
        (_, Err(error)) => {
            let code = body["error"]["code"].as_str();
            let message = body["error"]["message"].as_str();
            let surfaced = match &error {
                Error::Service(e) => {
                    e.status == status as u16
                        && e.code.as_deref() == code
                        && Some(e.message.as_str()) == message
                }
                // 401/403: the code leads the message.
                Error::Authentication {
                    status: got,
                    message: text,
                    ..
                } => {
                    *got == Some(status as u16)
                        && code.is_none_or(|c| text.contains(c))
                        && message.is_none_or(|m| text.contains(m))
                }
                _ => false,
            };
            surfaced.then_some(()).ok_or(format!(
                "recorded {status} {code:?} {message:?} surfaced as {error:?}"
            ))
        }
    }
}

#[tokio::test]
async fn the_client_decodes_every_recorded_response() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/recordings/exchanges.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing: this test must run in CI",
            path.display()
        );
        eprintln!(
            "skipping: {} not found (../shared is absent)",
            path.display()
        );
        return;
    };
    let exchanges: Vec<Value> = serde_json::from_str(&text).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}/", listener.local_addr().unwrap());
    let answers = Answers {
        sts: Arc::new(Mutex::new(Canned::token())),
        arr: Arc::new(Mutex::new(Canned::token())),
    };
    let server = tokio::spawn(serve(listener, answers.clone()));
    let (mut decoded, mut skipped, mut failures) = (0, 0, Vec::new());
    for exchange in &exchanges {
        if exchange["transcribed"] == Value::Bool(false) {
            skipped += 1; // a summary of polls, without a body
            continue;
        }
        let canned = Canned::from_recording(exchange);
        let sts = exchange["path"].as_str().unwrap().ends_with("/token");
        *answers.sts.lock().unwrap() = if sts { canned.clone() } else { Canned::token() };
        *answers.arr.lock().unwrap() = canned;
        // A fresh client, so a token request happens only for STS exchanges
        // or at the first ARR call (answered with a good token).
        let outcome = play(&client(&endpoint), exchange).await;
        if let Err(problem) = check(exchange, outcome) {
            failures.push(format!(
                "{} {} {} #{} {} {}: {problem}",
                exchange["sdk"],
                exchange["recorded"],
                exchange["test"],
                exchange["index"],
                exchange["method"],
                exchange["path"]
            ));
        }
        decoded += 1;
    }
    server.abort();
    println!(
        "recorded responses: {decoded} fed to the client, {skipped} poll summaries without a body"
    );
    assert!(decoded > 0);
    assert!(
        failures.is_empty(),
        "{} of {decoded}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
