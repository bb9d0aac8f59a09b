//! Writing the impls: `Module` (children in declaration order, `init_rules` from the
//! attributes), `Zeroed`, `new`, and the `const` checks that need the fields' types.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::{DeriveInput, GenericParam, Ident, Type, WherePredicate, parse_quote};

use crate::ast::{Field, Input, Shape};
use crate::attr::{Item, ItemKind};
use crate::checks::{check_call, expr_check, expr_tokens, field_check};
use crate::ctxt::Ctxt;
use crate::{bare, children, fallback, layer_config, sequential, tie, valid};

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    try_expand(input).unwrap_or_else(|err| fallback::expand(input, &err))
}

fn try_expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    let parsed = Input::from_syn(&cx, input);
    if let Some(parsed) = &parsed {
        valid::check(&cx, parsed);
    }
    cx.check()?;
    match parsed {
        Some(parsed) => Ok(impl_struct(&parsed)),
        None => Err(syn::Error::new(Span::call_site(), "init-derive: no struct to expand")),
    }
}

fn impl_struct(input: &Input<'_>) -> TokenStream {
    let ident = &input.original.ident;
    let name = input.name();
    let type_params: Vec<&Ident> = input
        .original
        .generics
        .params
        .iter()
        .filter_map(|p| if let GenericParam::Type(t) = p { Some(&t.ident) } else { None })
        .collect();
    // Const parameters count too: a check on `Linear<D, D>` cannot be a free constant.
    let all_params: Vec<&Ident> = input
        .original
        .generics
        .params
        .iter()
        .filter_map(|p| match p {
            GenericParam::Type(t) => Some(&t.ident),
            GenericParam::Const(c) => Some(&c.ident),
            GenericParam::Lifetime(_) => None,
        })
        .collect();
    let generic = |ty: &Type| mentions(ty, &all_params);
    let modules: Vec<&Field<'_>> =
        input.fields.iter().filter(|f| f.attrs.skip.is_none() && f.attrs.bare.is_none()).collect();

    // Bounds only for field types that mention a type parameter (as thiserror does).
    let mut module_bounds: Vec<WherePredicate> =
        type_params.iter().map(|t| parse_quote!(#t: 'static)).collect();
    module_bounds.extend(modules.iter().filter(|f| generic(f.module_ty())).map(|f| {
        let ty = f.module_ty();
        parse_quote!(#ty: ::init::Module)
    }));
    let checks: Vec<(TokenStream, bool)> = input
        .fields
        .iter()
        .flat_map(|f| f.attrs.items.iter().map(move |item| (f, item)))
        .filter_map(|(f, item)| check_call(f, item).map(|call| (call, generic(f.module_ty()))))
        .chain(input.fields.iter().flat_map(|f| {
            // Checks of bare shapes and of expressions: generic when they mention a
            // generic parameter.
            let g = generic(f.module_ty()) || mentions_tokens(&expr_tokens(f), &all_params);
            let exprs = f.attrs.items.iter().filter_map(move |item| expr_check(f, item));
            bare::checks(f).into_iter().chain(exprs).map(move |c| (c, g))
        }))
        .collect();
    module_bounds.extend(
        input.fields.iter().filter(|f| has_param_items(f) && generic(f.module_ty())).map(
            |f| -> WherePredicate {
                let ty = f.module_ty();
                parse_quote!(#ty: ::init::__private::LayerSpec)
            },
        ),
    );
    let zeroed_bounds: Vec<WherePredicate> =
        input.fields.iter().filter(|f| generic(f.ty)).filter_map(children::zeroed_bound).collect();

    let module_generics = with_bounds(&input.original.generics, &module_bounds);
    let (impl_g, ty_g, where_module) = module_generics.split_for_impl();

    let bare_visits = input.fields.iter().filter_map(|f| bare::visit(f, false));
    let bare_visits_mut = input.fields.iter().filter_map(|f| bare::visit(f, true));
    let visits = modules.iter().map(|f| visit(f, false, generic(f.module_ty())));
    let visits_mut = modules.iter().map(|f| visit(f, true, generic(f.module_ty())));
    let init_defaults = init_defaults(input);
    let check_rules = check_rules(input);
    let layer_consts: Vec<TokenStream> =
        input.fields.iter().filter_map(layer_config::consts).collect();
    let layer_impl = (!layer_consts.is_empty()).then(|| {
        let (impl_g, ty_g, where_g) = input.original.generics.split_for_impl();
        quote! {
            #[automatically_derived]
            #[allow(unused_qualifications, non_upper_case_globals)]
            impl #impl_g #ident #ty_g #where_g { #(#layer_consts)* }
        }
    });
    let layer_free_checks: Vec<TokenStream> = if input.original.generics.params.is_empty() {
        input.fields.iter().filter_map(|f| layer_config::free_check(f, ident)).collect()
    } else {
        Vec::new()
    };
    let field_checks = modules.iter().filter(|f| !generic(f.module_ty())).map(|f| field_check(f));
    let fallback = fallback_in_scope();
    // A recipe's rules come after the struct's own kind and pattern rules, wherever it is
    // written, so that an explicit rule overrides the recipe.
    let is_recipe = |item: &&Item| matches!(item.kind, ItemKind::Recipe { .. });
    let items = &input.attrs.items;
    let rules = items
        .iter()
        .filter(|i| !is_recipe(i))
        .chain(items.iter().filter(is_recipe))
        .map(|item| struct_rules(&name, item))
        .chain(input.fields.iter().map(|f| field_rules(&name, f)));

    // Checks on concrete types run as free constants (always evaluated); checks on
    // generic types run when the struct is instantiated, through associated constants
    // that `init_rules` refers to.
    let free_checks = checks.iter().filter(|(_, g)| !g).map(|(c, _)| quote!(const _: () = #c;));
    let assoc: Vec<(Ident, &TokenStream)> = checks
        .iter()
        .filter(|(_, g)| *g)
        .enumerate()
        .map(|(i, (c, _))| (format_ident!("__INIT_CHECK_{}", i), c))
        .collect();
    let assoc_defs = assoc.iter().map(|(id, c)| quote!(#[doc(hidden)] const #id: () = #c;));
    let assoc_refs = assoc.iter().map(|(id, _)| quote!(let () = Self::#id;));
    let assoc_impl = (!assoc.is_empty()).then(|| {
        quote! {
            #[automatically_derived]
            #[allow(unused_qualifications, non_upper_case_globals)]
            impl #impl_g #ident #ty_g #where_module { #(#assoc_defs)* }
        }
    });

    let zeroed = zeroed_impl(input, &generic, &zeroed_bounds, &module_bounds);
    let sequential = sequential::expand(input, &generic);
    let ties_fn = tie::ties_fn(input);
    let tie_checks = tie::const_checks(input, &generic);
    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_g ::init::Module for #ident #ty_g #where_module {
            fn kind(&self) -> ::init::LayerKind {
                ::init::LayerKind::Custom(#name)
            }
            fn visit<'__a>(&'__a self, __visitor: &mut dyn ::init::Visitor<'__a>) {
                #fallback
                #(#bare_visits)*
                #(#visits)*
            }
            fn visit_mut<'__a>(&'__a mut self, __visitor: &mut dyn ::init::VisitorMut<'__a>) {
                #fallback
                #(#bare_visits_mut)*
                #(#visits_mut)*
            }
            #ties_fn
            #init_defaults
            #check_rules
            fn init_rules(&self) -> ::std::vec::Vec<::init::Rule> {
                #(#assoc_refs)*
                let mut __rules = ::std::vec::Vec::new();
                #(#rules)*
                __rules
            }
        }
        #assoc_impl
        #layer_impl
        #(#layer_free_checks)*
        #(#field_checks)*
        #(#free_checks)*
        #zeroed
        #sequential
        #tie_checks
    }
}

/// `__visitor.module("conv1", Field::<Conv2d<..>>::as_module(&self.conv1));`. A field that is
/// not a module resolves `as_module` to the fallback that cannot fail, so the only error is
/// the field's `require_module` check. A generic field's type is a module by the impl's
/// where-clause, and is cast directly (the fallback is only sound where `require_module`
/// checks the type).
fn visit(f: &Field<'_>, mutable: bool, generic: bool) -> TokenStream {
    let (member, name) = (&f.member, &f.name);
    let span = f.span();
    let ty = f.module_ty();
    let (r, as_module) = if mutable {
        (quote_spanned!(span=> &mut), quote_spanned!(span=> as_module_mut))
    } else {
        (quote_spanned!(span=> &), quote_spanned!(span=> as_module))
    };
    let cast = if generic {
        quote_spanned!(span=> ::init::AsModule::#as_module)
    } else {
        quote_spanned!(span=> ::init::__private::Field::<#ty>::#as_module)
    };
    match f.shape {
        Shape::Plain => quote_spanned!(span=> __visitor.module(#name, #cast(#r self.#member));),
        Shape::Optional(_) => quote_spanned! {span=>
            if let ::core::option::Option::Some(__child) = #r self.#member {
                __visitor.module(#name, #cast(__child));
            }
        },
        Shape::Boxed(_) => quote_spanned!(span=> __visitor.module(#name, #cast(#r *self.#member));),
    }
}

/// The fallback of `Field` in scope, for a body that casts fields.
pub(crate) fn fallback_in_scope() -> TokenStream {
    quote!(
        #[allow(unused_imports)]
        use ::init::__private::NotAModule as _;
    )
}

/// The rules a field's attributes declare: `Rule::module("conv1", "weight", init)`; for a
/// bare parameter `Rule::module("", "cls_token", init)` (its own, or the zeros default).
fn field_rules(struct_name: &str, f: &Field<'_>) -> TokenStream {
    let name = &f.name;
    let origin = format!("#[init] on {struct_name}.{name}");
    if f.attrs.bare.as_ref().is_some_and(|b| b.buffer) {
        return TokenStream::new(); // a buffer's #[init] is its value, set by zeroed()
    }
    let default = bare::default_rule(struct_name, f);
    let rules = f.attrs.items.iter().map(|item| match &item.kind {
        ItemKind::Param { scheme, .. } if f.attrs.bare.is_some() => {
            let init = scheme.to_init();
            quote! {
                __rules.push(::init::Rule::module("", #name, #init).with_origin(#origin));
            }
        }
        ItemKind::Param { target, scheme } => {
            let param = &target.name;
            let init = scheme.to_init();
            quote! {
                __rules.push(::init::Rule::module(#name, #param, #init).with_origin(#origin));
            }
        }
        ItemKind::Each { index, path, scheme } => each_rules(struct_name, f, index, path, scheme),
        ItemKind::Kind { .. } | ItemKind::Glob { .. } | ItemKind::Recipe { .. } => {
            TokenStream::new()
        }
    });
    quote!(#default #(#rules)*)
}

/// `each(i) "attention.wo.weight" = scheme` on `layers`: one rule per element, for
/// `layers.{i}.attention.wo` parameter `weight`, with `i` bound in the scheme's expressions.
fn each_rules(
    struct_name: &str,
    f: &Field<'_>,
    index: &Ident,
    path: &syn::LitStr,
    scheme: &crate::scheme::Scheme,
) -> TokenStream {
    let (member, name) = (&f.member, &f.name);
    let prefix = format!("{name}.");
    let text = path.value();
    let (inner, param) = match text.rsplit_once('.') {
        Some((inner, param)) => (format!(".{inner}"), param.to_owned()),
        None => (String::new(), text.clone()),
    };
    let origin = format!("#[init(each({index}) \"{text}\" = ...)] on {struct_name}.{name}");
    let init = scheme.to_init();
    quote! {
        for #index in 0..self.#member.len() {
            let _ = #index;
            let mut __path = ::std::string::String::from(#prefix);
            __path.push_str(&::std::string::ToString::to_string(&#index));
            __path.push_str(#inner);
            __rules.push(::init::Rule::module(__path, #param, #init).with_origin(#origin));
        }
    }
}

/// The struct's `init_defaults` when it has bare fields: parameters no rule fills are
/// zeroed, buffers take their declared values.
fn init_defaults(input: &Input<'_>) -> Option<TokenStream> {
    let resets: Vec<TokenStream> = input.fields.iter().filter_map(bare::reset).collect();
    if resets.is_empty() {
        return None;
    }
    Some(quote! {
        fn init_defaults(
            &mut self,
            __prefix: &str,
            __ruled: &dyn ::core::ops::Fn(&str) -> bool,
            _: &mut dyn ::init::Generator,
        ) -> ::core::result::Result<(), ::init::InitError> {
            let _ = (__prefix, __ruled);
            #(#resets)*
            ::core::result::Result::Ok(())
        }
    })
}

/// The rules of one struct-level item.
fn struct_rules(struct_name: &str, item: &Item) -> TokenStream {
    match &item.kind {
        ItemKind::Kind { kind, assigns, grouped } => {
            let origin = if *grouped {
                format!("#[init({kind}(...))] on {struct_name}")
            } else {
                format!("#[init({kind} = ...)] on {struct_name}")
            };
            let rules = assigns.iter().map(|(target, scheme)| {
                let param = &target.name;
                let init = scheme.to_init();
                quote! {
                    __rules.push(::init::Rule::kind(::init::LayerKind::#kind, #param, #init).with_origin(#origin));
                }
            });
            quote!(#(#rules)*)
        }
        ItemKind::Glob { pattern, scheme } => {
            let origin = format!("#[init(\"{}\" = ...)] on {struct_name}", pattern.value());
            let init = scheme.to_init();
            quote!(__rules.push(::init::Rule::glob(#pattern, #init).with_origin(#origin));)
        }
        // A recipe refused here is reported by `check_rules`, which the engine runs first.
        ItemKind::Recipe { expr } => quote! {
            if let ::core::result::Result::Ok(__r) = ::init::Recipe::rules(&(#expr), self) {
                __rules.extend(__r.as_slice().iter().cloned());
            }
        },
        ItemKind::Param { .. } | ItemKind::Each { .. } => TokenStream::new(),
    }
}

/// `check_rules` for a struct that names recipes: each one's arguments, and its rules
/// against the struct.
fn check_rules(input: &Input<'_>) -> Option<TokenStream> {
    let recipes: Vec<&syn::Expr> = input
        .attrs
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::Recipe { expr } => Some(expr),
            _ => None,
        })
        .collect();
    if recipes.is_empty() {
        return None;
    }
    Some(quote! {
        fn check_rules(&self) -> ::core::result::Result<(), ::init::InitError> {
            #(::init::__private::check_recipe(&(#recipes), self)?;)*
            ::core::result::Result::Ok(())
        }
    })
}

/// `impl Zeroed` and `new`, unless a field is `Box<dyn ...>` (which has no zeroed value).
fn zeroed_impl(
    input: &Input<'_>,
    generic: &dyn Fn(&Type) -> bool,
    zeroed_bounds: &[WherePredicate],
    module_bounds: &[WherePredicate],
) -> TokenStream {
    if input.fields.iter().any(Field::is_boxed_dyn) {
        return TokenStream::new();
    }
    let ident = &input.original.ident;
    let inits = input.fields.iter().map(|f| {
        let member = &f.member;
        let span = f.span();
        let ty = f.module_ty();
        // As in `visit`: the fallback only where `require_module` checks the type.
        let zeroed = if generic(ty) {
            quote_spanned!(span=> <#ty as ::init::Zeroed>::zeroed())
        } else {
            quote_spanned!(span=> ::init::__private::Field::<#ty>::zeroed())
        };
        let value = match &f.attrs.bare {
            Some(b) => bare::zeroed(f, b),
            None => layer_config::configured(f, children::build(f, zeroed)),
        };
        quote!(#member: #value)
    });
    let mut both = module_bounds.to_vec();
    both.extend_from_slice(zeroed_bounds);
    // A struct with ties settles them in `zeroed()` (its `Module` impl does it), so the
    // alias shares its target's storage from construction on.
    let has_ties = input.fields.iter().any(|f| !f.attrs.module.ties.is_empty());
    let zg = with_bounds(&input.original.generics, if has_ties { &both } else { zeroed_bounds });
    let (impl_g, ty_g, where_z) = zg.split_for_impl();
    let settle = has_ties.then(|| {
        quote! {
            // A tie that cannot be settled (a deep target of another shape) is the error
            // of `new()` and `init_weights`; `zeroed()` cannot fail.
            let _ = ::init::ModuleExt::tie_weights(&mut __module);
        }
    });
    let ng = with_bounds(&input.original.generics, &both);
    let (impl_n, _, where_n) = ng.split_for_impl();
    let fallback = fallback_in_scope();
    let doc = format!(
        "Build a `{ident}` with every parameter initialized exactly once: by its `#[init]` attribute, else by the nearest struct rule, else by its layer's PyTorch default (one pass, no fill before the real fill). Errors: a rule broken (named with the parameter's path), or memory the model needs and the allocator refuses (where `zeroed()` panics)."
    );
    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_g ::init::Zeroed for #ident #ty_g #where_z {
            fn zeroed() -> Self {
                #fallback
                #[allow(unused_mut)]
                let mut __module = Self { #(#inits),* };
                #settle
                __module
            }
        }
        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_n #ident #ty_g #where_n {
            #[doc = #doc]
            pub fn new(rng: &mut dyn ::init::Generator) -> ::core::result::Result<Self, ::init::InitError> {
                // A model too large for memory is this error, not `zeroed()`'s panic.
                let mut __module =
                    ::init::__private::build_or_error(<Self as ::init::Zeroed>::zeroed)?;
                ::init::ModuleExt::init_weights(&mut __module, rng)?;
                ::core::result::Result::Ok(__module)
            }
        }
    }
}

/// Whether a layer field's `#[init]` names its parameters (so its type must be a layer).
fn has_param_items(f: &Field<'_>) -> bool {
    f.attrs.bare.is_none() && f.attrs.items.iter().any(|i| matches!(i.kind, ItemKind::Param { .. }))
}

/// The struct's generics with extra where-predicates.
fn with_bounds(generics: &syn::Generics, bounds: &[WherePredicate]) -> syn::Generics {
    let mut g = generics.clone();
    g.make_where_clause().predicates.extend(bounds.iter().cloned());
    g
}

/// Whether `tokens` mention one of `params`.
fn mentions_tokens(tokens: &TokenStream, params: &[&Ident]) -> bool {
    fn walk(ts: TokenStream, params: &[&Ident]) -> bool {
        ts.into_iter().any(|tt| match tt {
            TokenTree::Ident(i) => params.iter().any(|p| **p == i),
            TokenTree::Group(g) => walk(g.stream(), params),
            _ => false,
        })
    }
    walk(tokens.clone(), params)
}

/// Whether `ty` mentions one of `params`.
fn mentions(ty: &Type, params: &[&Ident]) -> bool {
    fn walk(ts: TokenStream, params: &[&Ident]) -> bool {
        ts.into_iter().any(|tt| match tt {
            TokenTree::Ident(i) => params.iter().any(|p| **p == i),
            TokenTree::Group(g) => walk(g.stream(), params),
            _ => false,
        })
    }
    !params.is_empty() && walk(quote!(#ty), params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(input: DeriveInput) -> String {
        derive(&input).to_string()
    }

    #[test]
    fn a_valid_struct_expands_to_module_zeroed_and_new() {
        let out = expand(parse_quote! {
            struct Net {
                #[init(values = [[0, 0, 0], [1, 1, 1], [2, 2, 2]])]
                conv1: Conv2d<1, 3, 3>,
                pool: MaxPool2d<2, 2>,
                #[init(kaiming_normal(nonlinearity = "relu"))]
                fc: Linear<3, 10>,
                #[module(skip)]
                label: String,
            }
        });
        assert!(out.contains("impl :: init :: Module for Net"), "{out}");
        assert!(out.contains("impl :: init :: Zeroed for Net"), "{out}");
        assert!(out.contains("pub fn new"), "{out}");
        assert!(out.contains("Nonlinearity :: Relu"), "{out}");
        assert!(!out.contains("\"label\""), "skipped fields are not children: {out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn several_mistakes_are_reported_together() {
        let out = expand(parse_quote! {
            #[init(Conv2 = zeros)]
            struct Net {
                #[init(kaimng_normal)]
                a: Linear<2, 2>,
                #[init(normal(std = -1.0))]
                b: Linear<2, 2>,
            }
        });
        assert_eq!(out.matches("compile_error").count(), 3, "{out}");
        assert!(out.contains("unknown layer kind `Conv2`; did you mean `Conv2d`?"), "{out}");
        assert!(
            out.contains("unknown init scheme `kaimng_normal`; did you mean `kaiming_normal`?"),
            "{out}"
        );
        assert!(out.contains("normal: argument `std` must be >= 0, got -1.0"), "{out}");
        assert!(
            out.contains("impl :: init :: Module for Net"),
            "the fallback stub is emitted: {out}"
        );
    }

    #[test]
    fn enums_are_refused() {
        let out = expand(parse_quote!(
            enum E {
                A,
            }
        ));
        assert!(out.contains("Module can only be derived for structs, not enums"), "{out}");
    }
}
