//! `#[derive(Module)]` for the [`init`](https://docs.rs/init) crate. Use it through `init`;
//! this crate is an implementation detail.
//!
//! Stages, one file each: `ast` reads the struct, `attr` parses `#[init(...)]` and
//! `#[module(...)]` into typed values (spans kept; `scheme` and `args` for schemes, `names`
//! for every closed list of names), `valid` checks the rules that span
//! several attributes, `expand` writes the impls, `fallback` writes a stub when there are
//! errors. Every mistake is collected in a `Ctxt` and reported in one build.

mod args;
mod ast;
mod attr;
mod checks;
mod children;
mod ctxt;
mod expand;
mod fallback;
mod init_expr;
mod kinds;
mod module_attr;
mod names;
mod scheme;
mod sequential;
mod suggest;
mod tie;
mod valid;
mod values;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derive `init::Module` (and `init::Zeroed`, `init_rules`, `new`) for a struct of layers.
/// See the `init` crate's documentation for the attribute language.
#[proc_macro_derive(Module, attributes(init, module))]
pub fn derive_module(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
