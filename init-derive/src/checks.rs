//! The `const` checks that need a field's type, written as items the compiler evaluates
//! (in `cargo check` too, for concrete types): the field is a module and its layer's
//! configuration is valid, and each `#[init]` item fits the parameter it names.

use proc_macro2::{Delimiter, Group, TokenStream};
use quote::{quote, quote_spanned};

use crate::ast::{self, Field};
use crate::attr::{Item, ItemKind};
use crate::expand::fallback_in_scope;
use crate::names::Named;

/// The checks of a field's type, for a concrete type (a generic one is checked by the
/// where-clauses): it is a module (the one error a non-module field gets), and its layer's
/// configuration is valid (`Conv2d` groups divide its channels), both on the field's type.
pub(crate) fn field_check(f: &Field<'_>) -> TokenStream {
    let ty = f.module_ty();
    let layer = ast::layer_ty(ty);
    let field = &f.name;
    let (first, last) = ast::first_and_last(ty);
    let mut panic_args =
        Group::new(Delimiter::Parenthesis, quote_spanned!(first=> "{}", __message));
    panic_args.set_span(last);
    let fallback = fallback_in_scope();
    quote_spanned! {first=>
        const _: () = {
            #fallback
            ::init::__private::require_module::<#ty>();
            match ::init::__private::check_config(&::init::__private::Field::<#layer>::CONFIG, #field).message() {
                ::core::option::Option::Some(__message) => ::core::panic! #panic_args,
                ::core::option::Option::None => (),
            }
        };
    }
}

/// The `const` check of one field item, spanning the item's tokens: the parameter exists,
/// its rank suits the scheme, `values` broadcast to its shape.
pub(crate) fn check_call(f: &Field<'_>, item: &Item) -> Option<TokenStream> {
    let ItemKind::Param { target, scheme } = &item.kind else { return None };
    if f.attrs.bare.is_some() {
        return None; // checked against the declared shape (`bare::checks`)
    }
    let ty = f.module_ty();
    let ty_text = ast::type_text(ty);
    let field = &f.name;
    let param = &target.name;
    let scheme_name = scheme.init.scheme().name();
    let (min, max) = scheme.init.scheme().ranks();
    let values = match scheme.values_shape() {
        Some(shape) => quote!(::core::option::Option::Some(&[#(#shape),*])),
        None => quote!(::core::option::Option::None),
    };
    let (first, last) = item.spans();
    // Every token carries the item's first span, and the panic's argument list its last,
    // so the compiler underlines the whole item when the check fails.
    let mut panic_args =
        Group::new(Delimiter::Parenthesis, quote_spanned!(first=> "{}", __message));
    panic_args.set_span(last);
    Some(quote_spanned! {first=>
        match ::init::__private::check_param(
            &<#ty as ::init::__private::LayerSpec>::PARAMS, #ty_text, #field, #param, #scheme_name, #min, #max, #values
        ).message() {
            ::core::option::Option::Some(__message) => ::core::panic! #panic_args,
            ::core::option::Option::None => (),
        }
    })
}

/// The `const` check of a scheme whose arguments are expressions, when every expression
/// can be evaluated in a `const`: the scheme's argument rules on their values, spanning
/// the item. Run-time expressions are checked when `new()` fills the parameter.
pub(crate) fn expr_check(f: &Field<'_>, item: &Item) -> Option<TokenStream> {
    let ItemKind::Param { scheme, .. } = &item.kind else { return None };
    let args = scheme.expr_args()?;
    let exprs = args.iter().filter_map(|(_, v)| v.expr.as_ref());
    if !exprs.clone().all(crate::expr::is_const_like) {
        return None;
    }
    let field = &f.name;
    let name = scheme.init.scheme().name();
    let pairs = args.iter().map(|(arg, v)| {
        let v = crate::init_expr::float(v);
        quote!((#arg, #v))
    });
    Some(crate::bare::verdict(
        item.spans(),
        quote!(::init::__private::check_args(#field, #name, &[#(#pairs),*])),
    ))
}

/// The tokens of every expression in a field's `#[init]` (to tell whether a check
/// mentions a generic parameter).
pub(crate) fn expr_tokens(f: &Field<'_>) -> TokenStream {
    let mut out = TokenStream::new();
    for item in &f.attrs.items {
        if let ItemKind::Param { scheme, .. } = &item.kind {
            for (_, v) in scheme.expr_args().unwrap_or_default() {
                out.extend(v.expr.clone());
            }
        }
    }
    if let Some(bare) = &f.attrs.bare {
        out.extend(bare.shape.iter().flat_map(|d| d.clone()));
    }
    out
}
