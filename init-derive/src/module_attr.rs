//! `#[module(...)]`, parsed into typed values with their spans.
//!
//! ```text
//! #[module(skip)]                                   // a field that is not a module
//! #[module(present = STRIDE != 1 || IN != OUT)]     // an Option field new() builds when true
//! #[module(len = N_LAYER)]                          // a Vec / ModuleList field of N_LAYER modules
//! #[module(filled_later)]                           // a container the user fills after new()
//! #[module(tie(weight = transformer.wte.weight))]   // a parameter that is another one
//! #[module(sequential)]                             // struct level: Forward chains the fields
//! ```

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, Ident, LitFloat, LitInt, Token};

/// The `#[module(...)]` keys of a field or of the struct (besides `skip`).
#[derive(Default)]
pub(crate) struct ModuleAttrs {
    /// `present = EXPR`: the key's span and the condition.
    pub(crate) present: Option<(Span, Expr)>,
    /// `len = EXPR`: the key's span and the length.
    pub(crate) len: Option<(Span, Expr)>,
    /// `filled_later`.
    pub(crate) filled_later: Option<Span>,
    /// `sequential` (struct level).
    pub(crate) sequential: Option<Span>,
    /// `tie(param = path, ...)`.
    pub(crate) ties: Vec<Tie>,
}

/// `param = a.b.c` inside `tie(...)`: the field's own parameter `param` is the parameter at
/// path `a.b.c` of the struct.
pub(crate) struct Tie {
    /// The field's parameter (`weight`).
    pub(crate) param: Ident,
    /// The target's path segments (`transformer`, `wte`, `weight`).
    pub(crate) target: Vec<String>,
    /// The target as written, for errors.
    pub(crate) tokens: TokenStream,
}

impl Tie {
    /// `transformer.wte.weight`.
    pub(crate) fn target_path(&self) -> String {
        self.target.join(".")
    }
}

impl ModuleAttrs {
    /// Whether any key other than `skip` was given (on a struct: any field key).
    pub(crate) fn field_keys(&self) -> Vec<Span> {
        let mut out: Vec<Span> = Vec::new();
        out.extend(self.present.as_ref().map(|(s, _)| *s));
        out.extend(self.len.as_ref().map(|(s, _)| *s));
        out.extend(self.filled_later);
        out.extend(self.ties.iter().map(|t| t.param.span()));
        out
    }
}

/// Read one `#[module(...)]` attribute into `skip` and `out`.
pub(crate) fn parse(
    attr: &Attribute,
    skip: &mut Option<Span>,
    out: &mut ModuleAttrs,
) -> syn::Result<()> {
    attr.parse_nested_meta(|meta| {
        let span = meta.path.get_ident().map_or_else(Span::call_site, Ident::span);
        let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
        match key.as_str() {
            // #[module(skip)]
            "skip" => set_flag(&meta, skip, span),
            // #[module(filled_later)]
            "filled_later" => set_flag(&meta, &mut out.filled_later, span),
            // #[module(sequential)]
            "sequential" => set_flag(&meta, &mut out.sequential, span),
            // #[module(present = CONDITION)]
            "present" => set_expr(&meta, &mut out.present, span),
            // #[module(len = LENGTH)]
            "len" => set_expr(&meta, &mut out.len, span),
            // #[module(tie(weight = transformer.wte.weight))]
            "tie" => meta.parse_nested_meta(|inner| {
                let Some(param) = inner.path.get_ident().cloned() else {
                    return Err(inner.error("expected a parameter name, e.g. `weight`"));
                };
                if out.ties.iter().any(|t| t.param == param) {
                    return Err(inner.error(format!("duplicate `tie` of `{param}`")));
                }
                let input = inner.value()?;
                let (target, tokens) = dotted_path(input)?;
                out.ties.push(Tie { param, target, tokens });
                Ok(())
            }),
            _ => Err(meta.error(format!(
                "unknown module attribute `{key}`; expected `skip`, `present`, `len`, `filled_later`, `tie` or `sequential`"
            ))),
        }
    })
}

fn set_flag(meta: &ParseNestedMeta<'_>, slot: &mut Option<Span>, span: Span) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format!("duplicate `{}`", meta.path.to_token_stream())));
    }
    if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        return Err(meta.error(format!("`{}` takes no value", meta.path.to_token_stream())));
    }
    *slot = Some(span);
    Ok(())
}

fn set_expr(
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<(Span, Expr)>,
    span: Span,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format!("duplicate `{}`", meta.path.to_token_stream())));
    }
    let expr: Expr = meta.value()?.parse()?;
    *slot = Some((span, expr));
    Ok(())
}

/// `a.b.0.weight`: identifiers and tuple indices joined by dots (`0.1` lexes as one float).
fn dotted_path(input: syn::parse::ParseStream<'_>) -> syn::Result<(Vec<String>, TokenStream)> {
    let mut segments = Vec::new();
    let mut tokens = TokenStream::new();
    loop {
        if input.peek(Ident) {
            let ident: Ident = input.parse()?;
            segments.push(ident.to_string());
            ident.to_tokens(&mut tokens);
        } else if input.peek(LitInt) {
            let lit: LitInt = input.parse()?;
            segments.push(lit.base10_digits().to_string());
            lit.to_tokens(&mut tokens);
        } else if input.peek(LitFloat) {
            let lit: LitFloat = input.parse()?;
            segments.extend(lit.base10_digits().split('.').map(str::to_string));
            lit.to_tokens(&mut tokens);
        } else {
            return Err(
                input.error("expected a dotted parameter path, e.g. `transformer.wte.weight`")
            );
        }
        if !input.peek(Token![.]) {
            break;
        }
        input.parse::<Token![.]>()?.to_tokens(&mut tokens);
    }
    Ok((segments, tokens))
}
