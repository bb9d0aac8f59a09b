//! Attribute arguments written as expressions over consts and const generics
//! (`std = 0.02 / sqrt(2.0 * N_LAYER as f64)`, `gain = GAIN`): how they are written out, and
//! whether the derive can check them in a `const`.
//!
//! Every expression is written inside a block that brings `init`'s const math
//! (`sqrt`, `powi`, `abs`, `min`, `max`) into scope, so a bare `sqrt(...)` needs no import
//! and evaluates in `const` context, correctly rounded like `f64::sqrt`.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote_spanned;
use syn::spanned::Spanned;

/// The const math functions the scope of an expression provides.
const MATH: &[&str] = &["sqrt", "powi", "abs", "min", "max"];

/// `expr` as an `f64`, with the const math in scope; errors in it land on its tokens.
pub(crate) fn float(expr: &TokenStream) -> TokenStream {
    let span = expr.span();
    quote_spanned! {span=> {
        #[allow(unused_imports)]
        use ::init::__private::math::*;
        let __value: f64 = #expr;
        __value
    }}
}

/// Whether `expr` can be evaluated in a `const` as far as its tokens show: literals,
/// paths (consts, const generics), operators, casts, parentheses and calls of the const math.
/// A method call, a macro, a block or another function makes it a run-time expression,
/// checked when `new()` builds the model.
pub(crate) fn is_const_like(expr: &TokenStream) -> bool {
    let tokens: Vec<TokenTree> = expr.clone().into_iter().collect();
    tokens.iter().enumerate().all(|(i, tt)| match tt {
        TokenTree::Punct(p) => !matches!(p.as_char(), '.' | '!' | '?'),
        TokenTree::Group(g) => match g.delimiter() {
            Delimiter::Brace => false,
            Delimiter::Parenthesis => {
                let called = match i.checked_sub(1).map(|j| &tokens[j]) {
                    Some(TokenTree::Ident(f)) => Some(f.to_string()),
                    _ => None,
                };
                called.is_none_or(|f| MATH.contains(&f.as_str()) || f == "as")
                    && is_const_like(&g.stream())
            }
            _ => is_const_like(&g.stream()),
        },
        TokenTree::Ident(_) | TokenTree::Literal(_) => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn const_like_expressions_are_told_apart() {
        assert!(is_const_like(&quote!(0.02 / sqrt(2.0 * N_LAYER as f64))));
        assert!(is_const_like(&quote!(GAIN)));
        assert!(is_const_like(&quote!(-(1.0 / (D as f64)))));
        assert!(!is_const_like(&quote!(std_for(3))));
        assert!(!is_const_like(&quote!((2.0f64).sqrt())));
        assert!(!is_const_like(&quote!(env!("X"))));
        assert!(!is_const_like(&quote!({ 1.0 })));
    }
}
