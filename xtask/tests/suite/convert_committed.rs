//! The committed spec files convert deterministically, with known rules only.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{Value, json};
use xtask::convert::RULES;

use crate::convert_rejections::convert_err;
use crate::convert_rules::rule_cases;
use crate::{api_version, api_with, get_widgets};

use crate::convert_rules::convert_ok;

fn committed_specs() -> Vec<(PathBuf, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(xtask::codegen::SWAGGER_DIR);
    let mut specs = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("reading spec/swagger") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) == Some("json") {
            let text = std::fs::read_to_string(&path).expect("reading spec");
            specs.push((path, serde_json::from_str(&text).expect("spec is JSON")));
        }
    }
    specs.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        !specs.is_empty(),
        "no spec files found in {}",
        dir.display()
    );
    specs
}

#[test]
fn conversion_is_deterministic() {
    let mut inputs: Vec<(String, Value)> = committed_specs()
        .into_iter()
        .map(|(p, v)| (p.display().to_string(), v))
        .collect();
    inputs.extend(
        rule_cases()
            .into_iter()
            .map(|c| (c.name.to_string(), c.input)),
    );
    for (name, input) in inputs {
        let first = convert_ok(&name, &input);
        let second = convert_ok(&name, &input.clone());
        assert_eq!(first.rewrites, second.rewrites, "{name}: rewrites differ");
        let a = serde_json::to_string_pretty(&first.document).expect("serializing");
        let b = serde_json::to_string_pretty(&second.document).expect("serializing");
        assert_eq!(a, b, "{name}: documents differ between two runs");
    }
}

/// Follows a JSON pointer through the input, stepping through local `$ref`s
/// on the way (rewrites inside inlined components are named by the place
/// of use).
fn resolve_through_refs<'a>(input: &'a Value, pointer: &str) -> Option<&'a Value> {
    let mut node = input;
    if pointer.is_empty() {
        return Some(node);
    }
    for raw in pointer.strip_prefix('/')?.split('/') {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        let mut hops = 0;
        while let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            node = input.pointer(reference.strip_prefix('#')?)?;
            hops += 1;
            if hops > 16 {
                return None;
            }
        }
        node = match node {
            Value::Object(map) => map.get(&segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

#[test]
fn resolve_through_refs_follows_references() {
    let doc = json!({ "a": { "$ref": "#/b" }, "b": { "c": [1, { "d": 2 }] } });
    assert_eq!(resolve_through_refs(&doc, "/a/c/1/d"), Some(&json!(2)));
    assert_eq!(resolve_through_refs(&doc, "/a/x"), None);
    assert_eq!(resolve_through_refs(&doc, ""), Some(&doc));
}

#[test]
fn committed_specs_convert_with_known_rules_only() {
    let known: BTreeSet<&str> = RULES.iter().map(|(name, _)| *name).collect();
    for (path, input) in committed_specs() {
        let converted = convert_ok(&path.display().to_string(), &input);
        assert!(
            !converted.rewrites.is_empty(),
            "{}: no rewrites recorded",
            path.display()
        );
        for rewrite in &converted.rewrites {
            assert!(
                known.contains(rewrite.rule),
                "{}: rewrite with unlisted rule {rewrite:?}",
                path.display()
            );
            assert!(
                rewrite.path.is_empty() || rewrite.path.starts_with('/'),
                "{}: rewrite path is not a JSON pointer: {rewrite:?}",
                path.display()
            );
            assert!(
                resolve_through_refs(&input, &rewrite.path).is_some(),
                "{}: rewrite path {} does not exist in the input",
                path.display(),
                rewrite.path
            );
        }
        converted
            .typed()
            .unwrap_or_else(|e| panic!("{}: not OpenAPI 3.0: {e}", path.display()));
    }
}

/// An unsupported construct inside an inlined `x-components` entry: the
/// error should name where it sits in the file.
#[test]
fn error_inside_an_inlined_component_names_its_place_in_the_file() {
    let input = api_with(
        get_widgets(
            json!([api_version()]),
            json!({
                "200": { "description": "ok" },
                "401": { "$ref": "#/x-components/responses/Unauthorized" }
            }),
        ),
        json!({}),
        json!({ "x-components": { "responses": { "Unauthorized": {
            "description": "no",
            "links": {}
        } } } }),
    );
    let error = convert_err("keyword inside x-components", &input);
    assert_eq!(error.path, "/x-components/responses/Unauthorized/links");
}
