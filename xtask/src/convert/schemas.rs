//! Component schemas and the schema objects inside them (definitions,
//! properties, parameters), with nullability and extensible enums.

use super::{
    ConvertError, Converter, Result, as_object, err, is_component_parameter, join, pascal_case,
};
use serde_json::{Map, Value, json};

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

impl Converter<'_> {
    pub(super) fn components(&mut self, root: &Map<String, Value>) -> Result<Value> {
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

    pub(super) fn schema(&mut self, schema: &Value, path: &str) -> Result<Value> {
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
