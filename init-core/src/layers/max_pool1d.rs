//! [`MaxPool1d`]: the maximum over each window of a 1-D input.

use ndarray::{ArrayD, ArrayViewD};

use super::pool_config::pool_configure;
use crate::error::Result;
use crate::kernels::pool::{self, Window};
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable};

/// PyTorch's `nn.MaxPool1d(K, stride=STRIDE, padding=PAD, dilation=DIL)`, `STRIDE`
/// defaulting to `K` as in PyTorch.
///
/// No parameters and no buffers. The input is `[N, C, L]` or `[C, L]`; the output has
/// `⌊(L + 2·PAD − DIL·(K − 1) − 1) / STRIDE⌋ + 1` positions, or with
/// [`with_ceil_mode(true)`](MaxPool1d::with_ceil_mode) (PyTorch's `ceil_mode`) the ceiling, a
/// last window being kept only if it starts inside the input or its left padding. Padding is
/// −∞ (it never wins), and a window holding a NaN gives NaN, as PyTorch. An input of another
/// rank, with a zero channel or length, or shorter than the dilated kernel is an error.
/// `return_indices` is not provided.
///
/// `K = 0`, `STRIDE = 0`, `DIL = 0` and `PAD > K / 2` do not compile.
///
/// ```
/// use init_core::{Forward, MaxPool1d};
/// use ndarray::ArrayD;
///
/// let x = ArrayD::from_shape_vec(vec![1, 5], vec![3.0, 1.0, 4.0, 1.0, 5.0]).unwrap();
/// let pool = MaxPool1d::<2>::new();
/// assert_eq!(pool.forward(x.view())?.as_slice().unwrap(), &[3.0, 4.0]);
/// let ceil = pool.with_ceil_mode(true);
/// assert_eq!(ceil.forward(x.view())?.as_slice().unwrap(), &[3.0, 4.0, 5.0]);
/// let err = pool.forward(ArrayD::zeros(vec![5]).view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "MaxPool1d: input of shape [5] must have 2 or 3 dimensions ([C, L] or [N, C, L])"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MaxPool1d<
    const K: usize,
    const STRIDE: usize = K,
    const PAD: usize = 0,
    const DIL: usize = 1,
> {
    ceil_mode: bool,
}

impl<const K: usize, const STRIDE: usize, const PAD: usize, const DIL: usize>
    MaxPool1d<K, STRIDE, PAD, DIL>
{
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    const WINDOW: Window = Window { kernel: K, stride: STRIDE, pad: PAD, dilation: DIL };

    /// The layer with `ceil_mode = false`.
    pub const fn new() -> Self {
        let () = Self::CHECK;
        MaxPool1d { ceil_mode: false }
    }

    /// The same layer with PyTorch's `ceil_mode`: round the output length up.
    #[must_use]
    pub const fn with_ceil_mode(mut self, ceil_mode: bool) -> Self {
        self.ceil_mode = ceil_mode;
        self
    }

    /// Whether the output length is rounded up.
    pub const fn ceil_mode(&self) -> bool {
        self.ceil_mode
    }
}

impl<const K: usize, const STRIDE: usize, const PAD: usize, const DIL: usize> Default
    for MaxPool1d<K, STRIDE, PAD, DIL>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const K: usize, const STRIDE: usize, const PAD: usize, const DIL: usize> Zeroed
    for MaxPool1d<K, STRIDE, PAD, DIL>
{
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self::new()
    }
}

pool_configure!(max for MaxPool1d<K, STRIDE, PAD, DIL>);

impl<const K: usize, const STRIDE: usize, const PAD: usize, const DIL: usize> LayerSpec
    for MaxPool1d<K, STRIDE, PAD, DIL>
{
    const KIND: LayerKind = LayerKind::MaxPool1d;
    const CONFIG: Msg = Rules::new("MaxPool1d")
        .positive("kernel_size", K)
        .positive("stride", STRIDE)
        .positive("dilation", DIL)
        .at_most_half(("padding", PAD), ("kernel_size", K))
        .verdict();
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl<const K: usize, const STRIDE: usize, const PAD: usize, const DIL: usize> Module
    for MaxPool1d<K, STRIDE, PAD, DIL>
{
    fn kind(&self) -> LayerKind {
        LayerKind::MaxPool1d
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl<const K: usize, const STRIDE: usize, const PAD: usize, const DIL: usize> Forward
    for MaxPool1d<K, STRIDE, PAD, DIL>
{
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let () = Self::CHECK;
            pool::max_pool("MaxPool1d", input, &[Self::WINDOW], self.ceil_mode)
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const K: usize, const STRIDE: usize, const PAD: usize, const DIL: usize> Features
    for MaxPool1d<K, STRIDE, PAD, DIL>
{
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}
