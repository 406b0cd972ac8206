//! The emulated service's resources and their lifecycles.
//!
//! Statuses are not advanced by background tasks: they are derived from the
//! emulator clock whenever a resource is read, so a manual clock controls
//! them completely.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use remote_rendering_rest::types;
use serde::{Deserialize, Serialize};

/// Timing and sizing knobs shared by all resources.
#[derive(Clone, Debug)]
pub(crate) struct Timing {
    pub(crate) session_startup: Duration,
    pub(crate) conversion_duration: Duration,
    pub(crate) lease_minute: Duration,
}

/// Input formats the conversion service accepts (by file extension).
pub(crate) const SUPPORTED_INPUT_EXTENSIONS: [&str; 9] = [
    "fbx", "gltf", "glb", "e57", "ply", "xyz", "las", "laz", "pts",
];

/// Builds an error object in the spec's shape.
pub(crate) fn error(code: &str, message: impl Into<String>) -> types::Error {
    types::Error {
        code: code.to_owned(),
        message: message.into(),
        details: Vec::new(),
        inner_error: Box::new(None),
        target: None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum SessionEnd {
    Stopped,
    Error,
}

/// Where a Ready session is reached, chosen once at creation: the service
/// gave each session random high ports and a host under
/// `remoterendering.vm.{account domain}` (2024: `lb<n>.remoterendering.vm.<region>.mixedreality.azure.com`).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct SessionHost {
    balancer: u16,
    handshake_port: u16,
    inspector_port: u16,
}

impl SessionHost {
    fn random() -> Self {
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
    seq: u64,
    pub(crate) size: types::SessionSizeKnown,
    /// The lease asked for at creation; a retried create is compared with it.
    pub(crate) requested_lease: i64,
    pub(crate) lease: i64,
    created_at: Duration,
    created_wall: SystemTime,
    host: SessionHost,
    end: Option<(SessionEnd, Duration)>,
    error: Option<types::Error>,
}

impl Session {
    fn ready_at(&self, timing: &Timing) -> Duration {
        self.created_at + timing.session_startup
    }

    fn expires_at(&self, timing: &Timing) -> Duration {
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
    fn running_until(&self, now: Duration, timing: &Timing) -> Duration {
        let mut until = now.min(self.expires_at(timing));
        if let Some((_, at)) = self.end {
            until = until.min(at);
        }
        until
    }

    fn became_ready(&self, now: Duration, timing: &Timing) -> bool {
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

/// One asset conversion. `settings` keeps the SAS tokens; they are removed
/// whenever the conversion is shown. Serialized as is by `--data-dir`
/// persistence.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Conversion {
    pub(crate) id: String,
    seq: u64,
    pub(crate) settings: types::ConversionSettings,
    created_at: Duration,
    created_wall: SystemTime,
    forced_failure: Option<types::Error>,
    /// The real storage work, for containers the emulator can reach. Not kept by `--data-dir`:
    /// a restarted emulator derives such a conversion as a simulated one.
    #[serde(skip)]
    storage: Option<crate::storage::Outcome>,
}

impl Conversion {
    /// `None` without real storage work or while it runs; else its result.
    fn storage_result(&self) -> Option<Result<(), &types::Error>> {
        let done = self.storage.as_ref()?.get()?;
        Some(done.as_ref().map(|_| ()))
    }

    fn storage_pending(&self) -> bool {
        self.storage.as_ref().is_some_and(|s| s.get().is_none())
    }

    fn input_error(&self) -> Option<types::Error> {
        let path = &self.settings.input_location.relative_input_asset_path;
        let name = path.rsplit('/').next().unwrap_or(path);
        let extension = name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase());
        match extension {
            Some(ext) if SUPPORTED_INPUT_EXTENSIONS.contains(&ext.as_str()) => None,
            _ => Some(error(
                "InvalidInputFileFormat",
                format!(
                    "The input asset '{path}' cannot be converted: its file type is not supported. Supported extensions: {}.",
                    SUPPORTED_INPUT_EXTENSIONS
                        .map(|e| format!(".{e}"))
                        .join(", ")
                ),
            )),
        }
    }

    /// Current status and, once final, the time left until completion.
    pub(crate) fn status(&self, now: Duration, timing: &Timing) -> types::ConversionStatusKnown {
        use types::ConversionStatusKnown as C;
        if self.forced_failure.is_some() {
            return C::Failed;
        }
        let age = now.saturating_sub(self.created_at);
        // Never final before the storage work is: the output must exist once Succeeded.
        if age >= timing.conversion_duration && !self.storage_pending() {
            if self.input_error().is_some() || matches!(self.storage_result(), Some(Err(_))) {
                C::Failed
            } else {
                C::Succeeded
            }
        } else if age < timing.conversion_duration / 10 {
            C::NotStarted
        } else {
            C::Running
        }
    }

    /// Time until the conversion reaches a final status (zero once final).
    pub(crate) fn remaining(&self, now: Duration, timing: &Timing) -> Duration {
        if self.forced_failure.is_some() {
            return Duration::ZERO;
        }
        let remaining = (self.created_at + timing.conversion_duration).saturating_sub(now);
        if self.storage_pending() {
            remaining.max(Duration::from_secs(1))
        } else {
            remaining
        }
    }

    fn output_asset_uri(&self) -> String {
        let output = &self.settings.output_location;
        let container = match url::Url::parse(&output.storage_container_uri) {
            Ok(mut url) => {
                // A SAS pasted into the container URI must not reach the output.
                url.set_query(None);
                url.set_fragment(None);
                url.to_string()
            }
            Err(_) => output.storage_container_uri.clone(),
        };
        let mut uri = container.trim_end_matches('/').to_owned();
        uri.push('/');
        if let Some(prefix) = output.blob_prefix.as_deref() {
            let prefix = prefix.trim_start_matches('/');
            if !prefix.is_empty() {
                uri.push_str(prefix);
                if !prefix.ends_with('/') {
                    uri.push('/');
                }
            }
        }
        match output.output_asset_filename.as_deref() {
            Some(name) => uri.push_str(name),
            None => {
                let path = &self.settings.input_location.relative_input_asset_path;
                let name = path.rsplit('/').next().unwrap_or(path);
                let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
                uri.push_str(stem);
                uri.push_str(".arrAsset");
            }
        }
        uri
    }

    pub(crate) fn view(&self, now: Duration, timing: &Timing) -> types::Conversion {
        use types::ConversionStatusKnown as C;
        let status = self.status(now, timing);
        let mut settings = self.settings.clone();
        settings.input_location.storage_container_read_list_sas = None;
        settings.output_location.storage_container_write_sas = None;
        let error = match status {
            C::Failed => self
                .forced_failure
                .clone()
                .or_else(|| self.storage_result().and_then(|r| r.err().cloned()))
                .or_else(|| self.input_error()),
            _ => None,
        };
        types::Conversion {
            creation_time: DateTime::<Utc>::from(self.created_wall),
            error,
            id: self.id.clone(),
            output: (status == C::Succeeded).then(|| types::ConversionOutput {
                output_asset_uri: Some(self.output_asset_uri()),
            }),
            settings,
            status: types::ConversionStatus::Known(status),
        }
    }
}

/// The settings as the service kept and echoed them: each `blobPrefix`
/// ends with `/`, and `outputAssetFilename` defaults to the input's file
/// stem + `.arrAsset`.
fn echoed_settings(mut settings: types::ConversionSettings) -> types::ConversionSettings {
    fn with_slash(prefix: &mut Option<String>) {
        if let Some(prefix) = prefix
            && !prefix.is_empty()
            && !prefix.ends_with('/')
        {
            prefix.push('/');
        }
    }
    with_slash(&mut settings.input_location.blob_prefix);
    with_slash(&mut settings.output_location.blob_prefix);
    if settings.output_location.output_asset_filename.is_none() {
        let path = &settings.input_location.relative_input_asset_path;
        let name = path.rsplit('/').next().unwrap_or(path);
        let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
        settings.output_location.output_asset_filename = Some(format!("{stem}.arrAsset"));
    }
    settings
}

/// Outcome of a create request.
pub(crate) enum Created<'a, T> {
    New(&'a T),
    Existing(&'a T),
    Conflict,
}

/// All resources of the emulated account.
#[derive(Debug, Default)]
pub(crate) struct Store {
    next_seq: u64,
    pub(crate) sessions: Vec<Session>,
    pub(crate) conversions: Vec<Conversion>,
}

impl Store {
    /// A store holding resources read back from disk; new ones are numbered
    /// after them.
    pub(crate) fn restore(sessions: Vec<Session>, conversions: Vec<Conversion>) -> Self {
        let mut sessions = sessions;
        let mut conversions = conversions;
        sessions.sort_by_key(|s| s.seq);
        conversions.sort_by_key(|c| c.seq);
        let next_seq = sessions
            .iter()
            .map(|s| s.seq)
            .chain(conversions.iter().map(|c| c.seq))
            .max()
            .unwrap_or(0);
        Self {
            next_seq,
            sessions,
            conversions,
        }
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub(crate) fn session(&self, id: &str) -> Option<&Session> {
        self.sessions.iter().find(|s| s.id == id)
    }

    pub(crate) fn session_mut(&mut self, id: &str) -> Option<&mut Session> {
        self.sessions.iter_mut().find(|s| s.id == id)
    }

    pub(crate) fn create_session(
        &mut self,
        id: &str,
        size: types::SessionSizeKnown,
        lease: i64,
        now: Duration,
        wall: SystemTime,
    ) -> Created<'_, Session> {
        if let Some(index) = self.sessions.iter().position(|s| s.id == id) {
            let existing = &self.sessions[index];
            return if existing.size == size && existing.requested_lease == lease {
                Created::Existing(existing)
            } else {
                Created::Conflict
            };
        }
        let seq = self.seq();
        self.sessions.push(Session {
            id: id.to_owned(),
            seq,
            size,
            requested_lease: lease,
            lease,
            created_at: now,
            created_wall: wall,
            host: SessionHost::random(),
            end: None,
            error: None,
        });
        Created::New(self.sessions.last().expect("just pushed"))
    }

    /// Stops a session; sessions that already ended keep their final status.
    pub(crate) fn stop_session(&mut self, id: &str, now: Duration, timing: &Timing) -> bool {
        let Some(session) = self.session_mut(id) else {
            return false;
        };
        use types::SessionStatusKnown as S;
        if matches!(session.status(now, timing), S::Starting | S::Ready) {
            session.end = Some((SessionEnd::Stopped, now));
        }
        true
    }

    pub(crate) fn fail_session(&mut self, id: &str, err: types::Error, now: Duration) -> bool {
        let Some(session) = self.session_mut(id) else {
            return false;
        };
        session.end = Some((SessionEnd::Error, now));
        session.error = Some(err);
        true
    }

    pub(crate) fn conversion(&self, id: &str) -> Option<&Conversion> {
        self.conversions.iter().find(|c| c.id == id)
    }

    /// Creates a conversion, or finds the one already using `id`; `true`
    /// when it is new.
    pub(crate) fn create_conversion(
        &mut self,
        id: &str,
        settings: types::ConversionSettings,
        now: Duration,
        wall: SystemTime,
    ) -> (bool, &Conversion) {
        // As recorded (Java 2024 re-run, with fresh SAS tokens): an id in
        // use answers with that conversion as it is now, whatever was sent.
        if let Some(index) = self.conversions.iter().position(|c| c.id == id) {
            return (false, &self.conversions[index]);
        }
        let settings = echoed_settings(settings);
        let seq = self.seq();
        self.conversions.push(Conversion {
            id: id.to_owned(),
            seq,
            settings,
            created_at: now,
            created_wall: wall,
            forced_failure: None,
            storage: None,
        });
        (true, self.conversions.last().expect("just pushed"))
    }

    /// Attaches the storage work started for the new conversion `id`, and returns it.
    pub(crate) fn start_storage_job(
        &mut self,
        id: &str,
        storage: Option<crate::storage::Outcome>,
    ) -> &Conversion {
        let conversion = self
            .conversions
            .iter_mut()
            .find(|c| c.id == id)
            .expect("the conversion was just created");
        conversion.storage = storage;
        conversion
    }

    pub(crate) fn fail_conversion(&mut self, id: &str, err: types::Error) -> bool {
        match self.conversions.iter_mut().find(|c| c.id == id) {
            Some(conversion) => {
                conversion.forced_failure = Some(err);
                true
            }
            None => false,
        }
    }

    /// One page of non-stopped sessions after continuation point `after`,
    /// plus the continuation point for the next page if there is one.
    pub(crate) fn session_page(
        &self,
        after: u64,
        page_size: usize,
        now: Duration,
        timing: &Timing,
    ) -> (Vec<&Session>, Option<u64>) {
        let visible = self.sessions.iter().filter(|s| {
            s.seq > after && s.status(now, timing) != types::SessionStatusKnown::Stopped
        });
        page(visible, |s| s.seq, page_size)
    }

    pub(crate) fn conversion_page(
        &self,
        after: u64,
        page_size: usize,
    ) -> (Vec<&Conversion>, Option<u64>) {
        page(
            self.conversions.iter().filter(|c| c.seq > after),
            |c| c.seq,
            page_size,
        )
    }
}

fn page<'a, T>(
    items: impl Iterator<Item = &'a T>,
    seq: impl Fn(&T) -> u64,
    page_size: usize,
) -> (Vec<&'a T>, Option<u64>) {
    let mut items = items.peekable();
    let taken: Vec<&T> = items.by_ref().take(page_size.max(1)).collect();
    let next = match (items.peek(), taken.last()) {
        (Some(_), Some(last)) => Some(seq(last)),
        _ => None,
    };
    (taken, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use types::SessionStatusKnown as S;

    fn timing() -> Timing {
        Timing {
            session_startup: Duration::from_secs(10),
            conversion_duration: Duration::from_secs(100),
            lease_minute: Duration::from_secs(1),
        }
    }

    fn session(store: &mut Store, id: &str, lease: i64) {
        let created = store.create_session(
            id,
            types::SessionSizeKnown::Standard,
            lease,
            Duration::ZERO,
            SystemTime::now(),
        );
        assert!(matches!(created, Created::New(_)));
    }

    #[test]
    fn session_lifecycle_follows_the_clock() {
        let t = timing();
        let mut store = Store::default();
        session(&mut store, "s", 5);
        let s = store.session("s").unwrap();
        assert_eq!(s.status(Duration::from_secs(9), &t), S::Starting);
        assert_eq!(s.status(Duration::from_secs(10), &t), S::Ready);
        assert_eq!(s.status(Duration::from_secs(14), &t), S::Ready);
        assert_eq!(s.status(Duration::from_secs(15), &t), S::Expired);
        let props = s.properties(Duration::from_secs(13), &t, "d");
        assert_eq!(props.elapsed_time_minutes, Some(3));
        assert!(props.hostname.unwrap().ends_with(".remoterendering.vm.d"));
        let props = s.properties(Duration::from_secs(100), &t, "d");
        assert_eq!(props.elapsed_time_minutes, Some(5));
    }

    #[test]
    fn stopping_freezes_and_expiry_wins_when_earlier() {
        let t = timing();
        let mut store = Store::default();
        session(&mut store, "a", 5);
        session(&mut store, "b", 5);
        assert!(store.stop_session("a", Duration::from_secs(12), &t));
        assert!(store.stop_session("b", Duration::from_secs(20), &t));
        let a = store.session("a").unwrap();
        assert_eq!(a.status(Duration::from_secs(50), &t), S::Stopped);
        assert_eq!(
            a.properties(Duration::from_secs(50), &t, "d")
                .elapsed_time_minutes,
            Some(2)
        );
        assert_eq!(
            store
                .session("b")
                .unwrap()
                .status(Duration::from_secs(50), &t),
            S::Expired
        );
        assert!(!store.stop_session("missing", Duration::ZERO, &t));
    }

    #[test]
    fn paging_skips_stopped_sessions() {
        let t = timing();
        let mut store = Store::default();
        for id in ["a", "b", "c", "d"] {
            session(&mut store, id, 5);
        }
        store.stop_session("b", Duration::ZERO, &t);
        let (first, next) = store.session_page(0, 2, Duration::ZERO, &t);
        assert_eq!(
            first.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["a", "c"]
        );
        let (second, next) = store.session_page(next.unwrap(), 2, Duration::ZERO, &t);
        assert_eq!(
            second.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["d"]
        );
        assert_eq!(next, None);
    }

    #[test]
    fn output_uri_uses_prefix_and_input_stem() {
        let settings = types::ConversionSettings {
            input_location: types::ConversionInputSettings {
                blob_prefix: None,
                relative_input_asset_path: "models/house.v2.fbx".into(),
                storage_container_read_list_sas: Some("sig=secret".into()),
                storage_container_uri: "https://in.example/c".into(),
            },
            output_location: types::ConversionOutputSettings {
                blob_prefix: Some("out".into()),
                output_asset_filename: None,
                storage_container_uri: "https://out.example/c/?sv=1&sig=x".into(),
                storage_container_write_sas: Some("sig=secret".into()),
            },
        };
        let mut store = Store::default();
        store.create_conversion("c", settings, Duration::ZERO, SystemTime::now());
        let view = store
            .conversion("c")
            .unwrap()
            .view(Duration::from_secs(100), &timing());
        assert_eq!(
            view.output.unwrap().output_asset_uri.unwrap(),
            "https://out.example/c/out/house.v2.arrAsset"
        );
        assert_eq!(
            view.settings.input_location.storage_container_read_list_sas,
            None
        );
        assert_eq!(
            view.settings.output_location.storage_container_write_sas,
            None
        );
    }
}
