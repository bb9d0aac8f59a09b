//! [`RMSNorm`]: scaling by the root mean square over the trailing axes of each sample.

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

/// Root-mean-square normalization, PyTorch's `nn.RMSNorm(normalized_shape)`.
///
/// The normalized shape is written as in [`LayerNorm`](crate::LayerNorm): up to three const
/// dimensions in PyTorch's order, a trailing `0` meaning "no such axis" (`nn.RMSNorm(768)` is
/// `RMSNorm<768>`, `nn.RMSNorm([4, 5])` is `RMSNorm<4, 5>`).
///
/// Each input `[..., D0, D1, D2]` is divided by the root of the mean of its squares over the
/// normalized axes, plus `eps`, then scaled elementwise: `x / √(mean(x²) + eps) · weight`.
///
/// Parameter (PyTorch's `elementwise_affine=True`): `weight` of the normalized shape,
/// initialized to ones (no random draw); no bias. Settings, PyTorch's keywords:
/// [`with_eps`](RMSNorm::with_eps) (default `None`: `torch.finfo(float32).eps`,
/// `f32::EPSILON`, at forward) and [`without_affine`](RMSNorm::without_affine)
/// (`elementwise_affine=False`: no weight).
///
/// ```
/// use init_core::{Forward, Module, RMSNorm};
/// use ndarray::array;
///
/// let norm = RMSNorm::<2>::new();
/// assert_eq!(norm.weight().unwrap().as_slice(), &[1.0, 1.0]);
/// assert_eq!(norm.eps(), None);
/// let y = norm.with_eps(0.0)?.forward(array![[3.0, 4.0]].into_dyn().view())?;
/// let rms = (12.5f32).sqrt(); // √((9 + 16) / 2)
/// assert!((y[[0, 0]] - 3.0 / rms).abs() < 1e-6 && (y[[0, 1]] - 4.0 / rms).abs() < 1e-6);
///
/// let err = RMSNorm::<2>::new().with_eps(f64::NAN).unwrap_err();
/// assert_eq!(err.to_string(), "RMSNorm: eps must be finite and >= 0, got NaN");
/// assert!(RMSNorm::<4, 5>::new().without_affine().named_parameters().is_empty());
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RMSNorm<const D0: usize, const D1: usize = 0, const D2: usize = 0> {
    weight: Option<Param>,
    eps: Option<f64>,
}

impl<const D0: usize, const D1: usize, const D2: usize> RMSNorm<D0, D1, D2> {
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    /// The normalized shape, PyTorch's `normalized_shape`.
    pub const NORMALIZED_SHAPE: &'static [usize] = match (D1, D2) {
        (0, _) => &[D0],
        (_, 0) => &[D0, D1],
        _ => &[D0, D1, D2],
    };

    /// The layer with weight zero, before any initialization, eps `None`.
    pub fn zeroed() -> Self {
        let () = Self::CHECK;
        RMSNorm { weight: Some(Param::zeros(Self::NORMALIZED_SHAPE)), eps: None }
    }

    /// The layer with PyTorch's default initialization: weight ones (no random draw).
    pub fn new() -> Self {
        let mut layer = Self::zeroed();
        layer.reset("", &|_| false);
        layer
    }

    /// The same layer with another `eps` (PyTorch's `eps`): a value, or `None` for
    /// `torch.finfo(float32).eps` (`f32::EPSILON`) at forward. Error: negative or not finite.
    pub fn with_eps(mut self, eps: impl Into<Option<f64>>) -> Result<Self> {
        let eps = eps.into();
        if let Some(e) = eps {
            norm::check_eps("RMSNorm", e)?;
        }
        self.eps = eps;
        Ok(self)
    }

    /// The same layer without `weight` (PyTorch's `elementwise_affine=False`).
    pub fn without_affine(mut self) -> Self {
        self.weight = None;
        self
    }

    /// The `eps` set (`None`: `f32::EPSILON` at forward).
    pub fn eps(&self) -> Option<f64> {
        self.eps
    }

    fn reset(&mut self, prefix: &str, ruled: &dyn Fn(&str) -> bool) {
        if let Some(w) = self.weight.as_mut().filter(|_| !ruled("weight")) {
            set_constant(w, &join(prefix, "weight"), 1.0);
        }
    }
}

