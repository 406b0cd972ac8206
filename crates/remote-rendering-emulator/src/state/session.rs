//! One rendering session and its lifecycle.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use remote_rendering_rest::types;
use serde::{Deserialize, Serialize};

use super::Timing;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum SessionEnd {
    Stopped,
    Error,
}

/// Where a Ready session is reached, chosen once at creation: the service
/// gave each session random high ports and a host under
/// `remoterendering.vm.{account domain}` (2024: `lb<n>.remoterendering.vm.<region>.mixedreality.azure.com`).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub(super) struct SessionHost {
    pub(super) balancer: u16,
    pub(super) handshake_port: u16,
    pub(super) inspector_port: u16,
}

impl SessionHost {
    pub(super) fn random() -> Self {
        use rand::Rng as _;
        let mut rng = rand::rng();
        let handshake_port = rng.random_range(49152..=65535);
        let mut inspector_port = rng.random_range(49152..=65535);
        while inspector_port == handshake_port {
            inspector_port = rng.random_range(49152..=65535);
        }
        Self {
            balancer: rng.random_range(1..=99),
            handshake_port,
            inspector_port,
        }
    }
}

/// One rendering session. Serialized as is by `--data-dir` persistence.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Session {
    pub(crate) id: String,
    pub(super) seq: u64,
    pub(crate) size: types::SessionSizeKnown,
    /// The lease asked for at creation; a retried create is compared with it.
    pub(crate) requested_lease: i64,
    pub(crate) lease: i64,
    pub(super) created_at: Duration,
    pub(super) created_wall: SystemTime,
    pub(super) host: SessionHost,
    pub(super) end: Option<(SessionEnd, Duration)>,
    pub(super) error: Option<types::Error>,
}

impl Session {
    pub(super) fn ready_at(&self, timing: &Timing) -> Duration {
        self.created_at + timing.session_startup
    }

    pub(super) fn expires_at(&self, timing: &Timing) -> Duration {
        let lease = u32::try_from(self.lease.max(0)).unwrap_or(u32::MAX);
        self.ready_at(timing) + timing.lease_minute * lease
    }

    /// Current status at emulated time `now`.
    pub(crate) fn status(&self, now: Duration, timing: &Timing) -> types::SessionStatusKnown {
        use types::SessionStatusKnown as S;
        let ready_at = self.ready_at(timing);
        let expires_at = self.expires_at(timing);
        // A session that ended after its lease ran out had already expired.
        let until = match self.end {
            Some((SessionEnd::Error, _)) => return S::Error,
            Some((SessionEnd::Stopped, at)) if at < expires_at => return S::Stopped,
            Some((_, at)) => at,
            None => now,
        };
        if until < ready_at {
            S::Starting
        } else if until >= expires_at {
            S::Expired
        } else {
            S::Ready
        }
    }

    /// The moment the session stopped running (or `now` if it still runs).
    pub(super) fn running_until(&self, now: Duration, timing: &Timing) -> Duration {
        let mut until = now.min(self.expires_at(timing));
        if let Some((_, at)) = self.end {
            until = until.min(at);
        }
        until
    }

    pub(super) fn became_ready(&self, now: Duration, timing: &Timing) -> bool {
        let ready_at = self.ready_at(timing);
        self.running_until(now, timing) >= ready_at
            && !matches!(self.end, Some((SessionEnd::Error, at)) if at < ready_at)
    }

    pub(crate) fn properties(
        &self,
        now: Duration,
        timing: &Timing,
        domain: &str,
    ) -> types::SessionProperties {
        let status = self.status(now, timing);
        // As recorded: hostname and ports only while Ready (cleared by a
        // stop), teraflops from Ready on and kept afterwards.
        let running = status == types::SessionStatusKnown::Ready;
        let ready = self.became_ready(now, timing);
        let host = self.host;
        let ready_for = self
            .running_until(now, timing)
            .saturating_sub(self.ready_at(timing));
        let minute = timing.lease_minute.as_nanos().max(1);
        let elapsed_minutes = i64::try_from(ready_for.as_nanos() / minute).unwrap_or(i64::MAX);
        types::SessionProperties {
            arr_inspector_port: running.then_some(i64::from(host.inspector_port)),
            creation_time: Some(DateTime::<Utc>::from(self.created_wall)),
            elapsed_time_minutes: Some(elapsed_minutes),
            error: self.error.clone(),
            handshake_port: running.then_some(i64::from(host.handshake_port)),
            hostname: running.then(|| format!("lb{}.remoterendering.vm.{domain}", host.balancer)),
            id: self.id.clone(),
            max_lease_time_minutes: Some(self.lease),
            size: types::SessionSize::Known(self.size),
            status: types::SessionStatus::Known(status),
            // Standard: 8.1 in every 2022+ recording (10.6 in westeurope 2021).
            teraflops: ready.then_some(match self.size {
                types::SessionSizeKnown::Standard => 8.1,
                types::SessionSizeKnown::Premium => 38.4,
            }),
        }
    }
}
