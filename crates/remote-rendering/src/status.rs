//! The service's open enumerations (sizes and states) and its error object:
//! what both the models and the errors speak of.

use remote_rendering_rest::types as wire;
use std::fmt;

/// Defines an enum with known wire values and an `Unknown(String)` fallback,
/// so a value the service adds later never breaks deserialization.
macro_rules! open_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $wire:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A value this version of the client does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The value as the service spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(other) => other,
                }
            }

            /// The known value whose name is `name`, ignoring ASCII case
            /// (as people type it); `None` for any other text.
            pub fn known(name: &str) -> Option<Self> {
                $(if name.eq_ignore_ascii_case($wire) {
                    return Some(Self::$variant);
                })*
                None
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

open_enum!(
    /// Rendering server size.
    SessionSize {
        /// Standard server.
        Standard => "Standard",
        /// Premium server, for larger models.
        Premium => "Premium",
    }
);

open_enum!(
    /// Lifecycle state of a rendering session.
    SessionStatus {
        /// The VM is being allocated.
        Starting => "Starting",
        /// Clients can connect.
        Ready => "Ready",
        /// Shutting down after a stop (reported by API version `v1` only).
        Stopping => "Stopping",
        /// Stopped on request.
        Stopped => "Stopped",
        /// The lease ran out.
        Expired => "Expired",
        /// The session failed.
        Error => "Error",
    }
);

open_enum!(
    /// Lifecycle state of an asset conversion.
    ConversionStatus {
        /// Accepted, not yet running.
        NotStarted => "NotStarted",
        /// Converting.
        Running => "Running",
        /// The asset was written to the output container.
        Succeeded => "Succeeded",
        /// The conversion failed.
        Failed => "Failed",
        /// The conversion was cancelled.
        Cancelled => "Cancelled",
    }
);

impl SessionStatus {
    /// Whether the session will never change state again.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Stopped | Self::Expired | Self::Error)
    }
}

impl ConversionStatus {
    /// Whether the conversion will never change state again.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

/// An error object as the service reports it (in error bodies and in the
/// `error` field of failed sessions and conversions).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceErrorDetail {
    /// Machine-readable code.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Nested details.
    pub details: Vec<ServiceErrorDetail>,
    /// What the error is about.
    pub target: Option<String>,
    /// A more specific inner error.
    pub inner_error: Option<Box<ServiceErrorDetail>>,
}

impl From<wire::Error> for ServiceErrorDetail {
    fn from(e: wire::Error) -> Self {
        Self {
            code: e.code,
            message: e.message,
            details: e.details.into_iter().map(Into::into).collect(),
            target: e.target,
            inner_error: (*e.inner_error).map(|inner| Box::new(inner.into())),
        }
    }
}
