//! One asset conversion and its lifecycle.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use remote_rendering_rest::types;
use serde::{Deserialize, Serialize};

use super::{SUPPORTED_INPUT_EXTENSIONS, Timing, error};

/// One asset conversion. `settings` keeps the SAS tokens; they are removed
/// whenever the conversion is shown. Serialized as is by `--data-dir`
/// persistence.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Conversion {
    pub(crate) id: String,
    pub(super) seq: u64,
    pub(crate) settings: types::ConversionSettings,
    pub(super) created_at: Duration,
    pub(super) created_wall: SystemTime,
    pub(super) forced_failure: Option<types::Error>,
    /// The real storage work, for containers the emulator can reach. Not kept by `--data-dir`:
    /// a restarted emulator derives such a conversion as a simulated one.
    #[serde(skip)]
    pub(super) storage: Option<crate::storage::Outcome>,
}

impl Conversion {
    /// `None` without real storage work or while it runs; else its result.
    pub(super) fn storage_result(&self) -> Option<Result<(), &types::Error>> {
        let done = self.storage.as_ref()?.get()?;
        Some(done.as_ref().map(|_| ()))
    }

    pub(super) fn storage_pending(&self) -> bool {
        self.storage.as_ref().is_some_and(|s| s.get().is_none())
    }

    pub(super) fn input_error(&self) -> Option<types::Error> {
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

    pub(super) fn output_asset_uri(&self) -> String {
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
pub(super) fn echoed_settings(
    mut settings: types::ConversionSettings,
) -> types::ConversionSettings {
    pub(super) fn with_slash(prefix: &mut Option<String>) {
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
