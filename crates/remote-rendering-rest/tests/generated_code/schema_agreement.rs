//! The JSON Schema each generated type derives (schemars) agrees with the
//! component schema it was generated from (`spec/openapi/*.json`): property
//! names, required properties, JSON types, enum values and nullability. A
//! hand edit of a generated type, or a generator change that loses a fact of
//! the spec, fails here.
//!
//! Both sides are reduced to a [`Shape`] holding only those facts. Three
//! mappings are by design: a property that is not required becomes an
//! `Option`, which also accepts `null`, so nullability is compared for
//! required properties, and for optional ones only where the spec says
//! `nullable`; a required but nullable property is an `Option` too, which
//! schemars lists as not required; and a schema the spec writes inline
//! (an object or enum inside a property) gets a type of its own, which is
//! compared by content.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;

/// The facts of a schema that the test compares.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    /// A named type (a `$ref`), by its Rust name.
    Named(String),
    /// A JSON type, with the string format when it is one that changes the
    /// Rust type (`date-time`, `uuid`).
    Scalar(String, Option<String>),
    Array(Box<Shape>),
    Object {
        /// Property name -> (shape, accepts null).
        properties: BTreeMap<String, (Shape, bool)>,
        required: BTreeSet<String>,
    },
    /// A string out of a fixed set.
    Enum(BTreeSet<String>),
    /// Any string except the set (the open half of an extensible enum).
    StringExcept(BTreeSet<String>),
    /// One of several shapes, in no particular order.
    OneOf(BTreeSet<Shape>),
    /// Nothing constrained.
    Any,
}

/// Maps a component name to the Rust type generated for it.
type Names = BTreeMap<String, String>;

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .collect()
}

fn string_format(value: &Value) -> Option<String> {
    value
        .get("format")
        .and_then(Value::as_str)
        .filter(|f| matches!(*f, "date-time" | "uuid"))
        .map(str::to_owned)
}

/// Reduces an OpenAPI 3.0 schema of the spec; returns (shape, nullable).
fn spec_shape(schema: &Value, names: &Names) -> (Shape, bool) {
    let nullable = schema.get("nullable") == Some(&Value::Bool(true));
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let component = reference.rsplit('/').next().unwrap_or_default();
        let name = names.get(component).cloned().unwrap_or_else(|| {
            panic!("reference to unknown component {reference}");
        });
        return (Shape::Named(name), nullable);
    }
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        return (spec_shape(only, names).0, nullable);
    }
    if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
        let shapes = variants.iter().map(|v| spec_shape(v, names).0).collect();
        return (Shape::OneOf(shapes), nullable);
    }
    (
        object_or_scalar(schema, &|s| spec_shape(s, names)),
        nullable,
    )
}

/// The part both sides spell the same way: enums, objects, arrays, scalars.
fn object_or_scalar(schema: &Value, nested: &dyn Fn(&Value) -> (Shape, bool)) -> Shape {
    if let Some(values) = schema.get("enum") {
        return Shape::Enum(strings(values));
    }
    if let Some(excluded) = schema.pointer("/not/enum") {
        return Shape::StringExcept(strings(excluded));
    }
    let declared = schema.get("type").and_then(Value::as_str);
    let implied = schema.get("properties").map(|_| "object");
    match declared.or(implied) {
        Some("object") => Shape::Object {
            properties: schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(name, property)| (name.clone(), nested(property)))
                .collect(),
            required: strings(schema.get("required").unwrap_or(&Value::Null)),
        },
        Some("array") => Shape::Array(Box::new(
            nested(schema.get("items").unwrap_or(&Value::Null)).0,
        )),
        Some(scalar) => Shape::Scalar(scalar.to_owned(), string_format(schema)),
        None => Shape::Any,
    }
}

/// What a derived schema's references resolve against.
struct Derived<'a> {
    /// schemars' `definitions` of the root schema.
    definitions: &'a Value,
    /// The Rust names of the spec's components; any other named type is one
    /// the generator made for an inline schema, compared by content.
    components: &'a BTreeSet<String>,
}

/// Reduces a schema schemars derived. Returns (shape, accepts null).
fn derived_shape(schema: &Value, definitions: &Derived<'_>) -> (Shape, bool) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or_default();
        if definitions.components.contains(name) {
            return (Shape::Named(name.to_owned()), false);
        }
        let resolved = definitions
            .definitions
            .get(name)
            .unwrap_or_else(|| panic!("no definition for {reference}"));
        return derived_shape(resolved, definitions);
    }
    // `type: ["string", "null"]`: the type without null, and nullable.
    if let Some(types) = schema.get("type").and_then(Value::as_array) {
        let nullable = types.iter().any(|t| t == "null");
        let rest: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
        let mut single = schema.clone();
        single["type"] = match rest.as_slice() {
            [one] => (*one).clone(),
            _ => Value::Array(rest.into_iter().cloned().collect()),
        };
        return (derived_shape(&single, definitions).0, nullable);
    }
    if let Some(variants) = schema.get("anyOf").and_then(Value::as_array) {
        let nullable = variants
            .iter()
            .any(|v| v.get("type") == Some(&Value::from("null")));
        let rest: Vec<&Value> = variants
            .iter()
            .filter(|v| v.get("type") != Some(&Value::from("null")))
            .collect();
        if let ([only], true) = (rest.as_slice(), nullable) {
            return (derived_shape(only, definitions).0, true);
        }
        let shapes = rest
            .iter()
            .map(|variant| derived_shape(variant, definitions).0)
            .collect();
        return (Shape::OneOf(shapes), nullable);
    }
    (
        object_or_scalar(schema, &|s| derived_shape(s, definitions)),
        false,
    )
}

