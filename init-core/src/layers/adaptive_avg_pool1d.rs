//! [`AdaptiveAvgPool1d`]: averages over bins sized to give a fixed output length.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::kernels::pool;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::{LayerSpec, ParamTable};

/// PyTorch's `nn.AdaptiveAvgPool1d(OL)`: whatever the input's length `L`, the output has
/// `OL` positions, position `i` averaging inputs `⌊i·L/OL⌋ .. ⌈(i+1)·L/OL⌉` (PyTorch's bins,
/// which overlap when `OL` does not divide `L`).
///
/// A unit struct with no parameters and no buffers. The input is `[N, C, L]` or `[C, L]`;
/// another rank, or a zero channel count or length, is an error. `OL = 0` gives an empty
/// output.
///
/// ```
/// use init_core::{AdaptiveAvgPool1d, Forward};
/// use ndarray::ArrayD;
///
/// let x = ArrayD::from_shape_vec(vec![1, 1, 5], vec![0.0, 1.0, 2.0, 3.0, 4.0]).unwrap();
/// // Bins [0, 3) and [2, 5).
/// assert_eq!(AdaptiveAvgPool1d::<2>.forward(x.view())?.as_slice().unwrap(), &[1.0, 3.0]);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AdaptiveAvgPool1d<const OL: usize>;

impl<const OL: usize> AdaptiveAvgPool1d<OL> {
    /// The layer (the same as the unit value `AdaptiveAvgPool1d::<OL>`).
    pub const fn new() -> Self {
        AdaptiveAvgPool1d
    }
}

impl<const OL: usize> Zeroed for AdaptiveAvgPool1d<OL> {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self
    }
}

impl<const OL: usize> LayerSpec for AdaptiveAvgPool1d<OL> {
    const KIND: LayerKind = LayerKind::AdaptiveAvgPool1d;
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl<const OL: usize> Module for AdaptiveAvgPool1d<OL> {
    fn kind(&self) -> LayerKind {
        LayerKind::AdaptiveAvgPool1d
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl<const OL: usize> Forward for AdaptiveAvgPool1d<OL> {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || pool::adaptive_avg_pool("AdaptiveAvgPool1d", input, &[OL]))
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const OL: usize> Features for AdaptiveAvgPool1d<OL> {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}
