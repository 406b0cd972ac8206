//! Hostile input on the client side: every value is refused with a clear,
//! one-line validation error naming the field, and nothing is sent (the
//! emulator's request log stays empty). `validation.rs` covers the ordinary
//! mistakes; these tables add the hostile ones (traversal, encodings,
//! invisible characters, smuggled credentials, foreign tokens).

use base64::Engine as _;
use remote_rendering::{
    Client, ConversionId, Credential, Error, LeaseKeeperOptions, MAX_ID_LEN, SessionId,
    SessionOptions, SessionSize,
};
use remote_rendering_emulator::{EmulatorHandle, Route};
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);
const ACCOUNT: &str = "30ea64bd-100f-4bf0-adc9-29fa45d4880c";

/// Hostile session and conversion ids.
fn hostile_ids() -> Vec<String> {
    let mut ids: Vec<String> = [
        "",
        " ",
        "\t",
        "a b",
        " leading",
        "trailing ",
        "new\nline",
        "carriage\rreturn",
        "nul\0byte",
        "/",
        "a/b",
        "/etc/passwd",
        ".",
        "..",
        "../x",
        "..%2F..%2Fx",
        "%2F",
        "a%2Fb",
        "%2e%2e",
        "a\\b",
        "a?b=c",
        "a#b",
        "a;b",
        "a:b",
        ":stop",
        "a@b",
        "a+b",
        "ü",
        "sessión",
        "セッション",
        "😀",
        "a\u{200b}b", // zero-width space
        "a\u{202e}b", // right-to-left override
        "a\u{ff0f}b", // fullwidth solidus
        "ａｂｃ",     // fullwidth letters
        "\u{0430}bc", // Cyrillic a
        "x\u{0301}",  // combining accent
        "<script>",
        "$(rm -rf)",
        "' OR 1=1 --",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    ids.push("x".repeat(MAX_ID_LEN + 1));
    ids.push("x".repeat(10_000));
    // 256 characters but more than 256 bytes.
    ids.push("é".repeat(MAX_ID_LEN));
    ids
}

/// A validation error on `field`, one line, saying something.
#[track_caller]
fn assert_clear(error: &Error, field: &str, case: &str) {
    match error {
        Error::Validation { field: f, .. } => assert_eq!(*f, field, "{case:?}: {error}"),
        other => panic!("{case:?}: not a validation error: {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.contains(field),
        "{case:?}: `{message}` does not name {field}"
    );
    assert!(!message.contains('\n'), "{case:?}: `{message}` spans lines");
    assert!(message.len() < 400, "{case:?}: `{message}` is too long");
}

#[track_caller]
fn assert_nothing_sent(emu: &EmulatorHandle) {
    let requests = emu.requests();
    assert!(requests.is_empty(), "sent: {requests:?}");
}

#[tokio::test]
async fn hostile_ids_are_refused_before_anything_is_sent() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let ids = hostile_ids();
    for id in &ids {
        assert_clear(&SessionId::new(id.as_str()).unwrap_err(), "session id", id);
        assert_clear(
            &ConversionId::new(id.as_str()).unwrap_err(),
            "conversion id",
            id,
        );
        assert!(id.parse::<SessionId>().is_err());
        assert!(ConversionId::try_from(id.clone()).is_err());
        // The pollers that take strings refuse them too, as bare ids and
        // wrapped in a well-formed token of this very account.
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("1:{}:{id}", emu.account_id()));
        for token in [id.as_str(), token.as_str()] {
            assert!(client.resume_session_poller(token).is_err(), "{id:?}");
            assert!(client.resume_conversion_poller(token).is_err(), "{id:?}");
        }
    }
    assert!(ids.len() >= 40);
    // The longest valid id is accepted.
    assert!(SessionId::new("x".repeat(MAX_ID_LEN)).is_ok());
    assert_nothing_sent(&emu);
}

#[tokio::test]
async fn hostile_leases_are_refused_before_anything_is_sent() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    // Negative durations cannot be expressed; these are what can.
    let leases = [
        Duration::ZERO,
        Duration::from_nanos(1),
        Duration::from_millis(1),
        Duration::from_secs(1),
        Duration::from_secs(59),
        Duration::from_millis(59_999),
        Duration::from_millis(60_001),
        Duration::from_secs(61),
        Duration::from_secs(90),
        MINUTE * 1441,
        MINUTE * 10_000,
        Duration::from_secs(u64::MAX / 2),
        Duration::MAX,
    ];
    for lease in leases {
        let case = format!("{lease:?}");
        let options = SessionOptions::new(SessionSize::Standard, lease);
        assert_clear(
            &client.start_session(&id, &options).await.unwrap_err(),
            "lease",
            &case,
        );
        assert_clear(
            &client.update_lease(&id, lease).await.unwrap_err(),
            "lease",
            &case,
        );
        if lease < MINUTE * 1441 {
            // (`extend_lease` by more than the maximum is refused after
            // reading the current lease: covered below.)
            assert_clear(
                &client.extend_lease(&id, lease).await.unwrap_err(),
                "lease",
                &case,
            );
        }
        let keeper = client.keep_alive(id.clone(), LeaseKeeperOptions::default().with_step(lease));
        assert!(keeper.is_err(), "keeper step {case}");
    }
    assert_nothing_sent(&emu);
}

