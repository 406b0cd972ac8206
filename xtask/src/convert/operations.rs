//! Paths and operations: parameters, request bodies, responses, headers and
//! paging, each converted with the rewrites it needs.

use super::{
    ConvertError, Converter, Result, as_object, err, is_component_parameter, join, kind,
    pointer_segment,
};
use serde_json::{Map, Value, json};

const HTTP_METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

impl Converter<'_> {
    pub(super) fn paths(&mut self, root: &Map<String, Value>) -> Result<Value> {
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
    pub(super) fn parameter(&mut self, parameter: &Value, path: &str) -> Result<Value> {
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
}
