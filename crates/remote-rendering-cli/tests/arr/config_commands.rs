//! `arr config show` (effective settings, their sources, secrets masked) and
//! `arr config validate` (placeholders and bad values, no network call).

use super::*;

/// stdout and stderr of one run, with its exit code.
fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let output = cmd.output().unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn temp_config(json: &Value) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, json.to_string().as_bytes()).unwrap();
    file
}

/// The `config show --output json` entry named `name`.
fn setting<'a>(document: &'a Value, name: &str) -> &'a Value {
    document["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no setting {name}: {document:#}"))
}

/// Runs `config show` in both formats; asserts no secret appears anywhere
/// and returns the JSON document and the table.
fn show(cmd: impl Fn() -> Command, flags: &[&str], secrets: &[&str]) -> (Value, String) {
    let mut outputs = Vec::new();
    for format in ["table", "json"] {
        let (code, stdout, stderr) = run(cmd()
            .args(["--output", format, "config", "show"])
            .args(flags));
        assert_eq!(code, Some(0), "{stdout}{stderr}");
        for secret in secrets {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{format}: a secret was printed:\n{stdout}{stderr}"
            );
        }
        outputs.push(stdout);
    }
    let table = outputs.remove(0);
    (serde_json::from_str(&outputs[0]).unwrap(), table)
}

#[test]
fn config_show_masks_secrets_from_env_and_names_sources() {
    let fx = Fixture::start();
    let key = fx.emulator.account_key();
    let (doc, table) = show(
        || {
            let mut cmd = fx.arr();
            cmd.env("ARR_STORAGE_KEY", "storage-secret-1")
                .env(
                    "ARR_STORAGE_ENDPOINT",
                    "http://acct:password-secret-6@127.0.0.1:10000/acct?sig=sas-secret-7",
                )
                .env("ARR_INPUT_SAS", "sv=2020&sig=input-secret-2")
                .env("ARR_OUTPUT_SAS", "sv=2020&sig=output-secret-3");
            cmd
        },
        &[],
        &[
            &key,
            "storage-secret-1",
            "input-secret-2",
            "output-secret-3",
            "password-secret-6",
            "sas-secret-7",
        ],
    );
    let key_setting = setting(&doc, "accountKey");
    assert_eq!(key_setting["value"], Value::Null);
    assert_eq!(key_setting["secret"], true);
    assert_eq!(key_setting["set"], true);
    assert_eq!(key_setting["source"], "env ARR_ACCOUNT_KEY");
    for (name, source) in [
        ("storageKey", "env ARR_STORAGE_KEY"),
        ("inputSas", "env ARR_INPUT_SAS"),
        ("outputSas", "env ARR_OUTPUT_SAS"),
    ] {
        assert_eq!(setting(&doc, name)["source"], source);
        assert_eq!(setting(&doc, name)["value"], Value::Null);
    }
    assert_eq!(
        setting(&doc, "storageEndpoint")["value"],
        "http://127.0.0.1:10000/acct?(query hidden)"
    );
    let id = setting(&doc, "accountId");
    assert_eq!(id["value"], fx.emulator.account_id().to_string());
    assert_eq!(id["source"], "env ARR_ACCOUNT_ID");
    assert_eq!(setting(&doc, "endpoint")["source"], "env ARR_ENDPOINT");
    assert_eq!(setting(&doc, "apiVersion")["source"], "default");
    assert_eq!(setting(&doc, "sessionLease")["value"], "4h");
    assert_eq!(doc["configFile"], Value::Null);
    // The table says the same.
    assert!(
        table.lines().any(|l| l.starts_with("accountKey")
            && l.contains("(set, hidden)")
            && l.ends_with("env ARR_ACCOUNT_KEY")),
        "{table}"
    );
    assert!(has_row(&table, "storageAccount", "(not set)"), "{table}");
}

