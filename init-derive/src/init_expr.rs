//! A parsed [`Scheme`] written out as the `::init::Init` expression it stands for.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

use crate::scheme::{Scheme, Value};

impl Scheme {
    /// The `::init::Init` expression.
    pub(crate) fn to_init(&self) -> TokenStream {
        let f = |i: usize| match self.args[i] {
            Value::Float(v) => proc_macro2::Literal::f64_suffixed(v),
            Value::Count(n) => proc_macro2::Literal::usize_suffixed(n as usize),
            Value::Str(_) => proc_macro2::Literal::f64_suffixed(0.0),
        };
        let s = |i: usize| match self.args[i] {
            Value::Str(s) => s,
            _ => "",
        };
        let axes = quote!(::init::FanAxes::TORCH);
        match self.def.name {
            "uniform" => {
                let (a, b) = (f(0), f(1));
                quote!(::init::Init::Uniform { a: #a, b: #b })
            }
            "normal" => {
                let (mean, std) = (f(0), f(1));
                quote!(::init::Init::Normal { mean: #mean, std: #std })
            }
            "trunc_normal" => {
                let (mean, std, a, b) = (f(0), f(1), f(2), f(3));
                quote!(::init::Init::TruncNormal { mean: #mean, std: #std, a: #a, b: #b })
            }
            "constant" => {
                let value = f(0);
                quote!(::init::Init::Constant { value: #value })
            }
            "ones" => quote!(::init::Init::Ones),
            "zeros" => quote!(::init::Init::Zeros),
            "eye" => quote!(::init::Init::Eye),
            "dirac" => {
                let groups = f(0);
                quote!(::init::Init::Dirac { groups: #groups })
            }
            "xavier_uniform" | "xavier_normal" | "orthogonal" | "delta_orthogonal" => {
                let gain = f(0);
                match self.def.name {
                    "xavier_uniform" => {
                        quote!(::init::Init::XavierUniform { gain: #gain, axes: #axes })
                    }
                    "xavier_normal" => {
                        quote!(::init::Init::XavierNormal { gain: #gain, axes: #axes })
                    }
                    "orthogonal" => quote!(::init::Init::Orthogonal { gain: #gain }),
                    _ => quote!(::init::Init::DeltaOrthogonal { gain: #gain }),
                }
            }
            "kaiming_uniform" | "kaiming_normal" => {
                let a = f(0);
                let mode = mode(s(1));
                let nl = nonlinearity(s(2));
                let variant = if self.def.name == "kaiming_uniform" {
                    quote!(KaimingUniform)
                } else {
                    quote!(KaimingNormal)
                };
                quote!(::init::Init::#variant { a: #a, mode: #mode, nonlinearity: #nl, axes: #axes })
            }
            "sparse" => {
                let (sparsity, std) = (f(0), f(1));
                quote!(::init::Init::Sparse { sparsity: #sparsity, std: #std })
            }
            "lecun_uniform" => quote!(::init::Init::LecunUniform { axes: #axes }),
            "lecun_normal" => quote!(::init::Init::LecunNormal { axes: #axes }),
            "variance_scaling" => {
                let scale = f(0);
                let mode = mode(s(1));
                let dist = match s(2) {
                    "truncated_normal" => quote!(TruncatedNormal),
                    "uniform" => quote!(Uniform),
                    _ => quote!(Normal),
                };
                quote!(::init::Init::VarianceScaling {
                    scale: #scale, mode: #mode, distribution: ::init::ScalingDistribution::#dist, axes: #axes
                })
            }
            _ => {
                let lit = self.values.as_ref();
                let shape = lit.map(|l| l.shape.clone()).unwrap_or_default();
                let data: Vec<proc_macro2::Literal> = lit
                    .map(|l| {
                        l.data
                            .iter()
                            .map(|&v| proc_macro2::Literal::f32_suffixed(v as f32))
                            .collect()
                    })
                    .unwrap_or_default();
                quote!(::init::__private::values(&[#(#shape),*], &[#(#data),*]))
            }
        }
    }

    /// The literal's shape, for `values`.
    pub(crate) fn values_shape(&self) -> Option<&[usize]> {
        self.values.as_ref().map(|l| l.shape.as_slice())
    }
}

fn mode(name: &str) -> TokenStream {
    match name {
        "fan_out" => quote!(::init::FanMode::FanOut),
        "fan_avg" => quote!(::init::FanMode::FanAvg),
        _ => quote!(::init::FanMode::FanIn),
    }
}

fn nonlinearity(name: &str) -> TokenStream {
    let variant = match name {
        "linear" => "Linear",
        "conv1d" => "Conv1d",
        "conv2d" => "Conv2d",
        "conv3d" => "Conv3d",
        "conv_transpose1d" => "ConvTranspose1d",
        "conv_transpose2d" => "ConvTranspose2d",
        "conv_transpose3d" => "ConvTranspose3d",
        "sigmoid" => "Sigmoid",
        "tanh" => "Tanh",
        "relu" => "Relu",
        "selu" => "Selu",
        _ => "LeakyRelu",
    };
    let ident = Ident::new(variant, Span::call_site());
    quote!(::init::Nonlinearity::#ident)
}
