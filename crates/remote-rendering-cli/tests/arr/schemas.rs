//! `arr config schema` and `arr schema NAME`: each schema accepts what
//! `arr` really reads or prints, and refuses what it would not.

use super::*;

/// Where `document` breaks `schema` (JSON Schema draft 7 as schemars writes
/// it: `$ref`, `anyOf`, `allOf`, `type`, `enum`, `required`, `properties`,
/// `additionalProperties: false`, `items`, `minimum`); empty when it fits.
pub(super) fn violations(root: &Value, schema: &Value, document: &Value, at: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/definitions/");
        return violations(root, &root["definitions"][name], document, at);
    }
    if let Some(options) = schema.get("anyOf").and_then(Value::as_array)
        && !options
            .iter()
            .any(|option| violations(root, option, document, at).is_empty())
    {
        found.push(format!("{at}: matches no anyOf alternative"));
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        found.extend(violations(root, part, document, at));
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let fits = |name: &str| match name {
            "null" => document.is_null(),
            "boolean" => document.is_boolean(),
            "string" => document.is_string(),
            "integer" => document.is_i64() || document.is_u64(),
            "number" => document.is_number(),
            "array" => document.is_array(),
            "object" => document.is_object(),
            _ => false,
        };
        if !types.iter().any(|t| fits(t)) {
            found.push(format!("{at}: {document} is not of type {types:?}"));
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !values.contains(document)
    {
        found.push(format!("{at}: {document} is not one of {values:?}"));
    }
    if let (Some(minimum), Some(number)) = (
        schema.get("minimum").and_then(Value::as_f64),
        document.as_f64(),
    ) && number < minimum
    {
        found.push(format!("{at}: {number} is below {minimum}"));
    }
    if let Some(object) = document.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = name.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                found.push(format!("{at}: `{name}` is missing"));
            }
        }
        for (name, value) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(property) => {
                    found.extend(violations(root, property, value, &format!("{at}.{name}")))
                }
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    found.push(format!("{at}: `{name}` is not in the schema"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), document.as_array()) {
        for (i, item) in array.iter().enumerate() {
            found.extend(violations(root, items, item, &format!("{at}[{i}]")));
        }
    }
    found
}

