//! Swagger 2.0 -> OpenAPI 3.0.3 conversion, tuned to what progenitor accepts.
//!
//! Every change that is more than a mechanical re-spelling between the two
//! formats is recorded as a [`Rewrite`], so `cargo xtask codegen --explain`
//! can show a maintainer exactly how a new API version was normalized.
//!
//! Anything the converter does not understand is an error naming the JSON
//! path of the construct, never a panic and never a silent drop.

use serde_json::{Map, Value, json};
use std::fmt;

/// One normalization applied to the input document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// JSON pointer into the Swagger 2.0 input where the rewrite applied.
    pub path: String,
    /// Short stable name of the rule (see [`RULES`]).
    pub rule: &'static str,
    /// What exactly changed at this place.
    pub detail: String,
}

/// The rewrite rules, with the reason each one exists. Listed by `--explain`.
pub const RULES: &[(&str, &str)] = &[
    (
        "parameterized-host",
        "x-ms-parameterized-host / host+basePath become an OpenAPI server; the endpoint is the \
         generated client's base URL, so the host parameter is not an operation parameter",
    ),
    (
        "operation-id",
        "Azure's `Group_Operation` ids would give method names like \
         `remote_rendering_create_session`; the group prefix is dropped and the original id is \
         kept in `x-ms-original-operation-id`",
    ),
    (
        "api-version-added",
        "the service requires `api-version` on every data-plane call; a document that omits the \
         parameter gets it as a required query parameter so callers can send it",
    ),
    (
        "api-version-none",
        "a protocol versioned by its path (the v1 session API's `/v1/...`) sends no `api-version`; \
         a document marked `x-api-version-parameter: none` gets none added, and listing one is \
         an error",
    ),
    (
        "body-parameter",
        "Swagger `in: body` parameters become an OpenAPI requestBody (application/json)",
    ),
    (
        "ref-siblings",
        "OpenAPI 3.0 ignores keywords beside `$ref`; `$ref` with siblings is wrapped in `allOf` \
         so nullability and readOnly survive",
    ),
    (
        "x-nullable",
        "`x-nullable: true` becomes `nullable: true`, so a JSON null deserializes to None",
    ),
    (
        "extensible-enum",
        "`x-ms-enum.modelAsString: true` means the service may add values: the enum is emitted \
         as `oneOf` [known values, any other string] so an unlisted value deserializes instead of \
         failing",
    ),
    (
        "error-responses-raw",
        "progenitor allows one error type per operation, but Azure mixes error responses with \
         and without bodies; every error response is delivered as raw bytes (media type */*) \
         with its status and headers, and the documented error schema is kept in \
         `x-ms-error-schema` for callers that decode it",
    ),
    (
        "default-response",
        "a `default` error response becomes explicit 4XX and 5XX ranges: progenitor would \
         otherwise also treat `default` as a success type",
    ),
    (
        "inline-component-ref",
        "references into non-standard `x-components` (or Swagger's shared `responses`) are \
         inlined, since OpenAPI 3.0 resolves references only under `components`",
    ),
    (
        "pageable-next-link",
        "`x-ms-pageable.nextLinkName` must name the list schema's property; a spelling that \
         differs only in case (the preview's `@nextlink`) is corrected to the property's name",
    ),
    (
        "response-examples",
        "Swagger response `examples` are dropped; they are documentation, not protocol",
    ),
];

/// A conversion failure, naming the JSON path of the offending construct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError {
    /// JSON pointer into the Swagger 2.0 input.
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", display_path(&self.path), self.message)
    }
}

impl std::error::Error for ConvertError {}

fn display_path(path: &str) -> &str {
    if path.is_empty() { "/" } else { path }
}

type Result<T> = std::result::Result<T, ConvertError>;

/// The result of converting one Swagger 2.0 document.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The OpenAPI 3.0.3 document, as JSON.
    pub document: Value,
    /// The normalizations applied, in document order.
    pub rewrites: Vec<Rewrite>,
}

