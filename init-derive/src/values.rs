//! `values = [[0, 0, 0], [1, 1, 1]]`: a nested array of number literals, read into a shape
//! and row-major data. Ragged arrays and non-numbers are errors on the offending tokens.

use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::{Lit, Token, bracketed};

/// A rectangular literal: its shape and values in row-major order.
pub(crate) struct Literal {
    pub(crate) shape: Vec<usize>,
    pub(crate) data: Vec<f64>,
}

/// One node of the literal as written: a number or a bracketed list.
enum Node {
    Number(f64),
    List(Vec<Node>, Span),
}

/// Parse a nested array (or a single number) of integer and float literals, possibly
/// negative.
pub(crate) fn parse(input: ParseStream<'_>) -> syn::Result<Literal> {
    let node = parse_node(input)?;
    let mut shape = Vec::new();
    shape_of(&node, &mut shape);
    let mut data = Vec::new();
    flatten(&node, &shape, 0, &mut data)?;
    Ok(Literal { shape, data })
}

fn parse_node(input: ParseStream<'_>) -> syn::Result<Node> {
    if input.peek(syn::token::Bracket) {
        let content;
        let bracket = bracketed!(content in input);
        let mut items = Vec::new();
        while !content.is_empty() {
            items.push(parse_node(&content)?);
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        return Ok(Node::List(items, bracket.span.join()));
    }
    number(input).map(Node::Number)
}

/// An integer or float literal with an optional leading `-`.
pub(crate) fn number(input: ParseStream<'_>) -> syn::Result<f64> {
    let negative = input.parse::<Option<Token![-]>>()?.is_some();
    let lit: Lit = input.parse().map_err(|e| syn::Error::new(e.span(), "expected a number"))?;
    let value = match &lit {
        Lit::Int(i) => i.base10_parse::<f64>()?,
        Lit::Float(f) => f.base10_parse::<f64>()?,
        other => {
            return Err(syn::Error::new(
                other.span(),
                "expected a number, found a non-numeric literal",
            ));
        }
    };
    if !value.is_finite() {
        return Err(syn::Error::new(lit.span(), "this number is too large to be an f32 value"));
    }
    Ok(if negative { -value } else { value })
}

/// The shape read along the first element of each level.
fn shape_of(node: &Node, shape: &mut Vec<usize>) {
    if let Node::List(items, _) = node {
        shape.push(items.len());
        if let Some(first) = items.first() {
            shape_of(first, shape);
        }
    }
}

/// Row-major values, checking that every list at depth `d` has `shape[d]` items.
fn flatten(node: &Node, shape: &[usize], depth: usize, out: &mut Vec<f64>) -> syn::Result<()> {
    match node {
        Node::Number(v) if depth == shape.len() => {
            out.push(*v);
            Ok(())
        }
        Node::Number(_) => Err(syn::Error::new(Span::call_site(), "ragged values")),
        Node::List(items, span) => {
            if depth == shape.len() || items.len() != shape[depth] {
                let expected =
                    shape.get(depth).map_or("a number".to_string(), |n| format!("{n} items"));
                return Err(syn::Error::new(
                    *span,
                    format!(
                        "ragged values: this list has {} items where {expected} are expected",
                        items.len()
                    ),
                ));
            }
            for item in items {
                if let (Node::Number(_), true) = (item, depth + 1 < shape.len()) {
                    return Err(syn::Error::new(
                        *span,
                        format!(
                            "ragged values: this list mixes numbers with lists of {} items",
                            shape[depth + 1]
                        ),
                    ));
                }
                flatten(item, shape, depth + 1, out)?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

    fn read(tokens: proc_macro2::TokenStream) -> syn::Result<(Vec<usize>, Vec<f64>)> {
        parse.parse2(tokens).map(|l| (l.shape, l.data))
    }

    #[test]
    fn reads_nested_integer_float_and_negative_literals() {
        let (shape, data) = read(quote::quote!([[0, 0, 0], [1, 1.5, -1], [2, 2, 2e0]])).unwrap();
        assert_eq!(shape, [3, 3]);
        assert_eq!(data, [0., 0., 0., 1., 1.5, -1., 2., 2., 2.]);
        assert_eq!(read(quote::quote!(-0.5)).unwrap(), (vec![], vec![-0.5]));
        assert_eq!(read(quote::quote!([[[1]], [[2]]])).unwrap().0, [2, 1, 1]);
    }

    #[test]
    fn ragged_and_non_numeric_are_errors() {
        let e = read(quote::quote!([[0, 0, 0], [1, 1]])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ragged values: this list has 2 items where 3 items are expected"
        );
        let e = read(quote::quote!([[0, 0], 1])).unwrap_err();
        assert!(e.to_string().starts_with("ragged values"), "{e}");
        let e = read(quote::quote!([1, "two"])).unwrap_err();
        assert_eq!(e.to_string(), "expected a number, found a non-numeric literal");
        let e = read(quote::quote!([1, x])).unwrap_err();
        assert_eq!(e.to_string(), "expected a number");
    }
}
