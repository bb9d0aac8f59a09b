//! [`Dropout`]: zeroes random elements in training, the identity in evaluation.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::kernels::activation;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::rng::Generator;
use crate::spec::config;
use crate::spec::{LayerSpec, ParamTable};

/// PyTorch's `nn.Dropout(p=0.5)`.
///
/// No parameters and no buffers: build it with [`Dropout::new`] (`p = 0.5`, also `Default`)
/// or [`Dropout::with_p`], which returns an error for `p` outside `[0, 1]` (or NaN); there is
/// nothing to initialize.
///
/// [`Forward::forward`] is evaluation mode: the identity (what [`Sequential`](crate::Sequential)
/// runs). [`Dropout::forward_train`] is training mode: each element is zeroed with
/// probability `p` and the others are scaled by `1 / (1 − p)`, from one uniform draw per
/// element of the generator you pass. With [`Seed`](crate::Seed) the mask is a pure function
/// of `(seed, path, element index)`: the same path gives the same mask, so give each step its
/// own path (`"drop1.step42"`) to get fresh masks. PyTorch draws its mask with a Bernoulli
/// sampler, so even with [`TorchGenerator`](crate::TorchGenerator) the masks are not
/// PyTorch's.
///
/// ```
/// use init_core::{Dropout, Forward, Seed};
/// use ndarray::ArrayD;
///
/// let drop = Dropout::new();
/// let x = ArrayD::<f32>::ones(vec![4, 256]);
/// assert_eq!(drop.forward(x.view())?, x); // evaluation: identity
///
/// let y = drop.forward_train(x.view(), "drop.step0", &mut Seed::new(0))?;
/// assert!(y.iter().all(|&v| v == 0.0 || v == 2.0)); // kept elements scaled by 1 / (1 - 0.5)
/// let kept = y.iter().filter(|&&v| v != 0.0).count();
/// assert!((450..=574).contains(&kept)); // about half of 1024
///
/// let err = Dropout::with_p(1.5).unwrap_err();
/// assert_eq!(err.to_string(), "Dropout: p must be in [0, 1], got 1.5");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    p: f64,
}

impl Dropout {
    /// Dropout with PyTorch's default probability `p = 0.5`.
    pub const fn new() -> Self {
        Dropout { p: 0.5 }
    }

    /// Dropout with probability `p` of zeroing an element; an error unless `0 <= p <= 1`.
    pub fn with_p(p: f64) -> Result<Self> {
        config::check_keyword("Dropout", "p", p, config::probability(p))?;
        Ok(Dropout { p })
    }

    /// The probability of zeroing an element.
    pub const fn p(&self) -> f64 {
        self.p
    }

    /// Training-mode dropout: each element of `input` is zeroed when its `U[0, 1)` draw from
    /// `rng` (at `path`, in row-major order) is below `p`, and scaled by `1 / (1 − p)`
    /// otherwise. `p = 0` returns the input and `p = 1` returns `input · 0`, drawing nothing,
    /// as PyTorch. Any shape is accepted.
    pub fn forward_train(
        &self,
        input: ArrayViewD<'_, f32>,
        path: &str,
        rng: &mut dyn Generator,
    ) -> Result<ArrayD<f32>> {
        Ok(activation::dropout(input, self.p, path, rng))
    }
}

impl Default for Dropout {
    fn default() -> Self {
        Self::new()
    }
}

impl Zeroed for Dropout {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self::default()
    }
}

impl LayerSpec for Dropout {
    const KIND: LayerKind = LayerKind::Dropout;
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl Module for Dropout {
    fn kind(&self) -> LayerKind {
        LayerKind::Dropout
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl Forward for Dropout {
    /// Evaluation mode: the input, unchanged.
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || Ok(input.to_owned()))
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl Features for Dropout {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}

/// The rule on `p`, for [`Dropout::with_p`] and `#[layer(p = ...)]` alike.
const fn p_ok(p: f64) -> bool {
    config::probability(p).is_none()
}

/// The settings of [`Dropout`] for `#[layer(...)]`: `#[layer(p = 0.1)]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DropoutConfig {
    /// The probability of zeroing an element (default `0.5`).
    pub p: f64,
}

impl DropoutConfig {
    /// The rule [`Dropout::with_p`] applies: empty when the settings are valid.
    pub const fn verdict(&self) -> crate::spec::Msg {
        config::Rules::new("Dropout").holds(p_ok(self.p), "p must be in [0, 1]").verdict()
    }
}

impl crate::spec::Configure for Dropout {
    type Config = DropoutConfig;
    const DEFAULT: DropoutConfig = DropoutConfig { p: 0.5 };

    fn configure(&mut self, config: &DropoutConfig) {
        if p_ok(config.p) {
            self.p = config.p;
        }
    }
}
