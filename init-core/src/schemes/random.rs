//! `uniform`, `normal` and `trunc_normal`: the plain random schemes.

use super::Init;
use super::plan::Plan;
use crate::check;
use crate::error::Result;
use crate::param::ParamTarget;
use crate::rng::{Dist, Generator};

pub(crate) fn uniform_plan(path: &str, a: f64, b: f64) -> Result<Plan> {
    // `a == b` still draws (every value is `a`), so a sequential generator stays in step with PyTorch.
    Dist::checked_uniform(path, "uniform", ("a", a), ("b", b)).map(Plan::Draw)
}

pub(crate) fn normal_plan(path: &str, mean: f64, std: f64) -> Result<Plan> {
    // `std == 0` still draws (every value is `mean`), so a sequential generator stays in step with PyTorch.
    Dist::checked_normal(path, "normal", ("mean", mean), ("std", std)).map(Plan::Draw)
}

pub(crate) fn trunc_normal_plan(path: &str, mean: f64, std: f64, a: f64, b: f64) -> Result<Plan> {
    let scheme = "trunc_normal";
    check::finite_f32(path, scheme, "mean", mean)?;
    check::non_negative(path, scheme, "std", std)?;
    check::finite_f32(path, scheme, "a", a)?;
    check::finite_f32(path, scheme, "b", b)?;
    check::ordered(path, scheme, ("a", a), ("b", b))?;
    if std == 0.0 || a == b {
        return Ok(Plan::Const(mean.clamp(a, b) as f32));
    }
    Dist::checked_trunc_normal(path, scheme, mean, std, a, b).map(Plan::Draw)
}

/// `uniform_` with named arguments: [`uniform`], then [`a`](Uniform::a), [`b`](Uniform::b),
/// [`fill`](Uniform::fill).
#[derive(Clone, Copy, Debug, PartialEq)]
#[must_use = "a scheme does nothing until `fill` is called"]
pub struct Uniform {
    a: f64,
    b: f64,
}

/// Fill with `U[a, b)`, as `torch.nn.init.uniform_`, with PyTorch's defaults `a = 0`, `b = 1`.
///
/// Errors (from [`fill`](Uniform::fill)): `a > b`, a bound that is not a finite `f32`, or
/// `b - a` above `f32::MAX` (as PyTorch's `uniform_`).
///
/// ```
/// use init_core::{self as init, Param, Seed};
/// let mut w = Param::zeros(&[4, 5]);
/// init::uniform().a(-0.1).b(0.1).fill(w.at("w"), &mut Seed::new(0))?;
/// assert!(w.as_slice().iter().all(|&x| (-0.1..0.1).contains(&x)));
/// let err = init::uniform().a(1.0).b(0.0).fill(w.at("w"), &mut Seed::new(0)).unwrap_err();
/// assert_eq!(err.to_string(), "w: uniform: needs a <= b, got a = 1.0 > b = 0.0");
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn uniform() -> Uniform {
    Uniform { a: 0.0, b: 1.0 }
}

impl Uniform {
    /// The lower bound (default 0).
    pub fn a(self, a: f64) -> Self {
        Uniform { a, ..self }
    }

    /// The upper bound (default 1).
    pub fn b(self, b: f64) -> Self {
        Uniform { b, ..self }
    }

    /// Fill `param` with draws from `rng`, keyed by the handle's path; its
    /// [`origin`](crate::Param::origin) becomes the scheme (`"uniform(a = -0.1, b = 0.1)"`).
    pub fn fill(self, param: impl ParamTarget, rng: &mut dyn Generator) -> Result<()> {
        Init::from(self).apply(param, rng)
    }
}

impl From<Uniform> for Init {
    fn from(Uniform { a, b }: Uniform) -> Init {
        Init::Uniform { a, b }
    }
}

/// `normal_` with named arguments: [`normal`], then [`mean`](Normal::mean),
/// [`std`](Normal::std), [`fill`](Normal::fill).
#[derive(Clone, Copy, Debug, PartialEq)]
#[must_use = "a scheme does nothing until `fill` is called"]
pub struct Normal {
    mean: f64,
    std: f64,
}

