//! `#[init(...)]` and `#[module(...)]`, parsed into typed items with their spans.
//!
//! ```text
//! #[init(kaiming_normal(nonlinearity = "relu"))]      // the layer's weight
//! #[init(values = [[0, 0, 0], [1, 1, 1]])]            // the layer's weight, literal values
//! #[init(weight = xavier_uniform, bias = zeros)]      // parameters by name
//! #[init(Conv2d = kaiming_normal(mode = "fan_out"))]  // struct level: every Conv2d weight
//! #[init(BatchNorm2d(weight = ones, bias = zeros))]   // struct level: several parameters
//! #[init("*.bias" = zeros)]                           // struct level: a glob over paths
//! #[module(skip)]                                     // a field that is not a module
//!                                                      // (other #[module] keys: module_attr.rs)
//! ```

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Ident, LitStr, Token};

use crate::ctxt::Ctxt;
use crate::module_attr::{self, ModuleAttrs};
use crate::scheme::{self, Scheme};
use crate::values;

/// One comma-separated item of an `#[init(...)]` attribute.
pub(crate) struct Item {
    pub(crate) kind: ItemKind,
    /// The item's tokens, to place errors and checks on exactly what the user wrote.
    pub(crate) tokens: TokenStream,
}

pub(crate) enum ItemKind {
    /// `scheme` or `values = ...` (the layer's weight) or `name = scheme`.
    Param { target: Target, scheme: Scheme },
    /// `Kind = scheme` (the kind's weight; `grouped` false) or `Kind(name = scheme, ...)`.
    Kind { kind: Ident, assigns: Vec<(Target, Scheme)>, grouped: bool },
    /// `"glob" = scheme`.
    Glob { pattern: LitStr, scheme: Scheme },
    /// `each(i) "path.weight" = scheme` on a `Vec`/array field: one rule per element, `i`
    /// bound to its index in the scheme's expressions.
    Each { index: Ident, path: LitStr, scheme: Scheme },
    /// `recipe = <expr>` (struct only): a value implementing `init::Recipe`, whose rules
    /// join the struct's.
    Recipe { expr: syn::Expr },
}

/// The parameter an item sets: the one it names, or the layer's `weight` when it names none
/// (resolved here, once).
pub(crate) struct Target {
    pub(crate) name: String,
    /// The name as written, or the tokens that stand for the default.
    pub(crate) span: Span,
}

impl Target {
    fn named(ident: &Ident) -> Self {
        Target { name: ident.to_string(), span: ident.span() }
    }

    /// The default target, `weight`, for an item at `span`.
    fn weight(span: Span) -> Self {
        Target { name: "weight".to_owned(), span }
    }
}

impl Item {
    /// Span of the first and last token of the item.
    pub(crate) fn spans(&self) -> (Span, Span) {
        let mut iter = self.tokens.clone().into_iter();
        let first = iter.next().map_or_else(Span::call_site, |t| t.span());
        let last = iter.last().map_or(first, |t| t.span());
        (first, last)
    }
}

/// The `#[init]` items and the `#[module(...)]` keys of a field or of the struct.
#[derive(Default)]
pub(crate) struct Attrs {
    pub(crate) items: Vec<Item>,
    pub(crate) skip: Option<Span>,
    /// Spans of each `#[init]` attribute, to report contradictions.
    pub(crate) init_attrs: Vec<Span>,
    /// The other `#[module(...)]` keys (`module_attr.rs`).
    pub(crate) module: ModuleAttrs,
    /// `#[param(...)]` / `#[buffer(...)]`: a bare parameter or buffer (see `bare`).
    pub(crate) bare: Option<crate::bare::Bare>,
    /// `#[layer(...)]`: the layer's settings (see `layer_config`).
    pub(crate) layer: Option<crate::layer_config::LayerAttr>,
}

/// Read every `#[init]` and `#[module]` attribute; errors go to `cx`.
pub(crate) fn get(cx: &Ctxt, attrs: &[Attribute]) -> Attrs {
    let mut out = Attrs::default();
    for attr in attrs {
        if attr.path().is_ident("init") {
            out.init_attrs.push(attr.path().get_ident().map_or_else(Span::call_site, Ident::span));
            match attr.parse_args_with(|input: ParseStream<'_>| items(cx, input)) {
                Ok(items) => out.items.extend(items),
                Err(e) => cx.syn_error(e),
            }
        } else if attr.path().is_ident("param") || attr.path().is_ident("buffer") {
            crate::bare::parse(cx, attr, attr.path().is_ident("buffer"), &mut out.bare);
        } else if attr.path().is_ident("layer") {
            crate::layer_config::parse(cx, attr, &mut out.layer);
        } else if attr.path().is_ident("module")
            && let Err(e) = module_attr::parse(attr, &mut out.skip, &mut out.module)
        {
            cx.syn_error(e);
        }
    }
    out
}

