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
/// (`../shared/specs/upstream`, as in CI). `None` elsewhere.
pub fn upstream_specs_dir() -> Option<PathBuf> {
    let dir = workspace_root().join("../shared/specs/upstream");
    dir.is_dir().then_some(dir)
}
