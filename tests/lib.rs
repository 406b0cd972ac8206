//! Workspace-level tests live in `tests/tests/`; this library only holds
//! helpers they share.

use std::path::PathBuf;

/// The workspace root (the folder holding `spec/`, `crates/` and `xtask/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent folder")
        .to_path_buf()
}

/// The upstream Azure Swagger copies, when they sit beside the checkout
/// (`../shared/specs/upstream`). `None` elsewhere, so that a test can skip;
/// under CI (the `CI` variable is set) their absence is a failure instead.
pub fn upstream_specs_dir() -> Option<PathBuf> {
    let dir = workspace_root().join("../shared/specs/upstream");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but {} does not exist; the spec equivalence tests need it",
        dir.display()
    );
    None
}
