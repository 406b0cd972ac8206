//! The API version bump drill, in a temporary copy of the workspace: drop a
//! copy of the stable spec file under a new version name with one added
//! field, run codegen, and check that
//!
//! * a new module appears, registered with the version read from the file;
//! * `cargo xtask codegen --diff OLD NEW` reports exactly that one field;
//! * codegen wrote only files it owns, and the generated crate and its tests
//!   (whose schema cases now include the new module's types) compile with
//!   `cargo check --offline`, so no hand-written file needed an edit.
//!
//! The copy lives at `<target>/bump-drill/workspace` (recreated on each run)
//! and checks into its own target folder `<target>/bump-drill/target`, kept
//! between runs so that only the first one builds the dependencies. It must
//! not share the workspace's target folder: cargo gives the copy's crates the
//! same artifact names as the real ones, and would then take one for the
//! other.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const STABLE: &str = "arr-2021-01-01";
const BUMPED: &str = "arr-2099-01-01";
/// Upper bound for the cargo run in the copy (seconds when its target folder
/// is warm; a few minutes cold on 2 cores).
const CARGO_TIMEOUT: Duration = Duration::from_secs(900);

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace root")
        .to_path_buf()
}

/// The target folder this test was built into (`<target>/debug/deps/<exe>`),
/// wherever `CARGO_TARGET_DIR` put it.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    exe.ancestors()
        .nth(3)
        .expect("the test runs from <target>/<profile>/deps")
        .to_path_buf()
}

/// Copies the parts of the workspace cargo needs (sources and manifests; no
/// `target/`, hidden folders or symlinks).
fn copy_workspace(from: &Path, to: &Path) {
    for name in ["Cargo.toml", "Cargo.lock"] {
        fs::copy(from.join(name), to.join(name)).expect("copying a manifest");
    }
    for dir in ["crates", "spec", "tests", "xtask"] {
        copy_dir(&from.join(dir), &to.join(dir));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("creating a folder");
    for entry in fs::read_dir(from).expect("reading a folder") {
        let entry = entry.expect("folder entry");
        let name = entry.file_name();
        // Build outputs and hidden folders (`.git`, the Python tests'
        // `.venv`) are no part of the sources; symlinks are not followed.
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        let target = to.join(&name);
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_file() {
            fs::copy(entry.path(), &target).expect("copying a file");
        }
    }
}

/// Every file under `root` (relative path -> contents).
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).expect("reading a folder") {
            let path = entry.expect("folder entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).expect("inside").to_path_buf();
                out.insert(relative, fs::read(&path).expect("reading a file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The stable spec under a new version name, with one more optional field in
/// `session_properties`.
fn write_bumped_spec(copy: &Path) {
    let swagger_dir = copy.join(xtask::codegen::SWAGGER_DIR);
    let text = fs::read_to_string(swagger_dir.join(format!("{STABLE}.json"))).expect("stable");
    let mut spec: serde_json::Value = serde_json::from_str(&text).expect("stable spec is JSON");
    spec["info"]["version"] = serde_json::Value::from("2099-01-01");
    spec.pointer_mut("/definitions/session_properties/properties")
        .and_then(|p| p.as_object_mut())
        .expect("session_properties has properties")
        .insert(
            "drillField".into(),
            serde_json::json!({ "type": "string", "description": "Added by the bump drill." }),
        );
    let mut bumped = serde_json::to_string_pretty(&spec).expect("serializing");
    bumped.push('\n');
    fs::write(swagger_dir.join(format!("{BUMPED}.json")), bumped).expect("writing");
}

/// Runs `cargo` in `dir` with a deadline; returns (success, output).
fn cargo(dir: &Path, args: &[&str], target_dir: &Path) -> (bool, String) {
    let mut child = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_TERM_COLOR", "never")
        .env_remove("RUSTFLAGS")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting cargo");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("waiting for cargo").is_some() {
            break;
        }
        if started.elapsed() > CARGO_TIMEOUT {
            let _ = child.kill();
            panic!("cargo {args:?} ran longer than {CARGO_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let output = child.wait_with_output().expect("cargo output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn adding_a_version_is_drop_the_file_and_run_codegen() {
    let root = workspace_root();
    let drill_dir = target_dir().join("bump-drill");
    let copy = &drill_dir.join("workspace");
    if copy.exists() {
        fs::remove_dir_all(copy).expect("removing the previous drill copy");
    }
    fs::create_dir_all(copy).expect("creating the drill copy");
    copy_workspace(&root, copy);
    write_bumped_spec(copy);
    let before = snapshot(copy);

    let started = Instant::now();
    let plan = xtask::codegen::plan(copy).expect("codegen plan in the copy");
    xtask::codegen::write(copy, &plan).expect("writing codegen outputs in the copy");
    let codegen_time = started.elapsed();

    // Only codegen's own outputs changed or appeared.
    let after = snapshot(copy);
    let owned: Vec<&PathBuf> = plan.outputs.iter().map(|o| &o.path).collect();
    for (path, contents) in &after {
        if before.get(path) != Some(contents) {
            assert!(
                owned.contains(&path),
                "codegen changed {}, which it does not own",
                path.display()
            );
        }
    }
    // The new module exists and is registered, with the version from the file.
    let module = fs::read_to_string(
        copy.join(xtask::codegen::GENERATED_DIR)
            .join("arr_2099_01_01.rs"),
    )
    .expect("the new module was written");
    assert!(module.contains("pub const API_VERSION: &str = \"2099-01-01\";"));
    let registry = fs::read_to_string(copy.join(xtask::codegen::GENERATED_DIR).join("mod.rs"))
        .expect("generated/mod.rs");
    assert!(registry.contains("pub mod arr_2099_01_01;"), "{registry}");
    assert!(registry.contains("api_version: arr_2099_01_01::API_VERSION,"));

    // The reviewer's view: exactly the added field.
    let changes =
        xtask::codegen::surface_changes(copy, STABLE, BUMPED).expect("diffing the surfaces");
    assert_eq!(
        changes,
        vec!["+ type SessionProperties field drill_field \"drillField\": Option<String>"]
    );

    // Nothing hand-written needed an edit: the generated crate and its tests
    // (schema cases of the new module included) compile.
    let started = Instant::now();
    let (ok, output) = cargo(
        copy,
        &[
            "check",
            "--offline",
            "--locked",
            "-p",
            "remote-rendering-rest",
            "--lib",
            "--tests",
        ],
        &drill_dir.join("target"),
    );
    assert!(
        ok,
        "the generated crate does not compile in the copy:\n{output}"
    );
    println!(
        "bump drill: codegen {:.1}s, cargo check of the generated crate {:.1}s",
        codegen_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}
