//! The Swagger 2.0 -> OpenAPI 3.0.3 converter, rule by rule.
//!
//! * `rewrite_rules` is a table: one small Swagger snippet per rewrite rule in
//!   [`xtask::convert::RULES`], the rewrite it must record (rule + JSON path)
//!   and what the OpenAPI output must hold at given JSON pointers.
//! * `unsupported_constructs` is a table of inputs the converter must reject,
//!   with the exact JSON path the error names.
//! * The rest: every rule has a case, malformed input never panics, and
//!   conversion is deterministic.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{Value, json};
use xtask::convert::{self, ConvertError, Converted, RULES};

/// A minimal valid Swagger 2.0 document with the given paths and definitions.
fn api(paths: Value, definitions: Value) -> Value {
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
fn api_with(paths: Value, definitions: Value, top_level: Value) -> Value {
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
fn api_version() -> Value {
    json!({ "name": "api-version", "in": "query", "required": true, "type": "string" })
}

/// A GET /widgets operation with the given parameters and responses.
fn get_widgets(parameters: Value, responses: Value) -> Value {
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

fn ok_200() -> Value {
    json!({ "200": { "description": "ok" } })
}

/// One row of the rewrite table.
struct RuleCase {
    /// A label for failure messages.
    name: &'static str,
    input: Value,
    /// The rule expected among the recorded rewrites ...
    rule: &'static str,
    /// ... at this JSON path of the input.
    rewrite_path: &'static str,
    /// `(pointer into the output, expected value)`; `None` = must be absent.
    expect: Vec<(&'static str, Option<Value>)>,
}

fn rule_cases() -> Vec<RuleCase> {
    vec![
        RuleCase {
            name: "x-ms-parameterized-host becomes the server; the host parameter is no operation parameter",
            input: api_with(
                get_widgets(json!([api_version()]), ok_200()),
                json!({}),
                json!({
                    "host": null,
                    "x-ms-parameterized-host": {
                        "hostTemplate": "{endpoint}",
                        "useSchemePrefix": false,
                        "parameters": [{ "$ref": "#/parameters/Endpoint" }]
                    },
                    "parameters": {
                        "Endpoint": {
                            "name": "endpoint",
                            "in": "path",
                            "required": true,
                            "type": "string",
                            "x-ms-parameter-location": "client",
                            "x-ms-skip-url-encoding": true
                        }
                    }
                }),
            ),
            rule: "parameterized-host",
            rewrite_path: "/x-ms-parameterized-host",
            expect: vec![
                (
                    "/servers",
                    Some(
                        json!([{ "url": "{endpoint}", "variables": { "endpoint": { "default": "" } } }]),
                    ),
                ),
                ("/components/parameters", None),
                ("/x-ms-parameterized-host", None),
                ("/paths/~1widgets/get/parameters/1", None),
            ],
        },
        RuleCase {
            name: "a fixed host and basePath become the server URL",
            input: api_with(
                get_widgets(json!([api_version()]), ok_200()),
                json!({}),
                json!({ "basePath": "/v1/", "schemes": ["https", "http"] }),
            ),
            rule: "parameterized-host",
            rewrite_path: "/host",
            expect: vec![(
                "/servers",
                Some(json!([{ "url": "https://widgets.example.invalid/v1" }])),
            )],
        },
        RuleCase {
            name: "the Group_ prefix of an operationId is dropped and the original kept",
            input: api(
                json!({ "/widgets": { "get": {
                    "operationId": "Widgets_List",
                    "parameters": [api_version()],
                    "responses": ok_200()
                } } }),
                json!({}),
            ),
            rule: "operation-id",
            rewrite_path: "/paths/~1widgets/get/operationId",
            expect: vec![
                ("/paths/~1widgets/get/operationId", Some(json!("List"))),
                (
                    "/paths/~1widgets/get/x-ms-original-operation-id",
                    Some(json!("Widgets_List")),
                ),
            ],
        },
        RuleCase {
            name: "a missing api-version becomes a required query parameter, first",
            input: api(
                get_widgets(
                    json!([{ "name": "top", "in": "query", "type": "integer" }]),
                    ok_200(),
                ),
                json!({}),
            ),
            rule: "api-version-added",
            rewrite_path: "/paths/~1widgets/get",
            expect: vec![
                (
                    "/paths/~1widgets/get/parameters/0",
                    Some(json!({
                        "name": "api-version",
                        "in": "query",
                        "required": true,
                        "description": "Version of the API to call.",
                        "schema": { "type": "string" }
                    })),
                ),
                ("/paths/~1widgets/get/parameters/1/name", Some(json!("top"))),
            ],
        },
        RuleCase {
            name: "an in: body parameter becomes the requestBody",
            input: api(
                json!({ "/widgets": { "put": {
                    "operationId": "PutWidget",
                    "parameters": [
                        api_version(),
                        { "name": "widget", "in": "body", "required": true,
                          "description": "the widget", "schema": { "$ref": "#/definitions/Widget" } }
                    ],
                    "responses": ok_200()
                } } }),
                json!({ "Widget": { "type": "object", "properties": { "id": { "type": "string" } } } }),
            ),
            rule: "body-parameter",
            rewrite_path: "/paths/~1widgets/put/parameters/1",
            expect: vec![
                (
                    "/paths/~1widgets/put/requestBody",
                    Some(json!({
                        "description": "the widget",
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Widget" } } },
                        "required": true,
                        "x-ms-requestBody-name": "widget"
                    })),
                ),
                ("/paths/~1widgets/put/parameters/1", None),
            ],
        },
        RuleCase {
            name: "$ref with readOnly beside it is wrapped in allOf",
            input: api(
                json!({}),
                json!({
                    "Inner": { "type": "object" },
                    "Widget": { "type": "object", "properties": {
                        "inner": { "$ref": "#/definitions/Inner", "readOnly": true, "description": "d" }
                    } }
                }),
            ),
            rule: "ref-siblings",
            rewrite_path: "/definitions/Widget/properties/inner",
            expect: vec![(
                "/components/schemas/Widget/properties/inner",
                Some(json!({
                    "allOf": [{ "$ref": "#/components/schemas/Inner" }],
                    "description": "d",
                    "readOnly": true
                })),
            )],
        },
        RuleCase {
            name: "x-nullable on a plain schema becomes nullable",
            input: api(
                json!({}),
                json!({ "Widget": { "type": "object", "properties": {
                    "name": { "type": "string", "x-nullable": true }
                } } }),
            ),
            rule: "x-nullable",
            rewrite_path: "/definitions/Widget/properties/name",
            expect: vec![(
                "/components/schemas/Widget/properties/name",
                Some(json!({ "type": "string", "nullable": true })),
            )],
        },
        RuleCase {
            name: "x-nullable beside a $ref becomes a nullable allOf",
            input: api(
                json!({}),
                json!({
                    "Inner": { "type": "object" },
                    "Widget": { "type": "object", "properties": {
                        "inner": { "$ref": "#/definitions/Inner", "type": "object", "x-nullable": true }
                    } }
                }),
            ),
            rule: "x-nullable",
            rewrite_path: "/definitions/Widget/properties/inner",
            expect: vec![(
                "/components/schemas/Widget/properties/inner",
                Some(
                    json!({ "allOf": [{ "$ref": "#/components/schemas/Inner" }], "nullable": true }),
                ),
            )],
        },
        RuleCase {
            name: "a modelAsString enum definition becomes oneOf [known values, any other string]",
            input: api(
                json!({}),
                json!({ "widget_kind": {
                    "type": "string",
                    "description": "kind",
                    "enum": ["Round", "Square"],
                    "x-ms-enum": { "name": "widget_kind", "modelAsString": true }
                } }),
            ),
            rule: "extensible-enum",
            rewrite_path: "/definitions/widget_kind",
            expect: vec![
                (
                    "/components/schemas/widget_kind/oneOf",
                    Some(json!([
                        { "title": "WidgetKindKnown", "type": "string", "enum": ["Round", "Square"] },
                        { "title": "WidgetKindOther", "type": "string", "not": { "enum": ["Round", "Square"] } }
                    ])),
                ),
                (
                    "/components/schemas/widget_kind/description",
                    Some(json!("kind")),
                ),
                ("/components/schemas/widget_kind/enum", None),
                ("/components/schemas/widget_kind/type", None),
            ],
        },
        RuleCase {
            name: "an inline modelAsString enum is named after x-ms-enum.name",
            input: api(
                json!({}),
                json!({ "Widget": { "type": "object", "properties": {
                    "shade": {
                        "type": "string",
                        "enum": ["Light", "Dark"],
                        "x-ms-enum": { "name": "shade_kind", "modelAsString": true }
                    }
                } } }),
            ),
            rule: "extensible-enum",
            rewrite_path: "/definitions/Widget/properties/shade",
            expect: vec![(
                "/components/schemas/Widget/properties/shade/oneOf",
                Some(json!([
                    { "title": "ShadeKindKnown", "type": "string", "enum": ["Light", "Dark"] },
                    { "title": "ShadeKindOther", "type": "string", "not": { "enum": ["Light", "Dark"] } }
                ])),
            )],
        },
        RuleCase {
            name: "error responses are raw (*/*), keeping the error schema and headers",
            input: api(
                get_widgets(
                    json!([api_version()]),
                    json!({
                        "200": { "description": "ok", "schema": { "$ref": "#/definitions/Widget" } },
                        "404": { "description": "gone", "schema": { "$ref": "#/definitions/ErrorResponse" } },
                        "429": { "description": "slow down", "headers": {
                            "Retry-After": { "type": "integer" },
                            "MS-CV": { "type": "string" }
                        } }
                    }),
                ),
                json!({
                    "Widget": { "type": "object" },
                    "ErrorResponse": { "type": "object" }
                }),
            ),
            rule: "error-responses-raw",
            rewrite_path: "/paths/~1widgets/get/responses",
            expect: vec![
                (
                    "/paths/~1widgets/get/responses/200/content",
                    Some(
                        json!({ "application/json": { "schema": { "$ref": "#/components/schemas/Widget" } } }),
                    ),
                ),
                (
                    "/paths/~1widgets/get/responses/404",
                    Some(json!({
                        "description": "gone",
                        "x-ms-error-schema": "#/components/schemas/ErrorResponse",
                        "content": { "*/*": { "schema": { "$ref": "#/components/schemas/ErrorResponse" } } }
                    })),
                ),
                (
                    "/paths/~1widgets/get/responses/429",
                    Some(json!({
                        "description": "slow down",
                        "headers": {
                            "Retry-After": { "schema": { "type": "integer" } },
                            "MS-CV": { "schema": { "type": "string" } }
                        },
                        "content": { "*/*": {} }
                    })),
                ),
            ],
        },
        RuleCase {
            name: "a default response becomes explicit 4XX and 5XX",
            input: api(
                get_widgets(
                    json!([api_version()]),
                    json!({
                        "200": { "description": "ok" },
                        "default": { "description": "failed", "schema": { "$ref": "#/definitions/ErrorResponse" } }
                    }),
                ),
                json!({ "ErrorResponse": { "type": "object" } }),
            ),
            rule: "default-response",
            rewrite_path: "/paths/~1widgets/get/responses/default",
            expect: vec![
                ("/paths/~1widgets/get/responses/default", None),
                (
                    "/paths/~1widgets/get/responses/4XX",
                    Some(json!({
                        "description": "failed",
                        "x-ms-error-schema": "#/components/schemas/ErrorResponse",
                        "content": { "*/*": { "schema": { "$ref": "#/components/schemas/ErrorResponse" } } }
                    })),
                ),
                (
                    "/paths/~1widgets/get/responses/5XX/x-ms-error-schema",
                    Some(json!("#/components/schemas/ErrorResponse")),
                ),
            ],
        },
        RuleCase {
            name: "references into x-components are inlined (responses and their headers)",
            input: api_with(
                get_widgets(
                    json!([api_version()]),
                    json!({
                        "200": { "description": "ok" },
                        "401": { "$ref": "#/x-components/responses/Unauthorized" }
                    }),
                ),
                json!({}),
                json!({ "x-components": {
                    "responses": { "Unauthorized": {
                        "description": "no",
                        "headers": {
                            "MS-CV": { "$ref": "#/x-components/headers/mscv" },
                            "WWW-Authenticate": { "type": "string" }
                        }
                    } },
                    "headers": { "mscv": { "type": "string", "description": "cv" } }
                } }),
            ),
            rule: "inline-component-ref",
            rewrite_path: "/paths/~1widgets/get/responses/401",
            expect: vec![
                (
                    "/paths/~1widgets/get/responses/401",
                    Some(json!({
                        "description": "no",
                        "headers": {
                            "MS-CV": { "description": "cv", "schema": { "type": "string" } },
                            "WWW-Authenticate": { "schema": { "type": "string" } }
                        },
                        "content": { "*/*": {} }
                    })),
                ),
                ("/x-components", None),
            ],
        },
        RuleCase {
            name: "a parameter reference into x-components is inlined",
            input: api_with(
                json!({ "/widgets/{id}": { "get": {
                    "operationId": "GetWidget",
                    "parameters": [api_version(), { "$ref": "#/x-components/parameters/id" }],
                    "responses": ok_200()
                } } }),
                json!({}),
                json!({ "x-components": { "parameters": { "id": {
                    "name": "id", "in": "path", "required": true, "type": "string"
                } } } }),
            ),
            rule: "inline-component-ref",
            rewrite_path: "/paths/~1widgets~1{id}/get/parameters/1",
            expect: vec![(
                "/paths/~1widgets~1{id}/get/parameters/1",
                Some(
                    json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }),
                ),
            )],
        },
        RuleCase {
            name: "x-ms-pageable nextLinkName differing in case is corrected to the property",
            input: api(
                json!({ "/widgets": { "get": {
                    "operationId": "ListWidgets",
                    "parameters": [api_version()],
                    "x-ms-pageable": { "nextLinkName": "@nextlink", "itemName": "widgets" },
                    "responses": { "200": { "description": "ok", "schema": { "$ref": "#/definitions/WidgetList" } } }
                } } }),
                json!({ "WidgetList": { "type": "object", "properties": {
                    "widgets": { "type": "array", "items": { "type": "string" } },
                    "@nextLink": { "type": "string" }
                } } }),
            ),
            rule: "pageable-next-link",
            rewrite_path: "/paths/~1widgets/get/x-ms-pageable/nextLinkName",
            expect: vec![(
                "/paths/~1widgets/get/x-ms-pageable",
                Some(json!({ "nextLinkName": "@nextLink", "itemName": "widgets" })),
            )],
        },
        RuleCase {
            name: "response examples are dropped",
            input: api(
                get_widgets(
                    json!([api_version()]),
                    json!({ "200": {
                        "description": "ok",
                        "schema": { "type": "string" },
                        "examples": { "application/json": "round" }
                    } }),
                ),
                json!({}),
            ),
            rule: "response-examples",
            rewrite_path: "/paths/~1widgets/get/responses/200/examples",
            expect: vec![(
                "/paths/~1widgets/get/responses/200",
                Some(json!({
                    "description": "ok",
                    "content": { "application/json": { "schema": { "type": "string" } } }
                })),
            )],
        },
        RuleCase {
            name: "operation x-ms-examples are dropped",
            input: api(
                json!({ "/widgets": { "get": {
                    "operationId": "ListWidgets",
                    "parameters": [api_version()],
                    "x-ms-examples": { "list": { "$ref": "./examples/list.json" } },
                    "responses": ok_200()
                } } }),
                json!({}),
            ),
            rule: "response-examples",
            rewrite_path: "/paths/~1widgets/get/x-ms-examples",
            expect: vec![("/paths/~1widgets/get/x-ms-examples", None)],
        },
        RuleCase {
            name: "a path-versioned document (x-api-version-parameter: none) gets no api-version",
            input: api_with(
                get_widgets(
                    json!([{ "name": "top", "in": "query", "type": "integer" }]),
                    ok_200(),
                ),
                json!({}),
                json!({ "x-api-version-parameter": "none" }),
            ),
            rule: "api-version-none",
            rewrite_path: "/x-api-version-parameter",
            expect: vec![
                ("/paths/~1widgets/get/parameters/0/name", Some(json!("top"))),
                ("/paths/~1widgets/get/parameters/1", None),
                ("/x-api-version-parameter", Some(json!("none"))),
            ],
        },
    ]
}

fn convert_ok(name: &str, input: &Value) -> Converted {
    convert::convert(input).unwrap_or_else(|e| panic!("case `{name}`: conversion failed: {e}"))
}

#[test]
fn rewrite_rules() {
    for case in rule_cases() {
        let converted = convert_ok(case.name, &case.input);
        assert!(
            converted
                .rewrites
                .iter()
                .any(|r| r.rule == case.rule && r.path == case.rewrite_path),
            "case `{}`: no `{}` rewrite at {}; recorded: {:#?}",
            case.name,
            case.rule,
            case.rewrite_path,
            converted.rewrites
        );
        for (pointer, expected) in &case.expect {
            assert_eq!(
                converted.document.pointer(pointer),
                expected.as_ref(),
                "case `{}`: output at {pointer}; whole output:\n{:#}",
                case.name,
                converted.document
            );
        }
        // Whatever the rewrites did, progenitor's input type must accept it.
        converted
            .typed()
            .unwrap_or_else(|e| panic!("case `{}`: not OpenAPI 3.0: {e}", case.name));
        assert_eq!(
            converted.document["openapi"],
            json!("3.0.3"),
            "case `{}`",
            case.name
        );
    }
}

#[test]
fn every_rule_has_a_case() {
    let covered: BTreeSet<&str> = rule_cases().iter().map(|c| c.rule).collect();
    let rules: BTreeSet<&str> = RULES.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        covered, rules,
        "each rule in xtask::convert::RULES needs a case in rule_cases(), and each case a rule"
    );
}

/// Inputs that need no rewrite record none (the rules do not fire blindly).
#[test]
fn rules_stay_quiet_when_nothing_needs_rewriting() {
    let input = api(
        json!({ "/widgets": { "get": {
            "operationId": "ListWidgets",
            "parameters": [api_version()],
            "responses": { "200": { "description": "ok", "schema": { "$ref": "#/definitions/Widget" } } }
        } } }),
        json!({ "Widget": { "type": "object", "properties": {
            "kind": { "type": "string", "enum": ["A", "B"], "x-ms-enum": { "name": "kind", "modelAsString": false } },
            "inner": { "$ref": "#/definitions/Inner", "description": "only prose beside the ref" }
        } }, "Inner": { "type": "object" } }),
    );
    let converted = convert_ok("quiet", &input);
    let rules: Vec<&str> = converted.rewrites.iter().map(|r| r.rule).collect();
    assert_eq!(
        rules,
        vec!["parameterized-host"],
        "{:#?}",
        converted.rewrites
    );
    let widget = &converted.document["components"]["schemas"]["Widget"]["properties"];
    assert_eq!(
        widget["kind"],
        json!({ "type": "string", "enum": ["A", "B"], "x-ms-enum": { "name": "kind", "modelAsString": false } })
    );
    assert_eq!(
        widget["inner"],
        json!({ "$ref": "#/components/schemas/Inner" })
    );
    assert_eq!(
        converted.document["paths"]["/widgets"]["get"]["operationId"],
        json!("ListWidgets")
    );
}

/// One input the converter must reject, and where.
struct Unsupported {
    name: &'static str,
    input: Value,
    path: &'static str,
}

fn unsupported_cases() -> Vec<Unsupported> {
    vec![
        Unsupported {
            name: "swagger 3.0 is not Swagger 2.0",
            input: api_with(json!({}), json!({}), json!({ "swagger": "3.0" })),
            path: "/swagger",
        },
        Unsupported {
            name: "no swagger version at all",
            input: api_with(json!({}), json!({}), json!({ "swagger": null })),
            path: "/swagger",
        },
        Unsupported {
            name: "x-api-version-parameter with an unknown value",
            input: api_with(
                json!({}),
                json!({}),
                json!({ "x-api-version-parameter": "header" }),
            ),
            path: "/x-api-version-parameter",
        },
        Unsupported {
            name: "an api-version parameter in a document that declares none",
            input: api_with(
                get_widgets(json!([api_version()]), ok_200()),
                json!({}),
                json!({ "x-api-version-parameter": "none" }),
            ),
            path: "/paths/~1widgets/get/parameters/0",
        },
        Unsupported {
            name: "an unknown top-level keyword",
            input: api_with(json!({}), json!({}), json!({ "webhooks": {} })),
            path: "/webhooks",
        },
        Unsupported {
            name: "in: formData",
            input: api(
                json!({ "/widgets": { "post": {
                    "operationId": "Upload",
                    "parameters": [api_version(), { "name": "file", "in": "formData", "type": "string" }],
                    "responses": ok_200()
                } } }),
                json!({}),
            ),
            path: "/paths/~1widgets/post/parameters/1/in",
        },
        Unsupported {
            name: "collectionFormat",
            input: api(
                get_widgets(
                    json!([api_version(), {
                        "name": "ids", "in": "query", "type": "array",
                        "items": { "type": "string" }, "collectionFormat": "csv"
                    }]),
                    ok_200(),
                ),
                json!({}),
            ),
            path: "/paths/~1widgets/get/parameters/1/collectionFormat",
        },
        Unsupported {
            name: "collectionFormat in a path-level shared parameter",
            input: api(
                json!({ "/widgets": {
                    "parameters": [{
                        "name": "ids", "in": "query", "type": "array",
                        "items": { "type": "string" }, "collectionFormat": "multi"
                    }],
                    "get": { "operationId": "ListWidgets", "parameters": [api_version()], "responses": ok_200() }
                } }),
                json!({}),
            ),
            path: "/paths/~1widgets/parameters/0/collectionFormat",
        },
        Unsupported {
            name: "an unknown schema keyword",
            input: api(
                json!({}),
                json!({ "Widget": { "type": "object", "discriminator": "kind" } }),
            ),
            path: "/definitions/Widget/discriminator",
        },
        Unsupported {
            name: "an unknown schema keyword deep in properties/items",
            input: api(
                json!({}),
                json!({ "Widget": { "type": "object", "properties": {
                    "tags": { "type": "array", "items": { "type": "string", "xml": { "name": "tag" } } }
                } } }),
            ),
            path: "/definitions/Widget/properties/tags/items/xml",
        },
        Unsupported {
            name: "a keyword beside $ref that OpenAPI 3.0 would ignore",
            input: api(
                json!({}),
                json!({ "Inner": { "type": "object" }, "Widget": { "type": "object", "properties": {
                    "inner": { "$ref": "#/definitions/Inner", "format": "uuid" }
                } } }),
            ),
            path: "/definitions/Widget/properties/inner/format",
        },
        Unsupported {
            name: "a schema $ref into another file",
            input: api(
                json!({}),
                json!({ "Widget": { "type": "object", "properties": {
                    "error": { "$ref": "../common/types.json#/definitions/ErrorResponse" }
                } } }),
            ),
            path: "/definitions/Widget/properties/error/$ref",
        },
        Unsupported {
            name: "a parameter $ref into another file",
            input: api(
                get_widgets(
                    json!([{ "$ref": "../common/parameters.json#/parameters/ApiVersion" }]),
                    ok_200(),
                ),
                json!({}),
            ),
            path: "/paths/~1widgets/get/parameters/0/$ref",
        },
        Unsupported {
            name: "a response $ref into another file",
            input: api(
                get_widgets(
                    json!([api_version()]),
                    json!({ "200": { "description": "ok" }, "500": { "$ref": "common.json#/responses/Error" } }),
                ),
                json!({}),
            ),
            path: "/paths/~1widgets/get/responses/500/$ref",
        },
        Unsupported {
            name: "a local $ref that does not resolve",
            input: api(
                get_widgets(json!([{ "$ref": "#/parameters/Missing" }]), ok_200()),
                json!({}),
            ),
            path: "/paths/~1widgets/get/parameters/0",
        },
        Unsupported {
            name: "a status code range Swagger 2.0 does not have",
            input: api(
                get_widgets(
                    json!([api_version()]),
                    json!({ "200": { "description": "ok" }, "2XX": { "description": "also ok" } }),
                ),
                json!({}),
            ),
            path: "/paths/~1widgets/get/responses/2XX",
        },
        Unsupported {
            name: "an unknown operation keyword",
            input: api(
                json!({ "/widgets": { "get": {
                    "operationId": "ListWidgets",
                    "parameters": [api_version()],
                    "callbacks": {},
                    "responses": ok_200()
                } } }),
                json!({}),
            ),
            path: "/paths/~1widgets/get/callbacks",
        },
        Unsupported {
            name: "a request body that is not JSON",
            input: api(
                json!({ "/widgets": { "put": {
                    "operationId": "PutWidget",
                    "consumes": ["application/xml"],
                    "parameters": [api_version()],
                    "responses": ok_200()
                } } }),
                json!({}),
            ),
            path: "/paths/~1widgets/put/consumes",
        },
        Unsupported {
            name: "an x-ms-pageable nextLinkName the list schema does not have",
            input: api(
                json!({ "/widgets": { "get": {
                    "operationId": "ListWidgets",
                    "parameters": [api_version()],
                    "x-ms-pageable": { "nextLinkName": "continuation" },
                    "responses": { "200": { "description": "ok", "schema": { "$ref": "#/definitions/WidgetList" } } }
                } } }),
                json!({ "WidgetList": { "type": "object", "properties": { "@nextLink": { "type": "string" } } } }),
            ),
            path: "/paths/~1widgets/get/x-ms-pageable/nextLinkName",
        },
        Unsupported {
            name: "an oauth2 security scheme",
            input: api_with(
                json!({}),
                json!({}),
                json!({ "securityDefinitions": { "aad": { "type": "oauth2", "flow": "implicit" } } }),
            ),
            path: "/securityDefinitions/aad/type",
        },
        Unsupported {
            name: "an operation without an operationId",
            input: api(
                json!({ "/widgets": { "get": { "parameters": [api_version()], "responses": ok_200() } } }),
                json!({}),
            ),
            path: "/paths/~1widgets/get",
        },
    ]
}

fn convert_err(name: &str, input: &Value) -> ConvertError {
    match convert::convert(input) {
        Ok(converted) => panic!(
            "case `{name}`: expected an error, got a document:\n{:#}",
            converted.document
        ),
        Err(error) => error,
    }
}

#[test]
fn unsupported_constructs() {
    for case in unsupported_cases() {
        let error = convert_err(case.name, &case.input);
        assert_eq!(
            error.path, case.path,
            "case `{}`: wrong path in error `{error}`",
            case.name
        );
        assert!(
            !error.message.is_empty(),
            "case `{}`: the error says nothing",
            case.name
        );
        // The displayed error names the path too (it is what the xtask prints).
        assert!(
            error.to_string().contains(case.path),
            "case `{}`: `{error}` does not show the path",
            case.name
        );
    }
}

/// Swagger 2.0's `type: file` has no OpenAPI 3.0 equivalent; passed on, it
/// makes progenitor panic (`not yet implemented: invalid type: file`).
#[test]
fn file_type_is_rejected_with_its_path() {
    let input = api(
        json!({ "/widgets": { "get": {
            "operationId": "Download",
            "parameters": [api_version()],
            "responses": { "200": { "description": "bytes", "schema": { "type": "file" } } }
        } } }),
        json!({}),
    );
    let error = convert_err("type: file", &input);
    assert_eq!(error.path, "/paths/~1widgets/get/responses/200/schema/type");
}

/// A document-level `consumes` other than JSON is as unsupported as an
/// operation-level one.
#[test]
fn top_level_non_json_consumes_is_rejected() {
    let input = api_with(
        json!({ "/widgets": { "put": {
            "operationId": "PutWidget",
            "parameters": [api_version(), { "name": "w", "in": "body", "schema": { "type": "string" } }],
            "responses": ok_200()
        } } }),
        json!({}),
        json!({ "consumes": ["multipart/form-data"] }),
    );
    let error = convert_err("top-level consumes", &input);
    assert_eq!(error.path, "/consumes");
}

/// Path-level `parameters` that are not an array must not vanish silently.
#[test]
fn malformed_path_level_parameters_are_rejected() {
    let input = api(
        json!({ "/widgets": {
            "parameters": { "name": "top", "in": "query", "type": "integer" },
            "get": { "operationId": "ListWidgets", "parameters": [api_version()], "responses": ok_200() }
        } }),
        json!({}),
    );
    let error = convert_err("path-level parameters object", &input);
    assert_eq!(error.path, "/paths/~1widgets/parameters");
}

/// Dropping the `Group_` prefix must not make two operations share an id
/// (progenitor then rejects the document: "duplicate operation ID", with no
/// JSON path).
#[test]
fn stripped_operation_ids_stay_unique() {
    let input = api(
        json!({
            "/widgets": { "get": { "operationId": "Widgets_List", "parameters": [api_version()], "responses": ok_200() } },
            "/gadgets": { "get": { "operationId": "Gadgets_List", "parameters": [api_version()], "responses": ok_200() } }
        }),
        json!({}),
    );
    match convert::convert(&input) {
        Err(error) => assert_eq!(error.path, "/paths/~1gadgets/get/operationId"),
        Ok(converted) => {
            let ids: Vec<&Value> = ["/widgets", "/gadgets"]
                .iter()
                .map(|p| &converted.document["paths"][p]["get"]["operationId"])
                .collect();
            assert_ne!(ids[0], ids[1], "both operations are called {}", ids[0]);
        }
    }
}

/// Wrongly shaped input is an error, never a panic.
#[test]
fn malformed_shapes_are_errors_not_panics() {
    let shapes = vec![
        ("not an object", json!([1, 2]), ""),
        (
            "paths is an array",
            api_with(json!({}), json!({}), json!({ "paths": [] })),
            "/paths",
        ),
        (
            "definitions is a number",
            api_with(json!({}), json!({}), json!({ "definitions": 5 })),
            "/definitions",
        ),
        (
            "a path item is a string",
            api(json!({ "/widgets": "get" }), json!({})),
            "/paths/~1widgets",
        ),
        (
            "operation parameters is an object",
            api(
                get_widgets(json!({ "name": "api-version" }), ok_200()),
                json!({}),
            ),
            "/paths/~1widgets/get/parameters",
        ),
        (
            "responses is an array",
            api(get_widgets(json!([api_version()]), json!([])), json!({})),
            "/paths/~1widgets/get/responses",
        ),
        (
            "a schema is a string",
            api(json!({}), json!({ "Widget": "object" })),
            "/definitions/Widget",
        ),
        (
            "a $ref is a number",
            api(
                json!({}),
                json!({ "Widget": { "type": "object", "properties": { "a": { "$ref": 7 } } } }),
            ),
            "/definitions/Widget/properties/a/$ref",
        ),
        (
            "an operationId is a number",
            api(
                json!({ "/widgets": { "get": { "operationId": 3, "responses": ok_200() } } }),
                json!({}),
            ),
            "/paths/~1widgets/get/operationId",
        ),
        (
            "no host at all",
            api_with(json!({}), json!({}), json!({ "host": null })),
            "",
        ),
        (
            "a reference cycle",
            api_with(
                get_widgets(
                    json!([api_version()]),
                    json!({ "200": { "$ref": "#/x-components/responses/A" } }),
                ),
                json!({}),
                json!({ "x-components": { "responses": {
                    "A": { "$ref": "#/x-components/responses/B" },
                    "B": { "$ref": "#/x-components/responses/A" }
                } } }),
            ),
            "/paths/~1widgets/get/responses/200",
        ),
    ];
    for (name, input, path) in shapes {
        let outcome = std::panic::catch_unwind(|| convert::convert(&input));
        match outcome {
            Err(_) => panic!("case `{name}`: the converter panicked"),
            Ok(Ok(_)) => panic!("case `{name}`: accepted"),
            Ok(Err(error)) => assert_eq!(error.path, path, "case `{name}`: `{error}`"),
        }
    }
}

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
