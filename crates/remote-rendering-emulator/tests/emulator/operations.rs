//! Operating the emulator: faults, rate limits, the request log, the admin
//! routes, TLS, shutdown and the `arr-emulator` binary.

use std::time::{Duration, Instant};

use crate::common::{Ctx, conversion_body, read, status_of};
use remote_rendering_emulator::{Emulator, Fault, Route};
use remote_rendering_rest::types::{self, SessionStatusKnown as S};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn status_faults_fail_the_next_requests_then_stop() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    ctx.create_session("s", 10).await;
    ctx.emu.faults().inject(
        Route::GetSession,
        Fault::Status {
            status: 503,
            retry_after: Some(Duration::from_millis(1500)),
            times: 2,
        },
    );
    ctx.emu.faults().inject(
        Route::ListSessions,
        Fault::Status {
            status: 500,
            retry_after: None,
            times: 1,
        },
    );
    for _ in 0..2 {
        let reply = ctx.get("sessions/s").await;
        assert_eq!(
            reply.error(StatusCode::SERVICE_UNAVAILABLE).code,
            "InjectedFault"
        );
        assert_eq!(reply.header("retry-after"), Some("2"));
    }
    assert_eq!(ctx.get("sessions/s").await.status, StatusCode::OK);
    let list = ctx.get("sessions").await;
    list.error(StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(list.header("retry-after"), None);
    assert_eq!(ctx.get("sessions").await.status, StatusCode::OK);
    assert!(ctx.emu.faults().pending().is_empty());

    assert_eq!(ctx.emu.request_count(Route::GetSession), 3);
    let statuses: Vec<u16> = ctx
        .emu
        .requests()
        .iter()
        .filter(|r| r.route == Some(Route::GetSession))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [503, 503, 200]);

    ctx.emu
        .faults()
        .inject(Route::GetSession, Fault::DropBeforeHandler { times: 5 });
    ctx.emu.faults().clear();
    assert_eq!(ctx.get("sessions/s").await.status, StatusCode::OK);
}

#[tokio::test]
async fn latency_faults_delay_responses() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    ctx.emu.faults().inject(
        Route::ListSessions,
        Fault::Latency {
            delay: Duration::from_millis(300),
            times: 1,
        },
    );
    let started = Instant::now();
    assert_eq!(ctx.get("sessions").await.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    ctx.get("sessions").await;
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn dropped_connections_before_and_after_the_handler() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let body = json!({"maxLeaseTimeMinutes": 10, "size": "Standard"});
    let send = || {
        ctx.http
            .put(ctx.url("sessions/s"))
            .bearer_auth(&ctx.token)
            .json(&body)
            .send()
    };

    ctx.emu
        .faults()
        .inject(Route::CreateSession, Fault::DropBeforeHandler { times: 1 });
    let err = send().await.expect_err("the connection is dropped");
    assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
    ctx.get("sessions/s").await.error(StatusCode::NOT_FOUND);

    ctx.emu
        .faults()
        .inject(Route::CreateSession, Fault::DropAfterApply { times: 1 });
    send().await.expect_err("the connection is dropped");
    // The change stuck: a retry meets the already created session.
    assert_eq!(status_of(&ctx.session("s").await), S::Starting);
    assert_eq!(read(send().await.unwrap()).await.status, StatusCode::OK);

    let statuses: Vec<u16> = ctx
        .emu
        .requests()
        .iter()
        .filter(|r| r.route == Some(Route::CreateSession))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [0, 201, 200]);
}

