//! The arguments of one scheme, `(0.1, std = 0.02)`, read into typed values by name.
//!
//! A scheme's builder asks for its arguments in PyTorch's order (`float("mean", 0.0)`, then
//! `float("std", 1.0)`): each request takes the positional argument at its position or the
//! `name = value` argument, checks its type, or gives the default. [`Args::finish`] then
//! reports what no request took (unknown names, extra positionals).

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::{Ident, LitStr, Token};

use crate::ctxt::Ctxt;
use crate::names::{Named, SchemeName};
use crate::values::{self, Literal};
use crate::{suggest, values::number};

/// A value with where it was written.
#[derive(Clone, Debug)]
pub(crate) struct Spanned<T> {
    pub(crate) value: T,
    /// The first and last token as written; `None` when the default was taken.
    pub(crate) written: Option<(Span, Span)>,
    /// The expression written instead of a literal (`0.02 / sqrt(2.0 * N as f64)`); `value`
    /// is then unknown to the derive.
    pub(crate) expr: Option<TokenStream>,
}

impl<T> Spanned<T> {
    fn default(value: T) -> Self {
        Spanned { value, written: None, expr: None }
    }

    fn at(value: T, span: (Span, Span)) -> Self {
        Spanned { value, written: Some(span), expr: None }
    }
}

/// An argument as written: `key = literal` or a positional literal.
struct Written {
    key: Option<Ident>,
    value: WrittenValue,
    /// First and last token of the value (`-` and `0.02` for `-0.02`).
    span: (Span, Span),
    taken: bool,
}

enum WrittenValue {
    Number(f64),
    Str(LitStr),
    /// Any other expression, kept as tokens.
    Expr(TokenStream),
}

/// The arguments of one scheme as written, handed out by name.
pub(crate) struct Args<'c> {
    cx: &'c Ctxt,
    pub(crate) scheme: SchemeName,
    /// The scheme's name as written, where errors about missing arguments go.
    pub(crate) name: Ident,
    /// The tokens inside the parentheses, if any.
    content: Option<TokenStream>,
    written: Vec<Written>,
    /// The names asked for so far, in order (the position of the next request).
    asked: Vec<&'static str>,
    ok: bool,
    /// The arguments did not parse (already reported): nothing is missing or unknown.
    unreadable: bool,
}

