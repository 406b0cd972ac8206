//! Where a setting came from, so `arr config show` can say it and the
//! commands resolve settings in exactly the order it reports.

use std::fmt;

/// The origin of one setting's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag, e.g. `--account-id`.
    Flag(&'static str),
    /// An environment variable, e.g. `ARR_ACCOUNT_ID`.
    Env(&'static str),
    /// A key of the `--config` file, e.g. `accountSettings.arrAccountId`.
    ConfigFile(&'static str),
    /// Computed from another setting (named here).
    Derived(&'static str),
    /// The built-in default.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(flag) => write!(f, "flag {flag}"),
            Self::Env(var) => write!(f, "env {var}"),
            Self::ConfigFile(key) => write!(f, "config {key}"),
            Self::Derived(from) => write!(f, "derived from {from}"),
            Self::Default => f.write_str("default"),
        }
    }
}

/// A value and where it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Its origin.
    pub source: Source,
}

impl<T> Sourced<T> {
    /// `value` from `source`.
    pub fn new(value: T, source: Source) -> Self {
        Self { value, source }
    }

    /// The same origin with the value transformed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sourced<U> {
        Sourced {
            value: f(self.value),
            source: self.source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_read_as_they_are_typed() {
        assert_eq!(Source::Flag("--region").to_string(), "flag --region");
        assert_eq!(Source::Env("ARR_REGION").to_string(), "env ARR_REGION");
        assert_eq!(
            Source::ConfigFile("accountSettings.region").to_string(),
            "config accountSettings.region"
        );
        assert_eq!(Source::Default.to_string(), "default");
    }
}
