//! The committed generated outputs are exactly what `cargo xtask codegen`
//! would write now, so a plain `cargo test` catches a forgotten regeneration,
//! and the generated files say where they come from.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use workspace_tests::workspace_root;

/// The spec file whose surface the field-deletion test watches.
const STABLE_SPEC: &str = "arr-2021-01-01";

#[test]
fn committed_codegen_outputs_are_current() {
    let root = workspace_root();
    let plan = xtask::codegen::plan(&root).expect("codegen plan from spec/swagger");
    assert!(
        !plan.outputs.is_empty(),
        "codegen planned no outputs at all"
    );
    let stale = xtask::codegen::check(&root, &plan).expect("comparing with committed files");
    if !stale.is_empty() {
        let mut report = String::new();
        for file in &stale {
            report.push_str(&file.diff);
        }
        let paths: Vec<String> = stale.iter().map(|s| s.path.display().to_string()).collect();
        panic!(
            "{report}\n{} committed codegen output(s) are stale: {}\nrun `cargo xtask codegen` and commit the result",
            stale.len(),
            paths.join(", ")
        );
    }
}

/// `version = "..."` of `name = { ... }` in the `[workspace.dependencies]` table.
fn workspace_dependency_version(manifest: &str, name: &str) -> Option<String> {
    let mut in_table = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_table = line == "[workspace.dependencies]";
            continue;
        }
        if !in_table {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() != name {
            continue;
        }
        let value = value.trim();
        if let Some(plain) = value.strip_prefix('"') {
            return plain.split('"').next().map(String::from);
        }
        let after = value.split("version").nth(1)?;
        let after = after.trim_start().strip_prefix('=')?.trim_start();
        return after.strip_prefix('"')?.split('"').next().map(String::from);
    }
    None
}

/// The resolved version of `name` in `Cargo.lock` (all of them, if several).
fn locked_versions(lock: &str, name: &str) -> Vec<String> {
    let wanted = format!("name = \"{name}\"");
    let mut versions = Vec::new();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted
            && let Some(version) = lines.next()
            && let Some(v) = version.trim().strip_prefix("version = \"")
        {
            versions.push(v.trim_end_matches('"').to_string());
        }
    }
    versions
}

#[test]
fn progenitor_pin_matches_the_generator_version() {
    let root = workspace_root();
    let manifest = fs::read_to_string(root.join("Cargo.toml")).expect("reading Cargo.toml");
    let expected = format!("={}", xtask::generate::PROGENITOR_VERSION);
    for crate_name in ["progenitor", "progenitor-client"] {
        let pin = workspace_dependency_version(&manifest, crate_name)
            .unwrap_or_else(|| panic!("no `{crate_name}` in [workspace.dependencies]"));
        assert_eq!(
            pin, expected,
            "`{crate_name}` must be pinned exactly to the version xtask::generate::PROGENITOR_VERSION names"
        );
    }
    let lock = fs::read_to_string(root.join("Cargo.lock")).expect("reading Cargo.lock");
    for crate_name in ["progenitor", "progenitor-client"] {
        assert_eq!(
            locked_versions(&lock, crate_name),
            vec![xtask::generate::PROGENITOR_VERSION.to_string()],
            "Cargo.lock resolves `{crate_name}` to another version"
        );
    }
}

