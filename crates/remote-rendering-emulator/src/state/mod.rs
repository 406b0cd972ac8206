//! The emulated service's resources and their lifecycles.
//!
//! Statuses are not advanced by background tasks: they are derived from the
//! emulator clock whenever a resource is read, so a manual clock controls
//! them completely.

use std::time::{Duration, SystemTime};

use remote_rendering_rest::types;

mod conversion;
mod session;

pub(crate) use conversion::Conversion;
use conversion::echoed_settings;
pub(crate) use session::Session;
use session::{SessionEnd, SessionHost};

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
