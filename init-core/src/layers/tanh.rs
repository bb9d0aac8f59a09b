//! [`Tanh`]: the hyperbolic tangent.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::kernels::activation;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::{LayerSpec, ParamTable};

/// PyTorch's `nn.Tanh()`: `tanh x` elementwise, on any shape.
///
/// A unit struct with no parameters and no buffers: write `Tanh` (or use
/// [`new`](Tanh::new) / `Default`); there is nothing to initialize.
///
/// ```
/// use init_core::{Forward, Tanh};
/// use ndarray::array;
///
/// let y = Tanh.forward(array![0.0f32, 20.0, -20.0].into_dyn().view())?;
/// assert_eq!(y.as_slice().unwrap(), &[0.0, 1.0, -1.0]);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Tanh;

impl Tanh {
    /// The layer (the same as the unit value `Tanh`).
    pub const fn new() -> Self {
        Tanh
    }
}

impl Zeroed for Tanh {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self
    }
}

impl LayerSpec for Tanh {
    const KIND: LayerKind = LayerKind::Tanh;
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl Module for Tanh {
    fn kind(&self) -> LayerKind {
        LayerKind::Tanh
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl Forward for Tanh {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || Ok(activation::tanh(input)))
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl Features for Tanh {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}
