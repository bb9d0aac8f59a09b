//! [`AvgPool3d`]: the mean over each window of a 3-D input.

use ndarray::{ArrayD, ArrayViewD};

use super::pool_config::pool_configure;
use crate::error::Result;
use crate::kernels::pool::{self, PoolMode, Window};
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable, settings};

/// PyTorch's `nn.AvgPool3d(kernel_size, stride, padding)`, one window per spatial axis.
///
/// The const parameters are the depth axis's window `<K, STRIDE, PAD>` (the order of
/// [`AvgPool2d`](crate::AvgPool2d)), then the height axis's, then the width axis's; each
/// value of an axis defaults to the same value of the previous axis, and the depth stride to
/// the depth kernel: `nn.AvgPool3d(3, stride=2, padding=1)` is `AvgPool3d<3, 2, 1>`,
/// `nn.AvgPool3d((1, 2, 2))` is `AvgPool3d<1, 1, 0, 2, 2>` (the height stride repeats the
/// depth stride, not the height kernel, so it is written).
///
/// No parameters and no buffers. The input is `[N, C, D, H, W]` or `[C, D, H, W]`. Settings,
/// PyTorch's keywords: [`with_count_include_pad`](AvgPool3d::with_count_include_pad)
/// (default `true`: divide by the taps inside the padded input; `false`: by those inside the
/// input), [`with_ceil_mode`](AvgPool3d::with_ceil_mode) (round each output size up) and
/// [`with_divisor_override`](AvgPool3d::with_divisor_override) (divide every window by a
/// fixed value). A window with no tap inside the input gives 0, as PyTorch.
///
/// On any axis, a zero kernel or stride, or a padding above half the kernel, does not
/// compile.
///
/// ```
/// use init_core::{AvgPool3d, Forward};
/// use ndarray::ArrayD;
///
/// let x = ArrayD::from_shape_fn(vec![1, 2, 2, 2], |i| (i[1] * 4 + i[2] * 2 + i[3]) as f32);
/// assert_eq!(AvgPool3d::<2>::new().forward(x.view())?.as_slice().unwrap(), &[3.5]);
/// let sum = AvgPool3d::<2>::new().with_divisor_override(Some(1))?;
/// assert_eq!(sum.forward(x.view())?.as_slice().unwrap(), &[28.0]);
/// let err = AvgPool3d::<2>::new().with_divisor_override(Some(0)).unwrap_err();
/// assert_eq!(err.to_string(), "AvgPool3d: divisor_override must be > 0, got Some(0)");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AvgPool3d<
    const KD: usize,
    const SD: usize = KD,
    const PD: usize = 0,
    const KH: usize = KD,
    const SH: usize = SD,
    const PH: usize = PD,
    const KW: usize = KH,
    const SW: usize = SH,
    const PW: usize = PH,
> {
    mode: PoolMode,
}

impl<
    const KD: usize,
    const SD: usize,
    const PD: usize,
    const KH: usize,
    const SH: usize,
    const PH: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
> AvgPool3d<KD, SD, PD, KH, SH, PH, KW, SW, PW>
{
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    const WINDOWS: [Window; 3] = [
        Window { kernel: KD, stride: SD, pad: PD, dilation: 1 },
        Window { kernel: KH, stride: SH, pad: PH, dilation: 1 },
        Window { kernel: KW, stride: SW, pad: PW, dilation: 1 },
    ];

    /// The layer with PyTorch's defaults: `count_include_pad = true`, `ceil_mode = false`,
    /// no `divisor_override`.
    pub const fn new() -> Self {
        let () = Self::CHECK;
        let mode = PoolMode { ceil_mode: false, count_include_pad: true, divisor_override: None };
        AvgPool3d { mode }
    }

    /// The same layer with PyTorch's `count_include_pad`.
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
        settings::check("AvgPool3d", verdict, divisor_override)?;
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

impl<
    const KD: usize,
    const SD: usize,
    const PD: usize,
    const KH: usize,
    const SH: usize,
    const PH: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
> Default for AvgPool3d<KD, SD, PD, KH, SH, PH, KW, SW, PW>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<
    const KD: usize,
    const SD: usize,
    const PD: usize,
    const KH: usize,
    const SH: usize,
    const PH: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
> Zeroed for AvgPool3d<KD, SD, PD, KH, SH, PH, KW, SW, PW>
{
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self::new()
    }
}

pool_configure!(avg for AvgPool3d<KD, SD, PD, KH, SH, PH, KW, SW, PW>);

impl<
    const KD: usize,
    const SD: usize,
    const PD: usize,
    const KH: usize,
    const SH: usize,
    const PH: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
> LayerSpec for AvgPool3d<KD, SD, PD, KH, SH, PH, KW, SW, PW>
{
    const KIND: LayerKind = LayerKind::AvgPool3d;
    const CONFIG: Msg = Rules::new("AvgPool3d")
        .positive("kernel_size (depth)", KD)
        .positive("kernel_size (height)", KH)
        .positive("kernel_size (width)", KW)
        .positive("stride (depth)", SD)
        .positive("stride (height)", SH)
        .positive("stride (width)", SW)
        .at_most_half(("padding (depth)", PD), ("kernel_size (depth)", KD))
        .at_most_half(("padding (height)", PH), ("kernel_size (height)", KH))
        .at_most_half(("padding (width)", PW), ("kernel_size (width)", KW))
        .verdict();
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl<
    const KD: usize,
    const SD: usize,
    const PD: usize,
    const KH: usize,
    const SH: usize,
    const PH: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
> Module for AvgPool3d<KD, SD, PD, KH, SH, PH, KW, SW, PW>
{
    fn kind(&self) -> LayerKind {
        LayerKind::AvgPool3d
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl<
    const KD: usize,
    const SD: usize,
    const PD: usize,
    const KH: usize,
    const SH: usize,
    const PH: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
> Forward for AvgPool3d<KD, SD, PD, KH, SH, PH, KW, SW, PW>
{
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let () = Self::CHECK;
            pool::avg_pool("AvgPool3d", input, &Self::WINDOWS, self.mode)
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<
    const KD: usize,
    const SD: usize,
    const PD: usize,
    const KH: usize,
    const SH: usize,
    const PH: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
> Features for AvgPool3d<KD, SD, PD, KH, SH, PH, KW, SW, PW>
{
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}
