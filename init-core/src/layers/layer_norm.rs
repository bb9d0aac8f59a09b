//! [`LayerNorm`]: normalization over the trailing axes of each sample.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::kernels::norm;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, join, trace,
};
use crate::param::{Param, ParamSlot};
use crate::rng::Generator;
use crate::schemes::planning::set_constant;
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable};

/// Layer normalization, PyTorch's `nn.LayerNorm(normalized_shape)`.
///
/// The normalized shape is written as const dimensions in PyTorch's order, up to three:
/// `nn.LayerNorm(768)` is `LayerNorm<768>`, `nn.LayerNorm([4, 5])` is `LayerNorm<4, 5>`,
/// `nn.LayerNorm([C, H, W])` is `LayerNorm<C, H, W>`. A trailing `0` means "no such axis"
/// (the defaults), so the common one-axis case carries no extra parameters, the dimensions
/// read exactly like PyTorch's list, and every rank is the one type that
/// [`LayerKind::LayerNorm`] names. (Stable Rust has no `[usize; N]` const parameters, and a
/// type-level list of dimensions would make the common case much noisier.)
///
/// Each input `[..., D0, D1, D2]` is normalized over its trailing normalized axes with their
/// mean and biased variance, then scaled and shifted elementwise:
/// `(x − mean) / √(var + eps) · weight + bias`.
///
/// Parameters (PyTorch's `elementwise_affine=True, bias=True`): `weight` and `bias` of the
/// normalized shape; default initialization weight ones, bias zeros (no random draw). eps
/// defaults to `1e-5`. Builders give PyTorch's other settings:
/// [`with_eps`](LayerNorm::with_eps), [`without_bias`](LayerNorm::without_bias) (`bias=False`)
/// and [`without_affine`](LayerNorm::without_affine) (`elementwise_affine=False`: neither
/// parameter).
///
/// Configurations that do not compile: `D0 = 0` (nothing to normalize over; PyTorch's
/// zero-size normalized shapes are not expressible), and a non-zero `D2` after `D1 = 0`:
///
/// ```compile_fail,E0080
/// let ln = init_core::LayerNorm::<4, 0, 5>::new(); // a gap in the normalized shape
/// ```
///
/// ```
/// use init_core::{Forward, LayerNorm, Module};
/// use ndarray::{Array, array};
///
/// let ln = LayerNorm::<4>::new();
/// assert_eq!(ln.weight().unwrap().as_slice(), &[1.0; 4]);
/// let y = ln.forward(array![[1.0, 2.0, 3.0, 4.0]].into_dyn().view())?;
/// assert!((y.sum()).abs() < 1e-5);
///
/// // nn.LayerNorm([4, 5]): weight and bias of shape [4, 5], statistics over the last 2 axes.
/// let ln = LayerNorm::<4, 5>::new().with_eps(1e-6)?;
/// assert_eq!(LayerNorm::<4, 5>::NORMALIZED_SHAPE, &[4, 5]);
/// assert_eq!(ln.weight().unwrap().shape(), &[4, 5]);
/// let x = Array::linspace(0.0, 1.0, 3 * 4 * 5).into_shape_with_order(vec![3, 4, 5]).unwrap();
/// assert_eq!(ln.forward(x.view())?.shape(), &[3, 4, 5]);
///
/// let plain = LayerNorm::<8>::new().without_affine();
/// assert!(plain.named_parameters().is_empty());
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNorm<const D0: usize, const D1: usize = 0, const D2: usize = 0> {
    weight: Option<Param>,
    bias: Option<Param>,
    eps: f64,
}

impl<const D0: usize, const D1: usize, const D2: usize> LayerNorm<D0, D1, D2> {
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    /// The normalized shape, PyTorch's `normalized_shape` (`[D0]`, `[D0, D1]` or
    /// `[D0, D1, D2]`).
    pub const NORMALIZED_SHAPE: &'static [usize] = match (D1, D2) {
        (0, _) => &[D0],
        (_, 0) => &[D0, D1],
        _ => &[D0, D1, D2],
    };

    /// The layer with weight and bias zero, before any initialization, eps `1e-5`.
    pub fn zeroed() -> Self {
        let () = Self::CHECK;
        let shape = Self::NORMALIZED_SHAPE;
        LayerNorm { weight: Some(Param::zeros(shape)), bias: Some(Param::zeros(shape)), eps: 1e-5 }
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
        self.eps = norm::check_eps("LayerNorm", eps)?;
        Ok(self)
    }

    /// The same layer without `bias` (PyTorch's `bias=False`).
    pub fn without_bias(mut self) -> Self {
        self.bias = None;
        self
    }

    /// The same layer without `weight` and `bias` (PyTorch's `elementwise_affine=False`).
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

