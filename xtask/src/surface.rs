//! A short, sorted, reviewable listing of a generated module's public surface:
//! each operation (id, method, path, parameters, success and error types) and
//! each type (fields with their Rust types, enum variants).
//!
//! It is read from the generated Rust itself (plus the OpenAPI document for
//! the HTTP facts), so it shows exactly what callers get.

use anyhow::{Context, Result};
use openapiv3::{OpenAPI, ReferenceOr};
use quote::ToTokens;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Renders the listing for one generated module.
pub fn listing(module: &str, document: &OpenAPI, generated: &str) -> Result<String> {
    let file = syn::parse_file(generated).context("generated module does not parse")?;
    let send_types = builder_send_types(&file);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{module}: {} {}",
        document.info.title, document.info.version
    );

    let mut operations = BTreeMap::new();
    for (path, item) in document.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, operation) in item.iter() {
            let id = operation.operation_id.clone().unwrap_or_default();
            let mut text = String::new();
            let original = operation
                .extensions
                .get("x-ms-original-operation-id")
                .and_then(|v| v.as_str())
                .map(|o| format!(" ({o})"))
                .unwrap_or_default();
            let _ = writeln!(text, "op {id}{original}: {} {path}", method.to_uppercase());
            for parameter in &operation.parameters {
                let (name, location, required) = match resolve_parameter(document, parameter) {
                    Some(p) => p,
                    None => continue,
                };
                let _ = writeln!(
                    text,
                    "  param {name} ({location}{})",
                    if required { ", required" } else { "" }
                );
            }
            if let Some(ReferenceOr::Item(body)) = &operation.request_body {
                let _ = writeln!(
                    text,
                    "  body{}",
                    if body.required { " (required)" } else { "" }
                );
            }
            let mut ok = Vec::new();
            let mut errors = Vec::new();
            for (status, _) in operation.responses.responses.iter() {
                let status = status.to_string();
                if status.starts_with('2') {
                    ok.push(status);
                } else {
                    errors.push(status);
                }
            }
            let builder = crate::convert::pascal_case(&id);
            let (ok_type, err_type) = send_types
                .get(&builder)
                .cloned()
                .unwrap_or_else(|| ("?".into(), "?".into()));
            let _ = writeln!(text, "  ok {ok_type} <- {}", ok.join(", "));
            let _ = writeln!(text, "  err {err_type} <- {}", errors.join(", "));
            if let Some(pageable) = operation.extensions.get("x-ms-pageable") {
                let _ = writeln!(text, "  pageable {pageable}");
            }
            operations.insert(id, text);
        }
    }
    out.push('\n');
    for text in operations.values() {
        out.push_str(text);
    }

    out.push('\n');
    for (name, text) in types(&file) {
        let _ = write!(out, "type {name}{text}");
    }
    Ok(out)
}

/// The Rust type generated for each component schema of `document`:
/// (component name, type name in the module's `types`), in document order.
/// Fails when a component has no type of the expected name, so that the
/// schema test cases cannot silently leave one out.
pub fn component_types(document: &OpenAPI, generated: &str) -> Result<Vec<(String, String)>> {
    let file = syn::parse_file(generated).context("generated module does not parse")?;
    let names = types(&file);
    let mut out = Vec::new();
    let Some(components) = &document.components else {
        return Ok(out);
    };
    for name in components.schemas.keys() {
        let rust = crate::convert::pascal_case(name);
        anyhow::ensure!(
            names.contains_key(&rust),
            "component schema `{name}` has no generated type `{rust}`"
        );
        out.push((name.clone(), rust));
    }
    Ok(out)
}

fn resolve_parameter(
    document: &OpenAPI,
    parameter: &ReferenceOr<openapiv3::Parameter>,
) -> Option<(String, &'static str, bool)> {
    let parameter = match parameter {
        ReferenceOr::Item(p) => p,
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/parameters/")?;
            match document.components.as_ref()?.parameters.get(name)? {
                ReferenceOr::Item(p) => p,
                ReferenceOr::Reference { .. } => return None,
            }
        }
    };
    let location = match parameter {
        openapiv3::Parameter::Query { .. } => "query",
        openapiv3::Parameter::Header { .. } => "header",
        openapiv3::Parameter::Path { .. } => "path",
        openapiv3::Parameter::Cookie { .. } => "cookie",
    };
    let data = parameter.parameter_data_ref();
    Some((data.name.clone(), location, data.required))
}