/// Fill with `N(mean, std²)`, as `torch.nn.init.normal_`, with PyTorch's defaults
/// `mean = 0`, `std = 1`.
///
/// Errors (from [`fill`](Normal::fill)): `std < 0`, non-finite arguments, `mean` beyond
/// `f32`, or `|mean| + 10 * std` above `f32::MAX` (values would overflow). `std = 0` fills
/// with `mean`.
///
/// ```
/// use init_core::{self as init, Param, Seed};
/// let mut w = Param::zeros(&[768, 768]);
/// init::normal().std(0.02).fill(w.at("h.0.attn.weight"), &mut Seed::new(0))?;
/// let n = w.numel() as f64;
/// let var = w.as_slice().iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / n;
/// assert!((var.sqrt() - 0.02).abs() < 0.0002);
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn normal() -> Normal {
    Normal { mean: 0.0, std: 1.0 }
}

impl Normal {
    /// The mean (default 0).
    pub fn mean(self, mean: f64) -> Self {
        Normal { mean, ..self }
    }

    /// The standard deviation (default 1).
    pub fn std(self, std: f64) -> Self {
        Normal { std, ..self }
    }

    /// Fill `param` with draws from `rng`, keyed by the handle's path; its
    /// [`origin`](crate::Param::origin) becomes the scheme (`"normal(std = 0.02)"`).
    pub fn fill(self, param: impl ParamTarget, rng: &mut dyn Generator) -> Result<()> {
        Init::from(self).apply(param, rng)
    }
}

impl From<Normal> for Init {
    fn from(Normal { mean, std }: Normal) -> Init {
        Init::Normal { mean, std }
    }
}

/// `trunc_normal_` with named arguments: [`trunc_normal`], then [`mean`](TruncNormal::mean),
/// [`std`](TruncNormal::std), [`a`](TruncNormal::a), [`b`](TruncNormal::b),
/// [`fill`](TruncNormal::fill).
#[derive(Clone, Copy, Debug, PartialEq)]
#[must_use = "a scheme does nothing until `fill` is called"]
pub struct TruncNormal {
    mean: f64,
    std: f64,
    a: f64,
    b: f64,
}

/// Fill with `N(mean, std²)` conditioned on `[a, b]`, as `torch.nn.init.trunc_normal_`, with
/// PyTorch's defaults `mean = 0`, `std = 1`, `a = -2`, `b = 2`.
///
/// `a` and `b` are **absolute** bounds, as in PyTorch: `trunc_normal().std(0.02)` truncates
/// at ±2.0, that is ±100σ. Unlike PyTorch, any window is sampled exactly, even one far in
/// a tail. Errors (from [`fill`](TruncNormal::fill)): `std < 0`, `a > b`, non-finite
/// arguments, arguments beyond `f32`, or `b - a` above `f32::MAX`.
///
/// ```
/// use init_core::{self as init, Param, Seed};
/// let mut w = Param::zeros(&[1000]);
/// init::trunc_normal().a(-0.5).b(0.5).fill(w.at("w"), &mut Seed::new(0))?;
/// assert!(w.as_slice().iter().all(|&x| (-0.5..=0.5).contains(&x)));
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn trunc_normal() -> TruncNormal {
    TruncNormal { mean: 0.0, std: 1.0, a: -2.0, b: 2.0 }
}

impl TruncNormal {
    /// The mean (default 0).
    pub fn mean(self, mean: f64) -> Self {
        TruncNormal { mean, ..self }
    }

    /// The standard deviation before truncation (default 1).
    pub fn std(self, std: f64) -> Self {
        TruncNormal { std, ..self }
    }

    /// The lower bound, absolute (default -2).
    pub fn a(self, a: f64) -> Self {
        TruncNormal { a, ..self }
    }

    /// The upper bound, absolute (default 2).
    pub fn b(self, b: f64) -> Self {
        TruncNormal { b, ..self }
    }

    /// Fill `param` with draws from `rng`, keyed by the handle's path; its
    /// [`origin`](crate::Param::origin) becomes the scheme (`"trunc_normal(std = 0.02)"`).
    pub fn fill(self, param: impl ParamTarget, rng: &mut dyn Generator) -> Result<()> {
        Init::from(self).apply(param, rng)
    }
}

impl From<TruncNormal> for Init {
    fn from(TruncNormal { mean, std, a, b }: TruncNormal) -> Init {
        Init::TruncNormal { mean, std, a, b }
    }
}
