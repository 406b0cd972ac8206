//! What a conversion writes to its output container, derived from the input bytes.
//!
//! The service documented two files beside the `.arrAsset` (Microsoft Learn, "Get information
//! about conversions"): `{name}.result.json`, a JSON array with the conversion id, any warnings or
//! error, and one `{"result": ...}` summary; and `{name}.info.json`, facts about the input, the
//! output and the conversion. The emulator writes both, in a reduced form, and an `.arrAsset`
//! that is a short, deterministic digest of the model (the same input gives the same bytes).

use sha2::{Digest as _, Sha256};

/// The first line of every emulated `.arrAsset`.
pub(crate) const ASSET_MAGIC: &str = "ARRASSET-EMULATOR 1";

/// One blob to write: its name in the output container and its content.
pub(crate) struct OutputBlob {
    pub(crate) name: String,
    pub(crate) content: Vec<u8>,
}

/// `""` stays empty; anything else ends with exactly one `/`.
pub(crate) fn normalize_prefix(prefix: Option<&str>) -> String {
    let trimmed = prefix.unwrap_or_default().trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}/")
    }
}

/// The output asset's file name: the given one, else the input's file stem + `.arrAsset`.
pub(crate) fn asset_file_name(input_path: &str, given: Option<&str>) -> String {
    match given {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => {
            let name = input_path.rsplit('/').next().unwrap_or(input_path);
            let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
            format!("{stem}.arrAsset")
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The blobs of a successful conversion of `model` (the bytes of `input_path`).
pub(crate) fn successful(
    output_prefix: &str,
    asset_name: &str,
    input_path: &str,
    model: &[u8],
) -> Vec<OutputBlob> {
    let digest = hex(&Sha256::digest(model));
    let stem = asset_name.strip_suffix(".arrAsset").unwrap_or(asset_name);
    let asset = format!(
        "{ASSET_MAGIC}\nsource: {input_path}\nsource-bytes: {}\nsource-sha256: {digest}\n",
        model.len()
    );
    // The service's conversion id in this file did not correlate with the REST id.
    let result = serde_json::json!([
        {"conversionId": uuid::Uuid::new_v4().to_string()},
        {"result": "succeeded"},
    ]);
    let info = serde_json::json!({
        "files": {"input": input_path, "output": asset_name},
        "inputInfo": {"sourceBytes": model.len(), "sourceSha256": digest},
        "outputInfo": {"emulated": true},
    });
    vec![
        OutputBlob {
            name: format!("{output_prefix}{asset_name}"),
            content: asset.into_bytes(),
        },
        OutputBlob {
            name: format!("{output_prefix}{stem}.result.json"),
            content: result.to_string().into_bytes(),
        },
        OutputBlob {
            name: format!("{output_prefix}{stem}.info.json"),
            content: info.to_string().into_bytes(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_asset_is_a_digest_of_the_model_and_files_share_its_stem() {
        let blobs = successful("out/", "robot.arrAsset", "models/robot.fbx", b"abc");
        let names: Vec<&str> = blobs.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "out/robot.arrAsset",
                "out/robot.result.json",
                "out/robot.info.json"
            ]
        );
        let asset = String::from_utf8(blobs[0].content.clone()).unwrap();
        // SHA-256("abc").
        assert!(asset.contains("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        let again = successful("out/", "robot.arrAsset", "models/robot.fbx", b"abc");
        assert_eq!(again[0].content, blobs[0].content, "deterministic");
        assert_ne!(
            successful("out/", "robot.arrAsset", "models/robot.fbx", b"abd")[0].content,
            blobs[0].content
        );
        assert_eq!(asset_file_name("a/b/robot.fbx", None), "robot.arrAsset");
        assert_eq!(
            asset_file_name("robot.fbx", Some("x.arrAsset")),
            "x.arrAsset"
        );
        assert_eq!(normalize_prefix(Some("/Input")), "Input/");
        assert_eq!(normalize_prefix(None), "");
    }
}