impl<const D0: usize, const D1: usize, const D2: usize> Default for LayerNorm<D0, D1, D2> {
    /// [`LayerNorm::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl<const D0: usize, const D1: usize, const D2: usize> Zeroed for LayerNorm<D0, D1, D2> {
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<const D0: usize, const D1: usize, const D2: usize> LayerSpec for LayerNorm<D0, D1, D2> {
    const KIND: LayerKind = LayerKind::LayerNorm;
    const CONFIG: Msg = Rules::new("LayerNorm")
        .positive("the first normalized dimension D0", D0)
        .holds(D1 > 0 || D2 == 0, "a normalized dimension D2 needs D1 > 0")
        .verdict();
    const PARAMS: ParamTable = ParamTable::EMPTY
        .with("weight", Self::NORMALIZED_SHAPE)
        .with("bias", Self::NORMALIZED_SHAPE);
}

impl<const D0: usize, const D1: usize, const D2: usize> Module for LayerNorm<D0, D1, D2> {
    fn kind(&self) -> LayerKind {
        LayerKind::LayerNorm
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

impl<const D0: usize, const D1: usize, const D2: usize> Forward for LayerNorm<D0, D1, D2> {
    /// `[..., D0, D1, D2] → [..., D0, D1, D2]`, each sample normalized over the normalized
    /// axes.
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let shape = Self::NORMALIZED_SHAPE;
            norm::check_normalized_shape("LayerNorm", input.shape(), shape)?;
            let inner = shape.iter().product();
            let (w, b) = (
                self.weight.as_ref().map(Param::as_slice),
                self.bias.as_ref().map(Param::as_slice),
            );
            let y = norm::layer_norm(&norm::row_major(&input), inner, w, b, self.eps);
            norm::shaped("LayerNorm", input.shape(), y)
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const D0: usize, const D1: usize, const D2: usize> Features for LayerNorm<D0, D1, D2> {
    const IN: Width = Width::Exactly(Self::LAST);
    const OUT: Width = Width::Exactly(Self::LAST);
}

impl<const D0: usize, const D1: usize, const D2: usize> LayerNorm<D0, D1, D2> {
    /// The last normalized dimension: the feature count of the input's last axis.
    const LAST: usize = if D2 != 0 {
        D2
    } else if D1 != 0 {
        D1
    } else {
        D0
    };
}

/// The settings of [`LayerNorm`] for `#[layer(...)]`, PyTorch's keyword arguments:
/// `#[layer(eps = 1e-6, elementwise_affine = false, bias = false)]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerNormConfig {
    /// Added to the variance before its square root (default `1e-5`).
    pub eps: f64,
    /// Whether the layer has `weight` (and `bias`) (default `true`).
    pub elementwise_affine: bool,
    /// Whether the layer has `bias` (default `true`).
    pub bias: bool,
}

impl LayerNormConfig {
    /// The rules [`LayerNorm::with_eps`] applies: empty when the settings are valid.
    pub const fn verdict(&self) -> Msg {
        Rules::new("LayerNorm")
            .holds(norm::eps_ok(self.eps), "eps must be finite and >= 0")
            .verdict()
    }
}

impl<const D0: usize, const D1: usize, const D2: usize> crate::spec::Configure
    for LayerNorm<D0, D1, D2>
{
    type Config = LayerNormConfig;
    const DEFAULT: LayerNormConfig =
        LayerNormConfig { eps: 1e-5, elementwise_affine: true, bias: true };

    fn configure(&mut self, config: &LayerNormConfig) {
        if norm::eps_ok(config.eps) {
            self.eps = config.eps;
        }
        if !config.bias {
            self.bias = None;
        }
        if !config.elementwise_affine {
            self.weight = None;
            self.bias = None;
        }
    }
}
