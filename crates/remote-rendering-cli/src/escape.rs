//! Server-supplied text (hostnames, ids, error messages, statuses) on a
//! terminal: control characters could clear the screen, move the cursor or
//! forge lines (CR/LF), and bidirectional overrides could reorder what is
//! shown. Every human-readable output passes through [`escape_controls`];
//! JSON output needs nothing (serde escapes control characters).

use std::borrow::Cow;

/// `text` with control characters and bidirectional formatting characters
/// replaced by visible escapes (`\n`, `\u{1b}`), unchanged when it has none.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible_and_plain_text_is_untouched() {
        assert_eq!(escape_controls("host.example"), "host.example");
        assert_eq!(escape_controls("ünïcode ✓"), "ünïcode ✓");
        assert_eq!(escape_controls("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape_controls("line\r\nforged"), "line\\r\\nforged");
        assert_eq!(escape_controls("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(escape_controls("a\u{202e}b"), "a\\u{202e}b");
        assert!(!escape_controls("\x07\x7f").chars().any(char::is_control));
    }
}
