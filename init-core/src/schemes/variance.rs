//! The Keras/JAX variance-scaling family as imperative schemes: `lecun_uniform`,
//! `lecun_normal` and `variance_scaling` (their formulas are in `scaled.rs`).

use super::Init;
use super::distribution::ScalingDistribution;
use super::fan::{FanAxes, FanMode};
use crate::error::Result;
use crate::param::ParamTarget;
use crate::rng::Generator;

/// `lecun_uniform` / `lecun_normal` (Keras/JAX): [`lecun_uniform`] or [`lecun_normal`], then
/// [`axes`](Lecun::axes), [`fill`](Lecun::fill).
#[derive(Clone, Copy, Debug, PartialEq)]
#[must_use = "a scheme does nothing until `fill` is called"]
pub struct Lecun {
    axes: FanAxes,
    uniform: bool,
}

/// LeCun uniform (Keras/JAX `lecun_uniform`): `variance_scaling(1, fan_in, uniform)`,
/// i.e. `U(±sqrt(3 / fan_in))`.
///
/// ```
/// use init_core::{self as init, Param, Seed};
/// let mut w = Param::zeros(&[10, 12]);
/// init::lecun_uniform().fill(w.at("w"), &mut Seed::new(0))?;
/// assert!(w.as_slice().iter().all(|x| x.abs() <= 0.5));
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn lecun_uniform() -> Lecun {
    Lecun { axes: FanAxes::TORCH, uniform: true }
}

/// LeCun normal (Keras/JAX/Flax `lecun_normal`): `variance_scaling(1, fan_in,
/// truncated_normal)`: a normal truncated at ±2σ whose variance is exactly `1 / fan_in`.
///
/// ```
/// use init_core::{self as init, Param, Seed};
/// let mut w = Param::zeros(&[256, 100]);
/// init::lecun_normal().fill(w.at("dense.kernel"), &mut Seed::new(0))?;
/// let bound = 2.0 * 0.1 / 0.8796256610342398_f32;
/// assert!(w.as_slice().iter().all(|x| x.abs() <= bound));
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn lecun_normal() -> Lecun {
    Lecun { axes: FanAxes::TORCH, uniform: false }
}

impl Lecun {
    /// Which axes hold the fans (default [`FanAxes::TORCH`]; [`FanAxes::KERAS`] for kernels
    /// stored `(*k, in, out)`).
    pub fn axes(self, axes: FanAxes) -> Self {
        Lecun { axes, ..self }
    }

    /// Fill `param` with draws from `rng`, keyed by the handle's path; its
    /// [`origin`](crate::Param::origin) becomes the scheme (`"lecun_normal"`).
    pub fn fill(self, param: impl ParamTarget, rng: &mut dyn Generator) -> Result<()> {
        Init::from(self).apply(param, rng)
    }
}

impl From<Lecun> for Init {
    fn from(Lecun { axes, uniform }: Lecun) -> Init {
        if uniform { Init::LecunUniform { axes } } else { Init::LecunNormal { axes } }
    }
}

/// Keras/JAX `variance_scaling` with named arguments: [`variance_scaling`], then
/// [`scale`](VarianceScaling::scale), [`mode`](VarianceScaling::mode),
/// [`distribution`](VarianceScaling::distribution), [`axes`](VarianceScaling::axes),
/// [`fill`](VarianceScaling::fill).
#[derive(Clone, Copy, Debug, PartialEq)]
#[must_use = "a scheme does nothing until `fill` is called"]
pub struct VarianceScaling {
    scale: f64,
    mode: FanMode,
    distribution: ScalingDistribution,
    axes: FanAxes,
}

/// Keras/JAX `variance_scaling`: values of variance `scale / n`, where `n` is `fan_in`,
/// `fan_out` or their mean (`fan_avg`), computed with the fan axes, and drawn from the
/// distribution. Keras's defaults: `scale = 1`, `mode = fan_in`,
/// `distribution = truncated_normal`; the axes default to [`FanAxes::TORCH`].
///
/// Errors (from [`fill`](VarianceScaling::fill)): `scale <= 0`, fewer than 2 dimensions,
/// axes out of range.
///
/// ```
/// use init_core::{self as init, FanAxes, FanMode, Param, ScalingDistribution, Seed};
/// let mut k = Param::zeros(&[3, 3, 16, 32]); // a Keras conv kernel
/// init::variance_scaling()
///     .scale(2.0)
///     .distribution(ScalingDistribution::Uniform)
///     .axes(FanAxes::KERAS)
///     .fill(k.at("conv.kernel"), &mut Seed::new(0))?;
/// let limit = (3.0f32 * 2.0 / 144.0).sqrt();
/// assert!(k.as_slice().iter().all(|x| x.abs() <= limit));
/// # let _ = FanMode::FanIn;
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn variance_scaling() -> VarianceScaling {
    VarianceScaling {
        scale: 1.0,
        mode: FanMode::FanIn,
        distribution: ScalingDistribution::TruncatedNormal,
        axes: FanAxes::TORCH,
    }
}

impl VarianceScaling {
    /// The scale of the variance (default 1).
    pub fn scale(self, scale: f64) -> Self {
        VarianceScaling { scale, ..self }
    }

    /// Which fan divides the scale (default [`FanMode::FanIn`]).
    pub fn mode(self, mode: FanMode) -> Self {
        VarianceScaling { mode, ..self }
    }

    /// The distribution of the values (default [`ScalingDistribution::TruncatedNormal`]).
    pub fn distribution(self, distribution: ScalingDistribution) -> Self {
        VarianceScaling { distribution, ..self }
    }

    /// Which axes hold the fans (default [`FanAxes::TORCH`]).
    pub fn axes(self, axes: FanAxes) -> Self {
        VarianceScaling { axes, ..self }
    }

    /// Fill `param` with draws from `rng`, keyed by the handle's path; its
    /// [`origin`](crate::Param::origin) becomes the scheme (`"variance_scaling(scale = 2.0)"`).
    pub fn fill(self, param: impl ParamTarget, rng: &mut dyn Generator) -> Result<()> {
        Init::from(self).apply(param, rng)
    }
}

impl From<VarianceScaling> for Init {
    fn from(VarianceScaling { scale, mode, distribution, axes }: VarianceScaling) -> Init {
        Init::VarianceScaling { scale, mode, distribution, axes }
    }
}
