//! The sample files' placeholder text. The PowerShell sample's
//! `arrconfig.json` ships with values such as `<fill in the account ID from
//! the Azure Portal>`, `<standard or premium>` and `<hh:mm:ss>`; the
//! tutorials show masked values (`8*******-****-...`, `R****...l04=`); the
//! Unity samples use the all-zero account id. None of them is a setting: a
//! file still holding one is half filled in, and `arr` says so.

/// Whether `value` is placeholder text rather than a setting.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    (v.starts_with('<') && v.ends_with('>'))
        || v.contains("***")
        || matches!(v, "..." | "…")
        || is_zero_uuid(v)
}

/// Whether `value` is a placeholder of an optional key (`<optional: ...>`),
/// which may stay as it is: `arr` ignores it like an empty value.
pub fn is_optional_placeholder(value: &str) -> bool {
    value
        .trim()
        .get(..10)
        .is_some_and(|start| start.eq_ignore_ascii_case("<optional:"))
}

fn is_zero_uuid(value: &str) -> bool {
    value.len() == 36 && value.chars().all(|c| c == '0' || c == '-') && value.contains('-')
}

/// The warning every command prints when its `--config` file still holds
/// placeholders in `keys`.
pub fn warning(path: &std::path::Path, keys: &[&str]) -> String {
    format!(
        "warning: --config file {} still holds the sample's placeholder text in {}; \
         placeholders are ignored: put your values there (or remove the keys)",
        crate::escape::escape_controls(&path.display().to_string()),
        keys.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_samples_placeholders_are_recognised() {
        for text in [
            "<fill in the account ID from the Azure Portal>",
            "<select from available regions: australiaeast, eastus, westus2>",
            "<standard or premium>",
            "<hh:mm:ss>",
            " <your-region> ",
            "8*******-****-****-****-*********d7e",
            "R***************************************l04=",
            "00000000-0000-0000-0000-000000000000",
            "...",
        ] {
            assert!(is_placeholder(text), "{text}");
        }
        for text in [
            "30ea64bd-100f-4bf0-adc9-29fa45d4880c",
            "westus2",
            "4:00:00",
            "a<b>",
            "premium",
            "",
        ] {
            assert!(!is_placeholder(text), "{text}");
        }
        assert!(is_optional_placeholder(
            "<optional: base folder path in the input container>"
        ));
        assert!(!is_optional_placeholder("<hh:mm:ss>"));
    }
}
