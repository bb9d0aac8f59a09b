//! Every initialization scheme; documented on `Init`, with the table of schemes.

mod constant;
mod display;
mod distribution;
mod fan;
mod gain;
mod identity;
mod intended;
mod orthogonal;
pub(crate) mod plan;
pub(crate) mod planning;
mod random;
mod scaled;
mod sparse;
mod transpose;
mod upper_state;
mod values;
mod variance;

pub use constant::{Constant, constant, ones, zeros};
pub use distribution::ScalingDistribution;
pub use fan::{FanAxes, FanMode, Fans};
pub use gain::{Nonlinearity, calculate_gain};
pub use identity::{Dirac, Eye, dirac, eye};
pub use orthogonal::{Orthogonal, delta_orthogonal, orthogonal};
pub use random::{Normal, TruncNormal, Uniform, normal, trunc_normal, uniform};
pub use scaled::{Kaiming, Xavier, kaiming_normal, kaiming_uniform, xavier_normal, xavier_uniform};
pub use sparse::{Sparse, sparse};
pub use values::Values;
pub use variance::{Lecun, VarianceScaling, lecun_normal, lecun_uniform, variance_scaling};

use crate::error::{ErrorKind, InitError, Result};
use crate::param::{Param, ParamTarget};
use crate::rng::{Generator, Seed};
use plan::Plan;

