//! [`GELU`]: `x · Φ(x)`, exact or with the tanh approximation.

use std::fmt;
use std::str::FromStr;

use ndarray::{ArrayD, ArrayViewD};

use crate::error::{InitError, Result};
use crate::kernels::activation;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::{LayerSpec, ParamTable};

/// Which GELU formula to use: PyTorch's `approximate` argument.
///
/// Parses from and displays as PyTorch's strings, `"none"` and `"tanh"`:
///
/// ```
/// use init_core::GeluApproximate;
/// assert_eq!("tanh".parse::<GeluApproximate>()?, GeluApproximate::Tanh);
/// assert_eq!(GeluApproximate::None.to_string(), "none");
/// let err = "erf".parse::<GeluApproximate>().unwrap_err();
/// assert_eq!(err.to_string(), r#"GELU: approximate must be "none" or "tanh", got "erf""#);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum GeluApproximate {
    /// The exact form `x · Φ(x) = x · (1 + erf(x / √2)) / 2` (`approximate="none"`).
    #[default]
    None,
    /// `0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))` (`approximate="tanh"`).
    Tanh,
}

impl GeluApproximate {
    /// PyTorch's name: `"none"` or `"tanh"`.
    pub const fn name(self) -> &'static str {
        match self {
            GeluApproximate::None => "none",
            GeluApproximate::Tanh => "tanh",
        }
    }
}

impl fmt::Display for GeluApproximate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for GeluApproximate {
    type Err = InitError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "none" => Ok(GeluApproximate::None),
            "tanh" => Ok(GeluApproximate::Tanh),
            _ => Err(InitError::config(
                "GELU",
                format!(r#"approximate must be "none" or "tanh", got {s:?}"#),
            )),
        }
    }
}

/// PyTorch's `nn.GELU(approximate="none")`: `x · Φ(x)` elementwise on any shape, `Φ` the
/// standard normal CDF; [`GELU::tanh`] is `nn.GELU(approximate="tanh")`.
///
/// No parameters and no buffers: build it with [`GELU::new`] (exact, also `Default`),
/// [`GELU::tanh`] or [`GELU::with_approximate`]; there is nothing to initialize. Both forms
/// are computed in `f64` and rounded once (the exact one from an `erfc` accurate to 1 ulp in
/// `f64`), so they are at least as accurate as PyTorch's `f32` kernels.
///
/// ```
/// use init_core::{Forward, GELU, GeluApproximate};
/// use ndarray::array;
///
/// let x = array![-1.0f32, 0.0, 1.0].into_dyn();
/// let y = GELU::new().forward(x.view())?;
/// assert_eq!(y.as_slice().unwrap(), &[-0.15865526, 0.0, 0.8413448]); // x·Φ(x), correctly rounded
/// let gelu_tanh = GELU::tanh();
/// assert_eq!(gelu_tanh.approximate(), GeluApproximate::Tanh);
/// assert!((gelu_tanh.forward(x.view())?[2] - 0.841192).abs() < 1e-6);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct GELU {
    approximate: GeluApproximate,
}

impl GELU {
    /// The exact form (`approximate="none"`).
    pub const fn new() -> Self {
        GELU { approximate: GeluApproximate::None }
    }

    /// The tanh approximation (`approximate="tanh"`).
    pub const fn tanh() -> Self {
        GELU { approximate: GeluApproximate::Tanh }
    }

    /// The form given (`"tanh".parse()?` reads PyTorch's string).
    pub const fn with_approximate(approximate: GeluApproximate) -> Self {
        GELU { approximate }
    }

    /// Which form this layer computes.
    pub const fn approximate(&self) -> GeluApproximate {
        self.approximate
    }
}

impl Zeroed for GELU {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self::default()
    }
}

impl LayerSpec for GELU {
    const KIND: LayerKind = LayerKind::GELU;
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl Module for GELU {
    fn kind(&self) -> LayerKind {
        LayerKind::GELU
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl Forward for GELU {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            Ok(match self.approximate {
                GeluApproximate::None => activation::gelu(input),
                GeluApproximate::Tanh => activation::gelu_tanh(input),
            })
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl Features for GELU {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}

/// The settings of [`GELU`] for `#[layer(...)]`: `#[layer(approximate = "tanh")]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GELUConfig {
    /// `"none"` (the default) or `"tanh"`.
    pub approximate: &'static str,
}

impl GELUConfig {
    /// The names [`GeluApproximate`]'s `FromStr` accepts.
    pub const fn verdict(&self) -> crate::spec::Msg {
        let ok = crate::spec::str_eq(self.approximate, "none")
            || crate::spec::str_eq(self.approximate, "tanh");
        crate::spec::config::Rules::new("GELU")
            .holds(ok, "approximate must be \"none\" or \"tanh\"")
            .verdict()
    }
}

impl crate::spec::Configure for GELU {
    type Config = GELUConfig;
    const DEFAULT: GELUConfig = GELUConfig { approximate: "none" };

    fn configure(&mut self, config: &GELUConfig) {
        if let Ok(approximate) = config.approximate.parse() {
            self.approximate = approximate;
        }
    }
}
