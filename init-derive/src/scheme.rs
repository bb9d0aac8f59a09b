//! The schemes an attribute can name, parsed into one typed variant per scheme with
//! PyTorch's argument names, order and defaults, and checked by the same rules as the
//! runtime. Nothing after this file looks at a scheme's or an argument's name.

use proc_macro2::{Span, TokenStream};
use syn::parse::ParseStream;
use syn::{Ident, parenthesized};

use crate::args::{Args, Spanned};
use crate::ctxt::Ctxt;
use crate::names::{Distribution, FanMode, KAIMING_MODES, Named, Nonlinearity, SchemeName};
use crate::suggest;
use crate::values::Literal;

/// A parsed scheme: its typed arguments and where its name is.
pub(crate) struct Scheme {
    pub(crate) init: Init,
    pub(crate) span: Span,
}

/// The Kaiming arguments, shared by the uniform and normal forms.
pub(crate) struct Kaiming {
    pub(crate) a: Spanned<f64>,
    pub(crate) mode: Spanned<FanMode>,
    pub(crate) nonlinearity: Spanned<Nonlinearity>,
}

/// One variant per scheme, as `init::Init`.
pub(crate) enum Init {
    Uniform {
        a: Spanned<f64>,
        b: Spanned<f64>,
    },
    Normal {
        mean: Spanned<f64>,
        std: Spanned<f64>,
    },
    TruncNormal {
        mean: Spanned<f64>,
        std: Spanned<f64>,
        a: Spanned<f64>,
        b: Spanned<f64>,
    },
    Constant {
        value: Spanned<f64>,
    },
    Ones,
    Zeros,
    Eye,
    Dirac {
        groups: Spanned<u64>,
    },
    XavierUniform {
        gain: Spanned<f64>,
    },
    XavierNormal {
        gain: Spanned<f64>,
    },
    KaimingUniform(Kaiming),
    KaimingNormal(Kaiming),
    Orthogonal {
        gain: Spanned<f64>,
    },
    Sparse {
        sparsity: Spanned<f64>,
        std: Spanned<f64>,
    },
    LecunUniform,
    LecunNormal,
    VarianceScaling {
        scale: Spanned<f64>,
        mode: Spanned<FanMode>,
        distribution: Spanned<Distribution>,
    },
    DeltaOrthogonal {
        gain: Spanned<f64>,
    },
    Values(Literal),
}

impl Init {
    /// Which scheme this is.
    pub(crate) fn scheme(&self) -> SchemeName {
        match self {
            Init::Uniform { .. } => SchemeName::Uniform,
            Init::Normal { .. } => SchemeName::Normal,
            Init::TruncNormal { .. } => SchemeName::TruncNormal,
            Init::Constant { .. } => SchemeName::Constant,
            Init::Ones => SchemeName::Ones,
            Init::Zeros => SchemeName::Zeros,
            Init::Eye => SchemeName::Eye,
            Init::Dirac { .. } => SchemeName::Dirac,
            Init::XavierUniform { .. } => SchemeName::XavierUniform,
            Init::XavierNormal { .. } => SchemeName::XavierNormal,
            Init::KaimingUniform(_) => SchemeName::KaimingUniform,
            Init::KaimingNormal(_) => SchemeName::KaimingNormal,
            Init::Orthogonal { .. } => SchemeName::Orthogonal,
            Init::Sparse { .. } => SchemeName::Sparse,
            Init::LecunUniform => SchemeName::LecunUniform,
            Init::LecunNormal => SchemeName::LecunNormal,
            Init::VarianceScaling { .. } => SchemeName::VarianceScaling,
            Init::DeltaOrthogonal { .. } => SchemeName::DeltaOrthogonal,
            Init::Values(_) => SchemeName::Values,
        }
    }
}

/// Parse `name` or `name(args)` (or `values([...])`). Errors in the arguments are reported
/// to `cx` and give `Ok(None)`; an unparsable token stream gives `Err`.
pub(crate) fn parse(cx: &Ctxt, input: ParseStream<'_>) -> syn::Result<Option<Scheme>> {
    let ident: Ident = input.parse()?;
    let text = ident.to_string();
    let Some(name) = SchemeName::from_name(&text) else {
        if input.peek(syn::token::Paren) {
            let rest;
            parenthesized!(rest in input);
            let _: TokenStream = rest.parse()?;
        }
        let hint = suggest::hint(&text, SchemeName::NAMES.iter().map(|&(n, _)| n));
        cx.error_spanned_by(&ident, format!("unknown init scheme `{text}`{hint}"));
        return Ok(None);
    };
    let span = ident.span();
    let mut args = Args::read(cx, name, ident, input)?;
    let init = build(&mut args);
    if !args.finish() {
        return Ok(None);
    }
    if let Err((msg, (first, last))) = check_ranges(&init) {
        cx.error_between(first, last, msg);
        return Ok(None);
    }
    Ok(Some(Scheme { init, span }))
}