impl Converted {
    /// The document typed with the `openapiv3` crate (as progenitor consumes it).
    pub fn typed(&self) -> anyhow::Result<openapiv3::OpenAPI> {
        Ok(serde_json::from_value(self.document.clone())?)
    }
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn join(path: &str, segment: &str) -> String {
    format!("{path}/{}", pointer_segment(segment))
}

fn err<T>(path: &str, message: impl Into<String>) -> Result<T> {
    Err(ConvertError {
        path: path.to_string(),
        message: message.into(),
    })
}

fn as_object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>> {
    value.as_object().ok_or_else(|| ConvertError {
        path: path.to_string(),
        message: format!("expected an object, found {}", kind(value)),
    })
}

/// A string value quoted, anything else by its kind.
fn kind_or_value(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        other => kind(other).to_string(),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

const HTTP_METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

/// Schema keywords carried over unchanged (their meaning is the same in both formats).
const PLAIN_SCHEMA_KEYWORDS: &[&str] = &[
    "type",
    "format",
    "title",
    "description",
    "readOnly",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
    "default",
    "example",
];

struct Converter<'a> {
    source: &'a Value,
    rewrites: Vec<Rewrite>,
    /// The name of the definition being converted, when it is itself an enum.
    definition_name: Option<String>,
    /// Whether operations carry (and so may be given) an `api-version` query
    /// parameter; `x-api-version-parameter: none` turns it off.
    api_version_in_query: bool,
}

/// Converts a Swagger 2.0 document to OpenAPI 3.0.3.
pub fn convert(source: &Value) -> Result<Converted> {
    let mut converter = Converter {
        source,
        rewrites: Vec::new(),
        definition_name: None,
        api_version_in_query: true,
    };
    let document = converter.document()?;
    Ok(Converted {
        document,
        rewrites: converter.rewrites,
    })
}

impl Converter<'_> {
    fn note(&mut self, path: &str, rule: &'static str, detail: impl Into<String>) {
        debug_assert!(RULES.iter().any(|(name, _)| *name == rule));
        self.rewrites.push(Rewrite {
            path: path.to_string(),
            rule,
            detail: detail.into(),
        });
    }

    fn document(&mut self) -> Result<Value> {
        let root = as_object(self.source, "")?;
        match root.get("swagger") {
            Some(Value::String(v)) if v == "2.0" => {}
            other => {
                return err(
                    "/swagger",
                    format!(
                        "expected \"2.0\", found {}",
                        other.map(kind).unwrap_or("nothing")
                    ),
                );
            }
        }
        const KNOWN: &[&str] = &[
            "swagger",
            "info",
            "host",
            "basePath",
            "schemes",
            "consumes",
            "produces",
            "paths",
            "definitions",
            "parameters",
            "responses",
            "securityDefinitions",
            "security",
            "tags",
            "externalDocs",
            "x-ms-parameterized-host",
            "x-components",
        ];
        for key in root.keys() {
            if !KNOWN.contains(&key.as_str()) && !key.starts_with("x-") {
                return err(&join("", key), "unsupported top-level keyword");
            }
        }

        if let Some(consumes) = root.get("consumes").and_then(Value::as_array)
            && consumes
                .iter()
                .any(|c| c.as_str() != Some("application/json"))
        {
            return err(
                "/consumes",
                "only application/json request bodies are supported",
            );
        }
        self.api_version_in_query = self.api_version_parameter(root)?;
        let mut out = Map::new();
        out.insert("openapi".into(), json!("3.0.3"));
        out.insert(
            "info".into(),
            root.get("info").cloned().ok_or_else(|| ConvertError {
                path: "/info".into(),
                message: "missing".into(),
            })?,
        );
        out.insert("servers".into(), self.servers(root)?);
        if let Some(tags) = root.get("tags") {
            out.insert("tags".into(), tags.clone());
        }
        if let Some(docs) = root.get("externalDocs") {
            out.insert("externalDocs".into(), docs.clone());
        }
        if let Some(security) = root.get("security") {
            out.insert("security".into(), security.clone());
        }
        out.insert("paths".into(), self.paths(root)?);
        out.insert("components".into(), self.components(root)?);
        for (key, value) in root {
            if key.starts_with("x-") && key != "x-ms-parameterized-host" && key != "x-components" {
                out.insert(key.clone(), value.clone());
            }
        }
        Ok(Value::Object(out))
    }

    /// Reads `x-api-version-parameter`: `query` (the default) or `none`.
    fn api_version_parameter(&mut self, root: &Map<String, Value>) -> Result<bool> {
        let path = "/x-api-version-parameter";
        match root.get("x-api-version-parameter") {
            None => Ok(true),
            Some(Value::String(v)) if v == "query" => Ok(true),
            Some(Value::String(v)) if v == "none" => {
                self.note(
                    path,
                    "api-version-none",
                    "no `api-version` query parameter is added to any operation",
                );
                Ok(false)
            }
            Some(other) => err(
                path,
                format!(
                    "expected \"query\" or \"none\", found {}",
                    kind_or_value(other)
                ),
            ),
        }
    }