#[test]
fn manifest_parsing_helpers_can_fail() {
    let manifest = "[workspace.dependencies]\nprogenitor = { version = \"=0.9.0\", default-features = false }\nprogenitor-client = \"0.15.1\"\n[dependencies]\nsimilar = \"2\"\n";
    assert_eq!(
        workspace_dependency_version(manifest, "progenitor").as_deref(),
        Some("=0.9.0")
    );
    assert_eq!(
        workspace_dependency_version(manifest, "progenitor-client").as_deref(),
        Some("0.15.1")
    );
    assert_eq!(workspace_dependency_version(manifest, "similar"), None);
    let lock = "[[package]]\nname = \"progenitor\"\nversion = \"0.14.0\"\n";
    assert_eq!(locked_versions(lock, "progenitor"), vec!["0.14.0"]);
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn generated_module_path(root: &Path, module: &str) -> PathBuf {
    root.join(xtask::codegen::GENERATED_DIR)
        .join(format!("{module}.rs"))
}

#[test]
fn generated_headers_name_input_digest_and_generator() {
    let root = workspace_root();
    let specs = xtask::codegen::spec_files(&root).expect("listing spec/swagger");
    assert!(
        specs.len() >= 4,
        "expected the four committed API descriptions"
    );
    for spec in specs {
        let input = fs::read(root.join(&spec.path)).expect("reading spec file");
        let path = generated_module_path(&root, &spec.module);
        let generated =
            fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let header: Vec<&str> = generated.lines().take(3).collect();
        let expected = [
            "// @generated by `cargo xtask codegen`. DO NOT EDIT: change the spec and regenerate."
                .to_string(),
            format!(
                "// Input: {} (SHA-256 {})",
                spec.path.display(),
                sha256_hex(&input)
            ),
            format!(
                "// Generator: progenitor {}",
                xtask::generate::PROGENITOR_VERSION
            ),
        ];
        assert_eq!(
            header,
            expected,
            "{} has a header that does not match {}",
            path.display(),
            spec.path.display()
        );
    }
    let mod_rs = fs::read_to_string(root.join(xtask::codegen::GENERATED_DIR).join("mod.rs"))
        .expect("reading generated/mod.rs");
    assert!(
        mod_rs.starts_with("// @generated by `cargo xtask codegen`. DO NOT EDIT"),
        "generated/mod.rs lacks the generated header"
    );
}

/// Copies `from` into `to` recursively (only what `plan` reads: spec/).
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("creating folder");
    for entry in fs::read_dir(from).expect("reading folder") {
        let entry = entry.expect("folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copying file");
        }
    }
}

/// Runs `plan` on a copy of spec/ where `edit` changed the stable Swagger
/// file, and returns (committed listing, new listing) of the stable module.
fn stable_surface_after(edit: impl FnOnce(&mut serde_json::Value)) -> (String, String) {
    let root = workspace_root();
    let scratch = tempfile::tempdir().expect("temporary folder");
    copy_dir(&root.join("spec"), &scratch.path().join("spec"));
    let stable = xtask::codegen::find_spec(&root, STABLE_SPEC).expect("the stable spec file");
    let swagger_path = scratch.path().join(&stable.path);
    let mut swagger: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&swagger_path).expect("reading copy"))
            .expect("stable spec is JSON");
    edit(&mut swagger);
    fs::write(
        &swagger_path,
        serde_json::to_string_pretty(&swagger).expect("serializing"),
    )
    .expect("writing copy");

    let plan = xtask::codegen::plan(scratch.path()).expect("codegen plan on the edited copy");
    let listing_path = xtask::codegen::surface_path(&stable);
    let new = plan
        .outputs
        .iter()
        .find(|o| o.path == listing_path)
        .expect("the plan writes the stable surface listing")
        .contents
        .clone();
    let committed =
        fs::read_to_string(root.join(&listing_path)).expect("reading committed listing");
    (committed, new)
}

/// (removed lines, added lines) going from `old` to `new`.
fn changed_lines(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Delete => removed.push(change.value().to_string()),
            similar::ChangeTag::Insert => added.push(change.value().to_string()),
            similar::ChangeTag::Equal => {}
        }
    }
    (removed, added)
}

#[test]
fn deleting_a_field_changes_the_surface_by_exactly_that_field() {
    let (committed, new) = stable_surface_after(|swagger| {
        let properties = swagger
            .pointer_mut("/definitions/session_properties/properties")
            .and_then(|p| p.as_object_mut())
            .expect("session_properties has properties");
        assert!(
            properties.shift_remove("hostname").is_some(),
            "session_properties.hostname is gone from the spec; pick another field"
        );
    });
    let (removed, added) = changed_lines(&committed, &new);
    assert_eq!(
        removed,
        vec!["  hostname: Option<String>\n".to_string()],
        "surface diff:\n{}",
        similar::TextDiff::from_lines(&committed, &new).unified_diff()
    );
    assert!(added.is_empty(), "unexpected new surface lines: {added:?}");
}

#[test]
fn an_unchanged_copy_gives_the_committed_surface() {
    // The control for the test above: the copy itself changes nothing.
    let (committed, new) = stable_surface_after(|_| {});
    assert_eq!(changed_lines(&committed, &new), (Vec::new(), Vec::new()));
}
