//! `v1`, the first session protocol (`/v1/accounts/...`), over
//! `remote_rendering_rest::generated::arr_v1`.
//!
//! How it differs, and what this adapter does about it:
//!
//! - The service picks the session id: [`Client::start_new_session`] works,
//!   a caller-chosen id is refused with [`Error::Unsupported`].
//! - Create answers `202 {"sessionId"}` and extend answers `200` with an
//!   empty body: both are followed by a read of the session's properties,
//!   so callers get a whole [`Session`] as on the other versions.
//! - Leases and elapsed times are .NET timespans (`h:mm:ss`, `d.hh:mm:ss`
//!   from 24 hours on, since `24:00:00` would read as 24 days).
//! - Sizes are spelled `standard`/`premium`; the status may be `Stopping`;
//!   a `message` on an `Error` or `Expired` session becomes its error.
//! - Creating is not idempotent (no caller id to recognise a repeat), so a
//!   create is repeated only when it cannot have reached the service.
//! - No conversions, no paging: those operations are [`Error::Unsupported`].

use super::VersionAdapter;
use crate::api_version::ApiVersion;
use crate::client::{Client, Page};
use crate::error::{Error, Result};
use crate::ids::SessionId;
use crate::models::{Lease, Session, SessionOptions, invalid_id};
use crate::response::Reply;
use crate::retry::RetryPolicy;
use crate::status::{ServiceErrorDetail, SessionSize, SessionStatus};
use futures::FutureExt as _;
use futures::future::BoxFuture;
use remote_rendering_rest::generated::arr_v1::{Client as Generated, types as wire};
use std::time::{Duration, Instant};

/// The `v1` adapter.
pub(crate) struct V1;

impl VersionAdapter for V1 {
    fn version(&self) -> ApiVersion {
        ApiVersion::V1
    }

    fn start_session<'a>(
        &'a self,
        client: &'a Client,
        id: Option<&'a SessionId>,
        options: &'a SessionOptions,
    ) -> BoxFuture<'a, Result<Reply<Session>>> {
        if id.is_some() {
            return super::unsupported(self.version(), "start a session with a chosen id");
        }
        async move {
            let size = match options.size {
                SessionSize::Standard => wire::SessionSizeKnown::Standard.into(),
                SessionSize::Premium => wire::SessionSizeKnown::Premium.into(),
                ref other => {
                    return Err(Error::validation(
                        "size",
                        format!("`{other}` is not a size API version v1 knows"),
                    ));
                }
            };
            let body = wire::CreateSessionSettings {
                max_lease_time: timespan(Lease::try_from(options.lease)?.duration()),
                models: Vec::new(),
                size,
            };
            let created = create_at_most_once(client, &body).await?;
            let id = SessionId::new(created.session_id.to_string())?;
            self.get_session(client, &id).await
        }
        .boxed()
    }

    fn get_session<'a>(
        &'a self,
        client: &'a Client,
        id: &'a SessionId,
    ) -> BoxFuture<'a, Result<Reply<Session>>> {
        client
            .send_with(
                "get session",
                id.as_str(),
                Generated::new_with_client,
                |c| {
                    let request = c.get_session_properties().account_id(client.account_id());
                    request.session_id(id.as_str()).send().boxed()
                },
            )
            .boxed()
    }

    fn set_lease<'a>(
        &'a self,
        client: &'a Client,
        id: &'a SessionId,
        lease: Lease,
    ) -> BoxFuture<'a, Result<Session>> {
        async move {
            let body = wire::UpdateSessionSettings {
                max_lease_time: timespan(lease.duration()),
            };
            client
                .send_with::<_, (), ()>(
                    "update session",
                    id.as_str(),
                    Generated::new_with_client,
                    |c| {
                        let request = c.update_session().account_id(client.account_id());
                        let request = request.session_id(id.as_str());
                        request.body(body.clone()).send().boxed()
                    },
                )
                .await?;
            Ok(self.get_session(client, id).await?.value)
        }
        .boxed()
    }

    fn stop_session<'a>(
        &'a self,
        client: &'a Client,
        id: &'a SessionId,
    ) -> BoxFuture<'a, Result<()>> {
        async move {
            client
                .send_with::<_, (), ()>(
                    "stop session",
                    id.as_str(),
                    Generated::new_with_client,
                    |c| {
                        let request = c.stop_session().account_id(client.account_id());
                        request.session_id(id.as_str()).send().boxed()
                    },
                )
                .await?;
            Ok(())
        }
        .boxed()
    }

    fn list_sessions<'a>(
        &'a self,
        client: &'a Client,
        link: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<Session>>> {
        async move {
            // v1 has no paging: a link can only come from a misbehaving
            // answer, and is not followed.
            if link.is_some() {
                return Ok((Vec::new(), None));
            }
            let list: wire::SessionsList = client
                .send_with("list sessions", "", Generated::new_with_client, |c| {
                    c.list_sessions()
                        .account_id(client.account_id())
                        .send()
                        .boxed()
                })
                .await?
                .value;
            let items = list.sessions.into_iter().map(Session::try_from);
            Ok((items.collect::<Result<_>>()?, None))
        }
        .boxed()
    }
}

