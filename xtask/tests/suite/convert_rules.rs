//! Each rewrite rule, on a small Swagger snippet.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use xtask::convert::{self, Converted, RULES};

use crate::{api, api_version, api_with, get_widgets, ok_200};

/// One row of the rewrite table.
pub(crate) struct RuleCase {
    /// A label for failure messages.
    pub(crate) name: &'static str,
    pub(crate) input: Value,
    /// The rule expected among the recorded rewrites ...
    rule: &'static str,
    /// ... at this JSON path of the input.
    rewrite_path: &'static str,
    /// `(pointer into the output, expected value)`; `None` = must be absent.
    expect: Vec<(&'static str, Option<Value>)>,
}

pub(crate) fn rule_cases() -> Vec<RuleCase> {
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

pub(crate) fn convert_ok(name: &str, input: &Value) -> Converted {
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
