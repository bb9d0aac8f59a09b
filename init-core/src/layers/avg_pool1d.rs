//! [`AvgPool1d`]: the mean over each window of a 1-D input.

use ndarray::{ArrayD, ArrayViewD};

use super::pool_config::pool_configure;
use crate::error::Result;
use crate::kernels::pool::{self, PoolMode, Window};
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable};

/// PyTorch's `nn.AvgPool1d(K, stride=STRIDE, padding=PAD)`, `STRIDE` defaulting to `K` as in
/// PyTorch.
///
/// No parameters and no buffers. The input is `[N, C, L]` or `[C, L]`; the output has
/// `⌊(L + 2·PAD − K) / STRIDE⌋ + 1` positions. Settings, PyTorch's keywords:
/// [`with_count_include_pad`](AvgPool1d::with_count_include_pad) (default `true`: every
/// window is divided by the taps inside the padded input, `K` except for a `ceil_mode`
/// window overhanging it; `false`: by the taps inside the input) and
/// [`with_ceil_mode`](AvgPool1d::with_ceil_mode) (round the output length up, keeping a last
/// window only if it starts inside the input or its left padding).
///
/// `K = 0`, `STRIDE = 0` and `PAD > K / 2` do not compile.
///
/// ```
/// use init_core::{AvgPool1d, Forward};
/// use ndarray::ArrayD;
///
/// let x = ArrayD::from_shape_vec(vec![1, 1, 4], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
/// let pool = AvgPool1d::<3, 2, 1>::new(); // windows [pad, 1, 2] and [2, 3, 4]
/// assert_eq!(pool.forward(x.view())?.as_slice().unwrap(), &[1.0, 3.0]);
/// let pool = pool.with_count_include_pad(false);
/// assert_eq!(pool.forward(x.view())?.as_slice().unwrap(), &[1.5, 3.0]);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AvgPool1d<const K: usize, const STRIDE: usize = K, const PAD: usize = 0> {
    mode: PoolMode,
}

impl<const K: usize, const STRIDE: usize, const PAD: usize> AvgPool1d<K, STRIDE, PAD> {
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    const WINDOW: Window = Window { kernel: K, stride: STRIDE, pad: PAD, dilation: 1 };

    /// The layer with PyTorch's defaults: `count_include_pad = true`, `ceil_mode = false`.
    pub const fn new() -> Self {
        let () = Self::CHECK;
        let mode = PoolMode { ceil_mode: false, count_include_pad: true, divisor_override: None };
        AvgPool1d { mode }
    }

    /// The same layer with PyTorch's `count_include_pad`: whether padded positions count in
    /// the divisor.
    #[must_use]
    pub const fn with_count_include_pad(mut self, count_include_pad: bool) -> Self {
        self.mode.count_include_pad = count_include_pad;
        self
    }

    /// The same layer with PyTorch's `ceil_mode`: round the output length up.
    #[must_use]
    pub const fn with_ceil_mode(mut self, ceil_mode: bool) -> Self {
        self.mode.ceil_mode = ceil_mode;
        self
    }

    /// Whether padded positions count in the divisor.
    pub const fn count_include_pad(&self) -> bool {
        self.mode.count_include_pad
    }

    /// Whether the output length is rounded up.
    pub const fn ceil_mode(&self) -> bool {
        self.mode.ceil_mode
    }
}

impl<const K: usize, const STRIDE: usize, const PAD: usize> Default for AvgPool1d<K, STRIDE, PAD> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const K: usize, const STRIDE: usize, const PAD: usize> Zeroed for AvgPool1d<K, STRIDE, PAD> {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self::new()
    }
}

pool_configure!(avg1 for AvgPool1d<K, STRIDE, PAD>);

impl<const K: usize, const STRIDE: usize, const PAD: usize> LayerSpec
    for AvgPool1d<K, STRIDE, PAD>
{
    const KIND: LayerKind = LayerKind::AvgPool1d;
    const CONFIG: Msg = Rules::new("AvgPool1d")
        .positive("kernel_size", K)
        .positive("stride", STRIDE)
        .at_most_half(("padding", PAD), ("kernel_size", K))
        .verdict();
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl<const K: usize, const STRIDE: usize, const PAD: usize> Module for AvgPool1d<K, STRIDE, PAD> {
    fn kind(&self) -> LayerKind {
        LayerKind::AvgPool1d
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl<const K: usize, const STRIDE: usize, const PAD: usize> Forward for AvgPool1d<K, STRIDE, PAD> {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let () = Self::CHECK;
            pool::avg_pool("AvgPool1d", input, &[Self::WINDOW], self.mode)
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const K: usize, const STRIDE: usize, const PAD: usize> Features for AvgPool1d<K, STRIDE, PAD> {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}
