//! Container fields that `new()` builds: an `Option` present when a const condition holds
//! (`#[module(present = ...)]`), a `Vec` or `ModuleList` of a const length
//! (`#[module(len = ...)]`), or a container the user fills after `new()`
//! (`#[module(filled_later)]`). Nothing starts empty unless marked so: an unmarked `Option` or
//! `Vec` field is an error here, and `Sequential`/`ModuleList` are not `Zeroed`, so an unmarked
//! one fails on its type.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, Type, WherePredicate, parse_quote};

use crate::ast::{Field, Input, Shape};
use crate::ctxt::Ctxt;

/// The rules of `#[module(...)]` container keys.
pub(crate) fn check(cx: &Ctxt, input: &Input<'_>) {
    check_struct_has_no_field_keys(cx, input);
    for f in &input.fields {
        check_keys_fit_the_field(cx, f);
        check_no_contradiction(cx, f);
        check_container_is_built(cx, f);
    }
}

/// `present`, `len`, `filled_later` and `tie` describe one field.
fn check_struct_has_no_field_keys(cx: &Ctxt, input: &Input<'_>) {
    for span in input.attrs.module.field_keys() {
        cx.error_at(
            span,
            "this #[module] key belongs on a field (`present`, `len`, `filled_later`, `tie`); on the struct, only `sequential`",
        );
    }
}

/// `present` on an `Option`; `len` on a list whose length is not in its type; `sequential`
/// on the struct.
fn check_keys_fit_the_field(cx: &Ctxt, f: &Field<'_>) {
    let name = &f.name;
    if let Some((span, _)) = &f.attrs.module.present
        && !matches!(f.shape, Shape::Optional(_))
    {
        cx.error_at(
            *span,
            format!(
                "field `{name}`: `present` is for an `Option` field; new() always builds this one"
            ),
        );
    }
    if let Some((span, _)) = &f.attrs.module.len {
        if matches!(f.ty, Type::Array(_)) {
            cx.error_at(
                *span,
                format!("field `{name}`: an array has its length in its type; remove `len`"),
            );
        } else if !matches!(f.shape, Shape::Plain) {
            cx.error_at(
                *span,
                format!("field `{name}`: `len` is for a `Vec` or `ModuleList` field"),
            );
        }
    }
    if let Some(span) = f.attrs.module.sequential {
        cx.error_at(
            span,
            format!("field `{name}`: `sequential` belongs on the struct (`#[module(sequential)]` above `struct`)"),
        );
    }
}

/// `skip` excludes every other key; `filled_later` excludes `present` and `len`.
fn check_no_contradiction(cx: &Ctxt, f: &Field<'_>) {
    let m = &f.attrs.module;
    let name = &f.name;
    if f.attrs.skip.is_some() {
        for span in m.field_keys() {
            cx.error_at(
                span,
                format!("contradictory attributes: field `{name}` is #[module(skip)], so it is not a module"),
            );
        }
        return;
    }
    if m.filled_later.is_some() {
        for (span, _) in m.present.iter().chain(&m.len) {
            cx.error_at(
                *span,
                format!("contradictory attributes: field `{name}` is #[module(filled_later)], so new() does not build it"),
            );
        }
    }
}

/// An `Option` or `Vec` field says what new() builds, or that the user fills it.
fn check_container_is_built(cx: &Ctxt, f: &Field<'_>) {
    let m = &f.attrs.module;
    if f.attrs.skip.is_some() || m.filled_later.is_some() {
        return;
    }
    let name = &f.name;
    if matches!(f.shape, Shape::Optional(_)) && m.present.is_none() {
        cx.error_spanned_by(
            f.ty,
            format!("field `{name}`: new() cannot tell whether this `Option` holds a module; declare when with `#[module(present = CONDITION)]` (a const expression), or mark it `#[module(filled_later)]` and set it yourself"),
        );
    }
    if vec_elem(f.ty).is_some() && m.len.is_none() {
        cx.error_spanned_by(
            f.ty,
            format!("field `{name}`: new() cannot tell how many modules this `Vec` holds; declare it with `#[module(len = N)]` (a const expression), or mark it `#[module(filled_later)]` and fill it yourself"),
        );
    }
}