/// Creates a session, repeating the request only when it cannot have
/// reached the service (throttled with 429, or the connection was never
/// made): the service picks the id, so a repeat after a lost answer would
/// start a second session. Other failures are returned as they are, under
/// the client's retry policy otherwise.
async fn create_at_most_once(
    client: &Client,
    body: &wire::CreateSessionSettings,
) -> Result<wire::CreateSessionResult> {
    let policy = client.retry_policy();
    let started = Instant::now();
    let mut retry = 0;
    loop {
        let attempt = client
            .send_with_policy::<_, _, wire::CreateSessionResult>(
                &RetryPolicy::none(),
                "create session",
                "",
                Generated::new_with_client,
                |c| {
                    let request = c.create_session().account_id(client.account_id());
                    request.body(body.clone()).send().boxed()
                },
            )
            .await;
        let error = match attempt {
            Ok(reply) => return Ok(reply.value),
            Err(error) if never_arrived(&error) => error,
            Err(error) => return Err(error),
        };
        let Some(delay) = policy.next_delay(&error, retry, started) else {
            return Err(error);
        };
        tracing::debug!(?delay, "v1 create refused before it was applied; retrying");
        tokio::time::sleep(delay).await;
        retry += 1;
    }
}

/// Whether a failed request certainly did nothing at the service.
fn never_arrived(error: &Error) -> bool {
    match error {
        Error::Service(e) => e.status == 429,
        Error::Transport {
            source: Some(source),
            ..
        } => source.is_connect(),
        _ => false,
    }
}

pub(crate) use remote_rendering_duration::{format_timespan as timespan, parse_timespan};

fn invalid_timespan(field: &str, value: &str) -> Error {
    Error::InvalidResponse {
        operation: "decode",
        message: format!(
            "`{field}` is `{}`, not a timespan such as 04:00:00",
            value.escape_default()
        ),
        ms_cv: None,
        transient: false,
    }
}

fn optional_timespan(field: &str, value: Option<String>) -> Result<Option<Duration>> {
    value
        .map(|text| parse_timespan(&text).ok_or_else(|| invalid_timespan(field, &text)))
        .transpose()
}

impl TryFrom<wire::SessionProperties> for Session {
    type Error = Error;

