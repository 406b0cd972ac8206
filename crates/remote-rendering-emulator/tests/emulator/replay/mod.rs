//! Replays the real service's recorded traffic (`../shared/recordings/`)
//! against the emulator over HTTP and compares every answer: status, error
//! code and message, headers of interest, field presence and value formats.
//! Polls are driven with the manual clock until the recorded status shows.
//! Differences the recordings themselves explain (the service changed
//! between 2021 and 2024; the emulator follows 2024) and scenarios that
//! need real storage are listed in `era.rs` and printed, never hidden.

mod compare;
mod era;
mod ids;
mod recordings;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use remote_rendering_emulator::{Emulator, EmulatorHandle};
use reqwest::Method;
use serde_json::{Value, json};

use compare::{Answer, Difference};
use ids::IdMap;
use recordings::{Exchange, Scenario};

/// Emulated time added between polls while waiting for a recorded status.
const POLL_STEP: Duration = Duration::from_millis(25);
/// Polls before giving up on a recorded status (10 s of emulated time).
const MAX_POLLS: u32 = 400;

#[derive(Default)]
struct Totals {
    scenarios: usize,
    exchanges: usize,
    differences: usize,
    explained: usize,
    /// Expected differences by reason and field, with how often each came.
    explained_by: BTreeMap<(&'static str, String), usize>,
    pending_storage: usize,
}

#[tokio::test]
async fn emulator_answers_every_recorded_scenario_as_the_service_did() {
    let Some(scenarios) = recordings::load() else {
        let path = recordings::exchanges_path();
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing: the replay test must run in CI",
            path.display()
        );
        eprintln!(
            "skipping the replay test: {} not found (../shared is absent)",
            path.display()
        );
        return;
    };
    let mut totals = Totals::default();
    for scenario in &scenarios {
        replay(scenario, &mut totals).await;
    }
    for ((reason, path), count) in &totals.explained_by {
        println!("expected ×{count:<3} {path}: {reason}");
    }
    println!(
        "replay: {} scenarios, {} exchanges compared, {} differences, {} expected differences (2021–2022 behaviour), {} exchanges pending storage ({})",
        totals.scenarios,
        totals.exchanges,
        totals.differences,
        totals.explained,
        totals.pending_storage,
        era::PENDING_STORAGE.join(", ")
    );
    assert!(totals.exchanges > 0, "no exchanges were compared");
    assert_eq!(
        totals.differences, 0,
        "the emulator differs from the recorded service; see the DIFF lines above"
    );
}

async fn replay(scenario: &Scenario, totals: &mut Totals) {
    let emu = Emulator::builder().manual_clock().start().await.unwrap();
    let http = crate::common::client();
    let token = crate::common::sts_token(&http, &emu).await;
    let mut player = Player {
        emu: &emu,
        http,
        token,
        ids: IdMap::default(),
        created: HashSet::new(),
        scenario,
    };
    totals.scenarios += 1;
    for exchange in &scenario.exchanges {
        let answer = player.play(exchange).await;
        let differences = compare::compare(exchange, &answer, &player.ids);
        totals.exchanges += 1;
        report(exchange, &differences, totals);
    }
    emu.shutdown().await;
}

fn report(exchange: &Exchange, differences: &[Difference], totals: &mut Totals) {
    let label = exchange.label();
    if era::pending_storage(exchange) {
        totals.pending_storage += 1;
        for d in differences {
            println!(
                "PENDING STORAGE {label}: {} ({:?}) expected {} got {}",
                d.path, d.kind, d.expected, d.actual
            );
        }
        return;
    }
    for d in differences {
        match era::explain(exchange, d) {
            Some(reason) => {
                totals.explained += 1;
                *totals
                    .explained_by
                    .entry((reason, format!("{} ({:?})", d.path, d.kind)))
                    .or_default() += 1;
            }
            None => {
                totals.differences += 1;
                println!(
                    "DIFF {label}: {} ({:?}) expected {} got {}",
                    d.path, d.kind, d.expected, d.actual
                );
            }
        }
    }
}

struct Player<'a> {
    emu: &'a EmulatorHandle,
    http: reqwest::Client,
    token: String,
    ids: IdMap,
    /// Emulator-side ids of resources that exist.
    created: HashSet<String>,
    scenario: &'a Scenario,
}