fn tokens(t: &impl ToTokens) -> String {
    // Token streams print with a space between every token; keep only the
    // spaces that separate two words, then shorten the common std paths.
    let raw = t.to_token_stream().to_string();
    let chars: Vec<char> = raw.chars().collect();
    let mut squeezed = String::new();
    for (i, c) in chars.iter().enumerate() {
        if *c == ' ' {
            let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == '_');
            if word(chars.get(i.wrapping_sub(1))) && word(chars.get(i + 1)) {
                squeezed.push(' ');
            }
        } else {
            squeezed.push(*c);
        }
    }
    squeezed
        .replace(",>", ">")
        .replace(',', ", ")
        .replace("::std::option::Option", "Option")
        .replace("::std::string::String", "String")
        .replace("::std::vec::Vec", "Vec")
        .replace("::std::boxed::Box", "Box")
        .replace("::chrono::DateTime<::chrono::offset::Utc>", "DateTime<Utc>")
        .replace("::uuid::Uuid", "Uuid")
}

/// Builder struct name -> (success type, error type) of its `send` method.
fn builder_send_types(file: &syn::File) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    let Some(builder) = find_module(&file.items, "builder") else {
        return out;
    };
    for item in builder {
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(self_ty) = imp.self_ty.as_ref() else {
            continue;
        };
        let Some(name) = self_ty.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        for impl_item in &imp.items {
            let syn::ImplItem::Fn(f) = impl_item else {
                continue;
            };
            if f.sig.ident != "send" {
                continue;
            }
            if let syn::ReturnType::Type(_, ty) = &f.sig.output
                && let Some((ok, err)) = result_types(ty)
            {
                out.insert(name.clone(), (ok, err));
            }
        }
    }
    out
}

/// `Result<ResponseValue<T>, Error<E>>` -> (T, E).
fn result_types(ty: &syn::Type) -> Option<(String, String)> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut generic = args.args.iter().filter_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    let ok = inner_generic(generic.next()?)?;
    let err = inner_generic(generic.next()?)?;
    Some((ok, err))
}

fn inner_generic(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.first().map(tokens),
        _ => Some("()".into()),
    }
}

fn find_module<'a>(items: &'a [syn::Item], name: &str) -> Option<&'a [syn::Item]> {
    items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| &items[..]),
        _ => None,
    })
}

/// Type name -> rendered fields or variants, for the `types` module.
fn types(file: &syn::File) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(items) = find_module(&file.items, "types") else {
        return out;
    };
    for item in items {
        match item {
            syn::Item::Struct(s) if matches!(s.vis, syn::Visibility::Public(_)) => {
                let mut text = String::from("\n");
                match &s.fields {
                    syn::Fields::Named(fields) => {
                        for field in &fields.named {
                            let name = field
                                .ident
                                .as_ref()
                                .map(|i| i.to_string())
                                .unwrap_or_default();
                            let wire = serde_rename(&field.attrs)
                                .map(|r| format!(" \"{r}\""))
                                .unwrap_or_default();
                            let _ = writeln!(text, "  {name}{wire}: {}", tokens(&field.ty));
                        }
                    }
                    syn::Fields::Unnamed(fields) => {
                        let inner = fields
                            .unnamed
                            .iter()
                            .map(|f| tokens(&f.ty))
                            .collect::<Vec<_>>()
                            .join(", ");
                        text = format!("({inner})\n");
                    }
                    syn::Fields::Unit => text = "\n".into(),
                }
                out.insert(s.ident.to_string(), text);
            }
            syn::Item::Enum(e) if matches!(e.vis, syn::Visibility::Public(_)) => {
                let mut text = String::from(" (enum)\n");
                for variant in &e.variants {
                    let wire = serde_rename(&variant.attrs)
                        .map(|r| format!(" \"{r}\""))
                        .unwrap_or_default();
                    let payload = match &variant.fields {
                        syn::Fields::Unnamed(f) => format!(
                            "({})",
                            f.unnamed
                                .iter()
                                .map(|f| tokens(&f.ty))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        _ => String::new(),
                    };
                    let _ = writeln!(text, "  {}{payload}{wire}", variant.ident);
                }
                out.insert(e.ident.to_string(), text);
            }
            _ => {}
        }
    }
    out
}

/// The `rename = "..."` of a `#[serde(...)]` attribute, if any.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    for attr in attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        let mut rename = None;
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                rename = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                let _content;
                syn::parenthesized!(_content in meta.input);
                let _: proc_macro2::TokenStream = _content.parse()?;
            }
            Ok(())
        });
        if rename.is_some() {
            return rename;
        }
    }
    None
}
