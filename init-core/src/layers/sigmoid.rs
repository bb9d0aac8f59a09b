//! [`Sigmoid`]: the logistic function.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::kernels::activation;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::{LayerSpec, ParamTable};

/// PyTorch's `nn.Sigmoid()`: `σ(x) = 1 / (1 + e⁻ˣ)` elementwise, on any shape.
///
/// A unit struct with no parameters and no buffers: write `Sigmoid` (or use
/// [`new`](Sigmoid::new) / `Default`); there is nothing to initialize.
///
/// ```
/// use init_core::{Forward, Sigmoid};
/// use ndarray::array;
///
/// let y = Sigmoid.forward(array![0.0f32, -200.0, 200.0].into_dyn().view())?;
/// assert_eq!(y.as_slice().unwrap(), &[0.5, 0.0, 1.0]);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sigmoid;

impl Sigmoid {
    /// The layer (the same as the unit value `Sigmoid`).
    pub const fn new() -> Self {
        Sigmoid
    }
}

impl Zeroed for Sigmoid {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self
    }
}

impl LayerSpec for Sigmoid {
    const KIND: LayerKind = LayerKind::Sigmoid;
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl Module for Sigmoid {
    fn kind(&self) -> LayerKind {
        LayerKind::Sigmoid
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl Forward for Sigmoid {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || Ok(activation::sigmoid(input)))
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl Features for Sigmoid {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}