#[test]
fn config_show_masks_secrets_from_flags_and_the_file() {
    let file = temp_config(&serde_json::json!({
        "accountSettings": {
            "arrAccountId": "30ea64bd-100f-4bf0-adc9-29fa45d4880c",
            "arrAccountKey": "file-secret-key-4",
            "region": "westus2"
        },
        "renderingSessionSettings": {"vmSize": "PREMIUM", "maxLeaseTime": "1:30:00"},
        "assetConversionSettings": {
            "storageAccountName": "mystorage",
            "blobInputContainerName": "arrinput"
        }
    }));
    let path = file.path().to_str().unwrap();
    // From the file alone; nothing is sent, so no server is needed.
    let (doc, _) = show(
        || {
            let mut cmd = arr();
            cmd.args(["--config", path]);
            cmd
        },
        &[],
        &["file-secret-key-4"],
    );
    assert_eq!(doc["configFile"], path);
    let key = setting(&doc, "accountKey");
    assert_eq!(key["source"], "config accountSettings.arrAccountKey");
    assert_eq!(key["value"], Value::Null);
    assert_eq!(
        setting(&doc, "region")["source"],
        "config accountSettings.region"
    );
    let endpoint = setting(&doc, "endpoint");
    assert_eq!(
        endpoint["value"],
        "https://remoterendering.westus2.mixedreality.azure.com"
    );
    assert_eq!(endpoint["source"], "derived from the region");
    assert_eq!(
        setting(&doc, "stsEndpoint")["value"],
        "https://sts.westus2.mixedreality.azure.com"
    );
    assert_eq!(setting(&doc, "sessionSize")["value"], "Premium");
    assert_eq!(setting(&doc, "sessionLease")["value"], "1h30m");
    assert_eq!(
        setting(&doc, "inputContainer")["value"],
        "https://mystorage.blob.core.windows.net/arrinput"
    );
    assert_eq!(setting(&doc, "storageKey")["set"], false);

    // A flag beats the file, and is masked just the same.
    let (doc, _) = show(
        || {
            let mut cmd = arr();
            cmd.args(["--config", path, "--api-version", "2021-01-01"]);
            cmd
        },
        &["--account-key", "flag-secret-key-5", "--retries", "2"],
        &["flag-secret-key-5", "file-secret-key-4"],
    );
    assert_eq!(setting(&doc, "accountKey")["source"], "flag --account-key");
    assert_eq!(setting(&doc, "apiVersion")["source"], "flag --api-version");
    assert_eq!(setting(&doc, "retries")["value"], "2");
}

/// The sample scripts' arrconfig.json as downloaded, nothing filled in.
fn untouched_sample() -> Value {
    serde_json::json!({
        "accountSettings": {
            "arrAccountId": "<fill in the account ID from the Azure Portal>",
            "arrAccountKey": "<fill in the account key from the Azure Portal>",
            "region": "<select from available regions: australiaeast, eastus, eastus2, japaneast, northeurope, southcentralus, southeastasia, uksouth, westeurope, westus2>"
        },
        "renderingSessionSettings": {"vmSize": "<standard or premium>", "maxLeaseTime": "<hh:mm:ss>"},
        "assetConversionSettings": {
            "storageAccountName": "<name of the storage account you created>",
            "inputFolderPath": "<optional: base folder path in the input container for asset upload. uses / as dir separator>"
        }
    })
}

