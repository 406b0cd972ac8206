//! The running emulator as tests and the CLI see it: [`EmulatorHandle`]
//! and the request log's [`RequestRecord`].

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::{Clock, Faults, Route, server, state};

/// One request the emulator received, as recorded for tests. Never holds
/// secrets: headers are not recorded and `sig=` values in the query are
/// replaced with `REDACTED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// The route the request addressed, if any.
    pub route: Option<Route>,
    /// HTTP method.
    pub method: String,
    /// Request path as sent.
    pub path: String,
    /// Query string as sent, with SAS signatures redacted.
    pub query: Option<String>,
    /// Status code answered; for dropped connections the status the handler
    /// produced (drop after apply) or 0 (dropped before the handler ran).
    pub status: u16,
}

/// A running emulator. Dropping it stops the server.
pub struct EmulatorHandle {
    pub(crate) shared: Arc<server::Shared>,
    pub(crate) endpoint: url::Url,
    pub(crate) local_addr: SocketAddr,
    pub(crate) ca_pem: Option<String>,
    pub(crate) stop: watch::Sender<bool>,
    pub(crate) task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("endpoint", &self.endpoint)
            .field("account_id", &self.shared.account_id)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// Base URL of the ARR API, e.g. `http://127.0.0.1:PORT/`.
    pub fn endpoint(&self) -> url::Url {
        self.endpoint.clone()
    }

    /// Base URL of the STS; the same server as [`EmulatorHandle::endpoint`].
    pub fn sts_endpoint(&self) -> url::Url {
        self.endpoint.clone()
    }

    /// The socket address to connect to: the bound address, with a
    /// loopback address in place of an unspecified one (`0.0.0.0`).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The socket address really bound, e.g. `0.0.0.0:8443`.
    pub fn bound_addr(&self) -> SocketAddr {
        self.shared.admin.bound
    }

    /// The token the admin routes require (`Authorization: Bearer <token>`),
    /// if any; see [`crate::EmulatorBuilder::admin_token`].
    pub fn admin_token(&self) -> Option<String> {
        self.shared.admin.token.clone()
    }

    /// The emulated account's id.
    pub fn account_id(&self) -> uuid::Uuid {
        self.shared.account_id
    }

    /// The emulated account's key (for `Bearer {accountId}:{accountKey}`).
    pub fn account_key(&self) -> String {
        self.shared.account_key.clone()
    }

    /// The account domain, e.g. `localhost.mixedreality.emulator`.
    pub fn account_domain(&self) -> String {
        self.shared.account_domain.clone()
    }

    /// PEM of the CA certificate to trust when started with TLS.
    pub fn ca_cert_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// The emulator's clock; see [`Clock`].
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// Mints an identity token (the stand-in for a Microsoft Entra ID token)
    /// that the STS accepts as `Authorization: Bearer <token>`.
    pub fn identity_token(&self, lifetime: Duration) -> String {
        self.shared
            .keys
            .mint_identity(self.shared.clock.now(), lifetime)
    }

    /// Mints an ARR access token directly, as the STS would issue it.
    pub fn access_token(&self, lifetime: Duration) -> String {
        self.shared.keys.mint_access(
            &self.shared.account_id.to_string(),
            self.shared.clock.now(),
            lifetime,
        )
    }

    /// Fault controls.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Moves a session to `Error` with the given error object.
    ///
    /// # Panics
    ///
    /// When there is no session with that id (a mistake in the test).
    pub fn inject_session_error(
        &self,
        session_id: &str,
        code: impl Into<String>,
        message: impl Into<String>,
    ) {
        let err = state::error(&code.into(), message);
        let now = self.shared.clock.elapsed();
        let found = self.shared.store().fail_session(session_id, err, now);
        assert!(found, "inject_session_error: no session {session_id:?}");
        if let Err(e) = self.shared.persist_session(session_id) {
            tracing::error!(error = %e, "cannot persist an injected session error");
        }
    }

    /// Makes a conversion `Failed` right away with the given error object.
    ///
    /// # Panics
    ///
    /// When there is no conversion with that id (a mistake in the test).
    pub fn inject_conversion_failure(
        &self,
        conversion_id: &str,
        code: impl Into<String>,
        message: impl Into<String>,
    ) {
        let err = state::error(&code.into(), message);
        let found = self.shared.store().fail_conversion(conversion_id, err);
        assert!(
            found,
            "inject_conversion_failure: no conversion {conversion_id:?}"
        );
        if let Err(e) = self.shared.persist_conversion(conversion_id) {
            tracing::error!(error = %e, "cannot persist an injected conversion failure");
        }
    }

    /// The requests received (admin routes excluded), in order: the latest
    /// ones only, up to [`crate::EmulatorBuilder::request_log_capacity`].
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.log().iter().cloned().collect()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.log().clear();
    }

    /// How many requests addressed `route`.
    pub fn request_count(&self, route: Route) -> usize {
        self.shared
            .log()
            .iter()
            .filter(|r| r.route == Some(route))
            .count()
    }

    /// How many token requests the STS received.
    pub fn sts_requests(&self) -> usize {
        self.request_count(Route::StsToken)
    }

    /// Stops accepting connections, lets open connections finish (at most a
    /// few seconds) and waits for the server to end. Calling it twice is fine.
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        // The accept loop watches this signal and ends on its own.
        let _ = self.stop.send(true);
    }
}