#[tokio::test]
async fn truncated_and_non_json_bodies() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    ctx.create_session("s", 10).await;
    ctx.emu
        .faults()
        .inject(Route::GetSession, Fault::TruncatedBody { times: 1 });
    ctx.emu
        .faults()
        .inject(Route::GetSession, Fault::NonJsonBody { times: 1 });

    let truncated = ctx.get("sessions/s").await;
    assert_eq!(truncated.status, StatusCode::OK);
    assert!(serde_json::from_str::<serde_json::Value>(&truncated.body).is_err());
    assert!(truncated.body.starts_with('{'));

    let html = ctx.get("sessions/s").await;
    assert_eq!(html.status, StatusCode::OK);
    assert_eq!(html.header("content-type"), Some("text/html"));
    assert!(html.body.starts_with("<html>"));

    ctx.session("s").await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_per_window() {
    let ctx = Ctx::start(
        Emulator::builder()
            .manual_clock()
            .rate_limit(3, Duration::from_secs(10)),
    )
    .await;
    // The STS token Ctx::start fetched counts against the STS's budget,
    // not ARR's.
    for _ in 0..3 {
        assert_eq!(ctx.get("sessions").await.status, StatusCode::OK);
    }
    let limited = ctx.get("sessions").await;
    assert_eq!(
        limited.error(StatusCode::TOO_MANY_REQUESTS).code,
        "TooManyRequests"
    );
    assert_eq!(limited.header("retry-after"), Some("10"));

    ctx.emu.clock().advance(Duration::from_millis(7500));
    assert_eq!(ctx.get("sessions").await.header("retry-after"), Some("3"));

    ctx.emu.clock().advance(Duration::from_millis(2500));
    assert_eq!(ctx.get("sessions").await.status, StatusCode::OK);

    // Other accounts have their own budget (and get 403 from the handler).
    let other = format!(
        "{}accounts/{}/sessions?api-version=2021-01-01",
        ctx.emu.endpoint(),
        uuid::Uuid::new_v4()
    );
    for _ in 0..3 {
        let reply = read(
            ctx.http
                .get(&other)
                .bearer_auth(&ctx.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        reply.error(StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn request_log_holds_no_secrets() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    ctx.put("conversions/c", conversion_body("a.fbx")).await;
    let sas_query = format!("{}&sv=2020&sig=SUPERSECRET", ctx.url("conversions"));
    read(
        ctx.http
            .get(sas_query)
            .bearer_auth(&ctx.token)
            .send()
            .await
            .unwrap(),
    )
    .await;

    let log = ctx.emu.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].route, Some(Route::StsToken));
    assert_eq!(log[1].route, Some(Route::CreateConversion));
    assert_eq!(log[1].method, "PUT");
    assert_eq!(
        log[2].query.as_deref(),
        Some("api-version=2021-01-01&sv=2020&sig=REDACTED")
    );
    let dump = format!("{log:?}");
    for secret in [
        "SUPERSECRET",
        ctx.token.as_str(),
        ctx.emu.account_key().as_str(),
    ] {
        assert!(!dump.contains(secret));
    }
    ctx.emu.clear_requests();
    assert!(ctx.emu.requests().is_empty());
}

#[tokio::test]
async fn admin_routes_control_faults_clock_and_errors() {
    let ctx = Ctx::start(
        Emulator::builder()
            .manual_clock()
            .session_startup(Duration::from_secs(60)),
    )
    .await;
    let admin = |path: &str| format!("{}_emulator/{path}", ctx.emu.endpoint());
    ctx.create_session("s", 10).await;

    let injected = read(
        ctx.http
            .post(admin("faults"))
            .json(&json!({
                "route": "GetSession",
                "fault": {"kind": "status", "status": 429, "retry_after_secs": 4, "times": 1}
            }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(injected.status, StatusCode::NO_CONTENT, "{}", injected.body);
    let faulted = ctx.get("sessions/s").await;
    faulted.error(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(faulted.header("retry-after"), Some("4"));

    let bad = read(
        ctx.http
            .post(admin("faults"))
            .json(&json!({"route": "Nope", "fault": {"kind": "drop_after_apply", "times": 1}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    bad.error(StatusCode::BAD_REQUEST);

    ctx.http
        .post(admin("faults"))
        .json(&json!({"route": "GetSession", "fault": {"kind": "drop_before_handler", "times": 3}}))
        .send()
        .await
        .unwrap();
    assert_eq!(ctx.emu.faults().pending().len(), 1);
    let cleared = ctx.http.delete(admin("faults")).send().await.unwrap();
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert!(ctx.emu.faults().pending().is_empty());

    let advanced = ctx
        .http
        .post(admin("clock/advance"))
        .json(&json!({"millis": 60_000}))
        .send()
        .await
        .unwrap();
    assert_eq!(advanced.status(), StatusCode::NO_CONTENT);
    assert_eq!(status_of(&ctx.session("s").await), S::Ready);

    let errored = ctx
        .http
        .post(admin("sessions/s/error"))
        .json(&json!({"code": "Boom", "message": "It broke."}))
        .send()
        .await
        .unwrap();
    assert_eq!(errored.status(), StatusCode::NO_CONTENT);
    let session = ctx.session("s").await;
    assert_eq!(status_of(&session), S::Error);
    assert_eq!(session.error.unwrap().code, "Boom");

    let log: Vec<serde_json::Value> = ctx
        .http
        .get(admin("requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|r| r["route"] == "GetSession" && r["status"] == 429)
    );
    // Admin calls stay out of the log.
    assert!(
        ctx.emu
            .requests()
            .iter()
            .all(|r| !r.path.starts_with("/_emulator"))
    );
}

#[tokio::test]
async fn tls_serves_https_for_localhost_and_loopback() {
    let emu = Emulator::builder()
        .tls()
        .manual_clock()
        .start()
        .await
        .unwrap();
    assert_eq!(emu.endpoint().scheme(), "https");
    let pem = emu.ca_cert_pem().expect("a CA certificate");
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()])
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let token = crate::common::sts_token(&http, &emu).await;
    let port = emu.local_addr().port();
    for host in ["127.0.0.1", "localhost"] {
        let url = format!(
            "https://{host}:{port}/accounts/{}/sessions?api-version=2021-01-01",
            emu.account_id()
        );
        let reply = read(http.get(url).bearer_auth(&token).send().await.unwrap()).await;
        assert_eq!(reply.status, StatusCode::OK, "{host}");
    }
    // Without trusting the CA the handshake fails.
    let untrusting = crate::common::client();
    assert!(untrusting.get(emu.endpoint()).send().await.is_err());
    // Plain HTTP is not served on the TLS port.
    assert!(
        crate::common::client()
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let emu = Emulator::builder().start().await.unwrap();
    let url = emu.endpoint();
    let http = crate::common::client();
    assert!(http.get(url.clone()).send().await.is_ok());
    emu.shutdown().await;
    emu.shutdown().await;
    assert!(http.get(url).send().await.is_err());

    let emu = Emulator::builder().start().await.unwrap();
    let url = emu.endpoint();
    drop(emu);
    let deadline = Instant::now() + Duration::from_secs(5);
    while crate::common::client()
        .get(url.clone())
        .send()
        .await
        .is_ok()
    {
        assert!(
            Instant::now() < deadline,
            "server still answering after drop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn builder_rejects_unusable_settings() {
    assert!(
        Emulator::builder()
            .lease_minute(Duration::ZERO)
            .start()
            .await
            .is_err()
    );
    assert!(
        Emulator::builder()
            .rate_limit(1, Duration::ZERO)
            .start()
            .await
            .is_err()
    );
    let id = uuid::Uuid::new_v4();
    let emu = Emulator::builder()
        .account_id(id)
        .account_key("a-key")
        .start()
        .await
        .unwrap();
    assert_eq!(
        (emu.account_id(), emu.account_key()),
        (id, "a-key".to_owned())
    );
    assert!(emu.account_domain().contains('.'));
    assert_eq!(emu.ca_cert_pem(), None);
    assert_eq!(emu.endpoint(), emu.sts_endpoint());
}

#[cfg(unix)]
#[tokio::test]
async fn binary_prints_one_json_line_serves_and_stops_on_sigint() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let pem_path = dir.path().join("ca.pem");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_arr-emulator"))
        .args([
            "--port",
            "0",
            "--session-startup",
            "100ms",
            "--tls",
            "--ca-cert-path",
        ])
        .arg(&pem_path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), stdout.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).unwrap();
    for key in [
        "endpoint",
        "sts_endpoint",
        "account_id",
        "account_key",
        "account_domain",
        "ca_cert",
    ] {
        assert!(info[key].is_string(), "{key} in {line}");
    }
    assert_eq!(info["ca_cert"], pem_path.display().to_string());

    let pem = std::fs::read(&pem_path).unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .no_proxy()
        .build()
        .unwrap();
    let account = info["account_id"].as_str().unwrap();
    let token = read(
        http.get(format!(
            "{}Accounts/{account}/token",
            info["sts_endpoint"].as_str().unwrap()
        ))
        .bearer_auth(format!(
            "{account}:{}",
            info["account_key"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(token.status, StatusCode::OK);
    let token: serde_json::Value = token.json();
    let sessions = read(
        http.get(format!(
            "{}accounts/{account}/sessions?api-version=2021-01-01",
            info["endpoint"].as_str().unwrap()
        ))
        .bearer_auth(token["AccessToken"].as_str().unwrap())
        .send()
        .await
        .unwrap(),
    )
    .await;
    let list: types::SessionsList = sessions.json();
    assert!(list.sessions.is_empty());

    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the emulator exits after SIGINT")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    // Exactly one line was printed.
    assert_eq!(stdout.next_line().await.unwrap(), None);
}

#[tokio::test]
async fn admin_faults_take_every_kind_in_the_documented_json() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    let url = format!("{}_emulator/faults", ctx.emu.endpoint());
    let post = |fault: serde_json::Value| {
        let request = ctx
            .http
            .post(&url)
            .json(&json!({"route": "GetConversion", "fault": fault}));
        async move { read(request.send().await.unwrap()).await }
    };
    let cases = [
        (
            json!({"kind": "status", "status": 503, "retry_after_secs": 2, "times": 1}),
            Fault::Status {
                status: 503,
                retry_after: Some(Duration::from_secs(2)),
                times: 1,
            },
        ),
        (
            json!({"kind": "status", "status": 500, "times": 2}),
            Fault::Status {
                status: 500,
                retry_after: None,
                times: 2,
            },
        ),
        (
            json!({"kind": "latency", "delay_ms": 1500, "times": 3}),
            Fault::Latency {
                delay: Duration::from_millis(1500),
                times: 3,
            },
        ),
        (
            json!({"kind": "drop_before_handler", "times": 4}),
            Fault::DropBeforeHandler { times: 4 },
        ),
        (
            json!({"kind": "drop_after_apply", "times": 5}),
            Fault::DropAfterApply { times: 5 },
        ),
        (
            json!({"kind": "truncated_body", "times": 6}),
            Fault::TruncatedBody { times: 6 },
        ),
        (
            json!({"kind": "non_json_body", "times": 7}),
            Fault::NonJsonBody { times: 7 },
        ),
        (
            json!({"kind": "missing_fields", "times": 8}),
            Fault::MissingFields { times: 8 },
        ),
    ];
    for (body, expected) in cases {
        let reply = post(body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::NO_CONTENT,
            "{body}: {}",
            reply.body
        );
        let pending = ctx.emu.faults().pending();
        assert_eq!(pending, vec![(Route::GetConversion, expected)], "{body}");
        ctx.emu.faults().clear();
    }
    for bad in [
        json!({"kind": "status", "status": 1000, "times": 1}),
        json!({"kind": "latency", "delay": 5, "times": 1}),
        json!({"kind": "explode", "times": 1}),
        json!({"kind": "truncated_body"}),
    ] {
        post(bad).await.error(StatusCode::BAD_REQUEST);
    }
    assert!(ctx.emu.faults().pending().is_empty());
}
