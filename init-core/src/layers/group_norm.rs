//! [`GroupNorm`]: normalization over groups of channels of each sample.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::{InitError, Result};
use crate::kernels::norm;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, join, trace,
};
use crate::param::{Param, ParamSlot};
use crate::rng::Generator;
use crate::schemes::planning::set_constant;
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable};

/// Group normalization, PyTorch's `nn.GroupNorm(GROUPS, C)`.
///
/// The `C` channels of input `[N, C, *]` are split into `GROUPS` groups of `C / GROUPS`
/// consecutive channels; each group of each sample is normalized with its own mean and biased
/// variance (over its channels and every spatial position), then each channel is scaled and
/// shifted: `(x − mean) / √(var + eps) · weight[c] + bias[c]`.
///
/// Parameters (PyTorch's `affine=True`): `weight` and `bias` of shape `[C]`; default
/// initialization weight ones, bias zeros (no random draw). eps defaults to `1e-5`
/// ([`with_eps`](GroupNorm::with_eps)); [`without_affine`](GroupNorm::without_affine) is
/// PyTorch's `affine=False`.
///
/// Configurations that do not compile: `GROUPS = 0`, and `C` not divisible by `GROUPS`:
///
/// ```compile_fail,E0080
/// let gn = init_core::GroupNorm::<4, 6>::new(); // 6 channels cannot form 4 equal groups
/// ```
///
/// ```
/// use init_core::{Forward, GroupNorm, Module};
/// use ndarray::ArrayD;
///
/// let gn = GroupNorm::<2, 6>::new();
/// assert_eq!(gn.weight().unwrap().as_slice(), &[1.0; 6]);
/// assert_eq!(gn.bias().unwrap().as_slice(), &[0.0; 6]);
/// let y = gn.forward(ArrayD::from_elem(vec![3, 6, 4, 4], 2.0).view())?;
/// assert_eq!(y.shape(), &[3, 6, 4, 4]); // constant groups normalize to 0
/// assert!(y.iter().all(|&v| v == 0.0));
/// let err = gn.forward(ArrayD::zeros(vec![3, 4, 4, 4]).view()).unwrap_err();
/// assert_eq!(err.to_string(), "GroupNorm: input of shape [3, 4, 4, 4] must be [N, C, *] with C = 6 (num_channels)");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GroupNorm<const GROUPS: usize, const C: usize> {
    weight: Option<Param>,
    bias: Option<Param>,
    eps: f64,
}

impl<const GROUPS: usize, const C: usize> GroupNorm<GROUPS, C> {
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    /// The layer with weight and bias zero, before any initialization, eps `1e-5`.
    pub fn zeroed() -> Self {
        let () = Self::CHECK;
        GroupNorm { weight: Some(Param::zeros(&[C])), bias: Some(Param::zeros(&[C])), eps: 1e-5 }
    }

    /// The layer with PyTorch's default initialization: weight ones, bias zeros (no random
    /// draw, so no generator is needed).
    pub fn new() -> Self {
        let mut layer = Self::zeroed();
        layer.reset("", &|_| false);
        layer
    }

    /// The same layer with another `eps`, added to the variance before its square root
    /// (PyTorch's default `1e-5`). Error: `eps` negative or not finite.
    pub fn with_eps(mut self, eps: f64) -> Result<Self> {
        self.eps = norm::check_eps("GroupNorm", eps)?;
        Ok(self)
    }

    /// The same layer without `weight` and `bias` (PyTorch's `affine=False`).
    pub fn without_affine(mut self) -> Self {
        self.weight = None;
        self.bias = None;
        self
    }

    /// The value added to the variance before its square root.
    pub fn eps(&self) -> f64 {
        self.eps
    }

    fn reset(&mut self, prefix: &str, ruled: &dyn Fn(&str) -> bool) {
        if let Some(w) = self.weight.as_mut().filter(|_| !ruled("weight")) {
            set_constant(w, &join(prefix, "weight"), 1.0);
        }
        if let Some(b) = self.bias.as_mut().filter(|_| !ruled("bias")) {
            set_constant(b, &join(prefix, "bias"), 0.0);
        }
    }
}

