//! The recorded exchanges (`../shared/recordings/exchanges.json`), grouped
//! into scenarios (one recorded test run each).

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Map, Value};

/// One recorded request and the service's answer.
#[derive(Debug, Deserialize)]
pub struct Exchange {
    pub source: String,
    pub sdk: String,
    pub recorded: String,
    pub test: String,
    pub index: u32,
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub resource_id: Option<String>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub request_body: Option<Value>,
    pub status: u16,
    #[serde(default)]
    pub response_headers: Map<String, Value>,
    #[serde(default)]
    pub response_body: Option<Value>,
    /// `false` for a summary of several identical polls (no body).
    #[serde(default = "yes")]
    pub transcribed: bool,
    #[serde(default)]
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}

impl Exchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
    }

    pub fn is_sts(&self) -> bool {
        self.path.to_ascii_lowercase().ends_with("/token")
    }

    /// The `status` field of the recorded body (a resource's state).
    pub fn resource_status(&self) -> Option<&str> {
        self.response_body.as_ref()?.get("status")?.as_str()
    }

    /// A label for messages: `sdk recorded test #index METHOD path`.
    pub fn label(&self) -> String {
        format!(
            "{} {} {} #{} {} {}",
            self.sdk, self.recorded, self.test, self.index, self.method, self.path
        )
    }
}

/// The exchanges of one recorded test run, in order.
pub struct Scenario {
    pub exchanges: Vec<Exchange>,
}

impl Scenario {
    pub fn first(&self) -> &Exchange {
        &self.exchanges[0]
    }
}

/// Where the recordings live: `../shared` beside the workspace root.
pub fn exchanges_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/recordings/exchanges.json")
}

/// The recorded scenarios, or `None` when the file is absent.
pub fn load() -> Option<Vec<Scenario>> {
    let path = exchanges_path();
    let text = std::fs::read_to_string(&path).ok()?;
    let exchanges: Vec<Exchange> = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
    let mut scenarios: Vec<Scenario> = Vec::new();
    for exchange in exchanges {
        match scenarios
            .iter_mut()
            .find(|s| s.first().source == exchange.source)
        {
            Some(scenario) => scenario.exchanges.push(exchange),
            None => scenarios.push(Scenario {
                exchanges: vec![exchange],
            }),
        }
    }
    for scenario in &mut scenarios {
        scenario.exchanges.sort_by_key(|e| e.index);
    }
    Some(scenarios)
}
