//! A parsed [`Scheme`] written out as the `::init::Init` expression it stands for.

use proc_macro2::{Literal as Lit, Span, TokenStream};
use quote::quote;
use syn::Ident;

use crate::args::Spanned;
use crate::names::Named;
use crate::scheme::{Init, Kaiming, Scheme};

impl Scheme {
    /// The `::init::Init` expression.
    pub(crate) fn to_init(&self) -> TokenStream {
        let axes = quote!(::init::FanAxes::TORCH);
        match &self.init {
            Init::Uniform { a, b } => {
                let (a, b) = (float(a), float(b));
                quote!(::init::Init::Uniform { a: #a, b: #b })
            }
            Init::Normal { mean, std } => {
                let (mean, std) = (float(mean), float(std));
                quote!(::init::Init::Normal { mean: #mean, std: #std })
            }
            Init::TruncNormal { mean, std, a, b } => {
                let (mean, std, a, b) = (float(mean), float(std), float(a), float(b));
                quote!(::init::Init::TruncNormal { mean: #mean, std: #std, a: #a, b: #b })
            }
            Init::Constant { value } => {
                let value = float(value);
                quote!(::init::Init::Constant { value: #value })
            }
            Init::Ones => quote!(::init::Init::Ones),
            Init::Zeros => quote!(::init::Init::Zeros),
            Init::Eye => quote!(::init::Init::Eye),
            Init::Dirac { groups } => {
                let groups = Lit::usize_suffixed(groups.value as usize);
                quote!(::init::Init::Dirac { groups: #groups })
            }
            Init::XavierUniform { gain } => {
                let gain = float(gain);
                quote!(::init::Init::XavierUniform { gain: #gain, axes: #axes })
            }
            Init::XavierNormal { gain } => {
                let gain = float(gain);
                quote!(::init::Init::XavierNormal { gain: #gain, axes: #axes })
            }
            Init::KaimingUniform(k) => {
                let args = kaiming(k);
                quote!(::init::Init::KaimingUniform { #args, axes: #axes })
            }
            Init::KaimingNormal(k) => {
                let args = kaiming(k);
                quote!(::init::Init::KaimingNormal { #args, axes: #axes })
            }
            Init::Orthogonal { gain } => {
                let gain = float(gain);
                quote!(::init::Init::Orthogonal { gain: #gain })
            }
            Init::Sparse { sparsity, std } => {
                let (sparsity, std) = (float(sparsity), float(std));
                quote!(::init::Init::Sparse { sparsity: #sparsity, std: #std })
            }
            Init::LecunUniform => quote!(::init::Init::LecunUniform { axes: #axes }),
            Init::LecunNormal => quote!(::init::Init::LecunNormal { axes: #axes }),
            Init::VarianceScaling { scale, mode, distribution } => {
                let (scale, mode, dist) = (float(scale), value(mode), value(distribution));
                quote!(::init::Init::VarianceScaling {
                    scale: #scale, mode: #mode, distribution: #dist, axes: #axes
                })
            }
            Init::DeltaOrthogonal { gain } => {
                let gain = float(gain);
                quote!(::init::Init::DeltaOrthogonal { gain: #gain })
            }
            Init::Values(literal) => {
                let shape = &literal.shape;
                let data = literal.data.iter().map(|&v| Lit::f32_suffixed(v as f32));
                quote!(::init::__private::values(&[#(#shape),*], &[#(#data),*]))
            }
        }
    }

    /// The float arguments by name, when one of them is an expression: what the `const`
    /// check of the expressions needs (`[("mean", 0.0), ("std", <expr>)]`).
    pub(crate) fn expr_args(&self) -> Option<Vec<(&'static str, &Spanned<f64>)>> {
        let args: Vec<(&'static str, &Spanned<f64>)> = match &self.init {
            Init::Uniform { a, b } => vec![("a", a), ("b", b)],
            Init::Normal { mean, std } => vec![("mean", mean), ("std", std)],
            Init::TruncNormal { mean, std, a, b } => {
                vec![("mean", mean), ("std", std), ("a", a), ("b", b)]
            }
            Init::Constant { value } => vec![("value", value)],
            Init::XavierUniform { gain }
            | Init::XavierNormal { gain }
            | Init::Orthogonal { gain }
            | Init::DeltaOrthogonal { gain } => vec![("gain", gain)],
            Init::KaimingUniform(k) | Init::KaimingNormal(k) => vec![("a", &k.a)],
            Init::Sparse { sparsity, std } => vec![("sparsity", sparsity), ("std", std)],
            Init::VarianceScaling { scale, .. } => vec![("scale", scale)],
            _ => Vec::new(),
        };
        args.iter().any(|(_, v)| v.expr.is_some()).then_some(args)
    }

    /// The literal's shape, for `values`.
    pub(crate) fn values_shape(&self) -> Option<&[usize]> {
        if let Init::Values(literal) = &self.init { Some(&literal.shape) } else { None }
    }
}

/// `a: 0.0f64, mode: ..., nonlinearity: ...`
fn kaiming(k: &Kaiming) -> TokenStream {
    let (a, mode, nl) = (float(&k.a), value(&k.mode), value(&k.nonlinearity));
    quote!(a: #a, mode: #mode, nonlinearity: #nl)
}

/// A float argument: its literal, or its expression with the const math in scope.
pub(crate) fn float(v: &Spanned<f64>) -> TokenStream {
    match &v.expr {
        Some(expr) => crate::expr::float(expr),
        None => {
            let lit = Lit::f64_suffixed(v.value);
            quote!(#lit)
        }
    }
}

/// `::init::Nonlinearity::Relu`: the runtime value a named value stands for.
pub(crate) fn value<T: Named>(v: &Spanned<T>) -> TokenStream {
    let ty = Ident::new(T::RUNTIME_TYPE, Span::call_site());
    let variant = Ident::new(v.value.variant(), Span::call_site());
    quote!(::init::#ty::#variant)
}
