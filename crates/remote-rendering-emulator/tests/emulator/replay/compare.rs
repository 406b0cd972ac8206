//! Compares one emulator answer with the recorded one: status, headers of
//! interest, then the body field by field (presence, types, value formats;
//! values only where they are not naturally different).

use serde_json::Value;

use super::ids::IdMap;
use super::recordings::Exchange;

/// One way the emulator's answer differs from the recording.
#[derive(Clone, Debug)]
pub struct Difference {
    /// `status`, `header NAME`, or the body's JSON path (`$.a.b[0]`).
    pub path: String,
    pub kind: Kind,
    pub expected: String,
    pub actual: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// In the recording, not in the answer.
    Missing,
    /// In the answer, not in the recording.
    Unexpected,
    /// In both, but different (value, type or format).
    Different,
}

/// What the emulator answered.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Headers compared for presence (both ways) and value.
const HEADERS: [&str; 8] = [
    "api-supported-versions",
    "content-type",
    "cache-control",
    "pragma",
    "mise-correlation-id",
    "retry-after",
    "location",
    "operation-location",
];

fn diff(
    path: impl Into<String>,
    kind: Kind,
    expected: impl ToString,
    actual: impl ToString,
) -> Difference {
    Difference {
        path: path.into(),
        kind,
        expected: expected.to_string(),
        actual: actual.to_string(),
    }
}

/// `22 base64 characters + ".0"`, as every MS-CV the service sent.
pub fn is_correlation_vector(value: &str) -> bool {
    value.strip_suffix(".0").is_some_and(|base| {
        base.len() == 22
            && base
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    })
}

pub fn compare(exchange: &Exchange, answer: &Answer, ids: &IdMap) -> Vec<Difference> {
    let mut out = Vec::new();
    if exchange.status != answer.status {
        out.push(diff(
            "status",
            Kind::Different,
            exchange.status,
            answer.status,
        ));
    }
    compare_headers(exchange, answer, &mut out);
    if exchange.transcribed {
        compare_body(exchange, answer, ids, &mut out);
    }
    out
}

fn compare_headers(exchange: &Exchange, answer: &Answer, out: &mut Vec<Difference>) {
    let normalize = |v: &str| v.replace(' ', "").to_ascii_lowercase();
    for name in HEADERS {
        let path = format!("header {name}");
        match (exchange.header(name), answer.header(name)) {
            (Some(e), None) => out.push(diff(path, Kind::Missing, e, "-")),
            (None, Some(a)) => out.push(diff(path, Kind::Unexpected, "-", a)),
            (Some(e), Some(a)) => {
                // Values that are per-request (correlation ids) are not compared.
                let per_request = name == "mise-correlation-id";
                if !per_request && normalize(e) != normalize(a) {
                    out.push(diff(path, Kind::Different, e, a));
                }
            }
            (None, None) => {}
        }
    }
    if exchange.header("content-length") == Some("0")
        && answer.header("content-length") != Some("0")
    {
        out.push(diff(
            "header content-length",
            Kind::Different,
            "0",
            answer.header("content-length").unwrap_or("-"),
        ));
    }
    // Facts that hold for every answer (FACTS.md, "Headers").
    match answer.header("ms-cv") {
        Some(cv) if is_correlation_vector(cv) => {}
        other => out.push(diff(
            "header ms-cv",
            Kind::Different,
            "22 base64 chars + .0",
            other.unwrap_or("-"),
        )),
    }
    if answer.header("x-content-type-options") != Some("nosniff") {
        out.push(diff(
            "header x-content-type-options",
            Kind::Missing,
            "nosniff",
            answer.header("x-content-type-options").unwrap_or("-"),
        ));
    }
}

fn compare_body(exchange: &Exchange, answer: &Answer, ids: &IdMap, out: &mut Vec<Difference>) {
    let expected = match &exchange.response_body {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(v) => Some(v),
    };
    match expected {
        None => {
            if !answer.body.is_empty() {
                out.push(diff("$", Kind::Unexpected, "(empty body)", &answer.body));
            }
        }
        Some(expected) => match serde_json::from_str::<Value>(&answer.body) {
            Ok(actual) => Walker { ids, out }.value("$", None, expected, &actual),
            Err(_) => out.push(diff("$", Kind::Different, "JSON", &answer.body)),
        },
    }
}

struct Walker<'a> {
    ids: &'a IdMap,
    out: &'a mut Vec<Difference>,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `2021-01-29T16:04:29.1569219+00:00` / `…Z`: up to 7 fractional digits and