/// The scheme for `values = <literal>`.
pub(crate) fn values_scheme(literal: Literal, span: Span) -> Scheme {
    Scheme { init: Init::Values(literal), span }
}

/// The typed scheme, its arguments asked for in PyTorch's order.
fn build(args: &mut Args<'_>) -> Init {
    use SchemeName as S;
    match args.scheme {
        S::Uniform => Init::Uniform { a: args.float("a", 0.0), b: args.float("b", 1.0) },
        S::Normal => Init::Normal { mean: args.float("mean", 0.0), std: args.float("std", 1.0) },
        S::TruncNormal => Init::TruncNormal {
            mean: args.float("mean", 0.0),
            std: args.float("std", 1.0),
            a: args.float("a", -2.0),
            b: args.float("b", 2.0),
        },
        S::Constant => Init::Constant { value: args.required_float("value", "constant(0.5)") },
        S::Ones => Init::Ones,
        S::Zeros => Init::Zeros,
        S::Eye => Init::Eye,
        S::Dirac => Init::Dirac { groups: args.count("groups", 1) },
        S::XavierUniform => Init::XavierUniform { gain: args.float("gain", 1.0) },
        S::XavierNormal => Init::XavierNormal { gain: args.float("gain", 1.0) },
        S::KaimingUniform => Init::KaimingUniform(kaiming(args)),
        S::KaimingNormal => Init::KaimingNormal(kaiming(args)),
        S::Orthogonal => Init::Orthogonal { gain: args.float("gain", 1.0) },
        S::Sparse => Init::Sparse {
            sparsity: args.required_float("sparsity", "sparse(sparsity = 0.1)"),
            std: args.float("std", 0.01),
        },
        S::LecunUniform => Init::LecunUniform,
        S::LecunNormal => Init::LecunNormal,
        S::VarianceScaling => Init::VarianceScaling {
            scale: args.float("scale", 1.0),
            mode: args.choice("mode", FanMode::FanIn, FanMode::ALL),
            distribution: args.choice(
                "distribution",
                Distribution::TruncatedNormal,
                Distribution::ALL,
            ),
        },
        S::DeltaOrthogonal => Init::DeltaOrthogonal { gain: args.float("gain", 1.0) },
        S::Values => Init::Values(args.literal()),
    }
}

fn kaiming(args: &mut Args<'_>) -> Kaiming {
    Kaiming {
        a: args.float("a", 0.0),
        mode: args.choice("mode", FanMode::FanIn, KAIMING_MODES),
        nonlinearity: args.choice("nonlinearity", Nonlinearity::LeakyRelu, Nonlinearity::ALL),
    }
}

/// A broken rule: its message and the tokens it is about.
type Broken = (String, (Span, Span));

/// The same argument rules as the runtime, with the same words.
fn check_ranges(init: &Init) -> Result<(), Broken> {
    let name = init.scheme().name();
    match init {
        Init::Uniform { a, b } => ordered(name, ("a", a), ("b", b)),
        Init::Normal { std, .. } => rule(name, "std", std, std.value >= 0.0, ">= 0"),
        Init::TruncNormal { std, a, b, .. } => {
            rule(name, "std", std, std.value >= 0.0, ">= 0")?;
            ordered(name, ("a", a), ("b", b))
        }
        Init::Sparse { sparsity, std } => {
            let in_range = (0.0..1.0).contains(&sparsity.value);
            rule(name, "sparsity", sparsity, in_range, "in [0, 1)")?;
            rule(name, "std", std, std.value >= 0.0, ">= 0")
        }
        Init::Dirac { groups } => {
            let as_float =
                Spanned { value: groups.value as f64, written: groups.written, expr: None };
            rule(name, "groups", &as_float, groups.value >= 1, ">= 1")
        }
        Init::VarianceScaling { scale, .. } => rule(name, "scale", scale, scale.value > 0.0, "> 0"),
        Init::Constant { .. }
        | Init::Ones
        | Init::Zeros
        | Init::Eye
        | Init::XavierUniform { .. }
        | Init::XavierNormal { .. }
        | Init::KaimingUniform(_)
        | Init::KaimingNormal(_)
        | Init::Orthogonal { .. }
        | Init::LecunUniform
        | Init::LecunNormal
        | Init::DeltaOrthogonal { .. }
        | Init::Values(_) => Ok(()),
    }
}

