//! `#[layer(eps = 1e-6, elementwise_affine = false)]`: a layer's settings declared on its
//! field with PyTorch's keyword names, written out as a constant of the layer's `Config`
//! (built from `Configure::DEFAULT`, one assignment per key with the user's tokens, so an
//! unknown key or a wrong type is rustc's error on that token), checked by the config's
//! `verdict` in a `const` (out of range: a compile error on the attribute), and applied by
//! `zeroed()`. On a container field that `zeroed()` builds (an `Option`, `Box`, `Vec`,
//! array or `ModuleList`), the config is the element's, reached through `Elements`, and
//! applied to every element built.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::ParseStream;
use syn::{Attribute, Token, Type};

use crate::ast::{Field, Shape};
use crate::bare::verdict;
use crate::ctxt::Ctxt;

/// One `key = value` of a `#[layer(...)]`.
pub(crate) struct Setting {
    pub(crate) key: Ident,
    pub(crate) value: TokenStream,
}

/// A field's `#[layer(...)]`.
pub(crate) struct LayerAttr {
    pub(crate) settings: Vec<Setting>,
    /// The first and last token inside the parentheses, where a refused setting is shown.
    pub(crate) spans: (Span, Span),
}

/// Read `#[layer(...)]` into `slot`; errors go to `cx`.
pub(crate) fn parse(cx: &Ctxt, attr: &Attribute, slot: &mut Option<LayerAttr>) {
    if slot.is_some() {
        cx.error_spanned_by(attr, "duplicate #[layer] attribute: put every setting in one");
        return;
    }
    match attr.parse_args_with(|input: ParseStream<'_>| settings(cx, input)) {
        Ok(Some(layer)) => *slot = Some(layer),
        Ok(None) => {}
        Err(e) => cx.syn_error(e),
    }
}

