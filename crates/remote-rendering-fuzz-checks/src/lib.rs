//! The checks behind each fuzz target, one function per target.
//!
//! Each function takes the raw fuzzer input, feeds it to the parser under
//! test and asserts the parser's properties; a panic is a finding. The fuzz
//! targets in `crates/remote-rendering-fuzz/fuzz_targets/` only call these
//! functions, and this crate's test `tests/replay.rs` replays every
//! committed corpus file and crash artifact through the same checks under
//! `cargo test`. A workspace crate free of `libfuzzer-sys`, so that the
//! replay needs no fuzzing toolchain.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// The fuzz targets, as named in `Cargo.toml` and under `corpus/`.
pub const TARGETS: [&str; 5] = [
    "jwt_exp",
    "continuation_token",
    "duration",
    "arrconfig",
    "models",
];

/// Runs the check of `target` on `data`.
pub fn check(target: &str, data: &[u8]) {
    match target {
        "jwt_exp" => jwt_exp(data),
        "continuation_token" => continuation_token(data),
        "duration" => duration(data),
        "arrconfig" => arrconfig(data),
        "models" => models(data),
        other => panic!("unknown fuzz target {other}"),
    }
}

/// `remote_rendering::testing::jwt_expiry` on arbitrary text, and on well-formed
/// tokens whose `exp` comes from the input (differential check).
pub fn jwt_exp(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let expiry = remote_rendering::testing::jwt_expiry(&text);
    // Wrapping a token never panics and never shows it.
    let token = remote_rendering::AccessToken::from_jwt(text.as_ref());
    assert_eq!(token.expires_on, expiry);
    let _ = format!("{token:?}");

    // A token built around an `exp` taken from the input decodes to exactly
    // that instant whenever `time` can represent it.
    if data.len() >= 8 {
        let exp = i64::from_le_bytes(data[..8].try_into().expect("8 bytes"));
        let payload = base64url(format!("{{\"aud\":\"x\",\"exp\":{exp}}}").as_bytes());
        let jwt = format!("eyJhbGciOiJIUzI1NiJ9.{payload}.c2ln");
        let expected = time::OffsetDateTime::from_unix_timestamp(exp).ok();
        assert_eq!(
            remote_rendering::testing::jwt_expiry(&jwt),
            expected,
            "exp {exp}"
        );
    }
}

/// `remote_rendering::testing::decode_continuation_token` and the client's
/// `resume_*_poller` on arbitrary text.
pub fn continuation_token(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let client = client();
    if let Some(decoded) = remote_rendering::testing::decode_continuation_token(&text) {
        // The account is a real UUID and the id follows the account.
        let _ = (decoded.account_id.as_u128(), decoded.id.len());
    }
    let decode = |token: &str| {
        remote_rendering::testing::decode_continuation_token(token)
            .map(|d| (d.account_id, d.id, d.kind))
    };
    use remote_rendering::testing::PollerKind;
    for (id, token, valid, kind) in [
        client.resume_session_poller(&text).map(|p| {
            (
                p.id().to_string(),
                p.continuation_token(),
                remote_rendering::SessionId::new(p.id()).is_ok(),
                PollerKind::Session,
            )
        }),
        client.resume_conversion_poller(&text).map(|p| {
            (
                p.id().to_string(),
                p.continuation_token(),
                remote_rendering::ConversionId::new(p.id()).is_ok(),
                PollerKind::Conversion,
            )
        }),
    ]
    .into_iter()
    .flatten()
    {
        // Only valid ids are resumed, and the poller's own token resumes
        // the same id of the same kind for the same account.
        assert!(valid, "resumed an invalid id {id:?}");
        assert_eq!(
            decode(&token),
            Some((client.account_id(), id.clone(), Some(kind)))
        );
    }
    // A token that says its kind resumes that kind only.
    if let Some((_, _, Some(kind))) = decode(&text) {
        let wrong = match kind {
            PollerKind::Session => client.resume_conversion_poller(&text).err(),
            _ => client.resume_session_poller(&text).err(),
        };
        assert!(wrong.is_some(), "a {kind} token resumed the other kind");
    }
    // Any valid id survives a round trip through a token.
    if let Ok(id) = remote_rendering::SessionId::new(text.as_ref()) {
        let token = client.session_poller(id).continuation_token();
        assert_eq!(
            decode(&token),
            Some((
                client.account_id(),
                text.to_string(),
                Some(PollerKind::Session)
            ))
        );
        let poller = client.resume_session_poller(&token).expect("own token");
        assert_eq!(poller.id(), text.as_ref());
    }
}