    fn servers(&mut self, root: &Map<String, Value>) -> Result<Value> {
        if let Some(host) = root.get("x-ms-parameterized-host") {
            let path = "/x-ms-parameterized-host";
            let host = as_object(host, path)?;
            let template = host
                .get("hostTemplate")
                .and_then(Value::as_str)
                .ok_or_else(|| ConvertError {
                    path: join(path, "hostTemplate"),
                    message: "expected a string".into(),
                })?;
            let mut variables = Map::new();
            for (index, parameter) in host
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let ppath = format!("{path}/parameters/{index}");
                let parameter = match parameter.get("$ref").and_then(Value::as_str) {
                    Some(reference) => self.lookup(reference, &ppath)?,
                    None => parameter.clone(),
                };
                let name = parameter
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ConvertError {
                        path: ppath.clone(),
                        message: "host parameter without a name".into(),
                    })?;
                let mut variable = Map::new();
                variable.insert("default".into(), json!(""));
                if let Some(description) = parameter.get("description") {
                    variable.insert("description".into(), description.clone());
                }
                variables.insert(name.to_string(), Value::Object(variable));
            }
            self.note(
                path,
                "parameterized-host",
                format!("server `{template}`; the endpoint is the client's base URL"),
            );
            return Ok(json!([{ "url": template, "variables": variables }]));
        }
        if let Some(host) = root.get("host").and_then(Value::as_str) {
            let scheme = root
                .get("schemes")
                .and_then(Value::as_array)
                .and_then(|s| s.first())
                .and_then(Value::as_str)
                .unwrap_or("https");
            let base = root.get("basePath").and_then(Value::as_str).unwrap_or("");
            let base = base.trim_end_matches('/');
            let url = format!("{scheme}://{host}{base}");
            self.note(
                "/host",
                "parameterized-host",
                format!("fixed host becomes server `{url}`; callers pass their own base URL"),
            );
            return Ok(json!([{ "url": url }]));
        }
        err("", "neither `host` nor `x-ms-parameterized-host` is given")
    }

    /// Whether dropping the group prefix gives `stripped` to one operation
    /// only; otherwise the original ids are kept so that they stay distinct.
    fn stripped_id_is_unique(&self, stripped: &str) -> bool {
        let ids = self
            .source
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|paths| paths.values())
            .filter_map(Value::as_object)
            .flat_map(|item| item.values())
            .filter_map(|operation| operation.get("operationId").and_then(Value::as_str));
        ids.filter(|id| {
            let short = id.split_once('_').map(|(_, rest)| rest).unwrap_or(id);
            short == stripped
        })
        .count()
            == 1
    }

    /// Looks up a local reference (`#/a/b`) in the source document.
    fn lookup(&self, reference: &str, path: &str) -> Result<Value> {
        let pointer = reference.strip_prefix('#').ok_or_else(|| ConvertError {
            path: path.to_string(),
            message: format!("only local references are supported, found `{reference}`"),
        })?;
        self.source
            .pointer(pointer)
            .cloned()
            .ok_or_else(|| ConvertError {
                path: path.to_string(),
                message: format!("reference `{reference}` does not resolve"),
            })
    }

    /// Follows `$ref` chains into `x-components` or Swagger's shared `responses`,
    /// inlining them (OpenAPI 3.0 cannot reference those places).
    /// Returns the resolved value and the JSON path where it is defined, so
    /// that later errors point into the file where the construct really is.
    fn inline_ref(&mut self, value: &Value, path: &str) -> Result<(Value, String)> {
        let mut current = value.clone();
        let mut defined_at = path.to_string();
        let mut hops = 0;
        while let Some(reference) = current.get("$ref").and_then(Value::as_str) {
            hops += 1;
            if hops > 16 {
                return err(path, "reference cycle");
            }
            let reference = reference.to_string();
            current = self.lookup(&reference, &join(&defined_at, "$ref"))?;
            self.note(
                &defined_at,
                "inline-component-ref",
                format!("inlined `{reference}`"),
            );
            defined_at = reference.trim_start_matches('#').to_string();
        }
        Ok((current, defined_at))
    }

    fn paths(&mut self, root: &Map<String, Value>) -> Result<Value> {
        let mut out = Map::new();
        let Some(paths) = root.get("paths") else {
            return Ok(Value::Object(out));
        };
        for (route, item) in as_object(paths, "/paths")? {
            let item_path = join("/paths", route);
            let item = as_object(item, &item_path)?;
            let shared_parameters = match item.get("parameters") {
                None => Vec::new(),
                Some(Value::Array(parameters)) => parameters.clone(),
                Some(other) => {
                    return err(
                        &join(&item_path, "parameters"),
                        format!("expected an array, found {}", kind(other)),
                    );
                }
            };
            let mut item_out = Map::new();
            for (key, value) in item {
                if key == "parameters" {
                    continue;
                }
                if key.starts_with("x-") {
                    item_out.insert(key.clone(), value.clone());
                    continue;
                }
                if !HTTP_METHODS.contains(&key.as_str()) {
                    return err(&join(&item_path, key), "unsupported path item keyword");
                }
                let op_path = join(&item_path, key);
                let operation =
                    self.operation(root, value, &shared_parameters, &item_path, &op_path)?;
                item_out.insert(key.clone(), operation);
            }
            out.insert(route.clone(), Value::Object(item_out));
        }
        Ok(Value::Object(out))
    }

    fn operation(
        &mut self,
        root: &Map<String, Value>,
        operation: &Value,
        shared_parameters: &[Value],
        item_path: &str,
        op_path: &str,
    ) -> Result<Value> {
        let operation = as_object(operation, op_path)?;
        let mut out = Map::new();
        for (key, value) in operation {
            match key.as_str() {
                "operationId" => {
                    let original = value.as_str().ok_or_else(|| ConvertError {
                        path: join(op_path, key),
                        message: "expected a string".into(),
                    })?;
                    let id = match original.split_once('_') {
                        Some((group, rest))
                            if !group.is_empty()
                                && !rest.is_empty()
                                && self.stripped_id_is_unique(rest) =>
                        {
                            self.note(
                                &join(op_path, key),
                                "operation-id",
                                format!("`{original}` -> `{rest}`"),
                            );
                            out.insert("x-ms-original-operation-id".into(), json!(original));
                            rest.to_string()
                        }
                        _ => original.to_string(),
                    };
                    out.insert("operationId".into(), json!(id));
                }
                "summary" | "description" | "tags" | "deprecated" | "externalDocs" | "security" => {
                    out.insert(key.clone(), value.clone());
                }
                "parameters" | "responses" | "consumes" | "produces" => {}
                "x-ms-examples" => self.note(
                    &join(op_path, key),
                    "response-examples",
                    "dropped operation examples",
                ),
                "x-ms-pageable" => {
                    let pageable = self.pageable(operation, value, op_path)?;
                    out.insert(key.clone(), pageable);
                }
                "schemes" => {}
                _ if key.starts_with("x-") => {
                    out.insert(key.clone(), value.clone());
                }
                _ => return err(&join(op_path, key), "unsupported operation keyword"),
            }
        }
        if !out.contains_key("operationId") {
            return err(op_path, "operation without an operationId");
        }
        if let Some(consumes) = operation.get("consumes").and_then(Value::as_array)
            && consumes
                .iter()
                .any(|c| c.as_str() != Some("application/json"))
        {
            return err(
                &join(op_path, "consumes"),
                "only application/json request bodies are supported",
            );
        }

        let (parameters, body) =
            self.operation_parameters(root, shared_parameters, operation, item_path, op_path)?;
        out.insert("parameters".into(), Value::Array(parameters));
        if let Some(body) = body {
            out.insert("requestBody".into(), body);
        }
        let responses = operation.get("responses").ok_or_else(|| ConvertError {
            path: op_path.to_string(),
            message: "operation without responses".into(),
        })?;
        out.insert(
            "responses".into(),
            self.responses(responses, &join(op_path, "responses"))?,
        );
        // Keep the document's key order readable: id first.
        let mut ordered = Map::new();
        for key in [
            "operationId",
            "x-ms-original-operation-id",
            "summary",
            "description",
        ] {
            if let Some(v) = out.shift_remove(key) {
                ordered.insert(key.into(), v);
            }
        }
        ordered.extend(out);
        Ok(Value::Object(ordered))
    }

    fn operation_parameters(
        &mut self,
        root: &Map<String, Value>,
        shared_parameters: &[Value],
        operation: &Map<String, Value>,
        item_path: &str,
        op_path: &str,
    ) -> Result<(Vec<Value>, Option<Value>)> {
        let own = operation
            .get("parameters")
            .map(|p| {
                p.as_array().cloned().ok_or_else(|| ConvertError {
                    path: join(op_path, "parameters"),
                    message: "expected an array".into(),
                })
            })
            .transpose()?
            .unwrap_or_default();
        let listed = shared_parameters
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("{item_path}/parameters/{i}"), p))
            .chain(
                own.iter()
                    .enumerate()
                    .map(|(i, p)| (format!("{op_path}/parameters/{i}"), p)),
            )
            .collect::<Vec<_>>();

        let mut parameters = Vec::new();
        let mut body = None;
        let mut has_api_version = false;
        for (ppath, parameter) in listed {
            let (resolved, reference) = match parameter.get("$ref").and_then(Value::as_str) {
                Some(r) if r.starts_with("#/parameters/") => {
                    let name = &r["#/parameters/".len()..];
                    (self.lookup(r, &ppath)?, Some(name.to_string()))
                }
                Some(_) => (self.inline_ref(parameter, &ppath)?.0, None),
                None => (parameter.clone(), None),
            };
            let resolved_obj = as_object(&resolved, &ppath)?;
            let location = resolved_obj.get("in").and_then(Value::as_str).unwrap_or("");
            let name = resolved_obj
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("");
            if name == "api-version" && location == "query" {
                if !self.api_version_in_query {
                    return err(
                        &ppath,
                        "`api-version` listed although the document declares \
                         `x-api-version-parameter: none`",
                    );
                }
                has_api_version = true;
            }
            if location == "body" {
                if body.is_some() {
                    return err(&ppath, "more than one body parameter");
                }
                let mut request_body = Map::new();
                if let Some(description) = resolved_obj.get("description") {
                    request_body.insert("description".into(), description.clone());
                }
                let schema = resolved_obj.get("schema").ok_or_else(|| ConvertError {
                    path: ppath.clone(),
                    message: "body parameter without a schema".into(),
                })?;
                request_body.insert(
                    "content".into(),
                    json!({ "application/json": { "schema": self.schema(schema, &join(&ppath, "schema"))? } }),
                );
                request_body.insert(
                    "required".into(),
                    json!(
                        resolved_obj
                            .get("required")
                            .and_then(Value::as_bool)
                            .unwrap_or(false)
                    ),
                );
                request_body.insert("x-ms-requestBody-name".into(), json!(name));
                self.note(
                    &ppath,
                    "body-parameter",
                    format!("body parameter `{name}` -> requestBody"),
                );
                body = Some(Value::Object(request_body));
                continue;
            }
            match reference {
                Some(shared) if is_component_parameter(root, &shared) => {
                    parameters.push(json!({ "$ref": format!("#/components/parameters/{}", pointer_segment(&shared)) }));
                }
                _ => parameters.push(self.parameter(&resolved, &ppath)?),
            }
        }
        if !has_api_version && self.api_version_in_query {
            self.note(
                op_path,
                "api-version-added",
                "added required query parameter `api-version`",
            );
            parameters.insert(
                0,
                json!({
                    "name": "api-version",
                    "in": "query",
                    "required": true,
                    "description": "Version of the API to call.",
                    "schema": { "type": "string" }
                }),
            );
        }
        Ok((parameters, body))
    }

    /// Converts one non-body parameter.
    fn parameter(&mut self, parameter: &Value, path: &str) -> Result<Value> {
        let parameter = as_object(parameter, path)?;
        let mut out = Map::new();
        let mut schema = Map::new();
        for (key, value) in parameter {
            match key.as_str() {
                "name" | "description" => {
                    out.insert(key.clone(), value.clone());
                }
                "in" => {
                    let location = value.as_str().unwrap_or("");
                    if !matches!(location, "path" | "query" | "header") {
                        return err(
                            &join(path, key),
                            format!("unsupported parameter location `{location}`"),
                        );
                    }
                    out.insert(key.clone(), value.clone());
                }
                "required" => {
                    out.insert(key.clone(), value.clone());
                }
                "collectionFormat" => {
                    return err(&join(path, key), "collectionFormat is not supported");
                }
                "type" | "format" | "items" | "enum" | "default" | "minimum" | "maximum"
                | "minLength" | "maxLength" | "pattern" | "x-ms-enum" | "x-nullable" => {
                    schema.insert(key.clone(), value.clone());
                }
                _ if key.starts_with("x-") => {
                    out.insert(key.clone(), value.clone());
                }
                _ => return err(&join(path, key), "unsupported parameter keyword"),
            }
        }
        if !out.contains_key("name") || !out.contains_key("in") {
            return err(path, "parameter needs `name` and `in`");
        }
        if out.get("in").and_then(Value::as_str) == Some("path") {
            out.insert("required".into(), json!(true));
        }
        out.insert("schema".into(), self.schema(&Value::Object(schema), path)?);
        Ok(Value::Object(out))
    }

    fn responses(&mut self, responses: &Value, path: &str) -> Result<Value> {
        let responses = as_object(responses, path)?;
        let mut out = Map::new();
        let mut raw_errors = Vec::new();
        for (code, response) in responses {
            let rpath = join(path, code);
            if code.starts_with("x-") {
                out.insert(code.clone(), response.clone());
                continue;
            }
            let is_default = code == "default";
            let is_error = is_default || code.starts_with('4') || code.starts_with('5');
            let numeric = code.len() == 3 && code.chars().all(|c| c.is_ascii_digit());
            if !(is_default || numeric) {
                return err(&rpath, "unsupported status code");
            }
            let (response, rpath) = self.inline_ref(response, &rpath)?;
            let response = as_object(&response, &rpath)?;
            let mut r = Map::new();
            r.insert(
                "description".into(),
                response.get("description").cloned().unwrap_or(json!("")),
            );
            let mut schema = None;
            for (key, value) in response {
                match key.as_str() {
                    "description" => {}
                    "schema" => schema = Some(self.schema(value, &join(&rpath, key))?),
                    "headers" => {
                        let headers = self.headers(value, &join(&rpath, key))?;
                        r.insert("headers".into(), headers);
                    }
                    "examples" => self.note(
                        &join(&rpath, key),
                        "response-examples",
                        "dropped response examples",
                    ),
                    _ if key.starts_with("x-") => {
                        r.insert(key.clone(), value.clone());
                    }
                    _ => return err(&join(&rpath, key), "unsupported response keyword"),
                }
            }
            if is_error {
                let mut media = Map::new();
                if let Some(schema) = schema {
                    if let Some(reference) = schema.get("$ref") {
                        r.insert("x-ms-error-schema".into(), reference.clone());
                    }
                    media.insert("schema".into(), schema);
                }
                r.insert("content".into(), json!({ "*/*": media }));
                raw_errors.push(code.clone());
            } else if let Some(schema) = schema {
                r.insert(
                    "content".into(),
                    json!({ "application/json": { "schema": schema } }),
                );
            }
            if is_default {
                let mut ranges = Vec::new();
                for range in ["4XX", "5XX"] {
                    if !out.contains_key(range) && !responses.contains_key(range) {
                        out.insert(range.into(), Value::Object(r.clone()));
                        ranges.push(range);
                    }
                }
                self.note(
                    &rpath,
                    "default-response",
                    format!("`default` error response -> {}", ranges.join(", ")),
                );
            } else {
                out.insert(code.clone(), Value::Object(r));
            }
        }
        if !raw_errors.is_empty() {
            self.note(
                path,
                "error-responses-raw",
                format!("error responses {} delivered raw", raw_errors.join(", ")),
            );
        }
        Ok(Value::Object(out))
    }

    fn headers(&mut self, headers: &Value, path: &str) -> Result<Value> {
        let mut out = Map::new();
        for (name, header) in as_object(headers, path)? {
            let hpath = join(path, name);
            let (header, hpath) = self.inline_ref(header, &hpath)?;
            let header = as_object(&header, &hpath)?;
            let mut h = Map::new();
            let mut schema = Map::new();
            for (key, value) in header {
                match key.as_str() {
                    "description" => {
                        h.insert(key.clone(), value.clone());
                    }
                    "type" | "format" | "enum" | "minimum" | "maximum" => {
                        schema.insert(key.clone(), value.clone());
                    }
                    _ if key.starts_with("x-") => {
                        h.insert(key.clone(), value.clone());
                    }
                    _ => return err(&join(&hpath, key), "unsupported header keyword"),
                }
            }
            h.insert("schema".into(), Value::Object(schema));
            out.insert(name.clone(), Value::Object(h));
        }
        Ok(Value::Object(out))
    }

    fn pageable(
        &mut self,
        operation: &Map<String, Value>,
        pageable: &Value,
        op_path: &str,
    ) -> Result<Value> {
        let ppath = join(op_path, "x-ms-pageable");
        let mut pageable = as_object(pageable, &ppath)?.clone();
        let Some(next_link) = pageable.get("nextLinkName").and_then(Value::as_str) else {
            return Ok(Value::Object(pageable));
        };
        let next_link = next_link.to_string();
        // The property names of the 200 response's schema.
        let schema = operation
            .get("responses")
            .and_then(|r| r.get("200"))
            .and_then(|r| r.get("schema"))
            .cloned()
            .ok_or_else(|| ConvertError {
                path: ppath.clone(),
                message: "x-ms-pageable on an operation without a 200 response schema".into(),
            })?;
        let schema = match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => self.lookup(reference, &ppath)?,
            None => schema,
        };
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default();
        if !properties.contains(&next_link) {
            match properties
                .iter()
                .find(|p| p.eq_ignore_ascii_case(&next_link))
            {
                Some(actual) => {
                    self.note(
                        &join(&ppath, "nextLinkName"),
                        "pageable-next-link",
                        format!("`{next_link}` -> `{actual}`"),
                    );
                    pageable.insert("nextLinkName".into(), json!(actual));
                }
                None => {
                    return err(
                        &join(&ppath, "nextLinkName"),
                        format!("`{next_link}` is not a property of the list schema"),
                    );
                }
            }
        }
        Ok(Value::Object(pageable))
    }

    fn components(&mut self, root: &Map<String, Value>) -> Result<Value> {
        let mut components = Map::new();
        let mut schemas = Map::new();
        if let Some(definitions) = root.get("definitions") {
            for (name, schema) in as_object(definitions, "/definitions")? {
                let spath = join("/definitions", name);
                self.definition_name = schema.get("enum").map(|_| name.clone());
                schemas.insert(name.clone(), self.schema(schema, &spath)?);
                self.definition_name = None;
            }
        }
        components.insert("schemas".into(), Value::Object(schemas));

        let mut parameters = Map::new();
        if let Some(shared) = root.get("parameters") {
            for (name, parameter) in as_object(shared, "/parameters")? {
                if !is_component_parameter(root, name) {
                    continue;
                }
                let ppath = join("/parameters", name);
                parameters.insert(name.clone(), self.parameter(parameter, &ppath)?);
            }
        }
        if !parameters.is_empty() {
            components.insert("parameters".into(), Value::Object(parameters));
        }

        let mut schemes = Map::new();
        if let Some(definitions) = root.get("securityDefinitions") {
            for (name, scheme) in as_object(definitions, "/securityDefinitions")? {
                let spath = join("/securityDefinitions", name);
                let scheme = as_object(scheme, &spath)?;
                let converted = match scheme.get("type").and_then(Value::as_str) {
                    Some("apiKey") => {
                        let mut s = Map::new();
                        s.insert("type".into(), json!("apiKey"));
                        for key in ["in", "name", "description"] {
                            if let Some(v) = scheme.get(key) {
                                s.insert(key.into(), v.clone());
                            }
                        }
                        Value::Object(s)
                    }
                    Some("basic") => json!({ "type": "http", "scheme": "basic" }),
                    other => {
                        return err(
                            &join(&spath, "type"),
                            format!("unsupported security scheme type {other:?}"),
                        );
                    }
                };
                schemes.insert(name.clone(), converted);
            }
        }
        if !schemes.is_empty() {
            components.insert("securitySchemes".into(), Value::Object(schemes));
        }
        Ok(Value::Object(components))
    }

    fn schema(&mut self, schema: &Value, path: &str) -> Result<Value> {
        let schema = as_object(schema, path)?;
        if let Some(reference) = schema.get("$ref") {
            let reference = reference.as_str().ok_or_else(|| ConvertError {
                path: join(path, "$ref"),
                message: "expected a string".into(),
            })?;
            let Some(name) = reference.strip_prefix("#/definitions/") else {
                return err(
                    &join(path, "$ref"),
                    format!("schema reference `{reference}` is not under #/definitions/"),
                );
            };
            let target = json!({ "$ref": format!("#/components/schemas/{name}") });
            let mut wrapper = Map::new();
            for (key, value) in schema {
                match key.as_str() {
                    "$ref" | "example" => {}
                    // `type: object` beside a reference restates the target.
                    "type" if value == "object" => {}
                    "description" => {
                        wrapper.insert(key.clone(), value.clone());
                    }
                    "readOnly" => {
                        wrapper.insert(key.clone(), value.clone());
                    }
                    "x-nullable" => {
                        wrapper.insert("nullable".into(), value.clone());
                    }
                    _ if key.starts_with("x-") => {
                        wrapper.insert(key.clone(), value.clone());
                    }
                    _ => return err(&join(path, key), "unsupported keyword beside $ref"),
                }
            }
            let meaningful = wrapper.keys().any(|k| k != "description");
            if !meaningful {
                return Ok(target);
            }
            self.note(
                path,
                "ref-siblings",
                format!(
                    "`{reference}` with {} -> allOf",
                    wrapper
                        .keys()
                        .filter(|k| *k != "description")
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            if wrapper.contains_key("nullable") {
                self.note(path, "x-nullable", "x-nullable -> nullable");
            }
            let mut out = Map::new();
            out.insert("allOf".into(), json!([target]));
            out.extend(wrapper);
            return Ok(Value::Object(out));
        }

        let mut out = Map::new();
        for (key, value) in schema {
            let kpath = join(path, key);
            match key.as_str() {
                "type" if value == "file" => {
                    return err(&kpath, "`type: file` (raw file bodies) is not supported");
                }
                k if PLAIN_SCHEMA_KEYWORDS.contains(&k) => {
                    out.insert(key.clone(), value.clone());
                }
                "required" | "enum" => {
                    out.insert(key.clone(), value.clone());
                }
                "properties" => {
                    let mut properties = Map::new();
                    for (name, property) in as_object(value, &kpath)? {
                        properties
                            .insert(name.clone(), self.schema(property, &join(&kpath, name))?);
                    }
                    out.insert(key.clone(), Value::Object(properties));
                }
                "items" => {
                    out.insert(key.clone(), self.schema(value, &kpath)?);
                }
                "additionalProperties" => {
                    let converted = match value {
                        Value::Bool(_) => value.clone(),
                        _ => self.schema(value, &kpath)?,
                    };
                    out.insert(key.clone(), converted);
                }
                "allOf" => {
                    let parts = value.as_array().ok_or_else(|| ConvertError {
                        path: kpath.clone(),
                        message: "expected an array".into(),
                    })?;
                    let mut converted = Vec::new();
                    for (i, part) in parts.iter().enumerate() {
                        converted.push(self.schema(part, &format!("{kpath}/{i}"))?);
                    }
                    out.insert(key.clone(), Value::Array(converted));
                }
                "x-nullable" => {
                    self.note(path, "x-nullable", "x-nullable -> nullable");
                    out.insert("nullable".into(), value.clone());
                }
                _ if key.starts_with("x-") => {
                    out.insert(key.clone(), value.clone());
                }
                _ => return err(&kpath, "unsupported schema keyword"),
            }
        }
        let extensible = schema
            .get("x-ms-enum")
            .and_then(|e| e.get("modelAsString"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if extensible && let Some(values) = out.shift_remove("enum") {
            // Titles name the generated types: `{Name}Known` for the listed
            // values, a plain string for the rest.
            let name = self
                .definition_name
                .take()
                .or_else(|| {
                    schema
                        .get("x-ms-enum")
                        .and_then(|e| e.get("name"))
                        .and_then(Value::as_str)
                        .map(String::from)
                })
                .map(|n| pascal_case(&n))
                .unwrap_or_else(|| "Value".into());
            let ty = out.shift_remove("type").unwrap_or(json!("string"));
            self.note(
                path,
                "extensible-enum",
                "modelAsString enum -> oneOf [known values, any other string]",
            );
            let mut wrapped = Map::new();
            for key in ["title", "description"] {
                if let Some(v) = out.shift_remove(key) {
                    wrapped.insert(key.into(), v);
                }
            }
            wrapped.insert(
                "oneOf".into(),
                json!([
                    { "title": format!("{name}Known"), "type": ty, "enum": values },
                    { "title": format!("{name}Other"), "type": ty, "not": { "enum": values.clone() } }
                ]),
            );
            wrapped.extend(out);
            return Ok(Value::Object(wrapped));
        }
        Ok(Value::Object(out))
    }
}

/// Whether a shared Swagger parameter becomes an OpenAPI component parameter.
/// Body parameters are inlined as request bodies and client-located ones
/// (the parameterized host) become the client's base URL.
fn is_component_parameter(root: &Map<String, Value>, name: &str) -> bool {
    let Some(parameter) = root.get("parameters").and_then(|p| p.get(name)) else {
        return false;
    };
    let location = parameter.get("in").and_then(Value::as_str);
    let client = parameter
        .get("x-ms-parameter-location")
        .and_then(Value::as_str)
        == Some("client");
    location != Some("body") && !client
}

/// `session_status` / `sessionStatus` -> `SessionStatus`.
pub fn pascal_case(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c == '_' || c == '-' || c == ' ' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}
