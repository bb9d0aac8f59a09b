//! The schemes an attribute can name, with PyTorch's argument names and defaults, parsed
//! into typed values and expanded into `::init::Init` expressions.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::ParseStream;
use syn::{Ident, LitStr, Token, parenthesized};

use crate::ctxt::Ctxt;
use crate::suggest;
use crate::values::{self, Literal};

/// The type of an argument.
#[derive(Clone, Copy, PartialEq)]
enum ArgTy {
    Float,
    /// A positive integer (`dirac`'s `groups`).
    Count,
    Nonlinearity,
    /// A fan mode, from the listed names.
    Mode(&'static [&'static str]),
    Distribution,
}

/// An argument: name, type, default (`None` = required).
struct ArgDef {
    name: &'static str,
    ty: ArgTy,
    default: Option<Value>,
}

/// A scheme: its name, arguments, and the ranks of parameter it accepts.
pub(crate) struct SchemeDef {
    pub(crate) name: &'static str,
    args: &'static [ArgDef],
    pub(crate) min_rank: usize,
    pub(crate) max_rank: usize,
}

/// A resolved argument value.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum Value {
    Float(f64),
    Count(u64),
    Str(&'static str),
}

const NONLINEARITIES: &[&str] = &[
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
];
const DISTRIBUTIONS: &[&str] = &["truncated_normal", "normal", "untruncated_normal", "uniform"];
const FAN_IN_OUT: &[&str] = &["fan_in", "fan_out"];
const FAN_ANY: &[&str] = &["fan_in", "fan_out", "fan_avg"];
const ANY: usize = usize::MAX;

const fn arg(name: &'static str, ty: ArgTy, default: Option<Value>) -> ArgDef {
    ArgDef { name, ty, default }
}
const fn float(name: &'static str, default: f64) -> ArgDef {
    arg(name, ArgTy::Float, Some(Value::Float(default)))
}
const fn scheme(
    name: &'static str,
    args: &'static [ArgDef],
    min_rank: usize,
    max_rank: usize,
) -> SchemeDef {
    SchemeDef { name, args, min_rank, max_rank }
}
const KAIMING: &[ArgDef] = &[
    float("a", 0.0),
    arg("mode", ArgTy::Mode(FAN_IN_OUT), Some(Value::Str("fan_in"))),
    arg("nonlinearity", ArgTy::Nonlinearity, Some(Value::Str("leaky_relu"))),
];

/// Every scheme of `init`, PyTorch's arguments in PyTorch's order.
pub(crate) const SCHEMES: &[SchemeDef] = &[
    scheme("uniform", &[float("a", 0.0), float("b", 1.0)], 0, ANY),
    scheme("normal", &[float("mean", 0.0), float("std", 1.0)], 0, ANY),
    scheme(
        "trunc_normal",
        &[float("mean", 0.0), float("std", 1.0), float("a", -2.0), float("b", 2.0)],
        0,
        ANY,
    ),
    scheme("constant", &[arg("value", ArgTy::Float, None)], 0, ANY),
    scheme("ones", &[], 0, ANY),
    scheme("zeros", &[], 0, ANY),
    scheme("eye", &[], 2, 2),
    scheme("dirac", &[arg("groups", ArgTy::Count, Some(Value::Count(1)))], 3, 5),
    scheme("xavier_uniform", &[float("gain", 1.0)], 2, ANY),
    scheme("xavier_normal", &[float("gain", 1.0)], 2, ANY),
    scheme("kaiming_uniform", KAIMING, 2, ANY),
    scheme("kaiming_normal", KAIMING, 2, ANY),
    scheme("orthogonal", &[float("gain", 1.0)], 2, ANY),
    scheme("sparse", &[arg("sparsity", ArgTy::Float, None), float("std", 0.01)], 2, 2),
    scheme("lecun_uniform", &[], 2, ANY),
    scheme("lecun_normal", &[], 2, ANY),
    scheme(
        "variance_scaling",
        &[
            float("scale", 1.0),
            arg("mode", ArgTy::Mode(FAN_ANY), Some(Value::Str("fan_in"))),
            arg("distribution", ArgTy::Distribution, Some(Value::Str("truncated_normal"))),
        ],
        2,
        ANY,
    ),
    scheme("delta_orthogonal", &[float("gain", 1.0)], 3, 5),
    scheme("values", &[], 0, ANY),
];

/// A parsed, checked scheme with all its arguments resolved.
pub(crate) struct Scheme {
    pub(crate) def: &'static SchemeDef,
    pub(crate) args: Vec<Value>,
    pub(crate) values: Option<Literal>,
    pub(crate) span: Span,
}

