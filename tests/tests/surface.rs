//! The generated public surface of each API version, as a reviewable listing.
//!
//! `cargo xtask codegen` writes `snapshots/surface__<module>.snap`; this test
//! recomputes each listing from the committed OpenAPI document and generated
//! module and asserts it with insta, so a hand edit of a generated file, or a
//! stale snapshot, fails here with a readable diff of operations and types.

use std::fs;

use workspace_tests::workspace_root;

/// `(spec file stem, generated module)` for every committed API version.
const MODULES: [(&str, &str); 3] = [
    ("arr-2021-01-01", "arr_2021_01_01"),
    ("arr-2021-01-01-preview", "arr_2021_01_01_preview"),
    ("sts-2019-02-28-preview", "sts_2019_02_28_preview"),
];

fn committed_listing(stem: &str, module: &str) -> String {
    let root = workspace_root();
    let openapi_path = root
        .join(xtask::codegen::OPENAPI_DIR)
        .join(format!("{stem}.json"));
    let openapi_text = fs::read_to_string(&openapi_path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", openapi_path.display()));
    let document: openapiv3::OpenAPI = serde_json::from_str(&openapi_text)
        .unwrap_or_else(|e| panic!("{} is not OpenAPI 3.0: {e}", openapi_path.display()));
    let generated_path = root
        .join(xtask::codegen::GENERATED_DIR)
        .join(format!("{module}.rs"));
    let generated = fs::read_to_string(&generated_path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", generated_path.display()));
    xtask::surface::listing(module, &document, &generated)
        .unwrap_or_else(|e| panic!("listing the surface of {module}: {e:#}"))
}

#[test]
fn every_spec_file_has_a_surface_case() {
    // A new API version dropped into spec/swagger/ must be added to MODULES.
    let specs = xtask::codegen::spec_files(&workspace_root()).expect("listing spec/swagger");
    let found: Vec<(String, String)> = specs.into_iter().map(|s| (s.stem, s.module)).collect();
    let listed: Vec<(String, String)> = MODULES
        .iter()
        .map(|(s, m)| (s.to_string(), m.to_string()))
        .collect();
    assert_eq!(found, listed, "spec/swagger/ and MODULES disagree");
}

#[test]
fn surface_arr_2021_01_01() {
    let (stem, module) = MODULES[0];
    let listing = committed_listing(stem, module);
    insta::assert_snapshot!(module, listing);
}

#[test]
fn surface_arr_2021_01_01_preview() {
    let (stem, module) = MODULES[1];
    let listing = committed_listing(stem, module);
    insta::assert_snapshot!(module, listing);
}

#[test]
fn surface_sts_2019_02_28_preview() {
    let (stem, module) = MODULES[2];
    let listing = committed_listing(stem, module);
    insta::assert_snapshot!(module, listing);
}