/// A declarative initialization: one variant per scheme, with PyTorch's argument names.
///
/// Its [`Display`](std::fmt::Display) reads like the `#[init(...)]` attribute that produces
/// it, showing only arguments that differ from their defaults.
///
/// ```
/// use init_core::{FanAxes, FanMode, Init, Nonlinearity, Param, Seed};
/// let init = Init::KaimingNormal {
///     a: 0.0,
///     mode: FanMode::FanOut,
///     nonlinearity: Nonlinearity::Relu,
///     axes: FanAxes::TORCH,
/// };
/// assert_eq!(init.to_string(), r#"kaiming_normal(mode = "fan_out", nonlinearity = "relu")"#);
/// let mut w = Param::zeros(&[16, 3, 3, 3]);
/// init.apply(w.at("conv1.weight"), &mut Seed::new(0))?;
/// // The imperative form builds the same value:
/// let same = init_core::kaiming_normal().mode(FanMode::FanOut).nonlinearity(Nonlinearity::Relu);
/// assert_eq!(Init::from(same), init);
/// # Ok::<(), init_core::InitError>(())
/// ```
///
/// # Every scheme
///
/// Every initialization scheme, as a function for imperative use and as a variant of the
/// declarative [`Init`] value.
///
/// The functions read like PyTorch's `nn.init` calls: each returns the scheme with PyTorch's
/// defaults, a method per named argument changes one, and `fill` writes a parameter handle
/// ([`ParamMut`](crate::ParamMut)), keying the random stream by the handle's path.
/// `nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')` is
///
/// ```
/// # use init_core::{self as init, FanMode, Nonlinearity, Param, Seed};
/// # let mut weight = Param::zeros(&[8, 3, 3, 3]);
/// # let (w, rng) = (weight.at("conv1.weight"), &mut Seed::new(0));
/// init::kaiming_normal().mode(FanMode::FanOut).nonlinearity(Nonlinearity::Relu).fill(w, rng)?;
/// # Ok::<(), init_core::InitError>(())
/// ```
///
/// Every scheme turns into its [`Init`] (`Init::from(init::normal().std(0.02))`), and `fill`
/// is [`Init::apply`]: one implementation, and the parameter's
/// [`origin`](crate::Param::origin) becomes the scheme's `Display`.
///
/// | scheme | function | semantics |
/// |---|---|---|
/// | `uniform(a, b)` | [`uniform`] | PyTorch `uniform_` |
/// | `normal(mean, std)` | [`normal`] | PyTorch `normal_` |
/// | `trunc_normal(mean, std, a, b)` | [`trunc_normal`] | PyTorch `trunc_normal_` (absolute bounds), exact in any window |
/// | `constant(value)`, `ones`, `zeros` | [`constant`], [`ones`], [`zeros`] | PyTorch |
/// | `eye`, `dirac(groups)` | [`eye`], [`dirac`] | PyTorch |
/// | `xavier_uniform(gain)`, `xavier_normal(gain)` | [`xavier_uniform`], [`xavier_normal`] | PyTorch |
/// | `kaiming_uniform(a, mode, nonlinearity)`, `kaiming_normal(...)` | [`kaiming_uniform`], [`kaiming_normal`] | PyTorch |
/// | `orthogonal(gain)` | [`orthogonal`] | PyTorch (QR with sign fix) |
/// | `sparse(sparsity, std)` | [`sparse`] | PyTorch |
/// | `lecun_uniform`, `lecun_normal` | [`lecun_uniform`], [`lecun_normal`] | Keras/JAX |
/// | `variance_scaling(scale, mode, distribution)` | [`variance_scaling`] | Keras/JAX |
/// | `delta_orthogonal(gain)` | [`delta_orthogonal`] | Flax/JAX |
/// | `values = [...]` | [`Values::fill`] | literal values, broadcast by numpy rules |
///
/// Every fill validates its arguments and the parameter's rank first and returns an
/// [`InitError`] naming the parameter path and the rule; then a
/// parameter with zero elements is left as it is (a no-op, nothing drawn).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Init {
    /// `uniform(a = 0.0, b = 1.0)`.
    Uniform {
        /// Lower bound.
        a: f64,
        /// Upper bound.
        b: f64,
    },
    /// `normal(mean = 0.0, std = 1.0)`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
    },
    /// `trunc_normal(mean = 0.0, std = 1.0, a = -2.0, b = 2.0)`, absolute bounds.
    TruncNormal {
        /// Mean.
        mean: f64,
        /// Standard deviation before truncation.
        std: f64,
        /// Lower bound.
        a: f64,
        /// Upper bound.
        b: f64,
    },
    /// `constant(value)`.
    Constant {
        /// The value.
        value: f64,
    },
    /// `ones`.
    Ones,
    /// `zeros`.
    Zeros,
    /// `eye` (2-D only).
    Eye,
    /// `dirac(groups = 1)` (3-D to 5-D).
    Dirac {
        /// Number of groups.
        groups: usize,
    },
    /// `xavier_uniform(gain = 1.0)`.
    XavierUniform {
        /// Gain.
        gain: f64,
        /// Fan axes.
        axes: FanAxes,
    },
    /// `xavier_normal(gain = 1.0)`.
    XavierNormal {
        /// Gain.
        gain: f64,
        /// Fan axes.
        axes: FanAxes,
    },
    /// `kaiming_uniform(a = 0.0, mode = "fan_in", nonlinearity = "leaky_relu")`.
    KaimingUniform {
        /// Negative slope of `leaky_relu`.
        a: f64,
        /// Fan mode (`fan_in` or `fan_out`).
        mode: FanMode,
        /// Nonlinearity that follows the layer.
        nonlinearity: Nonlinearity,
        /// Fan axes.
        axes: FanAxes,
    },
    /// `kaiming_normal(a = 0.0, mode = "fan_in", nonlinearity = "leaky_relu")`.
    KaimingNormal {
        /// Negative slope of `leaky_relu`.
        a: f64,
        /// Fan mode (`fan_in` or `fan_out`).
        mode: FanMode,
        /// Nonlinearity that follows the layer.
        nonlinearity: Nonlinearity,
        /// Fan axes.
        axes: FanAxes,
    },
    /// `orthogonal(gain = 1.0)`.
    Orthogonal {
        /// Gain.
        gain: f64,
    },
    /// `sparse(sparsity, std = 0.01)` (2-D only).
    Sparse {
        /// Fraction of zeros in each column, in [0, 1).
        sparsity: f64,
        /// Standard deviation of the non-zero values.
        std: f64,
    },
    /// `lecun_uniform`.
    LecunUniform {
        /// Fan axes.
        axes: FanAxes,
    },
    /// `lecun_normal` (truncated, as Keras and Flax).
    LecunNormal {
        /// Fan axes.
        axes: FanAxes,
    },
    /// `variance_scaling(scale = 1.0, mode = "fan_in", distribution = "truncated_normal")`.
    VarianceScaling {
        /// Scale of the variance.
        scale: f64,
        /// Which fan divides the scale.
        mode: FanMode,
        /// ScalingDistribution of the values.
        distribution: ScalingDistribution,
        /// Fan axes.
        axes: FanAxes,
    },
    /// `delta_orthogonal(gain = 1.0)` (3-D to 5-D conv kernels).
    DeltaOrthogonal {
        /// Gain.
        gain: f64,
    },
    /// `values = [...]`: literal values broadcast to the parameter's shape.
    Values(Values),
}