#[test]
fn config_validate_names_each_placeholder_and_sends_nothing() {
    let fx = Fixture::start();
    let file = temp_config(&untouched_sample());
    let path = file.path().to_str().unwrap();
    let (code, stdout, stderr) = run(arr()
        .env("ARR_ENDPOINT", fx.emulator.endpoint().as_str())
        .args(["--config", path, "config", "validate"]));
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    for key in [
        "accountSettings.arrAccountId",
        "accountSettings.arrAccountKey",
        "accountSettings.region",
        "renderingSessionSettings.vmSize",
        "renderingSessionSettings.maxLeaseTime",
        "assetConversionSettings.storageAccountName",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(&format!(
                "error: {key}: still holds the sample's placeholder"
            ))),
            "{key}:\n{stdout}"
        );
    }
    assert!(
        stdout.contains("warning: assetConversionSettings.inputFolderPath"),
        "{stdout}"
    );
    assert!(
        stderr.contains("the configuration is not valid"),
        "{stderr}"
    );

    let (code, stdout, _) = run(arr()
        .env("ARR_ENDPOINT", fx.emulator.endpoint().as_str())
        .args(["--config", path, "--output", "json", "config", "validate"]));
    assert_eq!(code, Some(2));
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["valid"], false);
    let problems = doc["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["setting"] == "accountSettings.arrAccountId" && p["severity"] == "error"),
        "{doc:#}"
    );
    assert!(fx.emulator.requests().is_empty(), "validate sent requests");
}

#[test]
fn every_command_says_the_config_still_holds_placeholders() {
    let fx = Fixture::start();
    let file = temp_config(&untouched_sample());
    let path = file.path().to_str().unwrap();
    // The environment gives every setting, so the command works...
    let (code, _, stderr) = run(fx.arr().args(["--config", path, "session", "list"]));
    assert_eq!(code, Some(0), "{stderr}");
    // ...and still says the file is not filled in.
    assert!(
        stderr
            .contains("still holds the sample's placeholder text in accountSettings.arrAccountId"),
        "{stderr}"
    );
    // Without the environment, the missing setting names the placeholder.
    let (code, _, stderr) = run(arr().args(["--config", path, "session", "list"]));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("missing account id")
            && stderr.contains("`accountSettings.arrAccountId` in the --config file still holds the sample's placeholder text"),
        "{stderr}"
    );
}

#[test]
fn config_validate_catches_bad_values_and_accepts_good_ones() {
    let fx = Fixture::start();
    let file = temp_config(&serde_json::json!({
        "renderingSessionSettings": {"vmSize": "huge", "maxLeaseTime": "45s"}
    }));
    let path = file.path().to_str().unwrap();
    let (code, stdout, _) = run(fx
        .arr()
        .env("ARR_ENDPOINT", "ftp://example.invalid/")
        .env("ARR_STS_ENDPOINT", "not a url")
        .args(["--config", path, "config", "validate"]));
    assert_eq!(code, Some(2), "{stdout}");
    for expected in [
        "error: renderingSessionSettings.vmSize: is neither `standard` nor `premium`",
        "error: renderingSessionSettings.maxLeaseTime:",
        "error: endpoint: `ftp://example.invalid/` (env ARR_ENDPOINT) is not an http(s) URL",
        "error: stsEndpoint: the value of env ARR_STS_ENDPOINT is not a URL",
    ] {
        assert!(stdout.contains(expected), "{expected}:\n{stdout}");
    }

    // What only the client checks: the account id is not a UUID.
    let (code, stdout, _) = run(fx
        .arr()
        .env("ARR_ACCOUNT_ID", "my-account")
        .args(["config", "validate"]));
    assert_eq!(code, Some(2), "{stdout}");
    assert!(stdout.starts_with("error: connection:"), "{stdout}");

    // Missing settings are named with every way to give them.
    let (code, stdout, _) = run(arr().args(["config", "validate"]));
    assert_eq!(code, Some(2));
    assert!(
        stdout.contains("error: accountId: missing: pass --account-id, set ARR_ACCOUNT_ID"),
        "{stdout}"
    );

    let (code, stdout, stderr) = run(fx.arr().args(["config", "validate"]));
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert_eq!(stdout, "The configuration is valid.\n");
    let (code, stdout, _) = run(fx.arr().args(["--output", "json", "config", "validate"]));
    assert_eq!(code, Some(0));
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["problems"], serde_json::json!([]));
    assert!(fx.emulator.requests().is_empty(), "validate sent requests");
}
