//! `#[module(tie(param = path))]`: the field's parameter `param` is the parameter at `path`
//! of the struct (weight tying). The derive declares it in `Module::ties`; the rules it
//! checks: the target is a parameter of an earlier field (PyTorch lists a tied parameter
//! under its first path), the tied parameter has no `#[init]` of its own, and, by a `const`
//! check on the types, the field's layer has the parameter and, when the target is a layer
//! field's own parameter, both have one shape. A target deeper in a derived field is checked
//! when the model is built (`new`, `init_weights`, `tie_weights`), with both paths named.

use proc_macro2::{Delimiter, Group, TokenStream};
use quote::{quote, quote_spanned};

use crate::ast::{self, Field, Input, Shape};
use crate::attr::ItemKind;
use crate::ctxt::Ctxt;
use crate::module_attr::Tie;

/// The rules of ties that need no type.
pub(crate) fn check(cx: &Ctxt, input: &Input<'_>) {
    for (at, f) in input.fields.iter().enumerate() {
        for tie in &f.attrs.module.ties {
            check_target_is_earlier(cx, input, at, f, tie);
            check_no_init_on_alias(cx, f, tie);
        }
        if let (Some(tie), false) = (f.attrs.module.ties.first(), matches!(f.shape, Shape::Plain)) {
            cx.error_at(
                tie.param.span(),
                format!(
                    "field `{}`: a tie is for a layer field, not an `Option` or a `Box`",
                    f.name
                ),
            );
        }
    }
}

/// `tie(weight = transformer.wte.weight)`: `transformer` is a module field before this one.
fn check_target_is_earlier(cx: &Ctxt, input: &Input<'_>, at: usize, f: &Field<'_>, tie: &Tie) {
    let head = tie.target.first().map(String::as_str).unwrap_or_default();
    let found = input.fields.iter().position(|g| g.name == head && g.attrs.skip.is_none());
    let problem = match found {
        _ if tie.target.len() < 2 => Some(format!(
            "`{}` is not a parameter path; write the field and the parameter, e.g. `wte.weight`",
            tie.target_path()
        )),
        None => Some(format!("`{head}` is not a module field of this struct")),
        Some(i) if i >= at => Some(format!(
            "`{head}` is not declared before `{}`: a tie names a parameter of an earlier field, under whose path PyTorch lists the tied parameter",
            f.name
        )),
        Some(_) => None,
    };
    if let Some(problem) = problem {
        cx.error_spanned_by(&tie.tokens, format!("field `{}`: {problem}", f.name));
    }
}

/// The alias takes its target's values: an `#[init]` of its own would never be used.
fn check_no_init_on_alias(cx: &Ctxt, f: &Field<'_>, tie: &Tie) {
    for item in &f.attrs.items {
        if let ItemKind::Param { target, .. } = &item.kind
            && tie.param == target.name
        {
            cx.error_spanned_by(
                &item.tokens,
                format!(
                    "contradictory attributes: `{}.{}` is tied to `{}`, which gives it its values; initialize `{}` instead",
                    f.name,
                    tie.param,
                    tie.target_path(),
                    tie.target_path()
                ),
            );
        }
    }
}

/// `fn ties(&self)` for the `Module` impl, or nothing.
pub(crate) fn ties_fn(input: &Input<'_>) -> TokenStream {
    let ties: Vec<TokenStream> = input
        .fields
        .iter()
        .flat_map(|f| f.attrs.module.ties.iter().map(move |t| (f, t)))
        .map(|(f, t)| {
            let alias = format!("{}.{}", f.name, t.param);
            let target = t.target_path();
            quote!(::init::Tie::new(#alias, #target))
        })
        .collect();
    if ties.is_empty() {
        return TokenStream::new();
    }
    quote! {
        fn ties(&self) -> ::std::vec::Vec<::init::Tie> {
            ::std::vec![#(#ties),*]
        }
    }
}

/// The `const` checks of a concrete field's ties: its layer has the parameter, and a target
/// that is a layer field's own parameter has its shape.
pub(crate) fn const_checks(input: &Input<'_>, generic: &dyn Fn(&syn::Type) -> bool) -> TokenStream {
    let mut out = TokenStream::new();
    for f in input.fields.iter().filter(|f| !generic(f.ty)) {
        for tie in &f.attrs.module.ties {
            let target_field = match tie.target.as_slice() {
                [head, _] => input.fields.iter().find(|g| g.name == *head && !generic(g.ty)),
                _ => None,
            };
            out.extend(one_check(f, tie, target_field));
        }
    }
    out
}

fn one_check(f: &Field<'_>, tie: &Tie, target: Option<&Field<'_>>) -> TokenStream {
    let ty = f.ty;
    let (ty_text, field, param) = (ast::type_text(ty), &f.name, tie.param.to_string());
    let target_path = tie.target_path();
    let target_table = match target {
        Some(g) => {
            let gty = g.ty;
            quote!(::core::option::Option::Some(&<#gty as ::init::__private::LayerSpec>::PARAMS))
        }
        None => quote!(::core::option::Option::None),
    };
    let target_param = tie.target.last().cloned().unwrap_or_default();
    let span = tie.param.span();
    let last = tie.tokens.clone().into_iter().last().map_or(span, |t| t.span());
    let mut panic_args = Group::new(Delimiter::Parenthesis, quote_spanned!(span=> "{}", __message));
    panic_args.set_span(last);
    quote_spanned! {span=>
        const _: () = match ::init::__private::check_tie(
            &<#ty as ::init::__private::LayerSpec>::PARAMS, #ty_text, #field, #param,
            #target_table, #target_path, #target_param,
        ).message() {
            ::core::option::Option::Some(__message) => ::core::panic! #panic_args,
            ::core::option::Option::None => (),
        };
    }
}