/// the same zone designator as the recording.
fn same_time_format(expected: &str, actual: &str) -> bool {
    let zone = if expected.ends_with("+00:00") {
        "+00:00"
    } else {
        "Z"
    };
    let Some(rest) = actual.strip_suffix(zone) else {
        return false;
    };
    let (seconds, fraction) = rest.split_once('.').unwrap_or((rest, "1"));
    chrono::NaiveDateTime::parse_from_str(seconds, "%Y-%m-%dT%H:%M:%S").is_ok()
        && (1..=7).contains(&fraction.len())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// `<label>.remoterendering.vm.<domain>` (2021: `977007394-<uuid>`, 2024: `lb11`).
fn is_session_host(host: &str) -> bool {
    host.split_once(".remoterendering.vm.")
        .is_some_and(|(label, domain)| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !domain.is_empty()
        })
}

impl Walker<'_> {
    fn push(&mut self, path: &str, kind: Kind, expected: impl ToString, actual: impl ToString) {
        self.out.push(diff(path, kind, expected, actual));
    }

    fn value(&mut self, path: &str, key: Option<&str>, expected: &Value, actual: &Value) {
        if type_name(expected) != type_name(actual) {
            // A whole-number float (teraflops 0.0) and an integer are both numbers.
            let both_numbers = expected.is_number() && actual.is_number();
            if !both_numbers {
                self.push(path, Kind::Different, expected, actual);
                return;
            }
        }
        match (expected, actual) {
            (Value::Object(e), Value::Object(a)) => {
                for (k, ev) in e {
                    let child = format!("{path}.{k}");
                    match a.get(k) {
                        Some(av) => self.value(&child, Some(k), ev, av),
                        None => self.push(&child, Kind::Missing, ev, "-"),
                    }
                }
                for (k, av) in a {
                    if !e.contains_key(k) {
                        self.push(&format!("{path}.{k}"), Kind::Unexpected, "-", av);
                    }
                }
            }
            (Value::Array(e), Value::Array(a))
                if matches!(key, Some("sessions" | "conversions")) =>
            {
                self.list(path, e, a)
            }
            (Value::Array(e), Value::Array(a)) => {
                if e.len() != a.len() {
                    self.push(
                        path,
                        Kind::Different,
                        format!("{} items", e.len()),
                        format!("{} items", a.len()),
                    );
                }
                for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                    self.value(&format!("{path}[{i}]"), None, ev, av);
                }
            }
            _ => self.scalar(path, key.unwrap_or(""), expected, actual),
        }
    }

    /// List items are matched by id: the recording also lists other runs'
    /// resources, the emulator only this scenario's.
    fn list(&mut self, path: &str, expected: &[Value], actual: &[Value]) {
        for (i, item) in expected.iter().enumerate() {
            let Some(ours) = item["id"].as_str().and_then(|id| self.ids.get(id)) else {
                continue;
            };
            match actual.iter().find(|a| a["id"] == ours) {
                Some(a) => self.value(&format!("{path}[{i}]"), None, item, a),
                None => self.push(&format!("{path}[{i}]"), Kind::Missing, &item["id"], "-"),
            }
        }
    }

    fn scalar(&mut self, path: &str, key: &str, expected: &Value, actual: &Value) {
        let ok = match key {
            "id" => match expected.as_str().and_then(|e| self.ids.get(e)) {
                Some(ours) => actual.as_str() == Some(ours),
                None => actual.as_str().is_some_and(|a| !a.is_empty()),
            },
            "creationTime" => same_time_format(
                expected.as_str().unwrap_or_default(),
                actual.as_str().unwrap_or_default(),
            ),
            "hostname" => actual.as_str().is_some_and(is_session_host),
            "arrInspectorPort" | "handshakePort" => match (expected.as_i64(), actual.as_i64()) {
                (Some(0), Some(a)) => a == 0,
                (Some(_), Some(a)) => (1024..=65535).contains(&a),
                _ => false,
            },
            // Per region and year (10.6, 8.1): positive when recorded positive.
            "teraflops" => {
                let (e, a) = (
                    expected.as_f64().unwrap_or(-1.0),
                    actual.as_f64().unwrap_or(-1.0),
                );
                (e > 0.0 && a > 0.0) || (e == 0.0 && a == 0.0)
            }
            // Recorders replaced every token; ours must be a JWT.
            "AccessToken" => actual.as_str().is_some_and(|t| t.split('.').count() == 3),
            "storageContainerUri" | "outputAssetUri" => {
                actual.as_str() == expected.as_str().map(|e| self.ids.container(e)).as_deref()
            }
            _ => expected == actual,
        };
        if !ok {
            self.push(path, Kind::Different, expected, actual);
        }
    }
}