impl Init {
    /// The scheme's name, as written in an attribute (`"kaiming_normal"`).
    ///
    /// ```
    /// assert_eq!(init_core::Init::Ones.name(), "ones");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Init::Uniform { .. } => "uniform",
            Init::Normal { .. } => "normal",
            Init::TruncNormal { .. } => "trunc_normal",
            Init::Constant { .. } => "constant",
            Init::Ones => "ones",
            Init::Zeros => "zeros",
            Init::Eye => "eye",
            Init::Dirac { .. } => "dirac",
            Init::XavierUniform { .. } => "xavier_uniform",
            Init::XavierNormal { .. } => "xavier_normal",
            Init::KaimingUniform { .. } => "kaiming_uniform",
            Init::KaimingNormal { .. } => "kaiming_normal",
            Init::Orthogonal { .. } => "orthogonal",
            Init::Sparse { .. } => "sparse",
            Init::LecunUniform { .. } => "lecun_uniform",
            Init::LecunNormal { .. } => "lecun_normal",
            Init::VarianceScaling { .. } => "variance_scaling",
            Init::DeltaOrthogonal { .. } => "delta_orthogonal",
            Init::Values(_) => "values",
        }
    }

    /// Every scheme's [`name`](Init::name), in declaration order: the names
    /// `#[init(...)]` accepts (a test in `init-derive` pins its list to this one).
    ///
    /// ```
    /// use init_core::Init;
    /// assert_eq!(Init::NAMES.len(), 19);
    /// assert!(Init::NAMES.contains(&Init::Eye.name()));
    /// ```
    pub const NAMES: &'static [&'static str] = &[
        "uniform",
        "normal",
        "trunc_normal",
        "constant",
        "ones",
        "zeros",
        "eye",
        "dirac",
        "xavier_uniform",
        "xavier_normal",
        "kaiming_uniform",
        "kaiming_normal",
        "orthogonal",
        "sparse",
        "lecun_uniform",
        "lecun_normal",
        "variance_scaling",
        "delta_orthogonal",
        "values",
    ];

    /// The elementwise plan of this scheme for `shape`, or `None` for the schemes that
    /// need the whole tensor (eye, dirac, orthogonal, sparse, delta_orthogonal, values).
    pub(crate) fn plan(&self, path: &str, shape: &[usize]) -> Result<Option<Plan>> {
        let plan = match *self {
            Init::Uniform { a, b } => random::uniform_plan(path, a, b)?,
            Init::Normal { mean, std } => random::normal_plan(path, mean, std)?,
            Init::TruncNormal { mean, std, a, b } => {
                random::trunc_normal_plan(path, mean, std, a, b)?
            }
            Init::Constant { value } => constant::constant_plan(path, value)?,
            Init::Ones => Plan::Const(1.0),
            Init::Zeros => Plan::Const(0.0),
            Init::XavierUniform { gain, axes } => {
                scaled::xavier_plan(path, shape, gain, axes, true)?
            }
            Init::XavierNormal { gain, axes } => {
                scaled::xavier_plan(path, shape, gain, axes, false)?
            }
            Init::KaimingUniform { a, mode, nonlinearity, axes } => {
                scaled::kaiming_plan(path, shape, (a, mode, nonlinearity), axes, true)?
            }
            Init::KaimingNormal { a, mode, nonlinearity, axes } => {
                scaled::kaiming_plan(path, shape, (a, mode, nonlinearity), axes, false)?
            }
            Init::LecunUniform { axes } => {
                let args = (1.0, FanMode::FanIn, ScalingDistribution::Uniform);
                scaled::variance_scaling_plan(path, shape, "lecun_uniform", args, axes)?
            }
            Init::LecunNormal { axes } => {
                let args = (1.0, FanMode::FanIn, ScalingDistribution::TruncatedNormal);
                scaled::variance_scaling_plan(path, shape, "lecun_normal", args, axes)?
            }
            Init::VarianceScaling { scale, mode, distribution, axes } => {
                scaled::variance_scaling_plan(
                    path,
                    shape,
                    "variance_scaling",
                    (scale, mode, distribution),
                    axes,
                )?
            }
            Init::Eye | Init::Dirac { .. } | Init::Orthogonal { .. } | Init::Sparse { .. } => {
                return Ok(None);
            }
            Init::DeltaOrthogonal { .. } | Init::Values(_) => return Ok(None),
        };
        Ok(Some(plan))
    }

    /// The argument and shape rules of a scheme that needs the whole tensor (eye, dirac,
    /// orthogonal, sparse, delta_orthogonal, values), checked without one; nothing for the
    /// elementwise schemes (their [`plan`](Init::plan) checks them).
    pub(crate) fn check_whole(&self, path: &str, shape: &[usize]) -> Result<()> {
        match self {
            Init::Eye => identity::check_eye(path, shape),
            Init::Dirac { groups } => identity::check_dirac(path, shape, *groups),
            Init::Orthogonal { gain } => orthogonal::check_orthogonal(path, shape, *gain),
            Init::Sparse { sparsity, std } => {
                sparse::check_sparse(path, shape, *sparsity, *std).map(|_| ())
            }
            Init::DeltaOrthogonal { gain } => {
                orthogonal::check_delta_orthogonal(path, shape, *gain)
            }
            Init::Values(v) => values::check_values(path, shape, v).map(|_| ()),
            _ => Ok(()),
        }
    }

    /// Initialize the parameter behind the handle, drawing from `rng` with the stream of the
    /// handle's path. On success its [`origin`](Param::origin) is this scheme's `Display`;
    /// on an error (which names the path and the rule) nothing is written.
    ///
    /// ```
    /// use init_core::{Init, Param, Seed};
    /// let mut b = Param::zeros(&[10]);
    /// Init::Constant { value: 0.1 }.apply(b.at("fc.bias"), &mut Seed::new(0))?;
    /// assert_eq!(b.as_slice(), &[0.1; 10]);
    /// assert_eq!(b.origin(), Some("constant(0.1)"));
    /// let err = Init::Orthogonal { gain: 1.0 }.apply(b.at("fc.bias"), &mut Seed::new(0)).unwrap_err();
    /// assert_eq!(err.path(), "fc.bias");
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn apply(&self, mut param: impl ParamTarget, rng: &mut dyn Generator) -> Result<()> {
        let (param, path) = crate::param::target(&mut param);
        self.fill(param, path, rng)?;
        param.set_origin(self.to_string());
        Ok(())
    }

    /// [`apply`](Init::apply) without recording the origin, for the crate's engine and
    /// layers, which record their own.
    pub(crate) fn fill(
        &self,
        param: &mut Param,
        path: &str,
        rng: &mut dyn Generator,
    ) -> Result<()> {
        let plan = self.plan(path, param.shape())?;
        if plan.is_none() {
            self.check_whole(path, param.shape())?;
        }
        if planning::planned_fill(path, self) {
            return Ok(());
        }
        let intended = self.intended_std(param.shape());
        if let Some(plan) = plan {
            plan.run(param, path, rng);
            param.set_intended_std(intended);
            return Ok(());
        }
        match self {
            Init::Eye => identity::fill_eye(param, path),
            Init::Dirac { groups } => identity::fill_dirac(param, path, *groups),
            Init::Orthogonal { gain } => orthogonal::fill_orthogonal(param, path, *gain, rng),
            Init::Sparse { sparsity, std } => {
                sparse::fill_sparse(param, path, *sparsity, *std, rng)
            }
            Init::DeltaOrthogonal { gain } => {
                orthogonal::fill_delta_orthogonal(param, path, *gain, rng)
            }
            Init::Values(v) => values::fill_values(param, path, v),
            _ => Ok(()),
        }?;
        param.set_intended_std(intended);
        Ok(())
    }

    /// Fill `out` with elements `offset..offset + out.len()` (row-major) of the values that
    /// [`apply`](Init::apply) with `seed` writes into a parameter of `shape` at `path`.
    ///
    /// This is sharded initialization: each rank fills only its own slice and the shards
    /// put together are bit-identical to the whole. Only elementwise schemes can do it;
    /// `eye`, `dirac`, `orthogonal`, `sparse`, `delta_orthogonal` and `values` need the whole
    /// tensor and return an error.
    ///
    /// ```
    /// use init_core::{FanAxes, Init, Param, Seed};
    /// let init = Init::XavierNormal { gain: 1.0, axes: FanAxes::TORCH };
    /// let mut whole = Param::zeros(&[64, 32]);
    /// init.apply(whole.at("fc.weight"), &mut Seed::new(9))?;
    /// // Rank 1 of 4 fills rows 16..32 alone.
    /// let mut shard = vec![0.0f32; 16 * 32];
    /// init.fill_slice("fc.weight", &[64, 32], 16 * 32, &mut shard, &Seed::new(9))?;
    /// assert_eq!(&shard[..], &whole.as_slice()[16 * 32..32 * 32]);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn fill_slice(
        &self,
        path: &str,
        shape: &[usize],
        offset: usize,
        out: &mut [f32],
        seed: &Seed,
    ) -> Result<()> {
        let Some(numel) = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)) else {
            return Err(InitError::new(path, ErrorKind::TooLarge { shape: shape.to_vec() }));
        };
        let end = offset.checked_add(out.len()).filter(|&end| end <= numel);
        let Some(_) = end else {
            let kind = ErrorKind::SliceOutOfBounds {
                start: offset,
                end: offset.saturating_add(out.len()),
                numel,
            };
            return Err(InitError::new(path, kind));
        };
        match self.plan(path, shape)? {
            Some(Plan::Draw(dist)) => seed.fill_at(path, dist, offset as u64, out),
            Some(Plan::Const(v)) => plan::fill_const(out, v),
            None => {
                return Err(InitError::new(
                    path,
                    ErrorKind::NotElementwise { scheme: self.name() },
                ));
            }
        }
        Ok(())
    }
}

