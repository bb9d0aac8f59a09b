//! [`Conv3d`]: a 3-d convolution over `[N, C, D, H, W]` volumes.

use ndarray::{ArrayD, ArrayViewD};

use super::conv_config::conv_configure;
use super::conv_settings::conv_settings;
use super::weight_bias::WeightBias;
use crate::error::Result;
use crate::kernels::conv::{self, ConvSpec};
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::rng::Generator;
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable};

/// A 3-d convolution, PyTorch's `nn.Conv3d(IN, OUT, (K, KH, KW), stride=STRIDE, padding=PAD,
/// dilation=DIL, groups=GROUPS, bias=BIAS)`. The kernel is `K × KH × KW` (`KH` and `KW`
/// default to `K`: a cubic kernel); stride, padding (also [`Padding::Same`](crate::Padding::Same)
/// or [`Padding::Valid`](crate::Padding::Valid)) and dilation are the same on all axes unless
/// set per axis with [`with_stride`](Self::with_stride), [`with_padding`](Self::with_padding)
/// and [`with_dilation`](Self::with_dilation), and the padding is zeros unless set by
/// [`with_padding_mode`](Self::with_padding_mode); each builder is an error for a setting
/// PyTorch refuses.
///
/// Parameters: `weight` of shape `[OUT, IN / GROUPS, K, KH, KW]` and, when `BIAS`, `bias` of
/// shape `[OUT]`. Default initialization (PyTorch's `reset_parameters`, in this order):
/// `kaiming_uniform(weight, a = √5)`, which is U(−b, b) with `b = 1/√fan_in` and `fan_in =
/// (IN / GROUPS) · K · KH · KW`, then `bias` from the same U(−b, b).
///
/// The forward pass maps `[N, IN, D, H, W]` to `[N, OUT, D', H', W']` (or `[IN, D, H, W]` to
/// `[OUT, D', H', W']` without a batch axis), with `D' = (D + 2·PAD − DIL·(K − 1) − 1) /
/// STRIDE + 1` and the same for `H'` with `KH` and `W'` with `KW` (with per-axis settings, each
/// axis's own). An input of another rank or channel count, too small for the kernel (an
/// output size below 1) or for the padding mode, is an error.
///
/// ```
/// use init_core::{Conv3d, Forward, Module, Seed};
/// use ndarray::ArrayD;
///
/// // nn.Conv3d(2, 4, 3, padding=1)
/// let conv = Conv3d::<2, 4, 3, 1, 1>::new(&mut Seed::new(0))?;
/// assert_eq!(conv.weight().unwrap().shape(), &[4, 2, 3, 3, 3]);
/// let bound = 1.0 / (2.0f32 * 27.0).sqrt();
/// assert!(conv.weight().unwrap().as_slice().iter().all(|w| w.abs() <= bound));
///
/// let y = conv.forward(ArrayD::zeros(vec![1, 2, 5, 6, 4]).view())?;
/// assert_eq!(y.shape(), &[1, 4, 5, 6, 4]);
///
/// let valid = Conv3d::<2, 4, 3>::zeroed();
/// let err = valid.forward(ArrayD::zeros(vec![1, 2, 5, 2, 4]).view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "Conv3d: input of shape [1, 2, 5, 2, 4] is too small: its padded spatial size \
///      [5, 2, 4] must be at least the dilated kernel size 3 on every axis"
/// );
///
/// // nn.Conv3d(2, 4, (3, 1, 1), padding=(1, 0, 0)): a temporal kernel
/// let t = Conv3d::<2, 4, 3, 1, 0, 1, 1, true, 1, 1>::zeroed().with_padding([1, 0, 0])?;
/// assert_eq!(t.weight().unwrap().shape(), &[4, 2, 3, 1, 1]);
/// assert_eq!(t.forward(ArrayD::zeros(vec![2, 5, 6, 4]).view())?.shape(), &[4, 5, 6, 4]);
/// # Ok::<(), init_core::InitError>(())
/// ```
///
/// # Configurations that do not compile
///
/// `K = 0`, `KH = 0`, `KW = 0`, `STRIDE = 0`, `DIL = 0`, `GROUPS = 0`, and `IN` or `OUT` not
/// divisible by `GROUPS` are rejected when the layer is built (`cargo build`); as the field of
/// a `#[derive(Module)]` struct, `cargo check` reports them on the field:
///
/// ```compile_fail,E0080
/// // a kernel of size 0
/// let conv = init_core::Conv3d::<3, 8, 0>::zeroed();
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Conv3d<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize = 1,
    const PAD: usize = 0,
    const DIL: usize = 1,
    const GROUPS: usize = 1,
    const BIAS: bool = true,
    const KH: usize = K,
    const KW: usize = K,
