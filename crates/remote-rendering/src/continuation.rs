//! Continuation tokens: what a poller needs to resume elsewhere, and what
//! kind of operation it resumes.
//!
//! A token is the Python SDK's `base64("1:{accountId}:{id}")` (standard
//! alphabet, padded) followed by one character naming the kind: `-` for a
//! session, `_` for a conversion. Neither character belongs to the standard
//! base64 alphabet, and the Python SDK decodes tokens with
//! `base64.b64decode`, which skips such characters: the Python SDK resumes
//! from this crate's tokens as from its own. Tokens without the mark (the
//! Python SDK's) are accepted for either kind, since they do not say.

use base64::Engine as _;

/// What a continuation token resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PollerKind {
    /// A rendering session's startup (`resume_session_poller`).
    Session,
    /// An asset conversion (`resume_conversion_poller`).
    Conversion,
}

impl PollerKind {
    /// `session` or `conversion`.
    pub fn as_str(self) -> &'static str {
        match self {
            PollerKind::Session => "session",
            PollerKind::Conversion => "conversion",
        }
    }

    /// The character that ends a token of this kind.
    fn mark(self) -> char {
        match self {
            PollerKind::Session => '-',
            PollerKind::Conversion => '_',
        }
    }

    fn from_mark(mark: char) -> Option<Self> {
        [PollerKind::Session, PollerKind::Conversion]
            .into_iter()
            .find(|kind| kind.mark() == mark)
    }
}

impl std::fmt::Display for PollerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A decoded continuation token (see [`decode_continuation_token`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContinuationToken {
    /// The account the operation belongs to.
    pub account_id: uuid::Uuid,
    /// The session or conversion id, not yet checked.
    pub id: String,
    /// What the token resumes; `None` for the Python SDK's tokens, which do
    /// not say.
    pub kind: Option<PollerKind>,
}

/// The token of this crate's pollers: the Python SDK's format plus the kind's mark.
pub(crate) fn encode_continuation(account: &uuid::Uuid, id: &str, kind: PollerKind) -> String {
    let mut token = base64::engine::general_purpose::STANDARD.encode(format!("1:{account}:{id}"));
    token.push(kind.mark());
    token
}

/// Decodes a poller continuation token (this crate's or the Python SDK's,
/// see the format above) into the account, the id and the kind, without
/// checking the id (the `resume_*_poller` methods do) or contacting anything.
///
/// Returns `None` for anything that is not such a token, including a bare id
/// (which `Client::resume_session_poller` / `resume_conversion_poller` also
/// accept). A pure function, exposed for fuzzing and for tools that inspect
/// stored tokens.
pub fn decode_continuation_token(token: &str) -> Option<ContinuationToken> {
    let token = token.trim();
    let (encoded, kind) = match token.chars().last().and_then(PollerKind::from_mark) {
        Some(kind) => (&token[..token.len() - 1], Some(kind)),
        None => (token, None),
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.splitn(3, ':');
    if parts.next()? != "1" {
        return None;
    }
    let account_id = uuid::Uuid::parse_str(parts.next()?).ok()?;
    let id = parts.next()?.to_string();
    Some(ContinuationToken {
        account_id,
        id,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_with_their_kind() {
        let account = uuid::Uuid::new_v4();
        for kind in [PollerKind::Session, PollerKind::Conversion] {
            let token = encode_continuation(&account, "my-id", kind);
            assert_eq!(
                decode_continuation_token(&token),
                Some(ContinuationToken {
                    account_id: account,
                    id: "my-id".into(),
                    kind: Some(kind),
                })
            );
        }
    }

    #[test]
    fn python_tokens_have_no_kind() {
        let account = uuid::Uuid::new_v4();
        let python = base64::engine::general_purpose::STANDARD.encode(format!("1:{account}:s"));
        let decoded = decode_continuation_token(&python).unwrap();
        assert_eq!((decoded.id.as_str(), decoded.kind), ("s", None));
        // This crate's token is Python's plus one mark.
        let ours = encode_continuation(&account, "s", PollerKind::Session);
        assert_eq!(ours, format!("{python}-"));
    }

    #[test]
    fn tokens_reject_garbage() {
        let engine = base64::engine::general_purpose::STANDARD;
        for token in [
            "".to_string(),
            "-".to_string(),
            "not base64 !".to_string(),
            engine.encode("2:00000000-0000-0000-0000-000000000000:x"),
            engine.encode("1:not-a-uuid:x"),
            engine.encode("1:00000000-0000-0000-0000-000000000000"),
            engine.encode([0xff, 0xfe]),
            engine.encode("1:00000000-0000-0000-0000-000000000000:x") + "--",
            engine.encode("1:00000000-0000-0000-0000-000000000000:x") + "-_",
        ] {
            assert_eq!(decode_continuation_token(&token), None, "{token}");
        }
    }
}
