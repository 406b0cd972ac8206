//! The Swagger files in `spec/swagger/` are twins of the upstream Azure files
//! in `../shared/specs/upstream/`: they must state exactly the same wire facts
//! (paths, methods, parameters, schemas, status codes, headers, `x-ms-*`
//! extensions, ...), while all prose (`description`, `summary`) is our own and
//! the upstream examples are left out.
//!
//! * `twins_state_the_same_facts_as_upstream` strips prose and examples from
//!   both sides and compares what is left, reporting the first differing JSON
//!   pointer.
//! * `our_prose_is_not_copied_from_upstream` checks that no description or
//!   summary repeats the upstream text (same text at the same path, or any
//!   upstream sentence of more than 8 words), and that none was dropped.
//! * The `comparator_*` tests prove the comparator itself can fail.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::Path;

use serde_json::{Map, Value};

/// Keywords holding prose: written in our own words, so not compared.
const PROSE_KEYWORDS: [&str; 2] = ["description", "summary"];

/// Keywords holding sample data: upstream examples are not shipped.
/// (`examples` is the Swagger 2.0 response-object keyword for sample bodies.)
const EXAMPLE_KEYWORDS: [&str; 4] = ["example", "x-example", "x-ms-examples", "examples"];

/// Objects whose keys are names chosen by the spec author (property names,
/// paths, status codes, header names, ...) rather than keywords. A property
/// called `description` inside `properties` is a fact and must be kept.
const NAME_MAPS: [&str; 7] = [
    "properties",
    "definitions",
    "parameters",
    "paths",
    "responses",
    "headers",
    "securityDefinitions",
];

const SKIP_MESSAGE: &str = "skipping: ../shared/specs/upstream not found";

// ---------------------------------------------------------------------------
// Comparator
// ---------------------------------------------------------------------------

/// Escapes one JSON pointer segment (RFC 6901).
fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Whether the child stored under `key` is a map of names (see [`NAME_MAPS`]).
/// Only keyword positions can open a name map; inside a name map every key is
/// a name, whatever it is spelled like.
fn child_is_name_map(key: &str, child: &Value, keys_are_names: bool) -> bool {
    !keys_are_names && child.is_object() && NAME_MAPS.contains(&key)
}

/// A copy of `value` without the keywords for which `drop` returns true.
/// `keys_are_names` says whether `value`'s own keys are names.
fn strip_keywords(value: &Value, keys_are_names: bool, drop: &dyn Fn(&str) -> bool) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, child) in map {
                if !keys_are_names && drop(key) {
                    continue;
                }
                let names = child_is_name_map(key, child, keys_are_names);
                out.insert(key.clone(), strip_keywords(child, names, drop));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| strip_keywords(item, false, drop))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The facts of a Swagger document: everything but prose and examples.
fn facts(document: &Value) -> Value {
    strip_keywords(document, false, &|key| {
        PROSE_KEYWORDS.contains(&key) || EXAMPLE_KEYWORDS.contains(&key)
    })
}

/// The first place where two JSON values differ.
#[derive(Debug, PartialEq)]
struct Difference {
    /// JSON pointer, e.g. `/paths/~1accounts~1{account_id}/get/operationId`.
    path: String,
    /// Our value there, `None` when the key or item is missing on our side.
    ours: Option<Value>,
    /// Upstream's value there, `None` when missing upstream.
    upstream: Option<Value>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn show(value: &Option<Value>) -> String {
            match value {
                None => "<missing>".to_owned(),
                Some(value) => {
                    let text = value.to_string();
                    if text.chars().count() > 300 {
                        let cut: String = text.chars().take(300).collect();
                        format!("{cut}... (truncated)")
                    } else {
                        text
                    }
                }
            }
        }
        writeln!(f, "first difference at {}", self.path)?;
        writeln!(f, "    ours:     {}", show(&self.ours))?;
        write!(f, "    upstream: {}", show(&self.upstream))
    }
}

/// Compares `ours` with `upstream` depth first and returns the first
/// difference, or `None` when they are equal. Object keys are visited in
/// the iteration order of our map (alphabetical with serde_json's default
/// map); keys only upstream has come after them.
fn first_difference(ours: &Value, upstream: &Value) -> Option<Difference> {
    let mut path = String::new();
    first_difference_at(ours, upstream, &mut path)
}

