//! `cargo xtask codegen`: every output derived from `spec/swagger/`, computed
//! in memory, then written (or compared with what is committed).

use crate::convert::{self, Rewrite};
use crate::generate::{self, PROGENITOR_VERSION};
use crate::registry::{self, VersionEntry};
use crate::surface;
use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where the Swagger 2.0 inputs live, relative to the workspace root.
pub const SWAGGER_DIR: &str = "spec/swagger";
/// Where the derived OpenAPI 3.0.3 documents are written.
pub const OPENAPI_DIR: &str = "spec/openapi";
/// Where the generated Rust modules are written.
pub const GENERATED_DIR: &str = "crates/remote-rendering-rest/src/generated";
/// The generated list of schema test cases (one per component schema).
pub const SCHEMA_CASES: &str = "crates/remote-rendering-rest/tests/generated_code/schema_cases.rs";
/// Where the surface listings (one reviewable text file per version) are written.
pub const SURFACE_DIR: &str = "spec/surface";

/// One API description in `spec/swagger/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecFile {
    /// File stem, e.g. `arr-2021-01-01`.
    pub stem: String,
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// Rust module name, e.g. `arr_2021_01_01`.
    pub module: String,
}

/// One file that codegen owns.
#[derive(Debug, Clone)]
pub struct Output {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// Full expected contents.
    pub contents: String,
}

/// Everything one codegen run produces.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Files to write, in a stable order.
    pub outputs: Vec<Output>,
    /// Rewrites per spec file stem, for `--explain`.
    pub rewrites: Vec<(String, Vec<Rewrite>)>,
}

/// A committed file that differs from what codegen would write.
#[derive(Debug, Clone)]
pub struct Stale {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// Unified diff from the committed file to the expected one.
    pub diff: String,
}

/// Lists `spec/swagger/*.json`, sorted by name.
pub fn spec_files(root: &Path) -> Result<Vec<SpecFile>> {
    let dir = root.join(SWAGGER_DIR);
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .context("spec file name is not UTF-8")?
            .to_string();
        let module = module_name(&stem)?;
        files.push(SpecFile {
            path: Path::new(SWAGGER_DIR).join(path.file_name().expect("has a name")),
            stem,
            module,
        });
    }
    files.sort_by(|a, b| a.stem.cmp(&b.stem));
    anyhow::ensure!(!files.is_empty(), "no *.json files in {}", dir.display());
    Ok(files)
}

/// `arr-2021-01-01` -> `arr_2021_01_01`.
pub fn module_name(stem: &str) -> Result<String> {
    let module = stem.replace(['-', '.'], "_").to_ascii_lowercase();
    anyhow::ensure!(
        module.starts_with(|c: char| c.is_ascii_lowercase())
            && module
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "spec file `{stem}.json` does not give a Rust module name; name it like `arr-2021-01-01.json`"
    );
    Ok(module)
}

/// Everything generated from one spec file.
#[derive(Debug, Clone)]
pub struct Version {
    /// The registry facts of the file.
    pub entry: VersionEntry,
    /// The OpenAPI 3.0.3 document, pretty-printed.
    pub openapi_json: String,
    /// The generated Rust module.
    pub module: String,
    /// The surface listing (see [`surface`]).
    pub listing: String,
    /// The rewrites the conversion applied.
    pub rewrites: Vec<Rewrite>,
    /// (component schema name, generated type name), for the schema test cases.
    pub component_types: Vec<(String, String)>,
}

/// Converts and generates one spec file under `root`.
pub fn build(root: &Path, spec: &SpecFile) -> Result<Version> {
    let bytes = std::fs::read(root.join(&spec.path))
        .with_context(|| format!("reading {}", spec.path.display()))?;
    let source: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not JSON", spec.path.display()))?;
    let entry = VersionEntry::from_document(spec, &source)?;
    let converted =
        convert::convert(&source).with_context(|| format!("converting {}", spec.path.display()))?;
    let typed = converted.typed().with_context(|| {
        format!(
            "the converted {} is not valid OpenAPI 3.0",
            spec.path.display()
        )
    })?;
    let mut openapi_json = serde_json::to_string_pretty(&typed)?;
    openapi_json.push('\n');

    let header = module_header(spec, &bytes);
    let mut module = generate::generate_module(&typed, &header)
        .with_context(|| format!("generating code for {}", spec.path.display()))?;
    module.push('\n');
    module.push_str(&registry::module_constants(&entry));
    let listing = surface::listing(&spec.module, &typed, &module)
        .with_context(|| format!("listing the surface of {}", spec.module))?;
    let component_types = surface::component_types(&typed, &module)
        .with_context(|| format!("matching components to types in {}", spec.module))?;
    Ok(Version {
        component_types,
        entry,
        openapi_json,
        module,
        listing,
        rewrites: converted.rewrites,
    })
}

