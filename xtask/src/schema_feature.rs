//! Puts the generated `schemars::JsonSchema` implementations behind the
//! generated crate's `schemars` feature.
//!
//! Progenitor derives `JsonSchema` unconditionally when asked to; the
//! schemas serve only the crate's own schema tests and callers who want
//! them, while schemars and its derive macro (with its own `syn`) would be
//! built by every crate that depends on the client. So, after generation:
//! `schemars::JsonSchema` leaves each `#[derive(..)]` for a
//! `#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]`,
//! `#[schemars(..)]` helper attributes move under the same `cfg_attr`, and
//! hand-written `impl ::schemars::JsonSchema for ..` items (typify writes
//! some) get `#[cfg(feature = "schemars")]`.

use syn::punctuated::Punctuated;
use syn::{Attribute, Fields, Item, Meta, Path, Token, parse_quote};

/// The cargo feature of the generated crate that turns the schemas on.
pub const FEATURE: &str = "schemars";

/// Gates every `JsonSchema` implementation in `file` on [`FEATURE`].
pub fn gate_json_schema(file: &mut syn::File) -> syn::Result<()> {
    gate_items(&mut file.items)
}

fn gate_items(items: &mut [Item]) -> syn::Result<()> {
    for item in items {
        match item {
            Item::Struct(item) => {
                gate_derive(&mut item.attrs)?;
                gate_fields(&mut item.fields);
            }
            Item::Enum(item) => {
                gate_derive(&mut item.attrs)?;
                for variant in &mut item.variants {
                    gate_helpers(&mut variant.attrs);
                    gate_fields(&mut variant.fields);
                }
            }
            Item::Union(item) => {
                gate_derive(&mut item.attrs)?;
                for field in &mut item.fields.named {
                    gate_helpers(&mut field.attrs);
                }
            }
            Item::Impl(item) => {
                let implements_json_schema = item
                    .trait_
                    .as_ref()
                    .is_some_and(|(_, path, _)| is_json_schema(path));
                if implements_json_schema {
                    item.attrs.push(parse_quote!(#[cfg(feature = #FEATURE)]));
                }
            }
            Item::Mod(module) => {
                if let Some((_, content)) = &mut module.content {
                    gate_items(content)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Moves `JsonSchema` out of the item's derive lists into a `cfg_attr`
/// placed right after them, and gates the item's helper attributes.
fn gate_derive(attrs: &mut Vec<Attribute>) -> syn::Result<()> {
    let mut derived_json_schema = None;
    for (index, attr) in attrs.iter_mut().enumerate() {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let derives = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)?;
        if !derives.iter().any(is_json_schema) {
            continue;
        }
        let kept: Vec<&Path> = derives
            .iter()
            .filter(|path| !is_json_schema(path))
            .collect();
        *attr = parse_quote!(#[derive(#(#kept),*)]);
        derived_json_schema = Some(index);
    }
    gate_helpers(attrs);
    if let Some(index) = derived_json_schema {
        attrs.insert(
            index + 1,
            parse_quote!(#[cfg_attr(feature = #FEATURE, derive(schemars::JsonSchema))]),
        );
        // A derive list left empty would be `#[derive()]`: drop it.
        if matches!(&attrs[index].meta, Meta::List(list) if list.tokens.is_empty()) {
            attrs.remove(index);
        }
    }
    Ok(())
}

fn gate_fields(fields: &mut Fields) {
    for field in fields.iter_mut() {
        gate_helpers(&mut field.attrs);
    }
}

/// `#[schemars(..)]` is only known where the derive runs.
fn gate_helpers(attrs: &mut [Attribute]) {
    for attr in attrs {
        let Meta::List(list) = &attr.meta else {
            continue;
        };
        if list.path.is_ident("schemars") {
            let tokens = &list.tokens;
            *attr = parse_quote!(#[cfg_attr(feature = #FEATURE, schemars(#tokens))]);
        }
    }
}

/// `schemars::JsonSchema` or `::schemars::JsonSchema`.
fn is_json_schema(path: &Path) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments == ["schemars", "JsonSchema"]
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn gated(source: &str) -> String {
        let mut file: syn::File = syn::parse_str(source).expect("test source parses");
        gate_json_schema(&mut file).expect("derive lists parse");
        file.to_token_stream().to_string()
    }

    #[test]
    fn the_derive_moves_under_the_feature_and_the_others_stay() {
        let out = gated(
            "pub mod types { #[derive(Clone, schemars::JsonSchema, Debug)] \
             pub struct A { #[schemars(skip)] pub x: u8 } }",
        );
        assert!(out.contains("# [derive (Clone , Debug)]"), "{out}");
        assert!(
            out.contains("# [cfg_attr (feature = \"schemars\" , derive (schemars :: JsonSchema))]"),
            "{out}"
        );
        assert!(
            out.contains("# [cfg_attr (feature = \"schemars\" , schemars (skip))]"),
            "{out}"
        );
        assert!(!out.contains("Clone , schemars"), "{out}");
    }

    #[test]
    fn hand_written_impls_are_gated_and_other_impls_are_not() {
        let out = gated(
            "impl ::schemars::JsonSchema for A {} \
             impl ::std::fmt::Display for A {}",
        );
        assert!(
            out.starts_with("# [cfg (feature = \"schemars\")] impl :: schemars :: JsonSchema"),
            "{out}"
        );
        assert_eq!(out.matches("cfg (feature").count(), 1, "{out}");
    }

    #[test]
    fn a_derive_of_only_json_schema_leaves_no_empty_list() {
        let out = gated("#[derive(schemars::JsonSchema)] enum E { #[schemars(rename = \"b\")] B }");
        assert!(!out.contains("derive ()"), "{out}");
        assert!(
            out.contains("cfg_attr (feature = \"schemars\" , derive"),
            "{out}"
        );
        assert!(
            out.contains("cfg_attr (feature = \"schemars\" , schemars (rename = \"b\"))"),
            "{out}"
        );
    }
}
