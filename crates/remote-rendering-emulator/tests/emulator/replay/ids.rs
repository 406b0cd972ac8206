//! Maps what the recorders wrote (resource ids, sanitized hosts) onto what
//! the replay sends the emulator.

use std::collections::HashMap;

/// The container URI the replay sends for a sanitized one.
const SANITIZED_CONTAINER: &str = "https://sanitized.blob.core.windows.net/test";

#[derive(Default)]
pub struct IdMap {
    ids: HashMap<String, String>,
}

impl IdMap {
    /// The emulator-side id for a recorded id (made up on first use).
    pub fn ours(&mut self, recorded: &str) -> String {
        let next = self.ids.len() + 1;
        self.ids
            .entry(recorded.to_owned())
            .or_insert_with(|| format!("replay-{next}"))
            .clone()
    }

    pub fn get(&self, recorded: &str) -> Option<&str> {
        self.ids.get(recorded).map(String::as_str)
    }

    /// A recorded container URI (or a URI under it) as the replay sent it:
    /// sanitized ones (`Sanitized`) become a placeholder account.
    pub fn container(&self, recorded: &str) -> String {
        if url::Url::parse(recorded).is_ok() {
            return recorded.to_owned();
        }
        match recorded.strip_prefix("Sanitized") {
            Some(rest) => format!("{SANITIZED_CONTAINER}{rest}"),
            None => recorded.to_owned(),
        }
    }

    /// A recorded request body with sanitized container URIs replaced.
    pub fn request_body(&self, body: &serde_json::Value) -> serde_json::Value {
        let mut body = body.clone();
        if let Some(settings) = body.get_mut("settings") {
            for location in ["inputLocation", "outputLocation"] {
                if let Some(uri) = settings
                    .get_mut(location)
                    .and_then(|l| l.get_mut("storageContainerUri"))
                    && let Some(text) = uri.as_str()
                {
                    *uri = self.container(text).into();
                }
            }
        }
        body
    }
}
