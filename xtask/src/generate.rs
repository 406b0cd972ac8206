//! Runs progenitor on a converted document and formats the result.

use anyhow::{Context, Result};
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
        // Requests carry the caller's authorization through the inner value,
        // applied by the hand-written hook in the crate's lib.rs.
        .with_inner_type(quote! { crate::RequestAuth })
        .with_derive("PartialEq");
    let mut generator = Generator::new(&settings);
    let tokens = generator
        .generate_tokens(document)
        .map_err(|e| anyhow::anyhow!("progenitor rejected the document: {e}"))?;
    let file: syn::File =
        syn::parse2(tokens).context("progenitor produced tokens that do not parse as a file")?;
    let body = prettyplease::unparse(&file);
    Ok(format!("{header}{body}"))
}
