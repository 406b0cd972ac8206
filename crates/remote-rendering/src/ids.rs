//! Validated identifiers for sessions and conversions.

use crate::error::Error;
use std::fmt;
use std::str::FromStr;

/// The longest id the service accepts.
pub const MAX_ID_LEN: usize = 256;

fn validate(field: &'static str, value: &str) -> Result<(), Error> {
    // One pass over the bytes: every allowed character is one ASCII byte,
    // so a valid id's byte length is its length in characters. The slower
    // character-wise checks below only run to word an error (ids from the
    // service are validated on every read, so this is a hot path).
    let allowed = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_';
    if !value.is_empty() && value.len() <= MAX_ID_LEN && value.bytes().all(|b| allowed(&b)) {
        return Ok(());
    }
    if value.is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    let len = value.chars().count();
    if len > MAX_ID_LEN {
        return Err(Error::validation(
            field,
            format!("is {len} characters long; at most {MAX_ID_LEN} are allowed"),
        ));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(Error::validation(
            field,
            format!("contains {bad:?}; only letters, digits, '-' and '_' are allowed"),
        ));
    }
    // Unreachable in practice (a value failing the byte check fails one of
    // the checks above), but never accept what the byte check refused.
    Err(Error::validation(
        field,
        "only letters, digits, '-' and '_' are allowed",
    ))
}

macro_rules! resource_id {
    ($(#[$doc:meta])* $name:ident, $field:literal, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Validates `value`: 1 to 256 characters, each a letter, digit, `-` or `_`.
            pub fn new(value: impl Into<String>) -> Result<Self, Error> {
                let value = value.into();
                validate($field, &value)?;
                Ok(Self(value))
            }

            /// A fresh id that is unique in practice (a prefix and a random UUID).
            pub fn generate() -> Self {
                Self(format!(concat!($prefix, "-{}"), uuid::Uuid::new_v4()))
            }

            /// The id as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;
            fn try_from(s: &str) -> Result<Self, Error> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self, Error> {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

resource_id!(
    /// A rendering session id, chosen by the client.
    ///
    /// ```
    /// use remote_rendering::SessionId;
    /// assert!(SessionId::new("my-session_1").is_ok());
    /// assert!(SessionId::new("../etc").is_err());
    /// ```
    SessionId,
    "session id",
    "session"
);

resource_id!(
    /// An asset conversion id, chosen by the client.
    ///
    /// ```
    /// use remote_rendering::ConversionId;
    /// let id = ConversionId::generate();
    /// assert!(id.as_str().starts_with("conversion-"));
    /// ```
    ConversionId,
    "conversion id",
    "conversion"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_alphabet_and_length() {
        assert!(SessionId::new("a").is_ok());
        assert!(SessionId::new("A-z_09").is_ok());
        assert!(SessionId::new("x".repeat(256)).is_ok());
    }

    #[test]
    fn rejects_everything_else_with_the_reason() {
        for bad in ["", "a b", "a/b", "..", "%2F", "é", " a", "a\n"] {
            let error = SessionId::new(bad).unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::Validation {
                        field: "session id",
                        ..
                    }
                ),
                "{bad:?}: {error}"
            );
        }
        let error = ConversionId::new("x".repeat(257)).unwrap_err().to_string();
        assert!(error.contains("257"), "{error}");
    }

    #[test]
    fn generated_ids_are_valid_and_distinct() {
        let a = SessionId::generate();
        let b = SessionId::generate();
        assert_ne!(a, b);
        assert!(SessionId::new(a.as_str()).is_ok());
    }
}