impl<'c> Args<'c> {
    /// The scheme's parenthesized arguments (if any) from `input`, not yet interpreted.
    pub(crate) fn read(
        cx: &'c Ctxt,
        scheme: SchemeName,
        name: Ident,
        input: ParseStream<'_>,
    ) -> syn::Result<Self> {
        let content = if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            Some(content.parse::<TokenStream>()?)
        } else {
            None
        };
        Ok(Args {
            cx,
            scheme,
            name,
            content,
            written: Vec::new(),
            asked: Vec::new(),
            ok: true,
            unreadable: false,
        })
    }

    /// The whole content as a `values` literal (`values([[1, 0], [0, 1]])`).
    pub(crate) fn literal(&mut self) -> Literal {
        let Some(content) = self.content.take() else {
            let at = self.name.clone();
            self.fail(&at, "values needs a literal: write `values([[1, 0], [0, 1]])`");
            return Literal { shape: Vec::new(), data: Vec::new() };
        };
        match values::parse.parse2(content) {
            Ok(literal) => literal,
            Err(e) => {
                self.fail_with(e);
                Literal { shape: Vec::new(), data: Vec::new() }
            }
        }
    }

    /// A number, `default` when not written.
    pub(crate) fn float(&mut self, name: &'static str, default: f64) -> Spanned<f64> {
        let written = self.take(name).and_then(|w| self.number_at(w, name));
        written.unwrap_or(Spanned::default(default))
    }

    /// A number the scheme cannot do without; `example` shows how to write it.
    pub(crate) fn required_float(&mut self, name: &'static str, example: &str) -> Spanned<f64> {
        let Some(w) = self.take(name) else {
            if !self.unreadable {
                let msg = format!("{} needs `{name}`: write `{example}`", self.scheme.name());
                let at = self.name.clone();
                self.fail(&at, msg);
            }
            return Spanned::default(0.0);
        };
        self.number_at(w, name).unwrap_or(Spanned::default(0.0))
    }

    /// A whole number >= 0, `default` when not written.
    pub(crate) fn count(&mut self, name: &'static str, default: u64) -> Spanned<u64> {
        let Some(w) = self.take(name) else { return Spanned::default(default) };
        match self.written[w].value {
            WrittenValue::Number(v) if v.fract() == 0.0 && v >= 0.0 => {
                Spanned::at(v as u64, self.written[w].span)
            }
            WrittenValue::Number(_) => {
                let msg = format!("`{name}` of {} must be a whole number", self.scheme.name());
                self.fail_at(w, msg);
                Spanned::default(default)
            }
            WrittenValue::Str(_) => {
                self.not_a_number(w, name);
                Spanned::default(default)
            }
            WrittenValue::Expr(_) => {
                let msg =
                    format!("`{name}` of {} must be a whole-number literal", self.scheme.name());
                self.fail_at(w, msg);
                Spanned::default(default)
            }
        }
    }

    /// One of `allowed`, written as its name; `default` when not written.
    pub(crate) fn choice<T: Named>(
        &mut self,
        name: &'static str,
        default: T,
        allowed: &[T],
    ) -> Spanned<T> {
        let Some(w) = self.take(name) else { return Spanned::default(default) };
        let spellings: Vec<&str> =
            T::NAMES.iter().filter(|(_, v)| allowed.contains(v)).map(|&(n, _)| n).collect();
        let listed = spellings.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
        let scheme = self.scheme.name();
        let text = match &self.written[w].value {
            WrittenValue::Str(s) => s.value(),
            WrittenValue::Number(_) | WrittenValue::Expr(_) => {
                self.fail_at(w, format!("`{name}` of {scheme} is a string: one of {listed}"));
                return Spanned::default(default);
            }
        };
        match T::from_name(&text).filter(|v| allowed.contains(v)) {
            Some(value) => Spanned::at(value, self.written[w].span),
            None => {
                let hint = suggest::hint(&text, spellings.iter().copied());
                let what = T::WHAT;
                let msg = format!(
                    "unknown {what} \"{text}\" for {scheme}; expected one of {listed}{hint}"
                );
                self.fail_at(w, msg);
                Spanned::default(default)
            }
        }
    }

    /// Report what no request took; `false` when any argument had an error.
    pub(crate) fn finish(mut self) -> bool {
        self.parse_written();
        if self.unreadable {
            return false;
        }
        let scheme = self.scheme.name();
        for i in 0..self.written.len() {
            if self.written[i].taken {
                continue;
            }
            match self.written[i].key.clone() {
                Some(key) => {
                    let key_text = key.to_string();
                    let expected = if self.asked.is_empty() {
                        format!("{scheme} takes no arguments")
                    } else {
                        format!("expected one of {}", self.asked.join(", "))
                    };
                    let hint = suggest::hint(&key_text, self.asked.iter().copied());
                    let msg =
                        format!("unknown argument `{key_text}` for {scheme}; {expected}{hint}");
                    self.fail(&key, msg);
                }
                None => {
                    let msg = format!("{scheme} takes {} argument(s)", self.asked.len());
                    self.fail_at(i, msg);
                }
            }
        }
        self.ok
    }

    /// Written argument `w` as a number.
    fn number_at(&mut self, w: usize, name: &str) -> Option<Spanned<f64>> {
        match self.written[w].value {
            WrittenValue::Number(value) => Some(Spanned::at(value, self.written[w].span)),
            WrittenValue::Expr(ref expr) => Some(Spanned {
                value: 0.0,
                written: Some(self.written[w].span),
                expr: Some(expr.clone()),
            }),
            WrittenValue::Str(_) => {
                self.not_a_number(w, name);
                None
            }
        }
    }

    /// The index of the written argument for the next request, `name`: the positional at
    /// its position, else the first `name = ...`; any other for `name` is a duplicate.
    fn take(&mut self, name: &'static str) -> Option<usize> {
        self.parse_written();
        let position = self.asked.len();
        self.asked.push(name);
        let positional = self.written.iter().take_while(|w| w.key.is_none()).count();
        let mut found = (position < positional).then_some(position);
        for i in positional..self.written.len() {
            if self.written[i].key.as_ref().is_none_or(|k| k != name) {
                continue;
            }
            self.written[i].taken = true;
            if found.is_some() {
                let key = self.written[i].key.clone();
                let msg = format!("duplicate argument `{name}` for {}", self.scheme.name());
                self.fail(&key, msg);
            } else {
                found = Some(i);
            }
        }
        if let Some(i) = found {
            self.written[i].taken = true;
        }
        found
    }

    /// Read the written arguments the first time they are needed.
    fn parse_written(&mut self) {
        let Some(content) = self.content.take() else { return };
        match written.parse2(content) {
            Ok(list) => self.written = list,
            Err(e) => {
                self.unreadable = true;
                self.fail_with(e);
            }
        }
        let mut seen_key = false;
        for i in 0..self.written.len() {
            if self.written[i].key.is_some() {
                seen_key = true;
            } else if seen_key {
                self.written[i].taken = true;
                let msg = "positional arguments must come before `name = value` arguments";
                self.fail_at(i, msg);
            }
        }
    }

    fn not_a_number(&mut self, w: usize, name: &str) {
        let msg = format!("`{name}` of {} must be a number, not a string", self.scheme.name());
        self.fail_at(w, msg);
    }

    /// An error on the value of written argument `w`.
    fn fail_at(&mut self, w: usize, msg: impl std::fmt::Display) {
        let (first, last) = self.written[w].span;
        self.ok = false;
        self.cx.error_between(first, last, msg);
    }

    fn fail(&mut self, at: &impl quote::ToTokens, msg: impl std::fmt::Display) {
        self.ok = false;
        self.cx.error_spanned_by(at, msg);
    }

    fn fail_with(&mut self, e: syn::Error) {
        self.ok = false;
        self.cx.syn_error(e);
    }
}

/// Whether the next tokens are a number literal (optionally negative) and nothing more
/// before the next comma.
fn is_number(fork: ParseStream<'_>) -> bool {
    number(fork).is_ok() && (fork.is_empty() || fork.peek(Token![,]))
}

/// `a, b = 1.0, mode = "fan_out"`: every argument as written.
fn written(input: ParseStream<'_>) -> syn::Result<Vec<Written>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let key = if input.peek(Ident) && input.peek2(Token![=]) {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            Some(key)
        } else {
            None
        };
        let fork = input.fork();
        let value = if input.peek(LitStr) {
            WrittenValue::Str(input.parse()?)
        } else if is_number(&input.fork()) {
            WrittenValue::Number(number(input)?)
        } else {
            // An expression: every token up to the next top-level comma.
            let mut tokens = TokenStream::new();
            while !input.is_empty() && !input.peek(Token![,]) {
                tokens.extend([input.parse::<TokenTree>()?]);
            }
            WrittenValue::Expr(tokens)
        };
        // The tokens the value took: `-` (if any) and the literal.
        let first: TokenTree = fork.fork().parse()?;
        let mut last = first.span();
        while fork.cursor() != input.cursor() {
            last = fork.parse::<TokenTree>()?.span();
        }
        out.push(Written { key, value, span: (first.span(), last), taken: false });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(out)
}
