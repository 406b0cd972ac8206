//! Swagger 2.0 -> OpenAPI 3.0.3 conversion, tuned to what progenitor accepts.
//!
//! Every change that is more than a mechanical re-spelling between the two
//! formats is recorded as a [`Rewrite`], so `cargo xtask codegen --explain`
//! can show a maintainer exactly how a new API version was normalized.
//!
//! Anything the converter does not understand is an error naming the JSON
//! path of the construct, never a panic and never a silent drop.

mod operations;
mod schemas;

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