/// The workspace's duration grammar and formatter (`4h`, `1h30m`, `1.5s`,
/// `hh:mm:ss`) and the CLI's lease rule.
pub fn duration(data: &[u8]) {
    use remote_rendering_cli::duration::parse_lease;
    use remote_rendering_duration::{format_duration, parse_duration};
    let text = String::from_utf8_lossy(data);
    let parsed = parse_duration(&text);
    if let Err(message) = &parsed {
        assert!(!message.to_string().is_empty());
    }
    match parse_lease(&text) {
        Ok(lease) => {
            assert_eq!(parsed.as_ref().ok(), Some(&lease));
            assert!(!lease.is_zero());
            assert_eq!(lease.subsec_nanos(), 0);
            assert_eq!(lease.as_secs() % 60, 0);
        }
        Err(message) => assert!(!message.is_empty()),
    }
    if let Ok(d) = parsed {
        let shown = format_duration(d);
        // Whatever is shown reads back; whole seconds from a minute on
        // (and so every lease) read back exactly.
        let back = parse_duration(&shown);
        assert!(back.is_ok(), "{text:?} shown as {shown}");
        if d.subsec_nanos() == 0 && d.as_secs() >= 60 {
            assert_eq!(back, Ok(d), "{text:?} shown as {shown}");
        }
    }
}

/// `arrconfig.json` as `arr --config` reads it, then everything the CLI
/// derives from it: connection, session options, conversion locations, the
/// client builder's validation, and what `arr config show` and `arr config
/// validate` report.
pub fn arrconfig(data: &[u8]) {
    use remote_rendering_cli::cli::{ConnectionArgs, ConversionStartArgs, SessionStartArgs};
    use remote_rendering_cli::connection::Connection;
    use remote_rendering_cli::settings::{conversion_locations, session_options};
    use remote_rendering_cli::{config_show, config_validate, sources};
    let Some(config) = parse_arrconfig(data) else {
        return;
    };
    let no_env = |_: &str| None;
    let _ = format!("{config:?}");
    let _ = config.placeholder_keys();
    let _ = session_options(&SessionStartArgs::default(), &config);
    let _ = conversion_locations(&ConversionStartArgs::default(), &config, &no_env);
    let args = ConnectionArgs::default();
    if let Ok(connection) = Connection::resolve(&args, &config, &no_env) {
        let _ = connection.client();
    }
    let inputs = config_show::Inputs {
        args: &args,
        config: &config,
        api_version: sources::Sourced::new(Default::default(), sources::Source::Default),
        env: &no_env,
    };
    let _ = config_show::effective(&inputs);
    let _ = config_validate::problems(&inputs);
}

/// What `ArrConfig::load` does with the bytes of the file, without the file:
/// UTF-8, an optional byte-order mark, then JSON.
pub fn parse_arrconfig(data: &[u8]) -> Option<remote_rendering_cli::settings::ArrConfig> {
    let text = std::str::from_utf8(data).ok()?;
    serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()
}

