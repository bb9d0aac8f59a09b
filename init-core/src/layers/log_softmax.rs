//! [`LogSoftmax`]: the logarithm of a softmax along one axis.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::kernels::softmax;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::{LayerSpec, ParamTable};

/// PyTorch's `nn.LogSoftmax(dim=None)`: `x − ln Σ exp(x)`, computed as `(x − max) − ln Σ exp(x − max)`, along the axis `dim`.
///
/// No parameters and no buffers. [`with_dim`](LogSoftmax::with_dim) sets `dim` (PyTorch's keyword;
/// negative counts from the end). Without it the axis is PyTorch's implicit (deprecated)
/// choice: axis 0 for 0-, 1- and 3-d inputs, else axis 1. A `dim` out of the input's range is
/// an error at forward. A lane holding NaN or `+∞`, or only `−∞`, gives NaN, as in PyTorch.
///
/// ```
/// use init_core::{Forward, LogSoftmax};
/// use ndarray::array;
///
/// let x = array![[0.0f32, 2f32.ln()], [1.0, 1.0]].into_dyn();
/// let y = LogSoftmax::new().with_dim(-1).forward(x.view())?;
/// assert!((y[[0, 0]] - (1.0f32 / 3.0).ln()).abs() < 1e-6 && (y[[1, 1]] - 0.5f32.ln()).abs() < 1e-6);
/// let err = LogSoftmax::new().with_dim(2).forward(x.view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "LogSoftmax: dim 2 is out of range for input of shape [2, 2] (expected -2 to 1)"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LogSoftmax {
    dim: Option<isize>,
}

impl LogSoftmax {
    /// The layer with `dim = None` (PyTorch's implicit axis).
    pub const fn new() -> Self {
        LogSoftmax { dim: None }
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

impl Zeroed for LogSoftmax {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self::new()
    }
}

impl LayerSpec for LogSoftmax {
    const KIND: LayerKind = LayerKind::LogSoftmax;
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl Module for LogSoftmax {
    fn kind(&self) -> LayerKind {
        LayerKind::LogSoftmax
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl Forward for LogSoftmax {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let axis = softmax::resolve_dim("LogSoftmax", input.shape(), self.dim)?;
            Ok(softmax::softmax(input, axis, true))
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl Features for LogSoftmax {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}

/// `#[layer(dim = -1)]`: the settings of [`Softmax`](crate::Softmax).
impl crate::spec::Configure for LogSoftmax {
    type Config = super::softmax::SoftmaxConfig;
    const DEFAULT: Self::Config = super::softmax::SoftmaxConfig::DEFAULT;

    fn configure(&mut self, config: &Self::Config) {
        self.dim = config.dim;
    }
}