/// Split at top-level commas and parse each item.
fn items(cx: &Ctxt, input: ParseStream<'_>) -> syn::Result<Vec<Item>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let mut tokens = TokenStream::new();
        while !input.is_empty() && !input.peek(Token![,]) {
            tokens.extend([input.parse::<TokenTree>()?]);
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
        if tokens.is_empty() {
            return Err(input.error("expected an init item"));
        }
        let parsed = (|item: ParseStream<'_>| item_kind(cx, item)).parse2(tokens.clone());
        match parsed {
            Ok(Some(kind)) => out.push(Item { kind, tokens }),
            Ok(None) => {}
            Err(e) => cx.syn_error(e),
        }
    }
    Ok(out)
}

/// One item; `Ok(None)` when its scheme had errors (already reported).
fn item_kind(cx: &Ctxt, input: ParseStream<'_>) -> syn::Result<Option<ItemKind>> {
    if input.peek(LitStr) {
        // "h.*.mlp.weight" = scheme
        let pattern: LitStr = input.parse()?;
        input.parse::<Token![=]>()?;
        return Ok(scheme::parse(cx, input)?.map(|scheme| ItemKind::Glob { pattern, scheme }));
    }
    let ident: Ident = input.fork().parse()?;
    let text = ident.to_string();
    if text == "each" && input.peek2(syn::token::Paren) {
        // each(i) "attention.wo.weight" = trunc_normal(std = 0.02 / sqrt(2.0 * (i + 1) as f64))
        input.parse::<Ident>()?;
        let content;
        syn::parenthesized!(content in input);
        let index: Ident = content.parse()?;
        let path: LitStr = input.parse()?;
        input.parse::<Token![=]>()?;
        return Ok(scheme::parse(cx, input)?.map(|scheme| ItemKind::Each { index, path, scheme }));
    }
    if text == "recipe" && input.peek2(Token![=]) {
        // recipe = Gpt2Residual::new(N_LAYER)
        input.parse::<Ident>()?;
        input.parse::<Token![=]>()?;
        return Ok(Some(ItemKind::Recipe { expr: input.parse()? }));
    }
    let is_kind = text.starts_with(|c: char| c.is_ascii_uppercase());
    if input.peek2(Token![.]) {
        // Linear.weight = ...  |  fc.bias = ...: a dotted path is not an item; say which is.
        let path: String = input.fork().parse::<TokenStream>()?.to_string();
        let path = path.split('=').next().unwrap_or_default().replace(' ', "");
        let param = path.split('.').nth(1).unwrap_or("weight");
        let fix = if is_kind {
            format!("write `{text}({param} = ...)` for that parameter of every `{text}`")
        } else {
            format!("write the glob `\"{path}\" = ...` for parameters by path")
        };
        cx.error_spanned_by(&ident, format!("a dotted path is not an init item: {fix}"));
        let _: TokenStream = input.parse()?;
        return Ok(None);
    }
    if text == "values" && input.peek2(Token![=]) {
        // values = [[0, 0, 0], [1, 1, 1]]
        let name: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let literal = values::parse(input)?;
        let scheme = scheme::values_scheme(literal, name.span());
        let target = Target::weight(name.span());
        return Ok(Some(ItemKind::Param { target, scheme }));
    }
    if input.peek2(Token![=]) {
        // weight = xavier_uniform      |  Conv2d = kaiming_normal(...)
        let key: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let scheme = scheme::parse(cx, input)?;
        return Ok(scheme.map(|scheme| {
            if is_kind {
                let target = Target::weight(key.span());
                ItemKind::Kind { kind: key, assigns: vec![(target, scheme)], grouped: false }
            } else {
                ItemKind::Param { target: Target::named(&key), scheme }
            }
        }));
    }
    if is_kind && input.peek2(syn::token::Paren) {
        // BatchNorm2d(weight = ones, bias = zeros)
        let kind: Ident = input.parse()?;
        let content;
        syn::parenthesized!(content in input);
        let mut assigns = Vec::new();
        let mut ok = true;
        while !content.is_empty() {
            let name: Ident = content.parse()?;
            content.parse::<Token![=]>()?;
            match scheme::parse(cx, &content)? {
                Some(s) => assigns.push((Target::named(&name), s)),
                None => ok = false,
            }
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
            }
        }
        return Ok(ok.then_some(ItemKind::Kind { kind, assigns, grouped: true }));
    }
    // kaiming_normal(nonlinearity = "relu")   |   zeros
    Ok(scheme::parse(cx, input)?
        .map(|scheme| ItemKind::Param { target: Target::weight(scheme.span), scheme }))
}