> {
    params: WeightBias,
    spec: ConvSpec,
}

impl<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize,
    const PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
    const KH: usize,
    const KW: usize,
> Conv3d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS, KH, KW>
{
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    const SPEC: ConvSpec =
        ConvSpec::new("Conv3d", 3, false, (IN, OUT, GROUPS), [K, KH, KW], STRIDE, PAD, DIL, 0);

    /// The layer with every parameter zero, before any initialization (the memory is not
    /// touched until the first fill). Use it to build a tree, then initialize the tree once.
    ///
    /// # Panics
    ///
    /// If the parameters' memory cannot be allocated (only for dimensions far beyond any
    /// model's), with the allocation error as the message; [`new`](Self::new) returns it.
    pub fn zeroed() -> Self {
        Self::try_zeroed().unwrap_or_else(|e| panic!("Conv3d::zeroed: {e}"))
    }

    /// [`zeroed`](Self::zeroed) with an error when the memory cannot be allocated.
    fn try_zeroed() -> Result<Self> {
        let () = Self::CHECK;
        Ok(Conv3d {
            params: WeightBias::try_zeros(&[OUT, IN / GROUPS, K, KH, KW], BIAS.then_some(OUT))?,
            spec: Self::SPEC,
        })
    }

    /// The layer with PyTorch's default initialization, its parameters named `weight` and
    /// `bias` (for [`Seed`](crate::Seed), the stream keys).
    pub fn new(rng: &mut dyn Generator) -> Result<Self> {
        let mut layer = Self::try_zeroed()?;
        layer.reset_parameters("", rng)?;
        Ok(layer)
    }

    conv_settings!(conv, "Conv3d", 3, "Conv3d::<4, 8, 3>", "[2, 1, 1]", "[0, 1, 1]");
}

impl<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize,
    const PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
    const KH: usize,
    const KW: usize,
> Zeroed for Conv3d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS, KH, KW>
{
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

conv_configure!(ConvConfig<3> for Conv3d<IN: usize, OUT: usize, K: usize, STRIDE: usize, PAD: usize, DIL: usize, GROUPS: usize, BIAS: bool, KH: usize, KW: usize>);

impl<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize,
    const PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
    const KH: usize,
    const KW: usize,
> LayerSpec for Conv3d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS, KH, KW>
{
    const KIND: LayerKind = LayerKind::Conv3d;
    const CONFIG: Msg = Rules::new("Conv3d")
        .positive("kernel_size", K)
        .positive("kernel_size[1]", KH)
        .positive("kernel_size[2]", KW)
        .positive("stride", STRIDE)
        .positive("dilation", DIL)
        .positive("groups", GROUPS)
        .divisible(("in_channels", IN), ("groups", GROUPS))
        .divisible(("out_channels", OUT), ("groups", GROUPS))
        .verdict();
    const PARAMS: ParamTable = ParamTable::EMPTY
        .with("weight", &[OUT, IN / GROUPS, K, KH, KW])
        .with_if(BIAS, "bias", &[OUT]);
}

impl<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize,
    const PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
    const KH: usize,
    const KW: usize,
> Module for Conv3d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS, KH, KW>
{
    fn kind(&self) -> LayerKind {
        LayerKind::Conv3d
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        self.params.visit(v);
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        self.params.visit_mut(v);
    }

    fn init_defaults(
        &mut self,
        prefix: &str,
        ruled: &dyn Fn(&str) -> bool,
        rng: &mut dyn Generator,
    ) -> Result<()> {
        let fan_in = (IN / GROUPS) * K * KH * KW;
        self.params.init_dense(fan_in, prefix, ruled, rng)
    }
}

impl<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize,
    const PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
    const KH: usize,
    const KW: usize,
> Forward for Conv3d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS, KH, KW>
{
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            conv::conv(&self.spec, input, &self.params.weight, self.params.bias.as_ref())
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize,
    const PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
    const KH: usize,
    const KW: usize,
> Features for Conv3d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS, KH, KW>
{
    const IN: Width = Width::Exactly(IN);
    const OUT: Width = Width::Exactly(OUT);
}
