//! Tests of the generated crate alone, in one binary: what its clients put on
//! the wire, how its types decode, and that every generated type's JSON
//! Schema agrees with the spec it came from.

mod extensible_enum;
mod schema_agreement;
// Written by `cargo xtask codegen`, formatted as generated.
#[rustfmt::skip]
mod schema_cases;
mod wire;
mod wire_v1;