fn first_difference_at(ours: &Value, upstream: &Value, path: &mut String) -> Option<Difference> {
    match (ours, upstream) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, child) in a {
                let len = path.len();
                path.push('/');
                path.push_str(&escape_segment(key));
                let found = match b.get(key) {
                    Some(other) => first_difference_at(child, other, path),
                    None => Some(Difference {
                        path: path.clone(),
                        ours: Some(child.clone()),
                        upstream: None,
                    }),
                };
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            b.iter()
                .find(|(key, _)| !a.contains_key(*key))
                .map(|(key, other)| Difference {
                    path: format!("{path}/{}", escape_segment(key)),
                    ours: None,
                    upstream: Some(other.clone()),
                })
        }
        (Value::Array(a), Value::Array(b)) => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                let len = path.len();
                path.push_str(&format!("/{index}"));
                let found = first_difference_at(x, y, path);
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            let shared = a.len().min(b.len());
            (a.len() != b.len()).then(|| Difference {
                path: format!("{path}/{shared}"),
                ours: a.get(shared).cloned(),
                upstream: b.get(shared).cloned(),
            })
        }
        (a, b) => (a != b).then(|| Difference {
            path: if path.is_empty() {
                "/".to_owned()
            } else {
                path.clone()
            },
            ours: Some(a.clone()),
            upstream: Some(b.clone()),
        }),
    }
}

// ---------------------------------------------------------------------------
// Prose
// ---------------------------------------------------------------------------

