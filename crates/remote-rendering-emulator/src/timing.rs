//! Timing presets: how fast the emulated service moves.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// How long sessions and conversions take, as a whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimingPreset {
    /// Seconds instead of minutes, for tests and demos (the default).
    #[default]
    Fast,
    /// The durations the service was recorded with: sessions `Starting`
    /// for 2.5 minutes (2021: 2m33s–3m11s; 2024 Java: 2m20s), conversions
    /// 2.5 minutes (1.5–3.5 minutes recorded in 2022 and 2024).
    Realistic,
}

impl TimingPreset {
    /// Time a session spends `Starting`.
    pub fn session_startup(self) -> Duration {
        match self {
            Self::Fast => Duration::from_secs(1),
            Self::Realistic => Duration::from_secs(150),
        }
    }

    /// Time a conversion takes from creation to its final status.
    pub fn conversion_duration(self) -> Duration {
        match self {
            Self::Fast => Duration::from_secs(1),
            Self::Realistic => Duration::from_secs(150),
        }
    }
}

/// A preset name that is not `fast` or `realistic`.
#[derive(Debug, thiserror::Error)]
#[error("unknown timing preset '{0}' (expected 'fast' or 'realistic')")]
pub struct UnknownTimingPreset(String);

impl FromStr for TimingPreset {
    type Err = UnknownTimingPreset;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "fast" => Ok(Self::Fast),
            "realistic" => Ok(Self::Realistic),
            _ => Err(UnknownTimingPreset(text.to_owned())),
        }
    }
}

impl fmt::Display for TimingPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Fast => "fast",
            Self::Realistic => "realistic",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn realistic_takes_minutes() {
        let preset: TimingPreset = "realistic".parse().unwrap();
        assert!(preset.session_startup() >= Duration::from_secs(120));
        assert!(preset.conversion_duration() >= Duration::from_secs(90));
        assert!("slow".parse::<TimingPreset>().is_err());
    }
}
