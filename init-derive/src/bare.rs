//! Bare parameters and buffers: `#[param(shape = [1, 1, D])] cls_token: Param` and
//! `#[buffer(shape = [S, S], persistent = false)] mask: Buffer`, parsed, and written out as
//! the struct's own parameters and buffers (before its children in every traversal, as
//! PyTorch registers them), allocated by `zeroed()` and reset by `init_defaults`.
//!
//! ```text
//! #[param(shape = [1, N + 1, D])]                  // zeros until initialized
//! #[init(trunc_normal(std = 0.02))]                // checked against the shape at compile time
//! pos_embed: Param,
//! #[buffer(shape = [S, S], persistent = false)]    // not in the state dict
//! #[init(ones)]                                    // zeros, ones, constant(v) or values
//! mask: Buffer,
//! ```

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::Attribute;
use syn::parse::ParseStream;

use crate::ast::Field;
use crate::attr::{Item, ItemKind};
use crate::ctxt::Ctxt;
use crate::names::Named;

/// A bare field's declaration.
pub(crate) struct Bare {
    pub(crate) buffer: bool,
    /// The dimensions as written, each an expression.
    pub(crate) shape: Vec<TokenStream>,
    /// `persistent = false` on a buffer.
    pub(crate) persistent: bool,
    /// The attribute's name, where errors about it go.
    pub(crate) span: Span,
}

/// Read `#[param(...)]` or `#[buffer(...)]` into `slot`; errors go to `cx`.
pub(crate) fn parse(cx: &Ctxt, attr: &Attribute, buffer: bool, slot: &mut Option<Bare>) {
    let what = if buffer { "buffer" } else { "param" };
    let span = attr.path().get_ident().map_or_else(Span::call_site, syn::Ident::span);
    if slot.is_some() {
        cx.error_at(span, "a field is one bare parameter or buffer: one #[param] or #[buffer]");
        return;
    }
    let needs_shape = format!("#[{what}] needs its shape: write `#[{what}(shape = [1, 1, D])]`");
    if let syn::Meta::Path(_) = attr.meta {
        cx.error_at(span, needs_shape);
        return;
    }
    let mut shape = None;
    let mut persistent = true;
    let result = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("shape") {
            // shape = [1, N + 1, D]
            let value = meta.value()?;
            shape = Some(dims(value)?);
            Ok(())
        } else if buffer && meta.path.is_ident("persistent") {
            // persistent = false
            let lit: syn::LitBool = meta.value()?.parse()?;
            persistent = lit.value;
            Ok(())
        } else {
            let name = meta.path.to_token_stream().to_string();
            let expected = if buffer { "`shape` or `persistent`" } else { "`shape`" };
            Err(meta.error(format!("unknown {what} attribute `{name}`; expected {expected}")))
        }
    });
    if let Err(e) = result {
        cx.syn_error(e);
        return;
    }
    let Some(shape) = shape else {
        cx.error_at(span, needs_shape);
        return;
    };
    *slot = Some(Bare { buffer, shape, persistent, span });
}

/// `[1, N + 1, D]`: each dimension's tokens.
fn dims(input: ParseStream<'_>) -> syn::Result<Vec<TokenStream>> {
    let content;
    syn::bracketed!(content in input);
    let mut out = Vec::new();
    while !content.is_empty() {
        let mut dim = TokenStream::new();
        while !content.is_empty() && !content.peek(syn::Token![,]) {
            dim.extend([content.parse::<TokenTree>()?]);
        }
        if !content.is_empty() {
            content.parse::<syn::Token![,]>()?;
        }
        out.push(dim);
    }
    Ok(out)
}

