//! `cargo xtask codegen --diff OLD NEW`: what changed between two versions'
//! generated surfaces, one line per change, for the reviewer of a bump.
//!
//! It works on the surface listings ([`crate::surface`]): each operation and
//! type is an entry, each parameter, body, result, field or enum variant a
//! member of one. An entry added or removed is one line (its members come
//! with it); a member added, removed or changed is one line.

use std::collections::BTreeMap;

/// One entry of a listing: its header text and members by key.
#[derive(Debug, Default, PartialEq)]
struct Entry {
    /// What follows the entry's name on its header line.
    header: String,
    /// Member key -> member value (both without indentation).
    members: BTreeMap<String, String>,
    /// What a member is called in the output (`field`, `variant`, ...).
    member_kind: &'static str,
}

/// Splits an entry header line (`op id...` or `type Name...`) into
/// (`op id` / `type Name`, rest).
fn split_header(line: &str) -> (String, String) {
    let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (
        format!("{kind} {}", &rest[..end]),
        rest[end..].trim_start_matches(':').trim().to_string(),
    )
}

/// Splits a member line into (key, value). Operation members are keyed by
/// their first word (`param` also by its name); type members by the part
/// before `: ` (a field's names), or whole (an enum variant).
fn split_member(entry_name: &str, line: &str) -> (String, String) {
    if entry_name.starts_with("op ") {
        let mut words = line.splitn(3, ' ');
        let first = words.next().unwrap_or_default();
        if first == "param" {
            let name = words.next().unwrap_or_default();
            let rest = words.next().unwrap_or_default();
            return (format!("param {name}"), rest.to_string());
        }
        let rest = line[first.len()..].trim().to_string();
        return (first.to_string(), rest);
    }
    match line.split_once(": ") {
        Some((key, value)) => (key.to_string(), value.to_string()),
        None => (line.to_string(), String::new()),
    }
}

/// Parses a listing into entries by name; the first line (module, title,
/// version) is not part of the surface and is skipped.
fn entries(listing: &str) -> BTreeMap<String, Entry> {
    let mut out: BTreeMap<String, Entry> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in listing.lines().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        if let Some(member) = line.strip_prefix("  ") {
            let Some(name) = &current else { continue };
            let (key, value) = split_member(name, member);
            if let Some(entry) = out.get_mut(name) {
                entry.members.insert(key, value);
            }
            continue;
        }
        let (name, header) = split_header(line);
        let member_kind = if name.starts_with("op ") {
            ""
        } else if header.starts_with("(enum)") {
            "variant "
        } else {
            "field "
        };
        out.insert(
            name.clone(),
            Entry {
                header,
                members: BTreeMap::new(),
                member_kind,
            },
        );
        current = Some(name);
    }
    out
}

fn with_value(key: &str, value: &str) -> String {
    if value.is_empty() {
        key.to_string()
    } else {
        format!("{key}: {value}")
    }
}

/// The changes from listing `old` to listing `new`, one line each:
/// `+ ...` added, `- ...` removed, `~ ...: old -> new` changed.
pub fn diff(old: &str, new: &str) -> Vec<String> {
    let old = entries(old);
    let new = entries(new);
    let mut lines = Vec::new();
    for (name, before) in &old {
        let Some(after) = new.get(name) else {
            lines.push(format!("- {}", with_value(name, &before.header)));
            continue;
        };
        if before.header != after.header {
            lines.push(format!("~ {name}: {} -> {}", before.header, after.header));
        }
        let kind = after.member_kind;
        for (key, value) in &before.members {
            match after.members.get(key) {
                None => lines.push(format!("- {name} {kind}{}", with_value(key, value))),
                Some(now) if now != value => {
                    lines.push(format!("~ {name} {kind}{key}: {value} -> {now}"))
                }
                Some(_) => {}
            }
        }
        for (key, value) in &after.members {
            if !before.members.contains_key(key) {
                lines.push(format!("+ {name} {kind}{}", with_value(key, value)));
            }
        }
    }
    for (name, after) in &new {
        if !old.contains_key(name) {
            lines.push(format!("+ {}", with_value(name, &after.header)));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::diff;

    const OLD: &str = "m: T 1\n\n\
        op Get (G_Get): GET /things/{id}\n  param id (path, required)\n  ok types::Thing <- 200\n\
        op Gone: DELETE /things/{id}\n  ok () <- 204\n\n\
        type Status (enum)\n  Ready\n  Failed\n\
        type Thing\n  id: String\n  size: Option<i64>\n";

    #[test]
    fn identical_listings_have_no_changes() {
        assert_eq!(diff(OLD, OLD), Vec::<String>::new());
    }

    #[test]
    fn the_header_line_is_not_part_of_the_surface() {
        let renamed = OLD.replacen("m: T 1", "other: T 2", 1);
        assert_eq!(diff(OLD, &renamed), Vec::<String>::new());
    }

    #[test]
    fn each_kind_of_change_is_one_line() {
        let new = "m: T 2\n\n\
            op Get (G_Get): GET /things/{id}\n  param id (path, required)\n  param expand (query)\n  ok types::Thing <- 200, 203\n\
            op Put: PUT /things/{id}\n  body (required)\n\n\
            type Status (enum)\n  Ready\n  Stopped\n\
            type Thing\n  id: String\n  size: Option<f64>\n  label \"Label\": Option<String>\n\
            type Extra\n  a: String\n";
        assert_eq!(
            diff(OLD, new),
            vec![
                "~ op Get ok: types::Thing <- 200 -> types::Thing <- 200, 203",
                "+ op Get param expand: (query)",
                "- op Gone: DELETE /things/{id}",
                "- type Status variant Failed",
                "+ type Status variant Stopped",
                "~ type Thing field size: Option<i64> -> Option<f64>",
                "+ type Thing field label \"Label\": Option<String>",
                "+ op Put: PUT /things/{id}",
                "+ type Extra",
            ]
        );
    }
}