/// An argument as written: `key = literal` or a positional literal.
struct Written {
    key: Option<Ident>,
    value: WrittenValue,
}

enum WrittenValue {
    /// The number and its tokens (`-` and the literal).
    Number(f64, TokenStream),
    Str(LitStr),
}

impl WrittenValue {
    /// The value's tokens, to place errors on all of `-0.02`.
    fn tokens(&self) -> TokenStream {
        match self {
            WrittenValue::Number(_, t) => t.clone(),
            WrittenValue::Str(s) => quote!(#s),
        }
    }
}

/// Parse `name` or `name(args)` (or `values([...])`). Errors in the arguments are reported
/// to `cx` and give `Ok(None)`; an unparsable token stream gives `Err`.
pub(crate) fn parse(cx: &Ctxt, input: ParseStream<'_>) -> syn::Result<Option<Scheme>> {
    let name: Ident = input.parse()?;
    let text = name.to_string();
    let Some(def) = SCHEMES.iter().find(|d| d.name == text) else {
        if input.peek(syn::token::Paren) {
            let _rest;
            parenthesized!(_rest in input);
            let _: TokenStream = _rest.parse()?;
        }
        let hint = suggest::hint(&text, SCHEMES.iter().map(|d| d.name));
        cx.error_spanned_by(&name, format!("unknown init scheme `{text}`{hint}"));
        return Ok(None);
    };
    if def.name == "values" {
        let content;
        parenthesized!(content in input);
        let literal = values::parse(&content)?;
        return Ok(Some(values_scheme(literal, name.span())));
    }
    let mut written = Vec::new();
    if input.peek(syn::token::Paren) {
        let content;
        parenthesized!(content in input);
        while !content.is_empty() {
            written.push(parse_arg(&content)?);
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
    }
    Ok(resolve(cx, def, &name, written))
}

/// The scheme for `values = <literal>`.
pub(crate) fn values_scheme(literal: Literal, span: Span) -> Scheme {
    // `values` is the last entry of the table.
    let def = &SCHEMES[SCHEMES.len() - 1];
    Scheme { def, args: Vec::new(), values: Some(literal), span }
}

fn parse_arg(input: ParseStream<'_>) -> syn::Result<Written> {
    let key = if input.peek(Ident) && input.peek2(Token![=]) {
        let key: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        Some(key)
    } else {
        None
    };
    let value = if input.peek(LitStr) {
        WrittenValue::Str(input.parse()?)
    } else {
        let fork = input.fork();
        let number = values::number(input)?;
        // The tokens the number took: `-` (if any) and the literal.
        let mut tokens = TokenStream::new();
        while fork.cursor() != input.cursor() {
            let tt: proc_macro2::TokenTree = fork.parse()?;
            tokens.extend([tt]);
        }
        WrittenValue::Number(number, tokens)
    };
    Ok(Written { key, value })
}

/// Match written arguments to the definition, check types and ranges.
fn resolve(
    cx: &Ctxt,
    def: &'static SchemeDef,
    name: &Ident,
    written: Vec<Written>,
) -> Option<Scheme> {
    let mut slots: Vec<Option<(Value, TokenStream)>> = def.args.iter().map(|_| None).collect();
    let mut ok = true;
    let mut seen_key = false;
    for (position, w) in written.into_iter().enumerate() {
        let index = match &w.key {
            Some(key) => {
                seen_key = true;
                let key_text = key.to_string();
                match def.args.iter().position(|a| a.name == key_text) {
                    Some(i) => i,
                    None => {
                        let names: Vec<&str> = def.args.iter().map(|a| a.name).collect();
                        let expected = if names.is_empty() {
                            format!("{} takes no arguments", def.name)
                        } else {
                            format!("expected one of {}", names.join(", "))
                        };
                        let hint = suggest::hint(&key_text, names.iter().copied());
                        cx.error_spanned_by(
                            key,
                            format!(
                                "unknown argument `{key_text}` for {}; {expected}{hint}",
                                def.name
                            ),
                        );
                        ok = false;
                        continue;
                    }
                }
            }
            None if seen_key => {
                let msg = "positional arguments must come before `name = value` arguments";
                cx.error_spanned_by(w.value.tokens(), msg);
                ok = false;
                continue;
            }
            None if position >= def.args.len() => {
                let msg = format!("{} takes {} argument(s)", def.name, def.args.len());
                cx.error_spanned_by(w.value.tokens(), msg);
                ok = false;
                continue;
            }
            None => position,
        };
        let arg = &def.args[index];
        if slots[index].is_some() {
            let msg = format!("duplicate argument `{}` for {}", arg.name, def.name);
            match &w.key {
                Some(key) => cx.error_spanned_by(key, msg),
                None => cx.error_spanned_by(w.value.tokens(), msg),
            }
            ok = false;
            continue;
        }
        match typed(def, arg, &w.value) {
            Ok(v) => slots[index] = Some((v, w.value.tokens())),
            Err(msg) => {
                cx.error_spanned_by(w.value.tokens(), msg);
                ok = false;
            }
        }
    }
    let mut args = Vec::new();
    for (slot, arg) in slots.iter().zip(def.args) {
        match (slot, arg.default) {
            (Some((v, _)), _) => args.push(*v),
            (None, Some(d)) => args.push(d),
            (None, None) => {
                cx.error_spanned_by(
                    name,
                    format!("{} needs `{}`: write `{}`", def.name, arg.name, example(def)),
                );
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    if let Err(msg) = check_ranges(def, &args) {
        // On every argument written, from the first to the last.
        let written: TokenStream = slots.iter().flatten().map(|(_, t)| t.clone()).collect();
        cx.error_spanned_by(written, msg);
        return None;
    }
    Some(Scheme { def, args, values: None, span: name.span() })
}

fn example(def: &SchemeDef) -> &'static str {
    match def.name {
        "constant" => "constant(0.5)",
        "sparse" => "sparse(sparsity = 0.1)",
        _ => "",
    }
}

/// Check one written value against its argument's type.
fn typed(def: &SchemeDef, arg: &ArgDef, value: &WrittenValue) -> Result<Value, String> {
    let expect_str = |list: &'static [&'static str], what: &str| match value {
        WrittenValue::Str(s) => {
            let text = s.value();
            list.iter().find(|&&n| n == text).map(|&n| Value::Str(n)).ok_or_else(|| {
                let hint = suggest::hint(&text, list.iter().copied());
                format!(
                    "unknown {what} \"{text}\" for {}; expected one of {}{hint}",
                    def.name,
                    quoted(list)
                )
            })
        }
        WrittenValue::Number(..) => {
            Err(format!("`{}` of {} is a string: one of {}", arg.name, def.name, quoted(list)))
        }
    };
    match (arg.ty, value) {
        (ArgTy::Float, WrittenValue::Number(v, _)) => Ok(Value::Float(*v)),
        (ArgTy::Count, WrittenValue::Number(v, _)) if v.fract() == 0.0 && *v >= 0.0 => {
            Ok(Value::Count(*v as u64))
        }
        (ArgTy::Count, WrittenValue::Number(..)) => {
            Err(format!("`{}` of {} must be a whole number", arg.name, def.name))
        }
        (ArgTy::Float | ArgTy::Count, WrittenValue::Str(_)) => {
            Err(format!("`{}` of {} must be a number, not a string", arg.name, def.name))
        }
        (ArgTy::Nonlinearity, _) => expect_str(NONLINEARITIES, "nonlinearity"),
        (ArgTy::Mode(list), _) => expect_str(list, "mode"),
        (ArgTy::Distribution, _) => expect_str(DISTRIBUTIONS, "distribution"),
    }
}

fn quoted(list: &[&str]) -> String {
    list.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

/// The same argument rules as the runtime, with the same words.
fn check_ranges(def: &SchemeDef, args: &[Value]) -> Result<(), String> {
    let f = |i: usize| match args[i] {
        Value::Float(v) => v,
        Value::Count(n) => n as f64,
        Value::Str(_) => 0.0,
    };
    let name = def.name;
    let ordered = |lo: usize, hi: usize| {
        let (a, b) = (f(lo), f(hi));
        if a > b {
            let (ln, hn) = (def.args[lo].name, def.args[hi].name);
            Err(format!("{name}: needs {ln} <= {hn}, got {ln} = {a:?} > {hn} = {b:?}"))
        } else {
            Ok(())
        }
    };
    let rule = |i: usize, ok: bool, words: &str| {
        if ok {
            Ok(())
        } else {
            Err(format!("{name}: argument `{}` must be {words}, got {:?}", def.args[i].name, f(i)))
        }
    };
    match name {
        "uniform" => ordered(0, 1),
        "normal" => rule(1, f(1) >= 0.0, ">= 0"),
        "trunc_normal" => rule(1, f(1) >= 0.0, ">= 0").and_then(|()| ordered(2, 3)),
        "sparse" => rule(0, (0.0..1.0).contains(&f(0)), "in [0, 1)")
            .and_then(|()| rule(1, f(1) >= 0.0, ">= 0")),
        "dirac" => rule(0, f(0) >= 1.0, ">= 1"),
        "variance_scaling" => rule(0, f(0) > 0.0, "> 0"),
        _ => Ok(()),
    }
}
