//! The Mixed Reality STS: exchanges an account key or an identity token for
//! an ARR access token.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, StatusCode};
use remote_rendering_rest::generated::sts_2019_02_28_preview::types::StsTokenResponseMessage;
use uuid::Uuid;

use super::extract::bearer;
use super::responses::{ApiError, json};
use super::shared::Shared;
use crate::auth::secrets_equal;

/// The service's answer to a wrong account key (recorded 2021, 2022, 2024):
/// 401 with an empty body and no `Content-Type`. An unknown account gets
/// the very same answer, so the two cannot be told apart.
fn rejected() -> Response {
    (StatusCode::UNAUTHORIZED, [(CONTENT_LENGTH, "0")]).into_response()
}

/// `GET /Accounts/{accountId}/token`.
pub(super) async fn token(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let invalid_request = |message: &str| {
        ApiError::bad_request("InvalidRequest", message)
            .challenge(format!("Invalid request: {message}"))
    };
    let invalid_token =
        |message: &str| ApiError::unauthorized(format!("Invalid token: {message}"), message);

    let credentials = match bearer(&headers) {
        None => return Err(invalid_token("The Authorization header is missing.")),
        Some(Err(())) => {
            return Err(invalid_request(
                "The Authorization header must be 'Bearer <credentials>'.",
            ));
        }
        Some(Ok(credentials)) => credentials,
    };
    let Ok(account_id) = Uuid::parse_str(&account) else {
        return Err(invalid_request("The account id in the path is not a UUID."));
    };
    if account_id != shared.account_id {
        return Ok(rejected());
    }
    match credentials.split_once(':') {
        Some((key_account, key)) => {
            let Ok(key_account) = Uuid::parse_str(key_account) else {
                return Err(invalid_request(
                    "Expected 'Bearer {accountId}:{accountKey}'.",
                ));
            };
            if key_account != account_id || !secrets_equal(key, &shared.account_key) {
                return Ok(rejected());
            }
        }
        None => shared
            .keys
            .verify_identity(credentials, shared.clock.now())
            .map_err(|problem| invalid_token(problem.describe()))?,
    }
    let token = shared.keys.mint_access(
        &account_id.to_string(),
        shared.clock.now(),
        shared.token_lifetime,
    );
    Ok(json(
        StatusCode::OK,
        &StsTokenResponseMessage {
            access_token: token,
        },
    ))
}