/// Every `description` / `summary` string of a document, keyed by JSON
/// pointer. Text inside examples is not collected.
fn prose(document: &Value) -> BTreeMap<String, String> {
    fn walk(value: &Value, keys_are_names: bool, path: &str, out: &mut BTreeMap<String, String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let here = format!("{path}/{}", escape_segment(key));
                    if !keys_are_names && EXAMPLE_KEYWORDS.contains(&key.as_str()) {
                        continue;
                    }
                    if !keys_are_names
                        && PROSE_KEYWORDS.contains(&key.as_str())
                        && let Value::String(text) = child
                    {
                        out.insert(here, text.clone());
                        continue;
                    }
                    let names = child_is_name_map(key, child, keys_are_names);
                    walk(child, names, &here, out);
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    walk(item, false, &format!("{path}/{index}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk(document, false, "", &mut out);
    out
}

/// Lower case with all whitespace runs collapsed to one space.
fn normalize(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The normalized sentences of `text` having more than 8 words, without
/// their final punctuation. Sentences end at `.`, `!` or `?` followed by
/// whitespace, at line breaks, and at the end of the text.
fn long_sentences(text: &str) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let ends = c == '\n'
            || (matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|n| n.is_whitespace()));
        if c != '\n' {
            current.push(c);
        }
        if ends {
            sentences.push(std::mem::take(&mut current));
        }
    }
    sentences.push(current);
    sentences
        .iter()
        .map(|s| normalize(s).trim_end_matches(['.', '!', '?']).to_owned())
        .filter(|s| s.split(' ').count() > 8)
        .collect()
}

/// Problems with our prose compared with upstream's, one line each.
fn prose_problems(ours: &Value, upstream: &Value) -> Vec<String> {
    let our_prose = prose(ours);
    let upstream_prose = prose(upstream);
    let upstream_sentences: Vec<String> = upstream_prose
        .values()
        .flat_map(|text| long_sentences(text))
        .collect();
    let mut problems = Vec::new();
    for (path, text) in &our_prose {
        let mine = normalize(text);
        if upstream_prose
            .get(path)
            .is_some_and(|theirs| normalize(theirs) == mine)
        {
            problems.push(format!("{path}: identical to upstream: {text:?}"));
        } else if let Some(sentence) = upstream_sentences.iter().find(|s| mine.contains(*s)) {
            problems.push(format!("{path}: contains upstream sentence {sentence:?}"));
        }
    }
    for path in upstream_prose.keys() {
        if !our_prose.contains_key(path) {
            problems.push(format!("{path}: upstream has prose here, ours has none"));
        }
    }
    problems
}

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

fn load(path: &Path) -> Value {
    let text =
        fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

/// `(our file, upstream twin)` for every file in `spec/swagger/` that has an
/// upstream twin (see `VersionEntry::upstream_twin`); files of our own, such
/// as `arr-v1.json`, have none.
fn pairs(upstream_dir: &Path) -> Vec<(String, String)> {
    let entries =
        xtask::registry::entries(&workspace_tests::workspace_root()).expect("reading spec/swagger");
    entries
        .iter()
        .filter(|entry| upstream_dir.join(entry.upstream_twin()).is_file())
        .map(|entry| {
            (
                entry
                    .spec
                    .path
                    .file_name()
                    .expect("a file")
                    .to_string_lossy()
                    .into_owned(),
                entry.upstream_twin(),
            )
        })
        .collect()
}

/// The upstream API descriptions (`{channel}/{version}/mr-*.json`), relative
/// to the upstream folder, sorted.
fn upstream_api_files(upstream_dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for channel in fs::read_dir(upstream_dir).expect("reading the upstream folder") {
        let channel = channel.expect("folder entry").path();
        for version in fs::read_dir(&channel).into_iter().flatten() {
            let version = version.expect("folder entry").path();
            for file in fs::read_dir(&version).into_iter().flatten() {
                let file = file.expect("folder entry").path();
                let name = file.file_name().unwrap_or_default().to_string_lossy();
                if name.starts_with("mr-") && name.ends_with(".json") {
                    let relative = file.strip_prefix(upstream_dir).expect("inside the folder");
                    found.push(relative.to_string_lossy().into_owned());
                }
            }
        }
    }
    found.sort();
    found
}

/// `(our file name, upstream file name, our document, upstream document)`
/// for each pair, or `None` when the upstream copies are not available.
fn load_pairs() -> Option<Vec<(String, String, Value, Value)>> {
    let upstream_dir = workspace_tests::upstream_specs_dir()?;
    let ours_dir = workspace_tests::workspace_root().join("spec/swagger");
    let pairs = pairs(&upstream_dir);
    // Every upstream API description has its twin among ours.
    let mut twins: Vec<&str> = pairs
        .iter()
        .map(|(_, upstream)| upstream.as_str())
        .collect();
    twins.sort_unstable();
    assert_eq!(
        twins,
        upstream_api_files(&upstream_dir),
        "every upstream API description needs a twin in spec/swagger/"
    );
    Some(
        pairs
            .into_iter()
            .map(|(ours, upstream)| {
                let documents = (
                    load(&ours_dir.join(&ours)),
                    load(&upstream_dir.join(&upstream)),
                );
                (ours, upstream, documents.0, documents.1)
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------
// Tests against the real files
// ---------------------------------------------------------------------------

#[test]
fn twins_state_the_same_facts_as_upstream() {
    let Some(pairs) = load_pairs() else {
        println!("{SKIP_MESSAGE}");
        return;
    };
    let mut failures = Vec::new();
    for (ours_name, upstream_name, ours, upstream) in &pairs {
        if let Some(difference) = first_difference(&facts(ours), &facts(upstream)) {
            failures.push(format!(
                "spec/swagger/{ours_name} does not match upstream {upstream_name}: {difference}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n\n"));
}

#[test]
fn our_prose_is_not_copied_from_upstream() {
    let Some(pairs) = load_pairs() else {
        println!("{SKIP_MESSAGE}");
        return;
    };
    let mut failures = Vec::new();
    for (ours_name, upstream_name, ours, upstream) in &pairs {
        let problems = prose_problems(ours, upstream);
        if !problems.is_empty() {
            failures.push(format!(
                "spec/swagger/{ours_name} vs upstream {upstream_name}:\n  {}",
                problems.join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "descriptions and summaries must be our own words:\n{}\n",
        failures.join("\n")
    );
}

#[test]
fn our_files_ship_no_examples() {
    for spec in
        xtask::codegen::spec_files(&workspace_tests::workspace_root()).expect("spec/swagger")
    {
        let ours_name = spec.path.display();
        let ours = load(&workspace_tests::workspace_root().join(&spec.path));
        let without_examples = strip_keywords(&ours, false, &|key| EXAMPLE_KEYWORDS.contains(&key));
        if let Some(difference) = first_difference(&ours, &without_examples) {
            panic!("{ours_name} still holds an example keyword: {difference}");
        }
    }
}

// ---------------------------------------------------------------------------
// Tests of the comparator itself
// ---------------------------------------------------------------------------

fn sample() -> Value {
    serde_json::json!({
        "paths": {
            "/accounts/{account_id}/sessions": {
                "get": {
                    "summary": "List them.",
                    "responses": {
                        "200": {
                            "description": "A page.",
                            "schema": { "$ref": "#/definitions/sessions_list" }
                        }
                    }
                }
            }
        },
        "definitions": {
            "thing": {
                "description": "A thing.",
                "example": { "description": "sample" },
                "properties": {
                    "description": { "type": "string", "description": "Its label." },
                    "summary": { "type": "string" }
                }
            }
        },
        "parameters": {
            "description": { "name": "description", "in": "query", "type": "string", "x-example": "x" }
        }
    })
}

#[test]
fn comparator_reports_the_first_differing_path() {
    let upstream = sample();
    let mut ours = sample();
    ours["paths"]["/accounts/{account_id}/sessions"]["get"]["responses"]["200"]["schema"]["$ref"] =
        Value::from("#/definitions/session_properties");
    // Prose differences never count.
    ours["paths"]["/accounts/{account_id}/sessions"]["get"]["summary"] =
        Value::from("Something else entirely.");

    let difference = first_difference(&facts(&ours), &facts(&upstream)).expect("must differ");
    assert_eq!(
        difference,
        Difference {
            path: "/paths/~1accounts~1{account_id}~1sessions/get/responses/200/schema/$ref"
                .to_owned(),
            ours: Some(Value::from("#/definitions/session_properties")),
            upstream: Some(Value::from("#/definitions/sessions_list")),
        }
    );
    let message = difference.to_string();
    assert!(
        message.contains("/paths/~1accounts~1{account_id}~1sessions/get/responses/200/schema/$ref")
    );
    assert!(message.contains("\"#/definitions/session_properties\""));
    assert!(message.contains("\"#/definitions/sessions_list\""));
}

#[test]
fn comparator_reports_missing_keys_and_array_lengths() {
    let upstream = serde_json::json!({ "a": { "required": ["x", "y"] }, "b": 1 });
    let ours = serde_json::json!({ "a": { "required": ["x"] } });
    assert_eq!(
        first_difference(&ours, &upstream),
        Some(Difference {
            path: "/a/required/1".to_owned(),
            ours: None,
            upstream: Some(Value::from("y")),
        })
    );
    let ours = serde_json::json!({ "a": { "required": ["x", "y"] } });
    assert_eq!(
        first_difference(&ours, &upstream),
        Some(Difference {
            path: "/b".to_owned(),
            ours: None,
            upstream: Some(Value::from(1)),
        })
    );
    assert_eq!(first_difference(&upstream, &upstream), None);
}

#[test]
fn stripping_keeps_names_that_look_like_keywords() {
    let stripped = facts(&sample());
    let thing = &stripped["definitions"]["thing"];
    assert!(thing.get("description").is_none(), "keyword must go");
    assert!(thing.get("example").is_none(), "example must go");
    // Properties named like keywords are facts and stay, minus their own prose.
    assert_eq!(
        thing["properties"]["description"],
        serde_json::json!({ "type": "string" })
    );
    assert_eq!(
        thing["properties"]["summary"],
        serde_json::json!({ "type": "string" })
    );
    // A shared parameter named "description" stays, minus its x-example.
    assert_eq!(
        stripped["parameters"]["description"],
        serde_json::json!({ "name": "description", "in": "query", "type": "string" })
    );
    // A property that only differs in its name is a real difference.
    let mut renamed = sample();
    let properties = renamed["definitions"]["thing"]["properties"]
        .as_object_mut()
        .unwrap();
    let moved = properties.remove("description").unwrap();
    properties.insert("label".to_owned(), moved);
    let difference = first_difference(&facts(&renamed), &stripped).expect("must differ");
    assert!(
        difference.path == "/definitions/thing/properties/label"
            || difference.path == "/definitions/thing/properties/description",
        "unexpected path {}",
        difference.path
    );
}

#[test]
fn prose_check_catches_copies() {
    let upstream = serde_json::json!({
        "info": { "description": "The service renders models remotely. It streams the frames to any device you like." },
        "definitions": { "a": { "description": "Error code." } }
    });
    let ours = serde_json::json!({
        "info": { "description": "Remote rendering. It streams the frames to any  device you LIKE!" },
        "definitions": { "a": { "description": "error   CODE." } }
    });
    let problems = prose_problems(&ours, &upstream);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].starts_with("/definitions/a/description: identical"));
    assert!(problems[1].starts_with("/info/description: contains upstream sentence"));

    let fine = serde_json::json!({
        "info": { "description": "Renders 3D content in the cloud and sends video to clients." },
        "definitions": { "a": { "description": "Machine-readable error code." } }
    });
    assert_eq!(prose_problems(&fine, &upstream), Vec::<String>::new());

    let dropped = serde_json::json!({ "info": {}, "definitions": { "a": {} } });
    assert_eq!(prose_problems(&dropped, &upstream).len(), 2);
}
