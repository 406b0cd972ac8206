//! The admin routes refuse what a web page in the developer's browser (or a
//! neighbour on the network) could send.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use remote_rendering_emulator::Emulator;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Ctx, read};

fn admin(ctx: &Ctx, path: &str) -> String {
    format!("{}_emulator/{path}", ctx.emu.endpoint())
}

#[tokio::test]
async fn a_text_plain_post_cannot_move_the_clock_or_inject_faults() {
    let ctx = Ctx::start(Emulator::builder().manual_clock()).await;
    // What a cross-origin form or fetch without preflight can send.
    for (path, body) in [
        ("clock/advance", r#"{"millis": 60000}"#),
        (
            "faults",
            r#"{"route": "GetSession", "fault": {"kind": "drop_before_handler", "times": 1}}"#,
        ),
    ] {
        for content_type in ["text/plain", "application/x-www-form-urlencoded", ""] {
            let mut request = ctx.http.post(admin(&ctx, path)).body(body);
            if !content_type.is_empty() {
                request = request.header("content-type", content_type);
            }
            let reply = read(request.send().await.unwrap()).await;
            assert_eq!(
                reply.error(StatusCode::UNSUPPORTED_MEDIA_TYPE).code,
                "UnsupportedMediaType",
                "{path} {content_type:?}"
            );
        }
    }
    assert_eq!(ctx.emu.clock().elapsed().as_secs(), 0);
    assert!(ctx.emu.faults().pending().is_empty());
    // The same write as JSON is accepted.
    let ok = ctx
        .http
        .post(admin(&ctx, "clock/advance"))
        .header("content-type", "application/json; charset=utf-8")
        .body(r#"{"millis": 60000}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(ctx.emu.clock().elapsed().as_secs(), 60);
}

#[tokio::test]
async fn a_foreign_host_header_is_refused_dns_rebinding() {
    let ctx = Ctx::start(
        Emulator::builder()
            .manual_clock()
            .admin_host_name("arr-emulator"),
    )
    .await;
    let port = ctx.emu.local_addr().port();
    for host in [
        format!("attacker.example:{port}"),
        "rebind.attacker.example".to_owned(),
        format!("localhost.attacker.example:{port}"),
        "10.1.2.3".to_owned(),
    ] {
        let reply = read(
            ctx.http
                .get(admin(&ctx, "requests"))
                .header("host", &host)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            reply.error(StatusCode::FORBIDDEN).code,
            "ForbiddenHost",
            "{host}"
        );
        assert!(!reply.body.contains("\"route\""), "{host}: the log leaked");
    }
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        format!("ARR-EMULATOR:{port}"),
    ] {
        let reply = ctx
            .http
            .get(admin(&ctx, "requests"))
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::OK, "{host}");
    }
}

#[tokio::test]
async fn the_admin_token_is_required_when_set_and_beyond_loopback() {
    let ctx = Ctx::start(
        Emulator::builder()
            .manual_clock()
            .admin_token("s3cret-admin"),
    )
    .await;
    let advance = |token: Option<&str>| {
        let mut request = ctx
            .http
            .post(admin(&ctx, "clock/advance"))
            .json(&json!({"millis": 1000}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { read(request.send().await.unwrap()).await }
    };
    advance(None).await.error(StatusCode::UNAUTHORIZED);
    advance(Some("wrong")).await.error(StatusCode::UNAUTHORIZED);
    assert_eq!(
        advance(Some("s3cret-admin")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(ctx.emu.clock().elapsed().as_secs(), 1);

    // Listening on every interface: a token is made up and required. The
    // test still only talks to loopback.
    let wide = Emulator::builder()
        .manual_clock()
        .bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0))
        .start()
        .await
        .unwrap();
    assert!(wide.bound_addr().ip().is_unspecified());
    assert!(wide.local_addr().ip().is_loopback());
    let token = wide.admin_token().expect("a token beyond loopback");
    assert!(token.len() >= 24);
    let url = format!("{}_emulator/requests", wide.endpoint());
    let http = crate::common::client();
    let refused = read(http.get(&url).send().await.unwrap()).await;
    refused.error(StatusCode::UNAUTHORIZED);
    let allowed = http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    wide.shutdown().await;
}