impl Player<'_> {
    async fn play(&mut self, exchange: &Exchange) -> Answer {
        if exchange.is_sts() {
            return self.token_request(exchange).await;
        }
        let ours = exchange.resource_id.as_deref().map(|id| self.ids.ours(id));
        let addressed =
            exchange.path.contains("{session}") || exchange.path.contains("{conversion}");
        if let Some(ours) = &ours
            && addressed
            && exchange.method != "PUT"
            && !self.created.contains(ours)
        {
            // The recording starts after the resource was made.
            self.set_up(exchange, ours).await;
        }
        let target = era::target_status(exchange);
        let mut polls = 0;
        loop {
            let answer = self.send(exchange, ours.as_deref()).await;
            polls += 1;
            let reached = match &target {
                None => true,
                Some(status) => serde_json::from_str::<Value>(&answer.body)
                    .is_ok_and(|b| b["status"].as_str() == Some(status)),
            };
            if reached || polls >= MAX_POLLS {
                if let (Some(ours), "PUT", true) =
                    (&ours, exchange.method.as_str(), answer.status < 300)
                {
                    self.created.insert(ours.clone());
                }
                return answer;
            }
            self.emu.clock().advance(POLL_STEP);
        }
    }

    fn url(&self, exchange: &Exchange, ours: Option<&str>) -> String {
        let id = ours.unwrap_or("missing");
        let path = exchange
            .path
            .replace("{account}", &self.emu.account_id().to_string())
            .replace("{session}", id)
            .replace("{conversion}", id);
        let query = exchange
            .query
            .as_deref()
            .unwrap_or("api-version=2021-01-01");
        format!(
            "{}{}?{query}",
            self.emu.endpoint(),
            path.trim_start_matches('/')
        )
    }

    async fn send(&self, exchange: &Exchange, ours: Option<&str>) -> Answer {
        let method = Method::from_bytes(exchange.method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, self.url(exchange, ours))
            .bearer_auth(&self.token);
        if let Some(body) = exchange.request_body.as_ref().filter(|b| !b.is_null()) {
            request = request.json(&self.ids.request_body(body));
        }
        answer(request).await
    }

    /// The STS exchange; the `unauthorized` tests used a wrong account key.
    async fn token_request(&self, exchange: &Exchange) -> Answer {
        let id = self.emu.account_id();
        let key = if exchange.test.contains("unauthorized") {
            "d3Jvbmcta2V5".to_owned()
        } else {
            self.emu.account_key()
        };
        let query = exchange.query.as_deref().unwrap_or_default();
        let request = self
            .http
            .get(format!(
                "{}Accounts/{id}/token?{query}",
                self.emu.sts_endpoint()
            ))
            .bearer_auth(format!("{id}:{key}"));
        answer(request).await
    }

    /// Creates a resource the recording only shows later, with what the
    /// recording shows of it.
    async fn set_up(&mut self, exchange: &Exchange, ours: &str) {
        let shown = self
            .scenario
            .exchanges
            .iter()
            .filter(|e| e.resource_id == exchange.resource_id)
            .filter_map(|e| e.response_body.as_ref())
            .filter(|b| b.get("id").is_some())
            .cloned()
            .collect::<Vec<_>>();
        let (path, body) = if exchange.path.contains("{session}") {
            let lease = shown
                .iter()
                .find_map(|b| b["maxLeaseTimeMinutes"].as_i64())
                .unwrap_or(5);
            (
                format!("sessions/{ours}"),
                json!({"maxLeaseTimeMinutes": lease, "size": "Standard"}),
            )
        } else {
            let mut settings = shown
                .iter()
                .find_map(|b| b.get("settings").cloned())
                .expect("a recorded conversion shows its settings");
            settings["inputLocation"]["storageContainerReadListSas"] =
                json!("sv=replay&sig=replay");
            settings["outputLocation"]["storageContainerWriteSas"] = json!("sv=replay&sig=replay");
            (
                format!("conversions/{ours}"),
                self.ids.request_body(&json!({ "settings": settings })),
            )
        };
        let url = format!(
            "{}accounts/{}/{path}?api-version=2021-01-01",
            self.emu.endpoint(),
            self.emu.account_id()
        );
        let created = answer(self.http.put(url).bearer_auth(&self.token).json(&body)).await;
        assert!(
            created.status < 300,
            "setting up {ours}: {} {}",
            created.status,
            created.body
        );
        self.created.insert(ours.to_owned());
    }
}

async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    Answer {
        status,
        headers,
        body,
    }
}