#[tokio::test]
async fn leases_beyond_the_maximum_or_below_the_current_change_nothing() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let id = SessionId::generate();
    client
        .start_session(
            &id,
            &SessionOptions::new(SessionSize::Standard, MINUTE * 60),
        )
        .await
        .unwrap();
    emu.clear_requests();

    // Extending past 1,440 minutes needs the current lease (one GET) and
    // is refused before any update.
    for by in [MINUTE * 1381, MINUTE * 1440] {
        let error = client.extend_lease(&id, by).await.unwrap_err();
        assert_clear(&error, "lease", &format!("extend by {by:?}"));
        assert!(error.to_string().contains("1440"), "{error}");
    }
    assert_eq!(emu.request_count(Route::GetSession), 2);
    assert_eq!(emu.request_count(Route::UpdateSession), 0);

    // Lowering the lease can only be judged by the service; its refusal is
    // a typed error and the lease stays.
    emu.clear_requests();
    let error = client.update_lease(&id, MINUTE).await.unwrap_err();
    assert!(matches!(error, Error::Service(_)), "{error:?}");
    assert!(!error.is_retryable(), "{error:?}");
    assert!(!error.to_string().contains('\n'), "{error}");
    // One PATCH, never retried (and one GET to tell a lost answer from a
    // refusal), and the lease stays.
    assert_eq!(emu.request_count(Route::UpdateSession), 1);
    assert_eq!(emu.request_count(Route::GetSession), 1);
    let session = client.get_session(&id).await.unwrap();
    assert_eq!(session.max_lease, Some(MINUTE * 60));
}

fn builder(account: &str, domain: &str) -> remote_rendering::ClientBuilder {
    Client::builder(account, domain).credential(Credential::account_key("key"))
}

#[tokio::test]
async fn hostile_endpoints_are_refused() {
    let emu = crate::common::emulator().start().await.unwrap();
    let origin = emu.endpoint().as_str().trim_end_matches('/').to_string();
    let port = emu.local_addr().port();
    let hostile = [
        // http:// to hosts that are not loopback (or only look like it).
        "http://example.com".to_string(),
        "http://10.0.0.1".to_string(),
        "http://192.168.1.1:8080".to_string(),
        "http://0.0.0.0".to_string(),
        "http://169.254.169.254".to_string(),
        "http://localhost.example.com".to_string(),
        "http://127.0.0.1.nip.io".to_string(),
        format!("http://localhost@example.com:{port}"),
        "http://user:secret-password@example.com".to_string(),
        // Paths, queries, fragments, user info, pointed at the emulator.
        format!("{origin}/accounts"),
        format!("{origin}/../x"),
        format!("{origin}/%2F"),
        format!("{origin}?api-version=1"),
        format!("{origin}/?x=1"),
        format!("{origin}#frag"),
        format!("http://user@127.0.0.1:{port}"),
        format!("http://user:secret-password@127.0.0.1:{port}"),
        "https://user:secret-password@x.example".to_string(),
        // Not URLs, or not http(s).
        String::new(),
        " ".to_string(),
        "x.example".to_string(),
        "//x.example".to_string(),
        "ftp://x.example".to_string(),
        "file:///etc/passwd".to_string(),
        "javascript:alert(1)".to_string(),
        "data:text/plain,x".to_string(),
        "https://".to_string(),
        "https://exa mple.com".to_string(),
        "http://user:secret-password@exa mple.com".to_string(),
    ];
    for url in &hostile {
        let error = builder(ACCOUNT, "eastus.mixedreality.azure.com")
            .endpoint(url)
            .build()
            .unwrap_err();
        assert_clear(&error, "endpoint", url);
        let error = builder(ACCOUNT, "eastus.mixedreality.azure.com")
            .endpoint("https://x.example")
            .sts_endpoint(url)
            .build()
            .unwrap_err();
        assert_clear(&error, "STS endpoint", url);
        // A password in the URL is never repeated in the error.
        assert!(
            !error.to_string().contains("secret-password"),
            "{url}: {error}"
        );
        assert!(!format!("{error:?}").contains("secret-password"), "{url}");
    }
    assert_nothing_sent(&emu);
}