impl<const GROUPS: usize, const C: usize> Default for GroupNorm<GROUPS, C> {
    /// [`GroupNorm::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl<const GROUPS: usize, const C: usize> Zeroed for GroupNorm<GROUPS, C> {
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<const GROUPS: usize, const C: usize> LayerSpec for GroupNorm<GROUPS, C> {
    const KIND: LayerKind = LayerKind::GroupNorm;
    const CONFIG: Msg = Rules::new("GroupNorm")
        .positive("num_groups", GROUPS)
        .divisible(("num_channels", C), ("num_groups", GROUPS))
        .verdict();
    const PARAMS: ParamTable = ParamTable::EMPTY.with("weight", &[C]).with("bias", &[C]);
}

impl<const GROUPS: usize, const C: usize> Module for GroupNorm<GROUPS, C> {
    fn kind(&self) -> LayerKind {
        LayerKind::GroupNorm
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        if let Some(w) = &self.weight {
            v.param("weight", w);
        }
        if let Some(b) = &self.bias {
            v.param("bias", b);
        }
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        if let Some(w) = &mut self.weight {
            v.param("weight", ParamSlot::from(w));
        }
        if let Some(b) = &mut self.bias {
            v.param("bias", ParamSlot::from(b));
        }
    }

    /// PyTorch's `reset_parameters`: weight ones, bias zeros; no random draw.
    fn init_defaults(
        &mut self,
        prefix: &str,
        ruled: &dyn Fn(&str) -> bool,
        _rng: &mut dyn Generator,
    ) -> Result<()> {
        self.reset(prefix, ruled);
        Ok(())
    }
}

impl<const GROUPS: usize, const C: usize> Forward for GroupNorm<GROUPS, C> {
    /// `[N, C, *] → [N, C, *]` (any number of spatial axes, including none).
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            if input.ndim() < 2 || input.shape()[1] != C {
                return Err(InitError::input(
                    "GroupNorm",
                    format!(
                        "input of shape {:?} must be [N, C, *] with C = {C} (num_channels)",
                        input.shape()
                    ),
                ));
            }
            let spatial = input.shape()[2..].iter().product();
            let (w, b) = (
                self.weight.as_ref().map(Param::as_slice),
                self.bias.as_ref().map(Param::as_slice),
            );
            let y = norm::group_norm(&norm::row_major(&input), C, GROUPS, spatial, w, b, self.eps);
            norm::shaped("GroupNorm", input.shape(), y)
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const GROUPS: usize, const C: usize> Features for GroupNorm<GROUPS, C> {
    const IN: Width = Width::Exactly(C);
    const OUT: Width = Width::Exactly(C);
}

/// The settings of [`GroupNorm`] for `#[layer(...)]`, PyTorch's keyword arguments:
/// `#[layer(eps = 1e-6, affine = false)]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroupNormConfig {
    /// Added to the variance before its square root (default `1e-5`).
    pub eps: f64,
    /// Whether the layer has `weight` and `bias` (default `true`).
    pub affine: bool,
}

impl GroupNormConfig {
    /// The rules [`GroupNorm::with_eps`] applies: empty when the settings are valid.
    pub const fn verdict(&self) -> Msg {
        Rules::new("GroupNorm")
            .holds(norm::eps_ok(self.eps), "eps must be finite and >= 0")
            .verdict()
    }
}

impl<const GROUPS: usize, const C: usize> crate::spec::Configure for GroupNorm<GROUPS, C> {
    type Config = GroupNormConfig;
    const DEFAULT: GroupNormConfig = GroupNormConfig { eps: 1e-5, affine: true };

    fn configure(&mut self, config: &GroupNormConfig) {
        if norm::eps_ok(config.eps) {
            self.eps = config.eps;
        }
        if !config.affine {
            self.weight = None;
            self.bias = None;
        }
    }
}
