//! What the converter rejects, and the JSON path its error names.

use serde_json::{Value, json};
use xtask::convert::{self, ConvertError};

use crate::{api, api_version, api_with, get_widgets, ok_200};

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

pub(crate) fn convert_err(name: &str, input: &Value) -> ConvertError {
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