    fn try_from(s: wire::SessionProperties) -> Result<Self> {
        let status = match &s.session_status {
            wire::SessionStatus::Known(known) => SessionStatus::from(known.to_string().as_str()),
            wire::SessionStatus::Other(other) => SessionStatus::from(other.as_str()),
        };
        let size = match &s.session_size {
            Some(wire::SessionSize::Known(wire::SessionSizeKnown::Standard)) => {
                SessionSize::Standard
            }
            Some(wire::SessionSize::Known(wire::SessionSizeKnown::Premium)) => SessionSize::Premium,
            Some(wire::SessionSize::Other(other)) => {
                SessionSize::known(other).unwrap_or_else(|| SessionSize::Unknown(other.to_string()))
            }
            // The page's own sample has no size; it is not guessed.
            None => SessionSize::Unknown(String::new()),
        };
        // v1 reports problems as a bare message; it becomes the session's
        // error under the status it explains.
        let error = s.message.map(|message| ServiceErrorDetail {
            code: status.to_string(),
            message,
            details: Vec::new(),
            target: None,
            inner_error: None,
        });
        Ok(Self {
            id: SessionId::new(s.session_id).map_err(|e| invalid_id("session", e))?,
            size,
            max_lease: optional_timespan("sessionMaxLeaseTime", s.session_max_lease_time)?,
            elapsed: optional_timespan("sessionElapsedTime", s.session_elapsed_time)?,
            hostname: s.session_hostname,
            handshake_port: None,
            arr_inspector_port: None,
            teraflops: None,
            created_on: None,
            error,
            status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans_are_written_as_dotnet_reads_them() {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        assert_eq!(timespan(minutes(240)), "04:00:00");
        assert_eq!(timespan(minutes(90)), "01:30:00");
        assert_eq!(timespan(minutes(1440)), "1.00:00:00");
        assert_eq!(timespan(minutes(1441)), "1.00:01:00");
        for m in [1, 59, 60, 61, 1439, 1440] {
            assert_eq!(parse_timespan(&timespan(minutes(m))), Some(minutes(m)));
        }
    }

    #[test]
    fn timespans_are_read_in_every_documented_spelling() {
        let hms = |h: u64, m: u64, s: u64| Duration::from_secs(h * 3600 + m * 60 + s);
        assert_eq!(parse_timespan("4:0:0"), Some(hms(4, 0, 0)));
        assert_eq!(parse_timespan("04:00:00"), Some(hms(4, 0, 0)));
        assert_eq!(parse_timespan("00:00:01"), Some(hms(0, 0, 1)));
        assert_eq!(parse_timespan("2.01:00:00"), Some(hms(49, 0, 0)));
        assert_eq!(
            parse_timespan("00:00:01.5"),
            Some(Duration::from_millis(1500))
        );
        for bad in [
            "",
            "4",
            "4:00",
            "24:00:00",
            "1:60:00",
            "-1:00:00",
            "a:b:c",
            "1:00:00:00",
            "1.",
            "00:00:01.",
        ] {
            assert_eq!(parse_timespan(bad), None, "{bad}");
        }
    }

    #[test]
    fn v1_properties_become_a_session() {
        let properties: wire::SessionProperties = serde_json::from_value(serde_json::json!({
            "message": "the lease ran out",
            "sessionElapsedTime": "00:10:00",
            "sessionHostname": "h.example",
            "sessionId": "e13d2c44-63e0-4591-991e-f9e05e599a93",
            "sessionMaxLeaseTime": "04:00:00",
            "sessionSize": "premium",
            "sessionStatus": "Expired"
        }))
        .unwrap();
        let session = Session::try_from(properties).unwrap();
        assert_eq!(session.size, SessionSize::Premium);
        assert_eq!(session.status, SessionStatus::Expired);
        assert_eq!(session.max_lease, Some(Duration::from_secs(4 * 3600)));
        assert_eq!(session.elapsed, Some(Duration::from_secs(600)));
        assert_eq!(session.error.unwrap().message, "the lease ran out");

        let stopping: wire::SessionProperties = serde_json::from_value(serde_json::json!({
            "sessionId": "s", "sessionStatus": "Stopping", "sessionMaxLeaseTime": "soon"
        }))
        .unwrap();
        let error = Session::try_from(stopping).unwrap_err();
        assert!(error.to_string().contains("sessionMaxLeaseTime"), "{error}");
    }
}
