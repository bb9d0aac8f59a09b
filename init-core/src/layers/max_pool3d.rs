//! [`MaxPool3d`]: the maximum over each window of a 3-D input.

use ndarray::{ArrayD, ArrayViewD};

use super::pool_config::pool_configure;
use crate::error::Result;
use crate::kernels::pool::{self, Window};
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable};

/// PyTorch's `nn.MaxPool3d(kernel_size, stride, padding, dilation)`, one window per spatial
/// axis.
///
/// The const parameters are the depth axis's window `<K, STRIDE, PAD, DIL>` (the order of
/// [`MaxPool2d`](crate::MaxPool2d)), then the height axis's, then the width axis's; each
/// value of an axis defaults to the same value of the previous axis (the height stride to
/// the depth stride, not to the height kernel), and the depth stride to the depth kernel, so
/// the cubic windows PyTorch writes with integers read as in 2-D:
///
/// | PyTorch | here |
/// |---|---|
/// | `nn.MaxPool3d(2)` | `MaxPool3d<2>` |
/// | `nn.MaxPool3d(3, stride=2, padding=1)` | `MaxPool3d<3, 2, 1>` |
/// | `nn.MaxPool3d((1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))` | `MaxPool3d<1, 1, 0, 1, 3, 2, 1>` |
/// | `nn.MaxPool3d((1, 2, 2))` | `MaxPool3d<1, 1, 0, 1, 2, 2>` |
///
/// No parameters and no buffers. The input is `[N, C, D, H, W]` or `[C, D, H, W]`; each
/// output axis has `⌊(len + 2·PAD − DIL·(K − 1) − 1) / STRIDE⌋ + 1` positions, or with
/// [`with_ceil_mode(true)`](MaxPool3d::with_ceil_mode) the ceiling (a last window kept only if
/// it starts inside the input or its left padding). Padding never wins and NaN propagates,
/// as PyTorch. An input of another rank, with a zero channel or spatial size, or smaller
/// than a dilated kernel is an error. `return_indices` is not provided.
///
/// On any axis, a zero kernel, stride or dilation, or a padding above half the kernel, does
/// not compile.
///
/// ```
/// use init_core::{Forward, MaxPool3d};
/// use ndarray::ArrayD;
///
/// let x = ArrayD::from_shape_fn(vec![1, 1, 2, 4, 4], |i| (i[2] * 16 + i[3] * 4 + i[4]) as f32);
/// // Video-style stem: kernel (1, 3, 3), stride (1, 2, 2), padding (0, 1, 1).
/// let stem = MaxPool3d::<1, 1, 0, 1, 3, 2, 1>::new();
/// let y = stem.forward(x.view())?;
/// assert_eq!(y.shape(), &[1, 1, 2, 2, 2]);
/// assert_eq!(y.as_slice().unwrap(), &[5.0, 7.0, 13.0, 15.0, 21.0, 23.0, 29.0, 31.0]);
/// assert_eq!(MaxPool3d::<2>::new().forward(x.view())?.as_slice().unwrap(), &[21.0, 23.0, 29.0, 31.0]);
/// # Ok::<(), init_core::InitError>(())
/// ```
///
/// ```compile_fail
/// let pool = init_core::MaxPool3d::<1, 1, 1>::new(); // depth padding 1 > 1 / 2
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MaxPool3d<
    const KD: usize,
    const SD: usize = KD,
    const PD: usize = 0,
    const DD: usize = 1,
    const KH: usize = KD,
    const SH: usize = SD,
    const PH: usize = PD,
    const DH: usize = DD,
    const KW: usize = KH,
    const SW: usize = SH,
    const PW: usize = PH,
    const DW: usize = DH,
> {
    ceil_mode: bool,
}

impl<
    const KD: usize,
    const SD: usize,
    const PD: usize,
    const DD: usize,
    const KH: usize,
    const SH: usize,
    const PH: usize,
    const DH: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
    const DW: usize,
> MaxPool3d<KD, SD, PD, DD, KH, SH, PH, DH, KW, SW, PW, DW>
{
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    const WINDOWS: [Window; 3] = [
        Window { kernel: KD, stride: SD, pad: PD, dilation: DD },
        Window { kernel: KH, stride: SH, pad: PH, dilation: DH },
        Window { kernel: KW, stride: SW, pad: PW, dilation: DW },
    ];

    /// The layer with `ceil_mode = false`.
    pub const fn new() -> Self {
        let () = Self::CHECK;
        MaxPool3d { ceil_mode: false }
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

impl<
    const KD: usize,
    const SD: usize,
    const PD: usize,
    const DD: usize,
    const KH: usize,
    const SH: usize,
    const PH: usize,
    const DH: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
    const DW: usize,
> Default for MaxPool3d<KD, SD, PD, DD, KH, SH, PH, DH, KW, SW, PW, DW>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<
    const KD: usize,
    const SD: usize,
    const PD: usize,
    const DD: usize,
    const KH: usize,
    const SH: usize,
    const PH: usize,
    const DH: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
    const DW: usize,
> Zeroed for MaxPool3d<KD, SD, PD, DD, KH, SH, PH, DH, KW, SW, PW, DW>
{
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self::new()
    }
}

pool_configure!(max for MaxPool3d<KD, SD, PD, DD, KH, SH, PH, DH, KW, SW, PW, DW>);

impl<
    const KD: usize,
    const SD: usize,
    const PD: usize,
    const DD: usize,
    const KH: usize,
    const SH: usize,
    const PH: usize,
    const DH: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
    const DW: usize,
> LayerSpec for MaxPool3d<KD, SD, PD, DD, KH, SH, PH, DH, KW, SW, PW, DW>
{
    const KIND: LayerKind = LayerKind::MaxPool3d;
    const CONFIG: Msg = Rules::new("MaxPool3d")
        .positive("kernel_size (depth)", KD)
        .positive("kernel_size (height)", KH)
        .positive("kernel_size (width)", KW)
        .positive("stride (depth)", SD)
        .positive("stride (height)", SH)
        .positive("stride (width)", SW)
        .positive("dilation (depth)", DD)
        .positive("dilation (height)", DH)
        .positive("dilation (width)", DW)
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
    const DD: usize,
    const KH: usize,
    const SH: usize,
    const PH: usize,
    const DH: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
    const DW: usize,
> Module for MaxPool3d<KD, SD, PD, DD, KH, SH, PH, DH, KW, SW, PW, DW>
{
    fn kind(&self) -> LayerKind {
        LayerKind::MaxPool3d
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl<
    const KD: usize,
    const SD: usize,
    const PD: usize,
    const DD: usize,
    const KH: usize,
    const SH: usize,
    const PH: usize,
    const DH: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
    const DW: usize,
> Forward for MaxPool3d<KD, SD, PD, DD, KH, SH, PH, DH, KW, SW, PW, DW>
{
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let () = Self::CHECK;
            pool::max_pool("MaxPool3d", input, &Self::WINDOWS, self.ceil_mode)
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<
    const KD: usize,
    const SD: usize,
    const PD: usize,
    const DD: usize,
    const KH: usize,
    const SH: usize,
    const PH: usize,
    const DH: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
    const DW: usize,
> Features for MaxPool3d<KD, SD, PD, DD, KH, SH, PH, DH, KW, SW, PW, DW>
{
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}