/// Decodes the input as every generated model type (all API versions) and
/// converts the decoded ones into the client's domain types.
pub fn models(data: &[u8]) {
    use remote_rendering_rest::generated::{
        arr_2021_01_01 as stable, arr_2021_01_01_preview as preview, sts_2019_02_28_preview as sts,
    };
    // The first byte picks nothing: every type sees every input, so the
    // corpus serves them all.
    if let Some(s) = decode::<stable::types::SessionProperties>(data) {
        let _ = remote_rendering::Session::try_from(s).map(|s| format!("{s:?}"));
    }
    if let Some(c) = decode::<stable::types::Conversion>(data) {
        let _ = remote_rendering::Conversion::try_from(c).map(|c| format!("{c:?}"));
    }
    if let Some(e) = decode::<stable::types::Error>(data) {
        let detail = remote_rendering::ServiceErrorDetail::from(e);
        let _ = format!("{detail:?}");
    }
    if let Some(list) = decode::<stable::types::SessionsList>(data) {
        for s in list.sessions {
            let _ = remote_rendering::Session::try_from(s);
        }
    }
    if let Some(list) = decode::<stable::types::ConversionList>(data) {
        for c in list.conversions {
            let _ = remote_rendering::Conversion::try_from(c);
        }
    }
    if let Some(e) = decode::<stable::types::ErrorResponse>(data) {
        let _ = remote_rendering::ServiceErrorDetail::from(e.error);
    }
    decode::<stable::types::ConversionInputSettings>(data);
    decode::<stable::types::ConversionOutput>(data);
    decode::<stable::types::ConversionOutputSettings>(data);
    decode::<stable::types::ConversionSettings>(data);
    decode::<stable::types::ConversionStatus>(data);
    decode::<stable::types::CreateConversionSettings>(data);
    decode::<stable::types::CreateSessionSettings>(data);
    decode::<stable::types::SessionSize>(data);
    decode::<stable::types::SessionStatus>(data);
    decode::<stable::types::UpdateSessionSettings>(data);

    decode::<preview::types::Conversion>(data);
    decode::<preview::types::ConversionInputSettings>(data);
    decode::<preview::types::ConversionOutput>(data);
    decode::<preview::types::ConversionOutputSettings>(data);
    decode::<preview::types::ConversionRequest>(data);
    decode::<preview::types::ConversionSettings>(data);
    decode::<preview::types::ConversionStatus>(data);
    decode::<preview::types::CreateSessionBody>(data);
    decode::<preview::types::Error>(data);
    decode::<preview::types::ErrorResponse>(data);
    decode::<preview::types::GetConversionsResponse>(data);
    decode::<preview::types::SessionProperties>(data);
    decode::<preview::types::SessionPropertiesSize>(data);
    decode::<preview::types::SessionSize>(data);
    decode::<preview::types::SessionStatus>(data);
    decode::<preview::types::SessionsList>(data);
    decode::<preview::types::UpdateSessionBody>(data);

    decode::<sts::types::StsTokenResponseMessage>(data);
}

/// Decodes `data` as `T`; a decoded value must encode and decode again.
fn decode<T>(data: &[u8]) -> Option<T>
where
    T: serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug,
{
    let value: T = serde_json::from_slice(data).ok()?;
    let text = serde_json::to_string(&value).expect("a decoded model encodes");
    let again: Result<T, _> = serde_json::from_str(&text);
    assert!(
        again.is_ok(),
        "{} re-encoded as {text} does not decode: {:?}",
        std::any::type_name::<T>(),
        again.err()
    );
    let _ = format!("{value:?}");
    Some(value)
}

/// One client for every input: building one sends nothing, and the
/// continuation-token paths never send anything either.
fn client() -> &'static remote_rendering::Client {
    static CLIENT: OnceLock<remote_rendering::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        remote_rendering::Client::builder(
            "30ea64bd-100f-4bf0-adc9-29fa45d4880c",
            "eastus.mixedreality.azure.com",
        )
        .endpoint("https://127.0.0.1:9")
        .sts_endpoint("https://127.0.0.1:9")
        .credential(remote_rendering::Credential::access_token("fuzz"))
        .request_timeout(Duration::from_millis(1))
        .build()
        .expect("fuzz client")
    })
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

/// The committed inputs of `target`: its corpus and its crash artifacts
/// (`corpus/<target>/`, `artifacts/<target>/`), sorted by path.
pub fn committed_inputs(fuzz_dir: &std::path::Path, target: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["corpus", "artifacts", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir.join(dir).join(target)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
