//! `#[module(sequential)]`: a `Forward` that chains the fields in declaration order, a
//! `Features` impl for the struct (so sequential structs nest), and one `const` check per
//! field that it takes the feature count the fields before it give, spanned on its type.

use proc_macro2::{Delimiter, Group, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Type, WherePredicate, parse_quote};

use crate::ast::{self, Field, Input, Shape};
use crate::ctxt::Ctxt;

/// A sequential struct chains plain layer fields.
pub(crate) fn check(cx: &Ctxt, input: &Input<'_>) {
    if input.attrs.module.sequential.is_none() {
        return;
    }
    for f in input.fields.iter().filter(|f| f.attrs.skip.is_none()) {
        let container = matches!(f.shape, Shape::Optional(_))
            || matches!(f.ty, Type::Array(_))
            || f.attrs.module.len.is_some()
            || f.attrs.module.filled_later.is_some();
        if container {
            cx.error_spanned_by(
                f.ty,
                format!("field `{}`: a #[module(sequential)] struct chains one layer per field; an `Option`, a list or a container filled later has no single place in the chain: write `Forward` by hand instead", f.name),
            );
        }
    }
}

/// The `Forward` and `Features` impls and the chain checks, or nothing without the opt-in.
/// `generic(ty)` tells whether a type mentions a generic parameter.
pub(crate) fn expand(input: &Input<'_>, generic: &dyn Fn(&Type) -> bool) -> TokenStream {
    if input.attrs.module.sequential.is_none() {
        return TokenStream::new();
    }
    let ident = &input.original.ident;
    let fields: Vec<&Field<'_>> = input.fields.iter().filter(|f| f.attrs.skip.is_none()).collect();
    let links: Vec<TokenStream> = fields.iter().map(|f| link(f)).collect();

    let bounds: Vec<WherePredicate> = fields
        .iter()
        .filter(|f| generic(f.module_ty()))
        .map(|f| {
            let ty = f.module_ty();
            parse_quote!(#ty: ::init::Forward + ::init::Features)
        })
        .collect();
    let mut generics = input.original.generics.clone();
    generics.make_where_clause().predicates.extend(bounds);
    let (impl_g, ty_g, where_g) = generics.split_for_impl();

    // One check per field after the first: free constants for concrete prefixes (checked by
    // `cargo check`), associated constants that `forward` names for generic ones.
    let mut free = Vec::new();
    let mut assoc = Vec::new();
    for at in 1..fields.len() {
        let check = link_check(&fields, &links, at);
        if fields[..=at].iter().any(|f| generic(f.module_ty())) {
            let id = format_ident!("__INIT_CHAIN_{}", at);
            assoc.push((id, check));
        } else {
            free.push(quote!(const _: () = #check;));
        }
    }
    let assoc_defs = assoc.iter().map(|(id, c)| quote!(#[doc(hidden)] const #id: () = #c;));
    let assoc_refs = assoc.iter().map(|(id, _)| quote!(let () = Self::#id;));
    let assoc_impl = (!assoc.is_empty()).then(|| {
        quote! {
            #[automatically_derived]
            #[allow(unused_qualifications, non_upper_case_globals)]
            impl #impl_g #ident #ty_g #where_g { #(#assoc_defs)* }
        }
    });

    let steps = fields.iter().map(|f| step(f));
    let body = if fields.is_empty() {
        quote!(::core::result::Result::Ok(__input.to_owned()))
    } else {
        quote! {
            let __x = __input;
            #(#steps)*
            ::core::result::Result::Ok(__x)
        }
    };
    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_g ::init::Forward for #ident #ty_g #where_g {
            fn forward(
                &self,
                __input: ::init::ndarray::ArrayViewD<'_, f32>,
            ) -> ::core::result::Result<::init::ndarray::ArrayD<f32>, ::init::InitError> {
                #(#assoc_refs)*
                #body
            }
        }
        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_g ::init::Features for #ident #ty_g #where_g {
            const IN: ::init::Width = ::init::__private::chain_in(&[#(#links),*]);
            const OUT: ::init::Width = ::init::__private::chain_out(&[#(#links),*]);
        }
        #assoc_impl
        #(#free)*
    }
}

/// `Link { name, ty, input: <T as Features>::IN, output: <T as Features>::OUT }`, spanned on
/// the field's type, so a type that states no feature counts is an error there.
fn link(f: &Field<'_>) -> TokenStream {
    let ty = f.module_ty();
    let (name, text) = (&f.name, ast::type_text(ty));
    let span = f.span();
    quote_spanned! {span=>
        ::init::__private::Link {
            name: #name,
            ty: #text,
            input: <#ty as ::init::Features>::IN,
            output: <#ty as ::init::Features>::OUT,
        }
    }
}

/// The check that field `at` takes what the fields before it give, as a block that panics
/// (a compile error) on the field's type.
fn link_check(fields: &[&Field<'_>], links: &[TokenStream], at: usize) -> TokenStream {
    let prefix = &links[..=at];
    let (first, last) = ast::first_and_last(fields[at].module_ty());
    let mut panic_args =
        Group::new(Delimiter::Parenthesis, quote_spanned!(first=> "{}", __message));
    panic_args.set_span(last);
    quote_spanned! {first=>
        match ::init::__private::check_link(&[#(#prefix),*], #at).message() {
            ::core::option::Option::Some(__message) => ::core::panic! #panic_args,
            ::core::option::Option::None => (),
        }
    }
}

/// `let __x = forward_at("fc", Forward::forward(&self.fc, __x.view()))?;`
fn step(f: &Field<'_>) -> TokenStream {
    let (member, name) = (&f.member, &f.name);
    let span = f.span();
    let target = match f.shape {
        Shape::Boxed(_) => quote_spanned!(span=> &*self.#member),
        _ => quote_spanned!(span=> &self.#member),
    };
    quote_spanned! {span=>
        let __x = ::init::__private::forward_at(
            #name,
            ::init::Forward::forward(#target, __x.view()),
        )?;
    }
}