/// Differences between two shapes, one per line, each prefixed with `at`.
fn compare(want: &Shape, got: &Shape, at: &str) -> Vec<String> {
    match (want, got) {
        (
            Shape::Object {
                properties: want_properties,
                required: want_required,
            },
            Shape::Object {
                properties: got_properties,
                required: got_required,
            },
        ) => {
            let mut problems =
                property_problems(want_properties, got_properties, want_required, at);
            // Required but nullable: an `Option`, which schemars does not
            // list as required.
            let want_required: BTreeSet<String> = want_required
                .iter()
                .filter(|name| !want_properties.get(*name).is_some_and(|(_, null)| *null))
                .cloned()
                .collect();
            if &want_required != got_required {
                problems.push(format!(
                    "{at}required: spec {want_required:?}, type {got_required:?}"
                ));
            }
            problems
        }
        (Shape::Array(want_items), Shape::Array(got_items)) => {
            compare(want_items, got_items, &format!("{at}items: "))
        }
        _ if want == got => Vec::new(),
        _ => vec![format!("{at}spec {want:?}, type {got:?}")],
    }
}

/// Whether two property lists agree, with the optional-means-nullable rule.
fn property_problems(
    spec: &BTreeMap<String, (Shape, bool)>,
    derived: &BTreeMap<String, (Shape, bool)>,
    required: &BTreeSet<String>,
    at: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    for name in spec.keys().chain(derived.keys()).collect::<BTreeSet<_>>() {
        match (spec.get(name), derived.get(name)) {
            (Some(_), None) => problems.push(format!("{at}property `{name}` is missing")),
            (None, Some(_)) => problems.push(format!("{at}property `{name}` is not in the spec")),
            (Some((want, want_null)), Some((got, got_null))) => {
                let inner = format!("{at}property `{name}`: ");
                problems.extend(compare(want, got, &inner));
                let null_ok = if required.contains(name) || *want_null {
                    want_null == got_null
                } else {
                    true
                };
                if !null_ok {
                    problems.push(format!(
                        "{inner}spec nullable {want_null}, type accepts null {got_null}"
                    ));
                }
            }
            (None, None) => {}
        }
    }
    problems
}

/// Differences between a component schema and a derived one, one per line.
fn problems(spec: &Value, derived: &Value, names: &Names) -> Vec<String> {
    let definitions = derived.get("definitions").cloned().unwrap_or(Value::Null);
    let components: BTreeSet<String> = names.values().cloned().collect();
    let (want, _) = spec_shape(spec, names);
    let (got, _) = derived_shape(
        derived,
        &Derived {
            definitions: &definitions,
            components: &components,
        },
    );
    compare(&want, &got, "")
}

fn openapi_document(stem: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../spec/openapi")
        .join(format!("{stem}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

#[test]
fn every_generated_type_derives_the_schema_of_its_component() {
    let cases = crate::schema_cases::cases();
    let mut names_by_spec: BTreeMap<&str, Names> = BTreeMap::new();
    for case in &cases {
        names_by_spec
            .entry(case.spec_stem)
            .or_default()
            .insert(case.component.to_owned(), case.rust_type.to_owned());
    }
    let mut documents = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        let document = documents
            .entry(case.spec_stem)
            .or_insert_with(|| openapi_document(case.spec_stem));
        let spec = document
            .pointer(&format!("/components/schemas/{}", case.component))
            .unwrap_or_else(|| panic!("{}: no component {}", case.spec_stem, case.component));
        let derived = serde_json::to_value(&case.derived).expect("a schema serializes");
        for problem in problems(spec, &derived, &names_by_spec[case.spec_stem]) {
            failures.push(format!(
                "{} {} (types::{}): {problem}",
                case.spec_stem, case.component, case.rust_type
            ));
        }
    }
    assert!(cases.len() > 20, "only {} schema cases", cases.len());
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
}

/// The comparison itself notices each kind of drift.
#[test]
fn the_comparison_catches_each_kind_of_difference() {
    let names = Names::from([("thing".to_owned(), "Thing".to_owned())]);
    let spec = serde_json::json!({
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": { "type": "string" },
            "kind": { "type": "string", "enum": ["A", "B"] },
            "note": { "type": "string", "nullable": true },
            "thing": { "$ref": "#/components/schemas/thing" }
        }
    });
    let derived = serde_json::json!({
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": { "type": "string" },
            "kind": { "type": ["string", "null"], "enum": ["A", "B"] },
            "note": { "type": ["string", "null"] },
            "thing": { "anyOf": [{ "$ref": "#/definitions/Thing" }, { "type": "null" }] }
        }
    });
    assert_eq!(problems(&spec, &derived, &names), Vec::<String>::new());

    let edit = |pointer: &str, value: Value| {
        let mut changed = derived.clone();
        *changed.pointer_mut(pointer).expect("pointer exists") = value;
        problems(&spec, &changed, &names)
    };
    let renamed = {
        let mut changed = derived.clone();
        let properties = changed["properties"].as_object_mut().unwrap();
        let id = properties.remove("id").unwrap();
        properties.insert("ident".into(), id);
        problems(&spec, &changed, &names)
    };
    assert_eq!(renamed.len(), 2, "{renamed:?}");
    assert_eq!(edit("/required", serde_json::json!([])).len(), 1);
    assert_eq!(edit("/properties/id/type", Value::from("integer")).len(), 1);
    assert_eq!(
        edit("/properties/kind/enum", serde_json::json!(["A"])).len(),
        1
    );
    assert_eq!(
        edit("/properties/note/type", Value::from("string")).len(),
        1,
        "a nullable property that no longer accepts null"
    );
    assert_eq!(
        edit("/properties/id/type", serde_json::json!(["string", "null"])).len(),
        1,
        "a required property that became nullable"
    );
}
