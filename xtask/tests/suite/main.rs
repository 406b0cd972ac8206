//! The xtask's tests in one binary.
//!
//! * `convert_rules`: the Swagger 2.0 -> OpenAPI 3.0.3 converter, rule by
//!   rule (a table with one small Swagger snippet per rewrite rule in
//!   [`xtask::convert::RULES`], the rewrite it must record and what the
//!   output must hold), and that rules do not fire blindly.
//! * `convert_rejections`: inputs the converter must reject, with the exact
//!   JSON path the error names; malformed input never panics.
//! * `convert_committed`: the committed spec files convert deterministically
//!   with known rules only.
//! * `bump_drill`: adding an API version is dropping a file and running
//!   codegen.

mod bump_drill;
mod convert_committed;
mod convert_rejections;
mod convert_rules;

use serde_json::{Value, json};

/// A minimal valid Swagger 2.0 document with the given paths and definitions.
pub(crate) fn api(paths: Value, definitions: Value) -> Value {
    json!({
        "swagger": "2.0",
        "info": { "title": "Widgets", "version": "2024-01-01" },
        "host": "widgets.example.invalid",
        "schemes": ["https"],
        "paths": paths,
        "definitions": definitions
    })
}

/// `api(...)` plus extra top-level keys (replacing existing ones; a `null`
/// value removes the key).
pub(crate) fn api_with(paths: Value, definitions: Value, top_level: Value) -> Value {
    let mut doc = api(paths, definitions);
    let object = doc.as_object_mut().expect("object");
    for (key, value) in top_level.as_object().expect("object") {
        if value.is_null() {
            object.shift_remove(key);
        } else {
            object.insert(key.clone(), value.clone());
        }
    }
    doc
}

/// The required api-version query parameter, as a spec would state it.
pub(crate) fn api_version() -> Value {
    json!({ "name": "api-version", "in": "query", "required": true, "type": "string" })
}

/// A GET /widgets operation with the given parameters and responses.
pub(crate) fn get_widgets(parameters: Value, responses: Value) -> Value {
    json!({
        "/widgets": {
            "get": {
                "operationId": "ListWidgets",
                "parameters": parameters,
                "responses": responses
            }
        }
    })
}

pub(crate) fn ok_200() -> Value {
    json!({ "200": { "description": "ok" } })
}