/// [`Init::apply`] for a scheme that draws nothing (constant, ones, zeros, eye, dirac): their
/// `fill` takes no generator.
pub(crate) fn apply_fixed(init: &Init, param: impl ParamTarget) -> Result<()> {
    // These schemes never touch the generator; a fixed seed stands in for one.
    init.apply(param, &mut Seed::new(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One `Init` of each variant. The match below has no wildcard, so a new variant does
    /// not compile until it is added here, and then to `NAMES` for the test to pass.
    fn one_of_each() -> Vec<Init> {
        let axes = FanAxes::TORCH;
        let all = vec![
            Init::Uniform { a: 0.0, b: 1.0 },
            Init::Normal { mean: 0.0, std: 1.0 },
            Init::TruncNormal { mean: 0.0, std: 1.0, a: -2.0, b: 2.0 },
            Init::Constant { value: 0.5 },
            Init::Ones,
            Init::Zeros,
            Init::Eye,
            Init::Dirac { groups: 1 },
            Init::XavierUniform { gain: 1.0, axes },
            Init::XavierNormal { gain: 1.0, axes },
            Init::KaimingUniform {
                a: 0.0,
                mode: FanMode::FanIn,
                nonlinearity: Nonlinearity::Relu,
                axes,
            },
            Init::KaimingNormal {
                a: 0.0,
                mode: FanMode::FanIn,
                nonlinearity: Nonlinearity::Relu,
                axes,
            },
            Init::Orthogonal { gain: 1.0 },
            Init::Sparse { sparsity: 0.5, std: 0.01 },
            Init::LecunUniform { axes },
            Init::LecunNormal { axes },
            Init::VarianceScaling {
                scale: 1.0,
                mode: FanMode::FanIn,
                distribution: ScalingDistribution::TruncatedNormal,
                axes,
            },
            Init::DeltaOrthogonal { gain: 1.0 },
            Init::Values(Values::new(vec![], vec![0.5]).expect("a scalar literal")),
        ];
        for init in &all {
            match init {
                Init::Uniform { .. }
                | Init::Normal { .. }
                | Init::TruncNormal { .. }
                | Init::Constant { .. }
                | Init::Ones
                | Init::Zeros
                | Init::Eye
                | Init::Dirac { .. }
                | Init::XavierUniform { .. }
                | Init::XavierNormal { .. }
                | Init::KaimingUniform { .. }
                | Init::KaimingNormal { .. }
                | Init::Orthogonal { .. }
                | Init::Sparse { .. }
                | Init::LecunUniform { .. }
                | Init::LecunNormal { .. }
                | Init::VarianceScaling { .. }
                | Init::DeltaOrthogonal { .. }
                | Init::Values(_) => {}
            }
        }
        all
    }

    #[test]
    fn names_lists_every_variant_once_in_order() {
        let names: Vec<&str> = one_of_each().iter().map(Init::name).collect();
        assert_eq!(names, Init::NAMES);
    }
}
