//! [`MaxPool2d`]: the maximum over each window of a 2-D input.

use ndarray::{ArrayD, ArrayViewD};

use super::pool_config::pool_configure;
use crate::error::Result;
use crate::kernels::pool::{self, Window};
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable};

/// PyTorch's `nn.MaxPool2d(K, stride=STRIDE, padding=PAD, dilation=DIL)`: square windows,
/// `STRIDE` defaulting to `K` as in PyTorch.
///
/// No parameters and no buffers: build it with [`MaxPool2d::new`] (or `Default`); there is
/// nothing to initialize. The input is `[N, C, H, W]` or `[C, H, W]`; each output axis has
/// `⌊(H + 2·PAD − DIL·(K − 1) − 1) / STRIDE⌋ + 1` positions, or with
/// [`with_ceil_mode(true)`](MaxPool2d::with_ceil_mode) (PyTorch's `ceil_mode`) the ceiling, a
/// last window being kept only if it starts inside the input or its left padding. Padding is −∞ (it never wins),
/// and a window holding a NaN gives NaN, as PyTorch. An input of another rank, with a zero
/// channel or spatial size, or smaller than the dilated kernel is an error.
///
/// These configurations do not compile (reported by `cargo build`; `cargo check` reports them
/// on the field of a `#[derive(Module)]` struct): `K = 0`, `STRIDE = 0`, `DIL = 0`, and `PAD > K / 2` (PyTorch's "pad should
/// be at most half of kernel size").
///
/// ```
/// use init_core::{Forward, MaxPool2d, Module, Sequential};
/// use ndarray::ArrayD;
///
/// let pool = MaxPool2d::<2>::new(); // kernel 2, stride 2
/// let x = ArrayD::from_shape_vec(vec![1, 1, 2, 4], (0..8).map(|v| v as f32).collect()).unwrap();
/// let y = pool.forward(x.view())?;
/// assert_eq!(y.shape(), &[1, 1, 1, 2]);
/// assert_eq!(y.as_slice().unwrap(), &[5.0, 7.0]);
/// assert!(pool.named_parameters().is_empty());
///
/// // kernel 3, stride 2, padding 1, as ResNet's stem
/// let stem = Sequential::new().push(MaxPool2d::<3, 2, 1>::new());
/// assert_eq!(stem.forward(ArrayD::zeros(vec![2, 8, 16, 16]).view())?.shape(), &[2, 8, 8, 8]);
///
/// let err = pool.forward(ArrayD::zeros(vec![4, 4]).view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "MaxPool2d: input of shape [4, 4] must have 3 or 4 dimensions ([C, H, W] or [N, C, H, W])"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
///
/// A padding above half the kernel does not compile:
///
/// ```compile_fail
/// let pool = init_core::MaxPool2d::<3, 1, 2>::new(); // PAD = 2 > 3 / 2
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MaxPool2d<
    const K: usize,
    const STRIDE: usize = K,
    const PAD: usize = 0,
    const DIL: usize = 1,
> {
    ceil_mode: bool,
}

impl<const K: usize, const STRIDE: usize, const PAD: usize, const DIL: usize>
    MaxPool2d<K, STRIDE, PAD, DIL>
{
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    const WINDOW: Window = Window { kernel: K, stride: STRIDE, pad: PAD, dilation: DIL };

    /// The layer with `ceil_mode = false` (it has no parameters, so there is no
    /// `zeroed`/initialized distinction).
    pub const fn new() -> Self {
        let () = Self::CHECK;
        MaxPool2d { ceil_mode: false }
    }

    /// The same layer with PyTorch's `ceil_mode`: round each output size up.
    #[must_use]
    pub const fn with_ceil_mode(mut self, ceil_mode: bool) -> Self {
        self.ceil_mode = ceil_mode;
        self
    }

    /// Whether the output sizes are rounded up.
    pub const fn ceil_mode(&self) -> bool {
        self.ceil_mode
    }
}

impl<const K: usize, const STRIDE: usize, const PAD: usize, const DIL: usize> Default
    for MaxPool2d<K, STRIDE, PAD, DIL>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const K: usize, const STRIDE: usize, const PAD: usize, const DIL: usize> Zeroed
    for MaxPool2d<K, STRIDE, PAD, DIL>
{
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self::default()
    }
}

pool_configure!(max for MaxPool2d<K, STRIDE, PAD, DIL>);

impl<const K: usize, const STRIDE: usize, const PAD: usize, const DIL: usize> LayerSpec
    for MaxPool2d<K, STRIDE, PAD, DIL>
{
    const KIND: LayerKind = LayerKind::MaxPool2d;
    const CONFIG: Msg = Rules::new("MaxPool2d")
        .positive("kernel_size", K)
        .positive("stride", STRIDE)
        .positive("dilation", DIL)
        .at_most_half(("padding", PAD), ("kernel_size", K))
        .verdict();
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl<const K: usize, const STRIDE: usize, const PAD: usize, const DIL: usize> Module
    for MaxPool2d<K, STRIDE, PAD, DIL>
{
    fn kind(&self) -> LayerKind {
        LayerKind::MaxPool2d
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl<const K: usize, const STRIDE: usize, const PAD: usize, const DIL: usize> Forward
    for MaxPool2d<K, STRIDE, PAD, DIL>
{
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let () = Self::CHECK;
            pool::max_pool("MaxPool2d", input, &[Self::WINDOW; 2], self.ceil_mode)
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const K: usize, const STRIDE: usize, const PAD: usize, const DIL: usize> Features
    for MaxPool2d<K, STRIDE, PAD, DIL>
{
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}
