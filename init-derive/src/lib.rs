//! `#[derive(Module)]` for the [`init`](https://docs.rs/init) crate. Use it through `init`;
//! this crate is an implementation detail.
//!
//! Stages, one file each: `ast` reads the struct, `attr` parses `#[init(...)]` and
//! `#[module(...)]` into typed values (spans kept; `scheme` and `args` for schemes, `names`
//! for every closed list of names), `valid` checks the rules that span
//! several attributes, `expand` writes the impls, `fallback` writes a stub when there are
//! errors. Every mistake is collected in a `Ctxt` and reported in one build. `bare`
//! (`#[param]`/`#[buffer]` fields), `layer_config` (`#[layer(...)]` settings) and `expr`
//! (arguments written as expressions) each hold one attribute form end to end.

mod args;
mod ast;
mod attr;
mod bare;
mod checks;
mod children;
mod ctxt;
mod expand;
mod expr;
mod fallback;
mod init_expr;
mod kinds;
mod layer_config;
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
#[proc_macro_derive(Module, attributes(init, module, param, buffer, layer))]
pub fn derive_module(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
