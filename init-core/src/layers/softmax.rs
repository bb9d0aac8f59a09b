//! [`Softmax`]: exponentials normalized to sum to one along one axis.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::kernels::softmax;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::{LayerSpec, ParamTable};

/// PyTorch's `nn.Softmax(dim=None)`: `exp(x) / Σ exp(x)` along the axis `dim`.
///
/// No parameters and no buffers. [`with_dim`](Softmax::with_dim) sets `dim` (PyTorch's keyword;
/// negative counts from the end). Without it the axis is PyTorch's implicit (deprecated)
/// choice: axis 0 for 0-, 1- and 3-d inputs, else axis 1. A `dim` out of the input's range is
/// an error at forward. A lane holding NaN or `+∞`, or only `−∞`, gives NaN, as in PyTorch.
///
/// ```
/// use init_core::{Forward, Softmax};
/// use ndarray::array;
///
/// let x = array![[0.0f32, 2f32.ln()], [1.0, 1.0]].into_dyn();
/// let y = Softmax::new().with_dim(-1).forward(x.view())?;
/// assert_eq!(y.as_slice().unwrap(), &[1.0 / 3.0, 2.0 / 3.0, 0.5, 0.5]);
/// let err = Softmax::new().with_dim(2).forward(x.view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "Softmax: dim 2 is out of range for input of shape [2, 2] (expected -2 to 1)"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Softmax {
    dim: Option<isize>,
}

impl Softmax {
    /// The layer with `dim = None` (PyTorch's implicit axis).
    pub const fn new() -> Self {
        Softmax { dim: None }
    }

    /// The same layer along axis `dim` (PyTorch's `dim`; negative counts from the end).
    #[must_use]
    pub const fn with_dim(mut self, dim: isize) -> Self {
        self.dim = Some(dim);
        self
    }

    /// The axis set (`None`: PyTorch's implicit choice).
    pub const fn dim(&self) -> Option<isize> {
        self.dim
    }
}

impl Zeroed for Softmax {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self::new()
    }
}

impl LayerSpec for Softmax {
    const KIND: LayerKind = LayerKind::Softmax;
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl Module for Softmax {
    fn kind(&self) -> LayerKind {
        LayerKind::Softmax
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl Forward for Softmax {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let axis = softmax::resolve_dim("Softmax", input.shape(), self.dim)?;
            Ok(softmax::softmax(input, axis, false))
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl Features for Softmax {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}

/// The settings of [`Softmax`] and [`LogSoftmax`](crate::LogSoftmax) for `#[layer(...)]`:
/// `#[layer(dim = -1)]` (default `None`: PyTorch's implicit axis). An axis out of an
/// input's range is an error of the forward pass.
///
/// ```
/// use init_core::Softmax;
/// use init_core::spec::Configure;
/// let mut config = <Softmax as Configure>::DEFAULT;
/// config.dim = Some(-1);
/// let mut softmax = Softmax::new();
/// softmax.configure(&config);
/// assert_eq!(softmax, Softmax::new().with_dim(-1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SoftmaxConfig {
    /// The axis normalized (default `None`).
    pub dim: Option<isize>,
}

impl SoftmaxConfig {
    /// PyTorch's defaults.
    pub(crate) const DEFAULT: SoftmaxConfig = SoftmaxConfig { dim: None };

    /// Every setting is valid here; the forward pass checks `dim` against each input.
    pub const fn verdict(&self) -> crate::spec::Msg {
        crate::spec::config::Rules::new("Softmax").verdict()
    }
}

impl crate::spec::Configure for Softmax {
    type Config = SoftmaxConfig;
    const DEFAULT: SoftmaxConfig = SoftmaxConfig::DEFAULT;

    fn configure(&mut self, config: &SoftmaxConfig) {
        self.dim = config.dim;
    }
}