#[test]
fn hostile_account_domains_and_ids_are_refused() {
    for domain in [
        "",
        " ",
        "eastus",
        "localhost",
        "https://eastus.mixedreality.azure.com",
        "http://eastus.mixedreality.azure.com",
        "eastus.mixedreality.azure.com/",
        "eastus.mixedreality.azure.com:443",
        "eastus.mixedreality.azure.com.",
        ".eastus.mixedreality.azure.com",
        "eastus..azure.com",
        "user@eastus.mixedreality.azure.com",
        "eastus.mixedreality.azure.com/path",
        "eastus.mixedreality.azure.com?x=1",
        "east us.mixedreality.azure.com",
        "ëastus.mixedreality.azure.com",
        "eastus.mixedreality.azure.com\n",
        &format!("{}.com", "a".repeat(64)),
    ] {
        let error = builder(ACCOUNT, domain)
            .region("eastus")
            .build()
            .unwrap_err();
        assert_clear(&error, "account domain", domain);
        assert!(
            error.to_string().contains("eastus.mixedreality.azure.com"),
            "{domain:?}: the error shows the expected form: {error}"
        );
    }
    for account in [
        "",
        "not-a-uuid",
        "30ea64bd-100f-4bf0-adc9-29fa45d4880",
        "30ea64bd-100f-4bf0-adc9-29fa45d4880cc",
        "30ea64bd/100f/4bf0/adc9/29fa45d4880c",
        "../30ea64bd-100f-4bf0-adc9-29fa45d4880c",
    ] {
        let error = builder(account, "eastus.mixedreality.azure.com")
            .region("eastus")
            .build()
            .unwrap_err();
        assert_clear(&error, "account id", account);
    }
    for region in [
        "",
        "East US",
        "eastus/..",
        "eastus.evil.com",
        "eastus?x",
        "ëastus",
    ] {
        let error = builder(ACCOUNT, "eastus.mixedreality.azure.com")
            .region(region)
            .build()
            .unwrap_err();
        assert!(matches!(error, Error::Validation { .. }), "{region:?}");
    }
}

#[tokio::test]
async fn malformed_continuation_tokens_are_refused() {
    let emu = crate::common::emulator().start().await.unwrap();
    let client = crate::common::client(&emu);
    let account = emu.account_id();
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let other = uuid::Uuid::new_v4();
    let tokens = [
        String::new(),
        " ".to_string(),
        "!!!!".to_string(),
        "%%%%".to_string(),
        b64(""),
        b64("1"),
        b64("1:"),
        b64(&format!("1:{account}")),
        b64(&format!("1:{account}:")),
        b64(&format!("0:{account}:s")),
        b64(&format!("2:{account}:s")),
        b64(&format!("01:{account}:s")),
        b64(&format!(" 1:{account}:s")),
        b64("1:not-a-uuid:s"),
        b64("1::s"),
        b64(&format!("1:{other}:s")),
        b64(&format!("1:{account}:a/b")),
        b64(&format!("1:{account}:..")),
        b64(&format!("1:{account}:%2F")),
        b64(&format!("1:{account}:s s")),
        b64(&format!("1:{account}:s:t")),
        b64(&format!("1:{account}:{}", "x".repeat(MAX_ID_LEN + 1))),
        base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe, 0x31, 0x3a]),
        b64(&format!("1:{account}:s")).replace('=', "") + "====",
        format!("{}\0", b64(&format!("1:{account}:s"))),
        "A".repeat(1 << 20),
    ];
    for token in &tokens {
        let case = token.chars().take(60).collect::<String>();
        for result in [
            client
                .resume_session_poller(token)
                .map(|p| p.id().to_string()),
            client
                .resume_conversion_poller(token)
                .map(|p| p.id().to_string()),
        ] {
            // A token that does not decode but happens to be a valid id is
            // taken as that bare id, never as anything else.
            if remote_rendering::testing::decode_continuation_token(token).is_none()
                && SessionId::new(token.as_str()).is_ok()
            {
                assert_eq!(result.expect(&case), *token);
                continue;
            }
            let error = result.expect_err(&case);
            assert!(matches!(error, Error::Validation { .. }), "{case:?}");
            let message = error.to_string();
            assert!(!message.contains('\n'), "{case:?}: {message}");
            assert!(message.len() < 400, "{case:?}: {message}");
        }
    }
    // A token of another account says so.
    let error = client
        .resume_session_poller(&b64(&format!("1:{other}:s")))
        .unwrap_err();
    assert!(error.to_string().contains(&other.to_string()), "{error}");
    assert_nothing_sent(&emu);

    // The same account written in capitals (or braced) is the same account.
    for written in [
        account.to_string().to_uppercase(),
        format!("{{{account}}}"),
        account.simple().to_string(),
    ] {
        let poller = client
            .resume_session_poller(&b64(&format!("1:{written}:s")))
            .unwrap_or_else(|e| panic!("{written}: {e}"));
        assert_eq!(poller.id(), "s");
    }
    assert_nothing_sent(&emu);
}