impl Bare {
    /// `&[1, N + 1, D]`.
    pub(crate) fn shape_expr(&self) -> TokenStream {
        let dims = &self.shape;
        quote!(&[#(#dims),*])
    }
}

/// The visitor call of a bare field (`None` for other fields).
pub(crate) fn visit(f: &Field<'_>, mutable: bool) -> Option<TokenStream> {
    let bare = f.attrs.bare.as_ref()?;
    let (member, name, span) = (&f.member, &f.name, f.span());
    Some(match (bare.buffer, mutable) {
        (false, false) => quote_spanned!(span=> __visitor.param(#name, &self.#member);),
        (true, false) => quote_spanned!(span=> __visitor.buffer(#name, &self.#member);),
        (false, true) => quote_spanned! {span=>
            __visitor.param(#name, ::init::ParamSlot::from(&mut self.#member));
        },
        (true, true) => quote_spanned! {span=>
            __visitor.buffer(#name, ::init::BufferMut::from(&mut self.#member));
        },
    })
}

/// The value of a buffer: its `#[init]` (zeros, ones, constant, values), else zeros.
fn buffer_init(f: &Field<'_>) -> TokenStream {
    match f.attrs.items.first().map(|i| &i.kind) {
        Some(ItemKind::Param { scheme, .. }) => scheme.to_init(),
        _ => quote!(::init::Init::Zeros),
    }
}

/// What `zeroed()` puts in a bare field.
pub(crate) fn zeroed(f: &Field<'_>, bare: &Bare) -> TokenStream {
    let shape = bare.shape_expr();
    let span = f.span();
    if bare.buffer {
        let init = buffer_init(f);
        let persistent = bare.persistent;
        quote_spanned!(span=> ::init::__private::bare_buffer(#shape, &#init, #persistent))
    } else {
        quote_spanned!(span=> ::init::__private::bare_param(#shape))
    }
}

/// What the struct's `init_defaults` does for a bare field: a parameter no rule fills
/// becomes zeros again, a buffer takes its declared values again.
pub(crate) fn reset(f: &Field<'_>) -> Option<TokenStream> {
    let bare = f.attrs.bare.as_ref()?;
    let (member, name) = (&f.member, &f.name);
    Some(if bare.buffer {
        let init = buffer_init(f);
        quote! {
            ::init::__private::reset_buffer(&mut self.#member, &#init, __prefix, #name)?;
        }
    } else {
        quote! {
            if !__ruled(#name) {
                ::init::__private::reset_param(&mut self.#member, __prefix, #name);
            }
        }
    })
}

/// The rule a bare parameter without `#[init]` declares for itself: zeros, as PyTorch's
/// `nn.Parameter(torch.zeros(...))`, a layer-default rule every other rule beats.
pub(crate) fn default_rule(struct_name: &str, f: &Field<'_>) -> Option<TokenStream> {
    let bare = f.attrs.bare.as_ref()?;
    if bare.buffer || !f.attrs.items.is_empty() {
        return None;
    }
    let name = &f.name;
    let origin = format!("#[param] on {struct_name}.{name}");
    Some(quote! {
        __rules.push(::init::Rule::module("", #name, ::init::Init::Zeros).with_origin(#origin).as_fallback());
    })
}

/// The `const` checks of a bare field: its shape is addressable, and each `#[init]` fits
/// it (rank of the scheme, `values` broadcast), on the item's tokens.
pub(crate) fn checks(f: &Field<'_>) -> Vec<TokenStream> {
    let Some(bare) = &f.attrs.bare else { return Vec::new() };
    let shape = bare.shape_expr();
    let field = &f.name;
    let mut out = Vec::new();
    let first = bare.shape.first().and_then(|d| d.clone().into_iter().next());
    let at = first.map_or(bare.span, |t| t.span());
    out.push(verdict(
        (at, at),
        quote!(::init::__private::check_bare(#shape, #field, "zeros", 0, ::core::primitive::usize::MAX, ::core::option::Option::None)),
    ));
    for item in &f.attrs.items {
        let ItemKind::Param { scheme, .. } = &item.kind else { continue };
        let name = scheme.init.scheme().name();
        let (min, max) = scheme.init.scheme().ranks();
        let values = match scheme.values_shape() {
            Some(s) => quote!(::core::option::Option::Some(&[#(#s),*])),
            None => quote!(::core::option::Option::None),
        };
        out.push(verdict(
            item.spans(),
            quote!(::init::__private::check_bare(#shape, #field, #name, #min, #max, #values)),
        ));
    }
    out
}

/// `match <msg>.message() { Some(m) => panic!("{}", m), None => () }`, spanned from
/// `first` to `last` so that a failure underlines the user's tokens.
pub(crate) fn verdict((first, last): (Span, Span), msg: TokenStream) -> TokenStream {
    let mut panic_args =
        Group::new(Delimiter::Parenthesis, quote_spanned!(first=> "{}", __message));
    panic_args.set_span(last);
    quote_spanned! {first=>
        match #msg.message() {
            ::core::option::Option::Some(__message) => ::core::panic! #panic_args,
            ::core::option::Option::None => (),
        }
    }
}

/// Whether the field's `#[init]` suits a buffer: one deterministic value.
pub(crate) fn buffer_item_ok(item: &Item) -> bool {
    use crate::scheme::Init;
    matches!(
        &item.kind,
        ItemKind::Param { scheme, .. }
            if matches!(scheme.init, Init::Zeros | Init::Ones | Init::Constant { .. } | Init::Values(_))
    )
}

#[cfg(test)]
mod tests {
    use syn::{DeriveInput, parse_quote};

    fn errors(input: DeriveInput) -> String {
        crate::expand::derive(&input).to_string()
    }

    #[test]
    fn a_bare_field_needs_its_shape_and_a_buffer_a_fixed_value() {
        let out = errors(parse_quote! {
            struct Net {
                #[param]
                a: Param,
                #[param(shape = [2], persistent = false)]
                b: Param,
                #[buffer(shape = [2])]
                #[init(kaiming_normal)]
                c: Buffer,
            }
        });
        assert!(
            out.contains("#[param] needs its shape: write `#[param(shape = [1, 1, D])]`"),
            "{out}"
        );
        assert!(out.contains("unknown param attribute `persistent`; expected `shape`"), "{out}");
        assert!(out.contains("a buffer takes a value, not a random draw"), "{out}");
    }

    #[test]
    fn a_bare_parameter_is_visited_as_the_struct_s_own() {
        let out = errors(parse_quote! {
            struct Vit {
                #[param(shape = [1, 1, 8])]
                cls_token: Param,
            }
        });
        assert!(out.contains("__visitor . param (\"cls_token\" , & self . cls_token)"), "{out}");
        assert!(out.contains("as_fallback"), "the zeros default loses to every rule: {out}");
        assert!(!out.contains("compile_error"), "{out}");
    }
}
