//! [`AdaptiveAvgPool2d`]: averages over bins sized to give a fixed output size.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::kernels::pool;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::{LayerSpec, ParamTable};

/// PyTorch's `nn.AdaptiveAvgPool2d((OH, OW))`: whatever the input's `H × W`, the output is
/// `OH × OW`, output row `i` averaging input rows `⌊i·H/OH⌋ .. ⌈(i+1)·H/OH⌉` (PyTorch's bins,
/// which overlap when `OH` does not divide `H`), and likewise for columns.
///
/// A unit struct with no parameters and no buffers: write `AdaptiveAvgPool2d::<OH, OW>`
/// (or use [`new`](AdaptiveAvgPool2d::new) / `Default`); there is nothing to initialize.
/// The input is `[N, C, H, W]` or `[C, H, W]`; another rank, or a zero channel or spatial
/// size, is an error. `OH = 0` or `OW = 0` gives an empty output.
///
/// ```
/// use init_core::{AdaptiveAvgPool2d, Forward, Sequential};
/// use ndarray::ArrayD;
///
/// // Global average pooling, as at the end of a ResNet:
/// let gap = AdaptiveAvgPool2d::<1, 1>;
/// let x = ArrayD::from_shape_vec(vec![1, 1, 2, 2], vec![1.0, 2.0, 3.0, 6.0]).unwrap();
/// assert_eq!(gap.forward(x.view())?.as_slice().unwrap(), &[3.0]);
///
/// let head = Sequential::new().push(AdaptiveAvgPool2d::<3, 2>);
/// assert_eq!(head.forward(ArrayD::zeros(vec![2, 4, 7, 5]).view())?.shape(), &[2, 4, 3, 2]);
///
/// let err = gap.forward(ArrayD::zeros(vec![2, 0, 7, 5]).view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "AdaptiveAvgPool2d: input of shape [2, 0, 7, 5] must have non-zero channel, height and width sizes"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AdaptiveAvgPool2d<const OH: usize, const OW: usize>;

impl<const OH: usize, const OW: usize> AdaptiveAvgPool2d<OH, OW> {
    /// The layer (the same as the unit value `AdaptiveAvgPool2d::<OH, OW>`).
    pub const fn new() -> Self {
        AdaptiveAvgPool2d
    }
}

impl<const OH: usize, const OW: usize> Zeroed for AdaptiveAvgPool2d<OH, OW> {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self
    }
}

impl<const OH: usize, const OW: usize> LayerSpec for AdaptiveAvgPool2d<OH, OW> {
    const KIND: LayerKind = LayerKind::AdaptiveAvgPool2d;
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl<const OH: usize, const OW: usize> Module for AdaptiveAvgPool2d<OH, OW> {
    fn kind(&self) -> LayerKind {
        LayerKind::AdaptiveAvgPool2d
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl<const OH: usize, const OW: usize> Forward for AdaptiveAvgPool2d<OH, OW> {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || pool::adaptive_avg_pool("AdaptiveAvgPool2d", input, &[OH, OW]))
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const OH: usize, const OW: usize> Features for AdaptiveAvgPool2d<OH, OW> {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}
