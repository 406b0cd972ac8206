//! Runs progenitor on a converted document and formats the result.

use crate::schema_feature;
use anyhow::{Context, Result};
use proc_macro2::{Group, Ident, TokenStream, TokenTree};
use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle};
use quote::quote;

/// The progenitor version the generated code comes from (kept in sync with
/// the `=` pin in the workspace manifest; checked by a test).
pub const PROGENITOR_VERSION: &str = "0.15.1";

/// Generates the Rust module for one API version, formatted with prettyplease.
///
/// `header` is prepended verbatim (it names the input and its digest).
pub fn generate_module(document: &openapiv3::OpenAPI, header: &str) -> Result<String> {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // Requests carry the caller's authorization and body limits through
        // the inner value, applied by the hand-written hook in the crate's lib.rs.
        .with_inner_type(quote! { crate::RequestContext })
        .with_derive("PartialEq")
        // Every type also describes itself as JSON Schema (behind the
        // crate's `schemars` feature, see `schema_feature`); a test checks
        // that description against the spec, so generated code cannot drift.
        .with_derive("schemars::JsonSchema");
    let mut generator = Generator::new(&settings);
    let tokens = generator
        .generate_tokens(document)
        .map_err(|e| anyhow::anyhow!("progenitor rejected the document: {e}"))?;
    let mut file: syn::File = syn::parse2(raw_reserved_words(tokens))
        .context("progenitor produced tokens that do not parse as a file")?;
    schema_feature::gate_json_schema(&mut file)
        .context("progenitor produced a derive list that does not parse")?;
    let body = prettyplease::unparse(&file);
    Ok(format!("{header}{body}"))
}

/// Identifiers that are keywords in the workspace's edition (2024) but that
/// the generator emits as plain names (typify's JsonSchema impls call their
/// parameter `gen`, after `schemars::gen`).
const RESERVED: &[&str] = &["gen"];

/// Spells [`RESERVED`] identifiers as raw identifiers (`r#gen`), so the
/// generated code compiles under edition 2024.
fn raw_reserved_words(tokens: TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Ident(ident) if RESERVED.iter().any(|word| ident == word) => {
                TokenTree::Ident(Ident::new_raw(&ident.to_string(), ident.span()))
            }
            TokenTree::Group(group) => {
                let mut inner = Group::new(group.delimiter(), raw_reserved_words(group.stream()));
                inner.set_span(group.span());
                TokenTree::Group(inner)
            }
            other => other,
        })
        .collect()
}