impl<const D0: usize, const D1: usize, const D2: usize> Default for RMSNorm<D0, D1, D2> {
    /// [`RMSNorm::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl<const D0: usize, const D1: usize, const D2: usize> Zeroed for RMSNorm<D0, D1, D2> {
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<const D0: usize, const D1: usize, const D2: usize> LayerSpec for RMSNorm<D0, D1, D2> {
    const KIND: LayerKind = LayerKind::RMSNorm;
    const CONFIG: Msg = Rules::new("RMSNorm")
        .positive("the first normalized dimension D0", D0)
        .holds(D1 > 0 || D2 == 0, "a normalized dimension D2 needs D1 > 0")
        .verdict();
    const PARAMS: ParamTable = ParamTable::EMPTY.with("weight", Self::NORMALIZED_SHAPE);
}

impl<const D0: usize, const D1: usize, const D2: usize> Module for RMSNorm<D0, D1, D2> {
    fn kind(&self) -> LayerKind {
        LayerKind::RMSNorm
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        if let Some(w) = &self.weight {
            v.param("weight", w);
        }
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        if let Some(w) = &mut self.weight {
            v.param("weight", ParamSlot::from(w));
        }
    }

    /// PyTorch's `reset_parameters`: weight ones; no random draw.
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

impl<const D0: usize, const D1: usize, const D2: usize> Forward for RMSNorm<D0, D1, D2> {
    /// `[..., D0, D1, D2] → [..., D0, D1, D2]`, each sample scaled over the normalized axes.
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let shape = Self::NORMALIZED_SHAPE;
            norm::check_normalized_shape("RMSNorm", input.shape(), shape)?;
            let inner = shape.iter().product();
            let eps = self.eps.unwrap_or(f64::from(f32::EPSILON));
            let w = self.weight.as_ref().map(Param::as_slice);
            let y = norm::rms_norm(&norm::row_major(&input), inner, w, eps);
            norm::shaped("RMSNorm", input.shape(), y)
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const D0: usize, const D1: usize, const D2: usize> Features for RMSNorm<D0, D1, D2> {
    const IN: Width = Width::Exactly(if D2 != 0 {
        D2
    } else if D1 != 0 {
        D1
    } else {
        D0
    });
    const OUT: Width = Width::Exactly(if D2 != 0 {
        D2
    } else if D1 != 0 {
        D1
    } else {
        D0
    });
}

/// The settings of [`RMSNorm`] for `#[layer(...)]`:
/// `#[layer(eps = 1e-6, elementwise_affine = false)]` (`eps = None`, the default, is
/// `f32::EPSILON` at forward).
///
/// ```
/// use init_core::{Module, RMSNorm};
/// use init_core::spec::Configure;
/// let mut config = <RMSNorm<4> as Configure>::DEFAULT;
/// assert_eq!((config.eps, config.elementwise_affine), (None, true));
/// config.eps = Some(-1.0);
/// assert_eq!(config.verdict().message(), Some("RMSNorm: eps must be finite and >= 0"));
/// config.eps = Some(1e-6);
/// config.elementwise_affine = false;
/// let mut norm = RMSNorm::<4>::zeroed();
/// norm.configure(&config);
/// assert_eq!(norm.eps(), Some(1e-6));
/// assert!(norm.named_parameters().is_empty());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RMSNormConfig {
    /// Added to the mean square (default `None`: `torch.finfo(float32).eps`).
    pub eps: Option<f64>,
    /// Whether the layer has `weight` (default `true`).
    pub elementwise_affine: bool,
}

impl RMSNormConfig {
    /// The rule [`RMSNorm::with_eps`] applies: empty when the settings are valid.
    pub const fn verdict(&self) -> Msg {
        let verdict = match self.eps {
            Some(eps) => crate::spec::settings::eps(eps),
            None => Ok(()),
        };
        Rules::new("RMSNorm").setting(verdict).verdict()
    }
}

impl<const D0: usize, const D1: usize, const D2: usize> crate::spec::Configure
    for RMSNorm<D0, D1, D2>
{
    type Config = RMSNormConfig;
    const DEFAULT: RMSNormConfig = RMSNormConfig { eps: None, elementwise_affine: true };

    fn configure(&mut self, config: &RMSNormConfig) {
        if config.eps.is_none_or(norm::eps_ok) {
            self.eps = config.eps;
        }
        if !config.elementwise_affine {
            self.weight = None;
        }
    }
}
