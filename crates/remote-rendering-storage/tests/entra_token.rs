//! Entra ID bearer tokens against Azurite over HTTPS with `--oauth basic` (Azurite checks a
//! token's issuer, audience and validity times, not its signature, and refuses bearer tokens over
//! plain HTTP).

#![cfg(feature = "entra")]

mod common;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use remote_rendering_azurite::{ACCOUNT_NAME, Azurite, AzuriteOptions};
use remote_rendering_storage::{BlobEndpoint, BlobStorage, StorageCredential};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use time::{Duration, OffsetDateTime};

/// A credential issuing unsigned-but-well-formed tokens for `audience`, counting the calls and
/// checking that the storage scope is asked for.
#[derive(Debug)]
struct LocalTokens {
    audience: &'static str,
    calls: AtomicU32,
}

#[async_trait::async_trait]
impl TokenCredential for LocalTokens {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        assert_eq!(scopes, ["https://storage.azure.com/.default"]);
        self.calls.fetch_add(1, Ordering::SeqCst);
        let now = OffsetDateTime::now_utc();
        let expires = now + Duration::hours(1);
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
        let claims = format!(
            r#"{{"aud":"{}","iss":"https://sts.windows.net/00000000-0000-0000-0000-000000000001/","iat":{},"nbf":{},"exp":{},"oid":"11111111-1111-1111-1111-111111111111"}}"#,
            self.audience,
            now.unix_timestamp() - 60,
            now.unix_timestamp() - 60,
            expires.unix_timestamp()
        );
        let token = format!(
            "{header}.{}.{}",
            URL_SAFE_NO_PAD.encode(claims),
            URL_SAFE_NO_PAD.encode("not-verified-by-azurite")
        );
        Ok(AccessToken::new(token, expires))
    }
}

fn client(azurite: &Azurite, credential: Arc<LocalTokens>) -> BlobStorage {
    let pem = azurite.ca_certificate_pem().expect("HTTPS Azurite");
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let endpoint = BlobEndpoint::with_url(ACCOUNT_NAME, &azurite.blob_endpoint()).unwrap();
    BlobStorage::new(endpoint, StorageCredential::Entra(credential))
        .unwrap()
        .with_http_client(http)
}

#[tokio::test]
async fn entra_tokens_authorize_and_a_wrong_audience_is_refused() {
    let test = "entra_tokens_authorize_and_a_wrong_audience_is_refused";
    let Some(azurite) = Azurite::start_or_skip_with(test, &AzuriteOptions::https_with_oauth())
    else {
        return;
    };
    let good = Arc::new(LocalTokens {
        audience: "https://storage.azure.com",
        calls: AtomicU32::new(0),
    });
    let storage = client(&azurite, good.clone());
    storage.create_container("entra").await.unwrap();
    storage
        .put_blob("entra", "m/model.fbx", common::bytes(5, 2048).into())
        .await
        .unwrap();
    assert_eq!(storage.list_blobs("entra", "m/").await.unwrap().len(), 1);
    assert!(
        good.calls.load(Ordering::SeqCst) >= 3,
        "a token per request"
    );

    let wrong = Arc::new(LocalTokens {
        audience: "https://vault.azure.net",
        calls: AtomicU32::new(0),
    });
    let refused = client(&azurite, wrong)
        .list_blobs("entra", "")
        .await
        .unwrap_err();
    assert!(
        matches!(refused.status(), Some(401 | 403)),
        "a token for another audience was accepted or failed oddly: {refused}"
    );
}
