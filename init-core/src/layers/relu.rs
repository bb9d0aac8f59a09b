//! [`ReLU`]: `max(x, 0)`.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::kernels::activation;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::{LayerSpec, ParamTable};

/// PyTorch's `nn.ReLU()`: `max(x, 0)` elementwise, on any shape (NaN stays NaN).
///
/// A unit struct with no parameters and no buffers: write `ReLU` (or use
/// [`new`](ReLU::new) / `Default`); there is nothing to initialize.
///
/// ```
/// use init_core::{Forward, ReLU};
/// use ndarray::array;
///
/// let y = ReLU.forward(array![-1.0f32, 0.0, 2.5].into_dyn().view())?;
/// assert_eq!(y.as_slice().unwrap(), &[0.0, 0.0, 2.5]);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ReLU;

impl ReLU {
    /// The layer (the same as the unit value `ReLU`).
    pub const fn new() -> Self {
        ReLU
    }
}

impl Zeroed for ReLU {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self
    }
}

impl LayerSpec for ReLU {
    const KIND: LayerKind = LayerKind::ReLU;
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl Module for ReLU {
    fn kind(&self) -> LayerKind {
        LayerKind::ReLU
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl Forward for ReLU {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || Ok(activation::relu(input)))
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl Features for ReLU {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}