/// `eps = 1e-6, bias = false`; `None` when a duplicate was reported.
fn settings(cx: &Ctxt, input: ParseStream<'_>) -> syn::Result<Option<LayerAttr>> {
    let first = input.span();
    let mut last = first;
    let mut out: Vec<Setting> = Vec::new();
    let mut ok = true;
    while !input.is_empty() {
        let key: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let mut value = TokenStream::new();
        while !input.is_empty() && !input.peek(Token![,]) {
            let tt: TokenTree = input.parse()?;
            last = tt.span();
            value.extend([tt]);
        }
        if value.is_empty() {
            return Err(syn::Error::new(
                key.span(),
                format!("`{key}` needs a value: `{key} = ...`"),
            ));
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
        if out.iter().any(|s| s.key == key) {
            cx.error_spanned_by(&key, format!("duplicate setting `{key}`"));
            ok = false;
        }
        if let Some(in_type) = in_the_type(&key.to_string()) {
            cx.error_spanned_by(
                &key,
                format!(
                    "`{key}` is part of the layer's type, not a #[layer] setting: write it among the type's const generics, {in_type}"
                ),
            );
            ok = false;
        }
        out.push(Setting { key, value });
    }
    if out.is_empty() {
        return Err(input.error("#[layer] needs settings: `#[layer(eps = 1e-6)]`"));
    }
    Ok(ok.then_some(LayerAttr { settings: out, spans: (first, last) }))
}

/// The names of the field's config constant and of its check.
fn names(f: &Field<'_>) -> (Ident, Ident) {
    (format_ident!("__INIT_LAYER_{}", f.name), format_ident!("__INIT_LAYER_CHECK_{}", f.name))
}

/// How a value is written, which picks the `Setting` method it goes through.
enum Form {
    /// `None` or `Some(..)`: assigned as written.
    Option,
    /// A string literal: `set_str`.
    Str,
    /// A tuple `(a, b)`: `set_tuple([a, b])`, one value per axis.
    Tuple(Group),
    /// Anything else: `set`.
    Plain,
}

fn form(value: &TokenStream) -> Form {
    let mut tokens = value.clone().into_iter();
    let (Some(first), None) = (tokens.next(), tokens.next()) else {
        return match value.clone().into_iter().next() {
            Some(TokenTree::Ident(i)) if i == "None" || i == "Some" => Form::Option,
            _ => Form::Plain,
        };
    };
    match first {
        TokenTree::Ident(i) if i == "None" => Form::Option,
        TokenTree::Literal(lit) if lit.to_string().starts_with(['"', 'r']) => Form::Str,
        TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis && has_comma(&g) => {
            let mut array = Group::new(Delimiter::Bracket, g.stream());
            array.set_span(g.span());
            Form::Tuple(array)
        }
        _ => Form::Plain,
    }
}

/// Whether a group holds a comma at its top level (a tuple, not a parenthesized value).
fn has_comma(g: &Group) -> bool {
    g.stream().into_iter().any(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
}

/// One assignment: `__c.eps = Setting(__c.eps).set(<value>);` (`None` and `Some(..)` as
/// written, a string literal through `set_str`, a tuple through `set_tuple`), with the
/// const math in scope.
fn assign(setting: &Setting) -> TokenStream {
    let Setting { key, value } = setting;
    let span = key.span();
    let form = form(value);
    let value = match &form {
        Form::Tuple(array) => quote!(#array),
        _ => value.clone(),
    };
    let value = quote_spanned! {span=> {
        #[allow(unused_imports)]
        use ::init::__private::math::*;
        #value
    }};
    let setting = quote_spanned!(span=> ::init::__private::Setting(__c.#key));
    match form {
        Form::Option => quote_spanned!(span=> __c.#key = #value;),
        Form::Str => quote_spanned!(span=> __c.#key = #setting.set_str(#value);),
        Form::Tuple(_) => quote_spanned!(span=> __c.#key = #setting.set_tuple(#value);),
        Form::Plain => quote_spanned!(span=> __c.#key = #setting.set(#value);),
    }
}

/// Whether the field holds its layers in a container (`Option`, `Box`, array, or a list
/// built with `len`), whose every element the settings configure.
fn is_container(f: &Field<'_>) -> bool {
    !matches!(f.shape, Shape::Plain)
        || matches!(f.ty, Type::Array(_))
        || f.attrs.module.len.is_some()
}

/// PyTorch constructor arguments that are const generics here (so a `#[layer]` key would be
/// rustc's bare "no field" error), with where they go.
fn in_the_type(key: &str) -> Option<&'static str> {
    Some(match key {
        "in_features" | "out_features" => "`Linear<IN, OUT>`",
        "in_channels" | "out_channels" | "kernel_size" | "groups" => {
            "`Conv2d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS>` (a depthwise conv of C channels: `Conv2d<C, C, K, 1, PAD, 1, C>`)"
        }
        "num_features" => "`BatchNorm2d<C>`",
        "num_embeddings" | "embedding_dim" => "`Embedding<NUM, DIM>`",
        "normalized_shape" => "`LayerNorm<D>`",
        _ => return None,
    })
}

/// The layer type whose `Configure` the field's settings are: the field's type, or the
/// element type of its container.
fn layer_ty(f: &Field<'_>) -> TokenStream {
    let ty = f.ty;
    let span = f.span();
    if is_container(f) {
        quote_spanned!(span=> <#ty as ::init::__private::Elements>::Element)
    } else {
        quote_spanned!(span=> #ty)
    }
}

/// The associated constants of a configured field: its config and the config's verdict.
pub(crate) fn consts(f: &Field<'_>) -> Option<TokenStream> {
    let layer = f.attrs.layer.as_ref()?;
    let ty = layer_ty(f);
    let (config, check) = names(f);
    let field = &f.name;
    let assigns = layer.settings.iter().map(assign);
    let span = f.span();
    let config_ty = quote_spanned!(span=> <#ty as ::init::__private::Configure>::Config);
    let default = quote_spanned!(span=> <#ty as ::init::__private::Configure>::DEFAULT);
    let verdict = verdict(
        layer.spans,
        quote!(::init::__private::check_config(&Self::#config.verdict(), #field)),
    );
    Some(quote! {
        #[doc(hidden)]
        const #config: #config_ty = {
            #[allow(unused_imports)]
            use ::init::__private::SettingFallback as _;
            let mut __c = #default;
            #(#assigns)*
            __c
        };
        #[doc(hidden)]
        const #check: () = #verdict;
    })
}

/// A free constant that evaluates the check of a concrete struct (in `cargo check` too).
pub(crate) fn free_check(f: &Field<'_>, ident: &Ident) -> Option<TokenStream> {
    f.attrs.layer.as_ref()?;
    let (_, check) = names(f);
    Some(quote!(const _: () = #ident::#check;))
}

/// `zeroed` of a configured field: the field as built, its config applied to its layer or
/// to each layer its container holds.
pub(crate) fn configured(f: &Field<'_>, built: TokenStream) -> TokenStream {
    if f.attrs.layer.is_none() {
        return built;
    }
    let (config, check) = names(f);
    let apply = if is_container(f) {
        quote! {
            ::init::__private::Elements::for_each_mut(&mut __layer, &mut |__each| {
                ::init::__private::Configure::configure(__each, &Self::#config);
            });
        }
    } else {
        quote!(::init::__private::Configure::configure(&mut __layer, &Self::#config);)
    };
    quote! {{
        let () = Self::#check;
        let mut __layer = #built;
        #apply
        __layer
    }}
}

#[cfg(test)]
mod tests {
    use syn::{DeriveInput, parse_quote};

    #[test]
    fn duplicate_and_misplaced_settings_are_errors() {
        let input: DeriveInput = parse_quote! {
            struct Net {
                #[layer(eps = 1e-6, eps = 1e-5)]
                a: LayerNorm<8>,
                #[layer(p = 0.1)]
                #[module(filled_later)]
                b: Vec<Dropout>,
            }
        };
        let out = crate::expand::derive(&input).to_string();
        assert!(out.contains("duplicate setting `eps`"), "{out}");
        assert!(out.contains("field `b`: #[layer(...)] settings are applied by new() to the layers it builds, but this field is #[module(filled_later)]"), "{out}");
    }

    #[test]
    fn container_settings_are_the_element_s_and_apply_to_each() {
        let input: DeriveInput = parse_quote! {
            struct Net<const N: usize> {
                #[module(len = N)]
                #[layer(eps = 1e-6)]
                norms: Vec<LayerNorm<8>>,
                #[module(present = N > 1)]
                #[layer(p = 0.0)]
                drop: Option<Dropout>,
                #[layer(p = 0.0)]
                drops: [Dropout; 2],
            }
        };
        let out = crate::expand::derive(&input).to_string();
        assert!(!out.contains("compile_error"), "{out}");
        for ty in ["Vec < LayerNorm < 8 > >", "Option < Dropout >", "[Dropout ; 2]"] {
            let config = format!(
                "< < {ty} as :: init :: __private :: Elements > :: Element as :: init :: __private :: Configure > :: Config"
            );
            assert!(out.contains(&config), "{config}: {out}");
        }
        assert_eq!(
            out.matches(":: init :: __private :: Elements :: for_each_mut").count(),
            3,
            "{out}"
        );
    }

    #[test]
    fn settings_become_one_assignment_each_and_a_checked_constant() {
        let input: DeriveInput = parse_quote! {
            struct Net {
                #[layer(momentum = None, eps = 1e-3)]
                bn: BatchNorm1d<8>,
            }
        };
        let out = crate::expand::derive(&input).to_string();
        assert!(out.contains("__c . momentum = { # [allow (unused_imports)] use :: init :: __private :: math :: * ; None }"), "{out}");
        assert!(
            out.contains("__c . eps = :: init :: __private :: Setting (__c . eps) . set"),
            "{out}"
        );
        assert!(out.contains("const _ : () = Net :: __INIT_LAYER_CHECK_bn"), "{out}");
        let input: DeriveInput = parse_quote! {
            struct Net {
                #[layer(stride = (2, 1), padding = "same", dilation = (2), padding_mode = r"zeros")]
                conv: Conv2d<3, 8, 3>,
            }
        };
        let out = crate::expand::derive(&input).to_string();
        assert!(out.contains(". set_tuple ({ # [allow (unused_imports)] use :: init :: __private :: math :: * ; [2 , 1] })"), "{out}");
        assert!(out.contains(". set_str ({ # [allow (unused_imports)] use :: init :: __private :: math :: * ; \"same\" })"), "{out}");
        assert!(
            out.contains(
                ". set ({ # [allow (unused_imports)] use :: init :: __private :: math :: * ; (2) })"
            ),
            "{out}"
        );
        assert!(out.contains(". set_str ({ # [allow (unused_imports)] use :: init :: __private :: math :: * ; r\"zeros\" })"), "{out}");
    }
}
