//! [`AvgPool2d`]: the mean over each window of a 2-D input.

use ndarray::{ArrayD, ArrayViewD};

use super::pool_config::pool_configure;
use crate::error::Result;
use crate::kernels::pool::{self, PoolMode, Window};
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable, settings};

/// PyTorch's `nn.AvgPool2d(K, stride=STRIDE, padding=PAD)`: square windows, `STRIDE`
/// defaulting to `K` as in PyTorch.
///
/// No parameters and no buffers: build it with [`AvgPool2d::new`] (or `Default`); there is
/// nothing to initialize. `count_include_pad` is `true` by default, as PyTorch: every window
/// is divided by `K²` (fewer for a `ceil_mode` window overhanging the padded input),
/// padding counted as zeros; [`with_count_include_pad(false)`](AvgPool2d::with_count_include_pad)
/// divides by the number of input elements in the
/// window instead. The input is `[N, C, H, W]` or `[C, H, W]`; each output axis has
/// `⌊(H + 2·PAD − K) / STRIDE⌋ + 1` positions; [`with_ceil_mode`](AvgPool2d::with_ceil_mode)
/// and [`with_divisor_override`](AvgPool2d::with_divisor_override) are PyTorch's `ceil_mode`
/// and `divisor_override`. An input of another rank, with a zero channel
/// or spatial size, or smaller than the kernel is an error.
///
/// These configurations do not compile (reported by `cargo build`; `cargo check` reports them
/// on the field of a `#[derive(Module)]` struct): `K = 0`, `STRIDE = 0`, and `PAD > K / 2` (PyTorch's "pad should be smaller
/// than or equal to half of kernel size").
///
/// ```
/// use init_core::{AvgPool2d, Forward};
/// use ndarray::ArrayD;
///
/// let x = ArrayD::from_shape_vec(vec![1, 3, 3], (0..9).map(|v| v as f32).collect()).unwrap();
/// // kernel 3, stride 2, padding 1: the top-left window holds 0, 1, 3, 4 and five zeros.
/// let pool = AvgPool2d::<3, 2, 1>::new();
/// assert!(pool.count_include_pad());
/// let y = pool.forward(x.view())?;
/// assert_eq!(y.shape(), &[1, 2, 2]);
/// assert_eq!(y[[0, 0, 0]], 8.0 / 9.0);
/// let y = pool.with_count_include_pad(false).forward(x.view())?;
/// assert_eq!(y[[0, 0, 0]], 2.0);
///
/// let err = AvgPool2d::<3>::new().forward(ArrayD::zeros(vec![1, 1, 2, 5]).view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "AvgPool2d: input of shape [1, 1, 2, 5] is too small: padded height 2 is less than the kernel's extent 3"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AvgPool2d<const K: usize, const STRIDE: usize = K, const PAD: usize = 0> {
    mode: PoolMode,
}

impl<const K: usize, const STRIDE: usize, const PAD: usize> AvgPool2d<K, STRIDE, PAD> {
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    const WINDOW: Window = Window { kernel: K, stride: STRIDE, pad: PAD, dilation: 1 };

    /// The layer with `count_include_pad = true` (it has no parameters, so there is no
    /// `zeroed`/initialized distinction).
    pub const fn new() -> Self {
        let () = Self::CHECK;
        let mode = PoolMode { ceil_mode: false, count_include_pad: true, divisor_override: None };
        AvgPool2d { mode }
    }

    /// The same layer with `count_include_pad` set: whether padded positions count in the
    /// divisor (`true`: always `K²`) or not (the number of input elements in the window).
    #[must_use]
    pub const fn with_count_include_pad(mut self, count_include_pad: bool) -> Self {
        self.mode.count_include_pad = count_include_pad;
        self
    }

    /// The same layer with PyTorch's `ceil_mode`: round each output size up.
    #[must_use]
    pub const fn with_ceil_mode(mut self, ceil_mode: bool) -> Self {
        self.mode.ceil_mode = ceil_mode;
        self
    }

    /// The same layer with PyTorch's `divisor_override`: `Some(d)` divides every window's sum
    /// by `d`. Error: `Some(0)`.
    pub fn with_divisor_override(mut self, divisor_override: Option<usize>) -> Result<Self> {
        let verdict = settings::divisor_override(divisor_override);
        settings::check("AvgPool2d", verdict, divisor_override)?;
        self.mode.divisor_override = divisor_override;
        Ok(self)
    }

    /// Whether padded positions count in the divisor.
    pub const fn count_include_pad(&self) -> bool {
        self.mode.count_include_pad
    }

    /// Whether the output sizes are rounded up.
    pub const fn ceil_mode(&self) -> bool {
        self.mode.ceil_mode
    }

    /// The fixed divisor, if any.
    pub const fn divisor_override(&self) -> Option<usize> {
        self.mode.divisor_override
    }
}

impl<const K: usize, const STRIDE: usize, const PAD: usize> Default for AvgPool2d<K, STRIDE, PAD> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const K: usize, const STRIDE: usize, const PAD: usize> Zeroed for AvgPool2d<K, STRIDE, PAD> {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self::default()
    }
}

pool_configure!(avg for AvgPool2d<K, STRIDE, PAD>);

impl<const K: usize, const STRIDE: usize, const PAD: usize> LayerSpec
    for AvgPool2d<K, STRIDE, PAD>
{
    const KIND: LayerKind = LayerKind::AvgPool2d;
    const CONFIG: Msg = Rules::new("AvgPool2d")
        .positive("kernel_size", K)
        .positive("stride", STRIDE)
        .at_most_half(("padding", PAD), ("kernel_size", K))
        .verdict();
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl<const K: usize, const STRIDE: usize, const PAD: usize> Module for AvgPool2d<K, STRIDE, PAD> {
    fn kind(&self) -> LayerKind {
        LayerKind::AvgPool2d
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl<const K: usize, const STRIDE: usize, const PAD: usize> Forward for AvgPool2d<K, STRIDE, PAD> {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let () = Self::CHECK;
            pool::avg_pool("AvgPool2d", input, &[Self::WINDOW; 2], self.mode)
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const K: usize, const STRIDE: usize, const PAD: usize> Features for AvgPool2d<K, STRIDE, PAD> {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}
