//! [`SiLU`]: `x · σ(x)`.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::kernels::activation;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::{LayerSpec, ParamTable};

/// PyTorch's `nn.SiLU()` (swish): `x · σ(x) = x / (1 + e⁻ˣ)` elementwise, on any shape.
///
/// A unit struct with no parameters and no buffers: write `SiLU` (or use
/// [`new`](SiLU::new) / `Default`); there is nothing to initialize.
///
/// ```
/// use init_core::{Forward, SiLU};
/// use ndarray::array;
///
/// let y = SiLU.forward(array![0.0f32, 1.0].into_dyn().view())?;
/// assert_eq!(y[0], 0.0);
/// assert!((y[1] - 1.0 / (1.0 + (-1.0f32).exp())).abs() < 1e-7);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SiLU;

impl SiLU {
    /// The layer (the same as the unit value `SiLU`).
    pub const fn new() -> Self {
        SiLU
    }
}

impl Zeroed for SiLU {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self
    }
}

impl LayerSpec for SiLU {
    const KIND: LayerKind = LayerKind::SiLU;
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl Module for SiLU {
    fn kind(&self) -> LayerKind {
        LayerKind::SiLU
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl Forward for SiLU {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || Ok(activation::silu(input)))
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl Features for SiLU {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}
