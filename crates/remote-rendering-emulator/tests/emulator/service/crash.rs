//! The crash test: sessions are created, extended and stopped against an
//! `arr-emulator` process that is SIGKILLed at random moments and restarted
//! on the same `--data-dir`, 50 times. Every acknowledged create, lease
//! change and stop must be there afterwards; an operation cut off by the
//! kill may have happened or not, but nothing in between.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng as _;
use remote_rendering_rest::types::{SessionProperties, SessionStatusKnown as S};
use reqwest::StatusCode;
use serde_json::json;

use super::process::EmulatorProcess;
use crate::common::status_of;

const ROUNDS: usize = 50;
const WORKERS: usize = 3;
/// Creates stop here, so the verification GETs stay bounded.
const MAX_SESSIONS: usize = 150;

/// What the test knows about one session.
#[derive(Clone, Debug, Default)]
struct Known {
    /// Acknowledged (or seen after a restart).
    exists: bool,
    create_pending: bool,
    lease: i64,
    lease_pending: Option<i64>,
    stopped: bool,
    stop_pending: bool,
}

#[derive(Debug, Default)]
struct Figures {
    creates: usize,
    lease_changes: usize,
    stops: usize,
    cut_off: usize,
}

type Model = Arc<Mutex<BTreeMap<String, Known>>>;

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn connect(emulator: &EmulatorProcess, account: uuid::Uuid) -> Api {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .no_proxy()
            .build()
            .unwrap();
        let base = format!("{}accounts/{account}", emulator.endpoint());
        let token: serde_json::Value = http
            .get(format!("{}Accounts/{account}/token", emulator.endpoint()))
            .bearer_auth(format!("{account}:crash-test-key"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["AccessToken"].as_str().unwrap().to_owned();
        Api { http, base, token }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}?api-version=2021-01-01", self.base)
    }

    async fn get(&self, id: &str) -> Option<SessionProperties> {
        let reply = self
            .http
            .get(self.url(&format!("sessions/{id}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        match reply.status() {
            StatusCode::NOT_FOUND => None,
            StatusCode::OK => {
                let body = reply.text().await.unwrap();
                // A half-written record would not parse as a full session.
                Some(serde_json::from_str(&body).unwrap_or_else(|e| panic!("{id}: {e}: {body}")))
            }
            other => panic!("GET {id}: {other}"),
        }
    }
}

/// One worker's operations on its own sessions, until the process dies.
async fn work(api: Arc<Api>, model: Model, worker: usize, figures: Arc<Mutex<Figures>>) {
    loop {
        let (op, id, lease) = {
            let mut model = model.lock().unwrap();
            let mine: Vec<_> = model
                .iter()
                .filter(|(id, k)| id.starts_with(&format!("w{worker}-")) && k.exists && !k.stopped)
                .map(|(id, k)| (id.clone(), k.lease))
                .collect();
            let mut rng = rand::rng();
            let choice = rng.random_range(0..10);
            if (choice < 3 || mine.is_empty()) && model.len() < MAX_SESSIONS {
                let id = format!("w{worker}-{}", model.len());
                model.insert(
                    id.clone(),
                    Known {
                        create_pending: true,
                        lease: 10,
                        ..Known::default()
                    },
                );
                ("create", id, 10)
            } else if mine.is_empty() {
                return;
            } else {
                let (id, lease) = mine[rng.random_range(0..mine.len())].clone();
                let known = model.get_mut(&id).unwrap();
                if choice < 8 {
                    known.lease_pending = Some(lease + 1);
                    ("extend", id, lease + 1)
                } else {
                    known.stop_pending = true;
                    ("stop", id, lease)
                }
            }
        };
        let request = match op {
            "create" => api
                .http
                .put(api.url(&format!("sessions/{id}")))
                .json(&json!({"maxLeaseTimeMinutes": lease, "size": "Standard"})),
            "extend" => api
                .http
                .patch(api.url(&format!("sessions/{id}")))
                .json(&json!({"maxLeaseTimeMinutes": lease})),
            _ => api.http.post(api.url(&format!("sessions/{id}/:stop"))),
        };
        let Ok(reply) = request.bearer_auth(&api.token).send().await else {
            // Killed mid-request: the outcome is unknown, and stays pending.
            return;
        };
        let status = reply.status();
        if !status.is_success() {
            panic!(
                "{op} {id}: {status}: {}",
                reply.text().await.unwrap_or_default()
            );
        }
        let mut model = model.lock().unwrap();
        let known = model.get_mut(&id).unwrap();
        let mut figures = figures.lock().unwrap();
        match op {
            "create" => {
                known.exists = true;
                known.create_pending = false;
                figures.creates += 1;
            }
            "extend" => {
                known.lease = lease;
                known.lease_pending = None;
                figures.lease_changes += 1;
            }
            _ => {
                known.stopped = true;
                known.stop_pending = false;
                figures.stops += 1;
            }
        }
    }
}

/// Checks every session against what was acknowledged, and settles the
/// operations the last kill cut off to what the emulator now shows.
async fn verify(api: &Api, model: &Model, figures: &Mutex<Figures>) {
    let snapshot = model.lock().unwrap().clone();
    for (id, known) in snapshot {
        let seen = api.get(&id).await;
        let mut model = model.lock().unwrap();
        let entry = model.get_mut(&id).unwrap();
        let Some(seen) = seen else {
            assert!(!known.exists, "acknowledged session {id} was lost");
            assert!(known.create_pending, "{id} is neither known nor pending");
            figures.lock().unwrap().cut_off += 1;
            model.remove(&id);
            continue;
        };
        assert!(
            known.exists || known.create_pending,
            "{id} appeared from nowhere"
        );
        if known.create_pending {
            figures.lock().unwrap().cut_off += 1;
        }
        let lease = seen.max_lease_time_minutes.unwrap();
        assert!(
            lease == known.lease || Some(lease) == known.lease_pending,
            "{id}: lease {lease}, acknowledged {}, pending {:?}",
            known.lease,
            known.lease_pending
        );
        if known.lease_pending.is_some() {
            figures.lock().unwrap().cut_off += 1;
        }
        let stopped = status_of(&seen) == S::Stopped;
        assert!(
            stopped == known.stopped || known.stop_pending,
            "{id}: stopped {stopped}, acknowledged {}",
            known.stopped
        );
        if known.stop_pending {
            figures.lock().unwrap().cut_off += 1;
        }
        assert!(
            matches!(status_of(&seen), S::Starting | S::Ready | S::Stopped),
            "{id}: {seen:?}"
        );
        *entry = Known {
            exists: true,
            lease,
            stopped,
            ..Known::default()
        };
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_fifty_sigkills() {
    let dir = tempfile::tempdir().unwrap();
    let account = uuid::Uuid::new_v4();
    let model: Model = Arc::default();
    let figures = Arc::new(Mutex::new(Figures::default()));
    let started = Instant::now();
    let args = ["--session-startup", "0s", "--lease-minute", "60s"];
    for _ in 0..ROUNDS {
        let emulator = EmulatorProcess::start(dir.path(), account, &args).await;
        let api = Arc::new(Api::connect(&emulator, account).await);
        verify(&api, &model, &figures).await;
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| tokio::spawn(work(api.clone(), model.clone(), w, figures.clone())))
            .collect();
        let run_for = Duration::from_millis(rand::rng().random_range(20..200));
        tokio::time::sleep(run_for).await;
        emulator.kill().await;
        for worker in workers {
            worker.await.expect("a worker saw a wrong answer");
        }
    }
    // One last restart to check the final kill's aftermath.
    let emulator = EmulatorProcess::start(dir.path(), account, &args).await;
    let api = Api::connect(&emulator, account).await;
    verify(&api, &model, &figures).await;
    emulator.kill().await;
    let figures = figures.lock().unwrap();
    let sessions = model.lock().unwrap().len();
    println!(
        "crash test: {ROUNDS} SIGKILLs in {:?}; acknowledged {} creates, {} lease changes, {} stops; {} operations cut off by a kill (settled either way); {sessions} sessions at the end",
        started.elapsed(),
        figures.creates,
        figures.lease_changes,
        figures.stops,
        figures.cut_off,
    );
    assert!(figures.creates > 0 && figures.lease_changes > 0 && figures.stops > 0);
}
