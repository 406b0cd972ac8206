//! Token minting and checking for the emulated STS and ARR endpoints.

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// Audience of access tokens the emulated STS issues.
const ACCESS_AUDIENCE: &str = "https://remoterendering.emulator";
/// Issuer of access tokens the emulated STS issues.
const ACCESS_ISSUER: &str = "https://sts.emulator";
/// Audience of identity tokens (the Entra ID stand-in) the STS accepts.
const IDENTITY_AUDIENCE: &str = "https://sts.mixedreality.azure.com";

/// Claims of an STS access token.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct AccessClaims {
    pub(crate) iss: String,
    pub(crate) aud: String,
    pub(crate) sub: String,
    #[serde(rename = "accountId")]
    pub(crate) account_id: String,
    pub(crate) iat: u64,
    pub(crate) nbf: u64,
    pub(crate) exp: u64,
}

/// Claims of an identity token (stand-in for a Microsoft Entra ID token).
#[derive(Debug, Serialize, Deserialize)]
struct IdentityClaims {
    iss: String,
    aud: String,
    oid: String,
    iat: u64,
    exp: u64,
}

/// Why a presented token was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    Invalid,
    Expired,
}

impl TokenProblem {
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            TokenProblem::Invalid => "The token could not be validated.",
            TokenProblem::Expired => "The token has expired.",
        }
    }
}

/// Signing secrets, generated per emulator instance so tokens of one
/// instance never work on another.
pub(crate) struct Keys {
    access: Vec<u8>,
    identity: Vec<u8>,
    identity_issuer: String,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("identity_issuer", &self.identity_issuer)
            .finish_non_exhaustive()
    }
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

fn random_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    secret
}

impl Keys {
    pub(crate) fn new(identity_issuer: String) -> Self {
        Self::with_secrets(random_secret(), random_secret(), identity_issuer)
    }

    /// Keys with the given signing secrets (a data directory's), so tokens
    /// issued before a restart stay valid.
    pub(crate) fn with_secrets(
        access: Vec<u8>,
        identity: Vec<u8>,
        identity_issuer: String,
    ) -> Self {
        Self {
            access,
            identity,
            identity_issuer,
        }
    }

    /// The access and identity signing secrets, to be stored.
    pub(crate) fn secrets(&self) -> (&[u8], &[u8]) {
        (&self.access, &self.identity)
    }

    pub(crate) fn mint_access(
        &self,
        account_id: &str,
        now: SystemTime,
        lifetime: Duration,
    ) -> String {
        let iat = secs(now);
        let claims = AccessClaims {
            iss: ACCESS_ISSUER.to_owned(),
            aud: ACCESS_AUDIENCE.to_owned(),
            sub: account_id.to_owned(),
            account_id: account_id.to_owned(),
            iat,
            nbf: iat,
            exp: iat + lifetime.as_secs().max(1),
        };
        encode(&claims, &self.access)
    }

    pub(crate) fn verify_access(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Result<AccessClaims, TokenProblem> {
        let claims: AccessClaims = decode(token, &self.access, ACCESS_ISSUER, ACCESS_AUDIENCE)?;
        if claims.exp <= secs(now) {
            return Err(TokenProblem::Expired);
        }
        Ok(claims)
    }

    pub(crate) fn mint_identity(&self, now: SystemTime, lifetime: Duration) -> String {
        let iat = secs(now);
        let claims = IdentityClaims {
            iss: self.identity_issuer.clone(),
            aud: IDENTITY_AUDIENCE.to_owned(),
            oid: uuid::Uuid::new_v4().to_string(),
            iat,
            exp: iat + lifetime.as_secs().max(1),
        };
        encode(&claims, &self.identity)
    }

    pub(crate) fn verify_identity(&self, token: &str, now: SystemTime) -> Result<(), TokenProblem> {
        let claims: IdentityClaims = decode(
            token,
            &self.identity,
            &self.identity_issuer,
            IDENTITY_AUDIENCE,
        )?;
        if claims.exp <= secs(now) {
            return Err(TokenProblem::Expired);
        }
        Ok(())
    }
}

fn encode<C: Serialize>(claims: &C, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("HS256 signing of plain claims cannot fail")
}

fn decode<C: for<'de> Deserialize<'de>>(
    token: &str,
    secret: &[u8],
    issuer: &str,
    audience: &str,
) -> Result<C, TokenProblem> {
    let mut validation = Validation::new(Algorithm::HS256);
    // Expiry is judged against the emulator clock (which tests can move), not
    // the machine clock, so the library's own check is turned off.
    validation.validate_exp = false;
    validation.required_spec_claims = HashSet::from(["exp".to_owned()]);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    jsonwebtoken::decode::<C>(token, &DecodingKey::from_secret(secret), &validation)
        .map(|data| data.claims)
        .map_err(|_| TokenProblem::Invalid)
}

/// Compares secrets without an early exit, so timing reveals nothing about
/// how much of a guessed key was right.
pub(crate) fn secrets_equal(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_tokens_round_trip_and_expire() {
        let keys = Keys::new("issuer".into());
        let now = SystemTime::now();
        let token = keys.mint_access("acc", now, Duration::from_secs(60));
        assert_eq!(keys.verify_access(&token, now).unwrap().account_id, "acc");
        assert_eq!(
            keys.verify_access(&token, now + Duration::from_secs(61))
                .unwrap_err(),
            TokenProblem::Expired
        );
        let other = Keys::new("issuer".into());
        assert_eq!(
            other.verify_access(&token, now).unwrap_err(),
            TokenProblem::Invalid
        );
        // An identity token is not an access token, and vice versa.
        let identity = keys.mint_identity(now, Duration::from_secs(60));
        assert!(keys.verify_access(&identity, now).is_err());
        assert!(keys.verify_identity(&identity, now).is_ok());
        assert!(keys.verify_identity(&token, now).is_err());
    }

    #[test]
    fn secret_comparison() {
        assert!(secrets_equal("abc", "abc"));
        assert!(!secrets_equal("abc", "abd"));
        assert!(!secrets_equal("abc", "abcd"));
    }
}