/// Computes every output from the spec files under `root`.
pub fn plan(root: &Path) -> Result<Plan> {
    let mut outputs = Vec::new();
    let mut rewrites = Vec::new();
    let mut entries = Vec::new();
    let mut schema_cases = Vec::new();
    for spec in &spec_files(root)? {
        let version = build(root, spec)?;
        outputs.push(Output {
            path: Path::new(OPENAPI_DIR).join(format!("{}.json", spec.stem)),
            contents: version.openapi_json,
        });
        outputs.push(Output {
            path: Path::new(GENERATED_DIR).join(format!("{}.rs", spec.module)),
            contents: version.module,
        });
        outputs.push(Output {
            path: surface_path(spec),
            contents: version.listing,
        });
        rewrites.push((spec.stem.clone(), version.rewrites));
        schema_cases.push((version.entry.clone(), version.component_types));
        entries.push(version.entry);
    }
    outputs.push(Output {
        path: PathBuf::from(SCHEMA_CASES),
        contents: registry::schema_cases(&schema_cases),
    });
    outputs.push(Output {
        path: Path::new(GENERATED_DIR).join("mod.rs"),
        contents: registry::generated_mod(&entries),
    });
    Ok(Plan { outputs, rewrites })
}

/// Where the surface listing of a spec file is written.
pub fn surface_path(spec: &SpecFile) -> PathBuf {
    Path::new(SURFACE_DIR).join(format!("{}.txt", spec.stem))
}

/// Finds a spec file by file stem (`arr-2021-01-01`), module name
/// (`arr_2021_01_01`) or file name.
pub fn find_spec(root: &Path, name: &str) -> Result<SpecFile> {
    let files = spec_files(root)?;
    let wanted = name.trim_end_matches(".json");
    files
        .iter()
        .find(|s| s.stem == wanted || s.module == wanted)
        .cloned()
        .with_context(|| {
            let known: Vec<&str> = files.iter().map(|s| s.stem.as_str()).collect();
            format!(
                "no spec file `{name}` in {SWAGGER_DIR}; known: {}",
                known.join(", ")
            )
        })
}

/// The surface changes from spec file `old` to spec file `new` (names as
/// [`find_spec`] takes them), one line each; see [`crate::surface_diff`].
pub fn surface_changes(root: &Path, old: &str, new: &str) -> Result<Vec<String>> {
    let old = build(root, &find_spec(root, old)?)?;
    let new = build(root, &find_spec(root, new)?)?;
    Ok(crate::surface_diff::diff(&old.listing, &new.listing))
}

fn module_header(spec: &SpecFile, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::new();
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    format!(
        "// @generated by `cargo xtask codegen`. DO NOT EDIT: change the spec and regenerate.\n\
         // Input: {} (SHA-256 {hex})\n\
         // Generator: progenitor {PROGENITOR_VERSION}\n\n",
        spec.path.display()
    )
}

/// Writes every output, removing generated files no spec produces any more.
pub fn write(root: &Path, plan: &Plan) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for output in &plan.outputs {
        let path = root.join(&output.path);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() != Some(output.contents.as_str()) {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &output.contents)
                .with_context(|| format!("writing {}", path.display()))?;
            written.push(output.path.clone());
        }
    }
    for orphan in orphans(root, plan)? {
        std::fs::remove_file(root.join(&orphan))?;
        written.push(orphan);
    }
    Ok(written)
}

/// Compares every output with the committed files.
pub fn check(root: &Path, plan: &Plan) -> Result<Vec<Stale>> {
    let mut stale = Vec::new();
    for output in &plan.outputs {
        let committed = std::fs::read_to_string(root.join(&output.path)).unwrap_or_default();
        if committed != output.contents {
            stale.push(Stale {
                path: output.path.clone(),
                diff: unified_diff(&output.path, &committed, &output.contents),
            });
        }
    }
    for orphan in orphans(root, plan)? {
        let committed = std::fs::read_to_string(root.join(&orphan)).unwrap_or_default();
        stale.push(Stale {
            diff: unified_diff(&orphan, &committed, ""),
            path: orphan,
        });
    }
    Ok(stale)
}

/// Generated files (OpenAPI documents, modules, surface listings) that no
/// current spec produces.
fn orphans(root: &Path, plan: &Plan) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let owned = [
        (OPENAPI_DIR, "json", ""),
        (GENERATED_DIR, "rs", ""),
        (SURFACE_DIR, "txt", ""),
    ];
    for (dir, extension, prefix) in owned {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let name = entry?.file_name().to_string_lossy().to_string();
            if !name.ends_with(&format!(".{extension}")) || !name.starts_with(prefix) {
                continue;
            }
            let relative = Path::new(dir).join(&name);
            if !plan.outputs.iter().any(|o| o.path == relative) {
                found.push(relative);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// A unified diff from `old` to `new`, labelled with `path`.
pub fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let label = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{label} (committed)"),
            &format!("b/{label} (expected)"),
        )
        .to_string()
}

/// Renders the rewrites of a plan for `--explain`.
pub fn explain(plan: &Plan) -> String {
    let mut out = String::from("Rewrite rules:\n");
    for (rule, why) in convert::RULES {
        let _ = writeln!(out, "  {rule}: {why}");
    }
    for (stem, rewrites) in &plan.rewrites {
        let _ = writeln!(
            out,
            "\n{SWAGGER_DIR}/{stem}.json: {} rewrites",
            rewrites.len()
        );
        for rewrite in rewrites {
            let _ = writeln!(
                out,
                "  [{}] {}: {}",
                rewrite.rule, rewrite.path, rewrite.detail
            );
        }
    }
    out
}
