//! Fan-scaled schemes: the formulas of Xavier/Glorot, Kaiming/He, LeCun and
//! `variance_scaling`, and the imperative Xavier and Kaiming (LeCun and `variance_scaling`
//! are in `variance.rs`).
//!
//! The formulas are PyTorch's (`torch/nn/init.py`) in double precision, to the bit, for
//! Xavier and Kaiming, and Keras/JAX's for LeCun and `variance_scaling`.

use super::Init;
use super::distribution::ScalingDistribution;
use super::fan::{FanAxes, FanMode, Fans};
use super::gain::{Nonlinearity, calculate_gain};
use super::plan::Plan;
use crate::check;
use crate::error::{ErrorKind, InitError, Result};
use crate::param::ParamTarget;
use crate::rng::{self, Dist, Generator};

/// The standard deviation of a truncated standard normal on [-2, 2] (Keras and JAX's constant).
const TRUNC_2SIGMA_STD: f64 = 0.879_625_661_034_239_8;

fn fans(path: &str, scheme: &'static str, shape: &[usize], axes: FanAxes) -> Result<Fans> {
    Fans::compute(scheme, shape, axes).map_err(|e| e.at(path))
}

/// The distribution of a fan-scaled scheme with standard deviation `std`, and the formula
/// (as its error message writes it) of the quantity that must stay within `f32`.
enum Symmetric {
    /// `U(-√3·std, √3·std)`; the formula of the bound.
    Uniform(&'static str),
    /// `N(0, std²)`; the formula of the std.
    Normal(&'static str),
}

/// The plan for `shape` (`std` and the formula of what is checked), refused when the values
/// would overflow `f32`.
fn symmetric(path: &str, scheme: &'static str, std: f64, shape: Symmetric) -> Result<Plan> {
    let dist = match shape {
        Symmetric::Uniform(formula) => {
            let bound = 3.0f64.sqrt() * std;
            rng::overflow(path, scheme, formula, bound, rng::UNIFORM_BOUND_LIMIT)?;
            Dist::checked_uniform(path, scheme, ("-bound", -bound), ("bound", bound))?
        }
        Symmetric::Normal(formula) => {
            Dist::checked_normal(path, scheme, ("mean", 0.0), (formula, std))?
        }
    };
    Ok(Plan::Draw(dist))
}

/// [`Symmetric::Uniform`] or [`Symmetric::Normal`] with the scheme's two formulas.
fn either(uniform: bool, std_formula: &'static str, bound_formula: &'static str) -> Symmetric {
    if uniform { Symmetric::Uniform(bound_formula) } else { Symmetric::Normal(std_formula) }
}

/// The plan for a parameter without elements: nothing is written or drawn, whatever the
/// fans (a zero fan would make the scale infinite).
const EMPTY: Plan = Plan::Const(0.0);

pub(crate) fn xavier_plan(
    path: &str,
    shape: &[usize],
    gain: f64,
    axes: FanAxes,
    uniform: bool,
) -> Result<Plan> {
    let scheme = if uniform { "xavier_uniform" } else { "xavier_normal" };
    check::non_negative(path, scheme, "gain", gain)?;
    let f = fans(path, scheme, shape, axes)?;
    if shape.contains(&0) {
        return Ok(EMPTY);
    }
    let std = gain * (2.0 / (f.fan_in + f.fan_out) as f64).sqrt();
    let shape = either(
        uniform,
        "std = gain * sqrt(2 / (fan_in + fan_out))",
        "bound = gain * sqrt(6 / (fan_in + fan_out))",
    );
    symmetric(path, scheme, std, shape)
}

pub(crate) fn kaiming_plan(
    path: &str,
    shape: &[usize],
    (a, mode, nonlinearity): (f64, FanMode, Nonlinearity),
    axes: FanAxes,
    uniform: bool,
) -> Result<Plan> {
    let scheme = if uniform { "kaiming_uniform" } else { "kaiming_normal" };
    check::finite(path, scheme, "a", a)?;
    if mode == FanMode::FanAvg {
        return Err(InitError::new(
            path,
            ErrorKind::UnknownMode {
                scheme,
                mode: mode.name().to_owned(),
                expected: "\"fan_in\", \"fan_out\"",
            },
        ));
    }
    let fan = fans(path, scheme, shape, axes)?.select(mode);
    if shape.contains(&0) {
        return Ok(EMPTY);
    }
    let std = calculate_gain(nonlinearity, Some(a)) / fan.sqrt();
    let shape = either(uniform, "std = gain / sqrt(fan)", "bound = gain * sqrt(3 / fan)");
    symmetric(path, scheme, std, shape)
}

pub(crate) fn variance_scaling_plan(
    path: &str,
    shape: &[usize],
    scheme: &'static str,
    (scale, mode, distribution): (f64, FanMode, ScalingDistribution),
    axes: FanAxes,
) -> Result<Plan> {
    check::positive(path, scheme, "scale", scale)?;
    let fan = fans(path, scheme, shape, axes)?.select(mode);
    if shape.contains(&0) {
        return Ok(EMPTY);
    }
    let variance = scale / fan.max(1.0);
    match distribution {
        ScalingDistribution::TruncatedNormal => {
            let std = variance.sqrt() / TRUNC_2SIGMA_STD;
            let what = "std = sqrt(scale / fan) / 0.8796256610342398";
            rng::overflow(path, scheme, what, std, rng::TRUNC_2SIGMA_STD_LIMIT)?;
            let dist = Dist::checked_trunc_normal(path, scheme, 0.0, std, -2.0 * std, 2.0 * std)?;
            Ok(Plan::Draw(dist))
        }
        ScalingDistribution::Normal => {
            symmetric(path, scheme, variance.sqrt(), Symmetric::Normal("std = sqrt(scale / fan)"))
        }
        ScalingDistribution::Uniform => {
            let shape = Symmetric::Uniform("bound = sqrt(3 * scale / fan)");
            symmetric(path, scheme, variance.sqrt(), shape)
        }
    }
}

/// `xavier_uniform_` / `xavier_normal_` with named arguments: [`xavier_uniform`] or
/// [`xavier_normal`], then [`gain`](Xavier::gain), [`axes`](Xavier::axes),
/// [`fill`](Xavier::fill).
#[derive(Clone, Copy, Debug, PartialEq)]
#[must_use = "a scheme does nothing until `fill` is called"]
pub struct Xavier {
    gain: f64,
    axes: FanAxes,
    uniform: bool,
}

/// `xavier_uniform_` (Glorot): `U(-b, b)`, `b = gain * sqrt(6 / (fan_in + fan_out))`, with
/// PyTorch's default `gain = 1`.
///
/// Errors (from [`fill`](Xavier::fill)): fewer than 2 dimensions, a negative or non-finite
/// gain, a bound above `f32::MAX / 2` (the values would overflow).
///
/// ```
/// use init_core::{self as init, Param, Seed};
/// let mut w = Param::zeros(&[30, 20]);
/// init::xavier_uniform().fill(w.at("fc.weight"), &mut Seed::new(0))?;
/// let bound = (6.0f32 / 50.0).sqrt();
/// assert!(w.as_slice().iter().all(|x| x.abs() <= bound));
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn xavier_uniform() -> Xavier {
    Xavier { gain: 1.0, axes: FanAxes::TORCH, uniform: true }
}

/// `xavier_normal_` (Glorot): `N(0, std²)`, `std = gain * sqrt(2 / (fan_in + fan_out))`, with
/// PyTorch's default `gain = 1`.
///
/// Errors (from [`fill`](Xavier::fill)): fewer than 2 dimensions, a negative or non-finite
/// gain, `10 * std` above `f32::MAX` (the values would overflow).
///
/// ```
/// use init_core::{self as init, Param, Seed};
/// let mut b = Param::zeros(&[3]);
/// let err = init::xavier_normal().fill(b.at("fc.bias"), &mut Seed::new(0)).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "fc.bias: xavier_normal cannot compute fan_in and fan_out for a tensor with fewer than 2 dimensions, got shape [3]"
/// );
/// ```
pub fn xavier_normal() -> Xavier {
    Xavier { gain: 1.0, axes: FanAxes::TORCH, uniform: false }
}

impl Xavier {
    /// The gain (default 1; see [`calculate_gain`]).
    pub fn gain(self, gain: f64) -> Self {
        Xavier { gain, ..self }
    }

    /// Which axes hold the fans (default [`FanAxes::TORCH`]).
    pub fn axes(self, axes: FanAxes) -> Self {
        Xavier { axes, ..self }
    }

    /// Fill `param` with draws from `rng`, keyed by the handle's path; its
    /// [`origin`](crate::Param::origin) becomes the scheme (`"xavier_uniform(gain = 2.0)"`).
    pub fn fill(self, param: impl ParamTarget, rng: &mut dyn Generator) -> Result<()> {
        Init::from(self).apply(param, rng)
    }
}

impl From<Xavier> for Init {
    fn from(Xavier { gain, axes, uniform }: Xavier) -> Init {
        if uniform { Init::XavierUniform { gain, axes } } else { Init::XavierNormal { gain, axes } }
    }
}

/// `kaiming_uniform_` / `kaiming_normal_` with named arguments: [`kaiming_uniform`] or
/// [`kaiming_normal`], then [`a`](Kaiming::a), [`mode`](Kaiming::mode),
/// [`nonlinearity`](Kaiming::nonlinearity), [`axes`](Kaiming::axes),
/// [`fill`](Kaiming::fill).
#[derive(Clone, Copy, Debug, PartialEq)]
#[must_use = "a scheme does nothing until `fill` is called"]
pub struct Kaiming {
    a: f64,
    mode: FanMode,
    nonlinearity: Nonlinearity,
    axes: FanAxes,
    uniform: bool,
}

/// `kaiming_uniform_` (He): `U(-b, b)`, `b = sqrt(3) * gain / sqrt(fan)`, with
/// `gain = calculate_gain(nonlinearity, a)`. PyTorch's defaults: `a = 0`, `mode = fan_in`,
/// `nonlinearity = leaky_relu` (so gain √2).
///
/// Errors (from [`fill`](Kaiming::fill)): fewer than 2 dimensions, `mode = fan_avg`,
/// non-finite `a`.
///
/// ```
/// use init_core::{self as init, Param, Seed};
/// // nn.Linear's default weight init: kaiming_uniform(a = √5) = U(±1/√fan_in).
/// let mut w = Param::zeros(&[3, 4]);
/// init::kaiming_uniform().a(5f64.sqrt()).fill(w.at("weight"), &mut Seed::new(0))?;
/// assert!(w.as_slice().iter().all(|x| x.abs() <= 0.5));
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn kaiming_uniform() -> Kaiming {
    Kaiming {
        a: 0.0,
        mode: FanMode::FanIn,
        nonlinearity: Nonlinearity::LeakyRelu,
        axes: FanAxes::TORCH,
        uniform: true,
    }
}

/// `kaiming_normal_` (He): `N(0, std²)`, `std = gain / sqrt(fan)`, with PyTorch's defaults as
/// [`kaiming_uniform`]. The forum thread's conv init,
/// `kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')`:
///
/// ```
/// use init_core::{self as init, FanMode, Nonlinearity, Param, Seed};
/// let mut w = Param::zeros(&[64, 3, 3, 3]);
/// init::kaiming_normal()
///     .mode(FanMode::FanOut)
///     .nonlinearity(Nonlinearity::Relu)
///     .fill(w.at("conv1.weight"), &mut Seed::new(0))?;
/// assert_eq!(w.origin(), Some(r#"kaiming_normal(mode = "fan_out", nonlinearity = "relu")"#));
/// let err = init::kaiming_normal().mode(FanMode::FanAvg).fill(w.at("conv1.weight"), &mut Seed::new(0))
///     .unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "conv1.weight: kaiming_normal does not support mode `fan_avg`; expected one of \"fan_in\", \"fan_out\""
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn kaiming_normal() -> Kaiming {
    Kaiming { uniform: false, ..kaiming_uniform() }
}

impl Kaiming {
    /// The negative slope of `leaky_relu` (default 0; ignored by other nonlinearities).
    pub fn a(self, a: f64) -> Self {
        Kaiming { a, ..self }
    }

    /// Which fan keeps its variance (default [`FanMode::FanIn`]).
    pub fn mode(self, mode: FanMode) -> Self {
        Kaiming { mode, ..self }
    }

    /// The nonlinearity after the layer (default [`Nonlinearity::LeakyRelu`]).
    pub fn nonlinearity(self, nonlinearity: Nonlinearity) -> Self {
        Kaiming { nonlinearity, ..self }
    }

    /// Which axes hold the fans (default [`FanAxes::TORCH`]).
    pub fn axes(self, axes: FanAxes) -> Self {
        Kaiming { axes, ..self }
    }

    /// Fill `param` with draws from `rng`, keyed by the handle's path; its
    /// [`origin`](crate::Param::origin) becomes the scheme
    /// (`"kaiming_normal(mode = \"fan_out\", nonlinearity = \"relu\")"`).
    pub fn fill(self, param: impl ParamTarget, rng: &mut dyn Generator) -> Result<()> {
        Init::from(self).apply(param, rng)
    }
}

impl From<Kaiming> for Init {
    fn from(Kaiming { a, mode, nonlinearity, axes, uniform }: Kaiming) -> Init {
        if uniform {
            Init::KaimingUniform { a, mode, nonlinearity, axes }
        } else {
            Init::KaimingNormal { a, mode, nonlinearity, axes }
        }
    }
}