fn schema_of(args: &[&str]) -> Value {
    let output = arr().args(args).output().unwrap();
    assert!(output.status.success(), "{args:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn assert_fits(name: &str, schema: &Value, document: &Value) {
    let found = violations(schema, schema, document, "$");
    assert!(found.is_empty(), "{name}: {found:#?}\n{document:#}");
}

/// stdout of an `arr --output json` run that exits with `code`.
fn json_exiting(fx: &Fixture, code: i32, args: &[&str]) -> Value {
    let output = fx
        .arr()
        .args(["--output", "json"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(code), "{args:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn every_json_document_matches_its_schema() {
    let fx = Fixture::start();
    let mut documents: Vec<(&str, Value)> = Vec::new();
    let session = fx.json(&[
        "session",
        "start",
        "--id",
        "s",
        "--wait",
        "--poll-interval",
        "100ms",
    ]);
    documents.push(("session", session));
    documents.push((
        "session",
        fx.json(&["session", "extend", "s", "--by", "30m"]),
    ));
    documents.push(("session-list", fx.json(&["session", "list"])));

    // keep-alive prints its document when the session ends under it.
    let mut child = fx.arr();
    child
        .args(["--output", "json", "session", "keep-alive", "s"])
        .args([
            "--margin",
            "24h",
            "--step",
            "30m",
            "--check-interval",
            "300ms",
        ]);
    let keeper = std::thread::spawn(move || child.output().unwrap());
    std::thread::sleep(Duration::from_millis(1500));
    documents.push(("session-stop", fx.json(&["session", "stop", "s"])));
    let kept = keeper.join().unwrap();
    assert_eq!(kept.status.code(), Some(5));
    let kept: Value = serde_json::from_slice(&kept.stdout).unwrap();
    assert!(!kept["extensions"].as_array().unwrap().is_empty(), "{kept}");
    documents.push(("keep-alive", kept));

    let convert = |asset: &str| {
        vec![
            "conversion",
            "start",
            "--input-container",
            INPUT,
            "--asset",
            asset,
            "--output-container",
            OUTPUT,
            "--wait",
            "--poll-interval",
            "100ms",
        ]
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>()
    };
    let args = convert("robot.fbx");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    documents.push(("conversion", fx.json(&args)));
    // A failed conversion carries an error object.
    let args = convert("notes.txt");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let failed = json_exiting(&fx, 5, &args);
    assert!(failed["error"]["code"].is_string(), "{failed}");
    documents.push(("conversion", failed));
    documents.push(("conversion-list", fx.json(&["conversion", "list"])));
    documents.push(("token", fx.json(&["token"])));
    let quickstart = arr()
        .args(["--output", "json", "quickstart"])
        .args([
            "--session-startup",
            "100ms",
            "--conversion-duration",
            "100ms",
        ])
        .output()
        .unwrap();
    assert!(quickstart.status.success());
    documents.push((
        "quickstart",
        serde_json::from_slice(&quickstart.stdout).unwrap(),
    ));

    let names = [
        "session",
        "session-list",
        "session-stop",
        "keep-alive",
        "conversion",
        "conversion-list",
        "token",
        "quickstart",
    ];
    for name in names {
        assert!(
            documents.iter().any(|(n, _)| *n == name),
            "no {name} document"
        );
        let schema = schema_of(&["schema", name]);
        for (_, document) in documents.iter().filter(|(n, _)| *n == name) {
            assert_fits(name, &schema, document);
        }
    }

    // The check itself can fail: a missing key, an extra key, a wrong type.
    let schema = schema_of(&["schema", "session"]);
    let mut broken = documents[0].1.clone();
    broken.as_object_mut().unwrap().remove("status");
    broken["somethingNew"] = Value::from(1);
    broken["maxLeaseMinutes"] = Value::from("four hours");
    let found = violations(&schema, &schema, &broken, "$");
    assert_eq!(found.len(), 3, "{found:#?}");
}

#[test]
fn the_config_schema_accepts_the_sample_scripts_file() {
    let schema = schema_of(&["config", "schema"]);
    assert_eq!(schema["title"], "arrconfig.json");
    let account = &schema["definitions"]["AccountSettings"]["properties"];
    for key in [
        "arrAccountId",
        "arrAccountKey",
        "arrAccountDomain",
        "region",
    ] {
        assert!(account.get(key).is_some(), "{key}: {account:#}");
    }
    let sample = serde_json::json!({
        "accountSettings": {
            "arrAccountId": "30ea64bd-100f-4bf0-adc9-29fa45d4880c",
            "arrAccountKey": "<fill in the account key>",
            "arrAccountDomain": "westeurope",
            "aKeyFromTheFuture": true
        },
        "renderingSessionSettings": {
            "remoteRenderingDomain": "westeurope.mixedreality.azure.com",
            "vmSize": "standard",
            "maxLeaseTime": "4:00:00"
        },
        "assetConversionSettings": {
            "storageAccountName": "mystorage",
            "blobInputContainerName": "arrinput",
            "inputAssetPath": "robot.fbx",
            "outputFolderPath": null
        }
    });
    assert_fits("arrconfig.json", &schema, &sample);
    let mut wrong = sample.clone();
    wrong["renderingSessionSettings"]["vmSize"] = Value::from(3);
    assert_eq!(violations(&schema, &schema, &wrong, "$").len(), 1);
    // `--output` does not change a schema: it is JSON either way.
    assert_eq!(
        schema_of(&["--output", "table", "config", "schema"]),
        schema
    );
}

#[test]
fn config_and_stop_all_documents_match_their_schemas() {
    let fx = Fixture::start();
    fx.ok(&["session", "start", "--id", "s1"]);
    fx.ok(&["session", "start", "--id", "s2"]);
    let stopped = json_exiting(&fx, 0, &["session", "stop", "--all", "--yes"]);
    assert_eq!(
        stopped["sessions"].as_array().unwrap().len(),
        2,
        "{stopped}"
    );
    let shown = json_exiting(&fx, 0, &["config", "show"]);
    let valid = json_exiting(&fx, 0, &["config", "validate"]);
    let invalid = json_exiting(&fx, 2, &["config", "validate", "--endpoint", "ftp://x"]);
    assert!(
        !invalid["problems"].as_array().unwrap().is_empty(),
        "{invalid}"
    );
    for (name, document) in [
        ("session-stop-all", &stopped),
        ("config-show", &shown),
        ("config-validate", &valid),
        ("config-validate", &invalid),
    ] {
        assert_fits(name, &schema_of(&["schema", name]), document);
    }
}