/// The value of field `f` in `zeroed()`, given the expression that zeroes its module type.
pub(crate) fn build(f: &Field<'_>, zeroed: TokenStream) -> TokenStream {
    let span = f.span();
    let ty = f.ty;
    let m = &f.attrs.module;
    if f.attrs.skip.is_some() {
        return quote_spanned!(span=> ::core::default::Default::default());
    }
    if m.filled_later.is_some() {
        return quote_spanned!(span=> <#ty as ::init::__private::FilledLater>::empty());
    }
    if let Some((_, len)) = &m.len {
        let len = const_block(len);
        return quote_spanned!(span=> <#ty as ::init::__private::Repeated>::repeat(#len));
    }
    match (&f.shape, &m.present) {
        (Shape::Optional(_), Some((_, cond))) => {
            let cond = const_block(cond);
            quote! {
                if #cond {
                    ::core::option::Option::Some(#zeroed)
                } else {
                    ::core::option::Option::None
                }
            }
        }
        (Shape::Optional(_), None) => quote!(::core::option::Option::None),
        (Shape::Boxed(_), _) => quote_spanned!(span=> ::std::boxed::Box::new(#zeroed)),
        (Shape::Plain, _) => zeroed,
    }
}

/// `const { expr }`, spanned on the expression, so that a non-constant or ill-typed
/// condition or length is an error on the user's tokens.
fn const_block(expr: &syn::Expr) -> TokenStream {
    let span = expr.span();
    quote_spanned!(span=> const { #expr })
}

/// The bound `zeroed()` needs for a field whose type mentions a generic parameter.
pub(crate) fn zeroed_bound(f: &Field<'_>) -> Option<WherePredicate> {
    let (ty, m) = (f.ty, &f.attrs.module);
    let module = f.module_ty();
    Some(if f.attrs.skip.is_some() {
        parse_quote!(#ty: ::core::default::Default)
    } else if m.filled_later.is_some() {
        parse_quote!(#ty: ::init::__private::FilledLater)
    } else if m.len.is_some() {
        parse_quote!(#ty: ::init::__private::Repeated)
    } else if matches!(f.shape, Shape::Optional(_)) {
        m.present.as_ref()?;
        parse_quote!(#module: ::init::Zeroed)
    } else {
        parse_quote!(#module: ::init::Zeroed)
    })
}

/// `M` of `Vec<M>` (bare or through `std::vec`/`alloc::vec`).
fn vec_elem(ty: &Type) -> Option<&Type> {
    let Type::Path(tp) = ty else { return None };
    if tp.qself.is_some() {
        return None;
    }
    let names: Vec<String> = tp.path.segments.iter().map(|s| s.ident.to_string()).collect();
    let is_vec = match names.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["Vec"] => true,
        [root, "vec", "Vec"] => matches!(root, "std" | "alloc"),
        _ => false,
    };
    let PathArguments::AngleBracketed(args) = &tp.path.segments.last()?.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(elem)) if is_vec && args.args.len() == 1 => Some(elem),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::{DeriveInput, parse_quote};

    fn errors(input: DeriveInput) -> String {
        let cx = Ctxt::new();
        let parsed = Input::from_syn(&cx, &input).expect("a struct");
        check(&cx, &parsed);
        cx.check().err().map(|e| e.to_compile_error().to_string()).unwrap_or_default()
    }

    #[test]
    fn unmarked_option_and_vec_fields_are_refused() {
        let out = errors(parse_quote! {
            struct Net { a: Option<Linear<2, 2>>, h: Vec<Linear<2, 2>>, c: [Linear<2, 2>; 3] }
        });
        assert!(out.contains("field `a`: new() cannot tell whether this `Option`"), "{out}");
        assert!(out.contains("field `h`: new() cannot tell how many modules this `Vec`"), "{out}");
        assert!(!out.contains("field `c`"), "{out}");
    }

    #[test]
    fn marked_fields_pass_and_misplaced_keys_do_not() {
        let ok = errors(parse_quote! {
            struct Net<const N: usize> {
                #[module(present = N > 1)] a: Option<Linear<2, 2>>,
                #[module(len = N)] h: Vec<Linear<2, 2>>,
                #[module(filled_later)] s: Sequential,
            }
        });
        assert_eq!(ok, "");
        let out = errors(parse_quote! {
            struct Net {
                #[module(present = true)] a: Linear<2, 2>,
                #[module(len = 3)] c: [Linear<2, 2>; 3],
                #[module(filled_later, len = 2)] h: Vec<Linear<2, 2>>,
            }
        });
        assert!(out.contains("`present` is for an `Option` field"), "{out}");
        assert!(out.contains("an array has its length in its type"), "{out}");
        assert!(out.contains("is #[module(filled_later)], so new() does not build it"), "{out}");
    }
}