/// `arg` must satisfy `ok`, described by `words`.
fn rule(
    scheme: &str,
    arg: &str,
    value: &Spanned<f64>,
    ok: bool,
    words: &str,
) -> Result<(), Broken> {
    // An expression's value is checked where it is evaluated (see `expr`).
    if ok || value.expr.is_some() {
        return Ok(());
    }
    let msg = format!("{scheme}: argument `{arg}` must be {words}, got {:?}", value.value);
    Err((msg, value.written.unwrap_or((Span::call_site(), Span::call_site()))))
}

/// `lo <= hi`; the error spans the written ones of the two.
fn ordered(
    scheme: &str,
    (lo_name, lo): (&str, &Spanned<f64>),
    (hi_name, hi): (&str, &Spanned<f64>),
) -> Result<(), Broken> {
    if lo.value <= hi.value || lo.expr.is_some() || hi.expr.is_some() {
        return Ok(());
    }
    let (a, b) = (lo.value, hi.value);
    let msg = format!(
        "{scheme}: needs {lo_name} <= {hi_name}, got {lo_name} = {a:?} > {hi_name} = {b:?}"
    );
    let span = match (lo.written, hi.written) {
        (Some((first, _)), Some((_, last))) => (first, last),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => (Span::call_site(), Span::call_site()),
    };
    Err((msg, span))
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

    fn parse_str(tokens: TokenStream) -> (Option<Init>, Vec<String>) {
        let cx = Ctxt::new();
        let scheme = (|input: ParseStream<'_>| parse(&cx, input)).parse2(tokens).unwrap();
        let errors = match cx.check() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        };
        (scheme.map(|s| s.init), errors)
    }

    #[test]
    fn arguments_are_typed_by_position_and_name_with_defaults() {
        let (init, errors) = parse_str(quote::quote!(trunc_normal(0.5, b = 3.0)));
        assert!(errors.is_empty(), "{errors:?}");
        let Some(Init::TruncNormal { mean, std, a, b }) = init else { panic!() };
        assert_eq!((mean.value, std.value, a.value, b.value), (0.5, 1.0, -2.0, 3.0));
        assert!(mean.written.is_some() && std.written.is_none());
        let (init, _) = parse_str(quote::quote!(kaiming_normal(mode = "fan_out")));
        let Some(Init::KaimingNormal(k)) = init else { panic!() };
        assert_eq!(
            (k.mode.value, k.nonlinearity.value),
            (FanMode::FanOut, Nonlinearity::LeakyRelu)
        );
    }

    #[test]
    fn mistakes_in_arguments_are_all_reported() {
        let (init, errors) = parse_str(quote::quote!(normal(1.0, mean = 2.0, sd = 3.0)));
        assert!(init.is_none());
        assert_eq!(
            errors,
            [
                "duplicate argument `mean` for normal",
                "unknown argument `sd` for normal; expected one of mean, std; did you mean `std`?"
            ]
        );
        let (_, errors) = parse_str(quote::quote!(uniform(a = 1.0, 0.0)));
        assert_eq!(errors, ["positional arguments must come before `name = value` arguments"]);
        let (_, errors) = parse_str(quote::quote!(ones(1.0)));
        assert_eq!(errors, ["ones takes 0 argument(s)"]);
        let (_, errors) = parse_str(quote::quote!(sparse));
        assert_eq!(errors, ["sparse needs `sparsity`: write `sparse(sparsity = 0.1)`"]);
        let (_, errors) = parse_str(quote::quote!(dirac(groups = 1.5)));
        assert_eq!(errors, ["`groups` of dirac must be a whole number"]);
    }

    #[test]
    fn every_scheme_parses_to_its_own_variant() {
        for &scheme in SchemeName::ALL {
            let name = Ident::new(scheme.name(), Span::call_site());
            let tokens = match scheme {
                SchemeName::Constant => quote::quote!(#name(0.5)),
                SchemeName::Sparse => quote::quote!(#name(0.1)),
                SchemeName::Values => quote::quote!(#name([1, 2])),
                _ => quote::quote!(#name),
            };
            let (init, errors) = parse_str(tokens);
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(init.map(|i| i.scheme()), Some(scheme));
        }
    }
}
