//! [`Conv2d`]: a 2-d convolution over `[N, C, H, W]` images.

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

/// A 2-d convolution, PyTorch's `nn.Conv2d(IN, OUT, (K, KW), stride=STRIDE, padding=PAD,
/// dilation=DIL, groups=GROUPS, bias=BIAS)`. The kernel is `K × KW` (`KW` defaults to `K`: a
/// square kernel); stride, padding and dilation are the same on both axes unless set per axis
/// with [`with_stride`](Self::with_stride), [`with_padding`](Self::with_padding) (which also
/// takes [`Padding::Same`](crate::Padding::Same) and [`Padding::Valid`](crate::Padding::Valid))
/// and [`with_dilation`](Self::with_dilation); the padding is zeros unless set by
/// [`with_padding_mode`](Self::with_padding_mode). The kernel size is a type parameter because
/// it is part of the weight's shape; the other settings are not, so they may be set at run
/// time, and each builder returns an error for a setting PyTorch refuses.
///
/// Parameters: `weight` of shape `[OUT, IN / GROUPS, K, KW]` and, when `BIAS`, `bias` of
/// shape `[OUT]`. Default initialization (PyTorch's `reset_parameters`, in this order):
/// `kaiming_uniform(weight, a = √5)`, which is U(−b, b) with `b = 1/√fan_in` and `fan_in =
/// (IN / GROUPS) · K · KW`, then `bias` from the same U(−b, b).
///
/// The forward pass maps `[N, IN, H, W]` to `[N, OUT, H', W']` (or `[IN, H, W]` to `[OUT, H',
/// W']` without a batch axis), with `H' = (H + 2·PAD − DIL·(K − 1) − 1) / STRIDE + 1` and the
/// same for `W'` with `KW` (with per-axis settings, each axis's own). An input of another rank
/// or channel count, too small for the kernel (`H'` or `W'` below 1), or too small for the
/// padding mode (`reflect` needs a padding smaller than the input) is an error.
///
/// ```
/// use init_core::{Conv2d, Forward, Module, PaddingMode, Seed};
/// use ndarray::ArrayD;
///
/// // nn.Conv2d(3, 8, 3, stride=2, padding=1)
/// let conv = Conv2d::<3, 8, 3, 2, 1>::new(&mut Seed::new(0))?;
/// assert_eq!(conv.weight().unwrap().shape(), &[8, 3, 3, 3]);
/// let bound = 1.0 / (3.0f32 * 9.0).sqrt();
/// assert!(conv.weight().unwrap().as_slice().iter().all(|w| w.abs() <= bound));
///
/// let y = conv.forward(ArrayD::zeros(vec![4, 3, 32, 32]).view())?;
/// assert_eq!(y.shape(), &[4, 8, 16, 16]);
///
/// let err = conv.forward(ArrayD::zeros(vec![4, 1, 32, 32]).view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "Conv2d: input of shape [4, 1, 32, 32] must have 3 channels (in_channels) at dimension 1"
/// );
///
/// // Inception-v3: nn.Conv2d(768, 192, kernel_size=(1, 7), padding=(0, 3), bias=False)
/// let c7 = Conv2d::<768, 192, 1, 1, 0, 1, 1, false, 7>::zeroed().with_padding([0, 3])?;
/// assert_eq!(c7.weight().unwrap().shape(), &[192, 768, 1, 7]);
/// let y = c7.forward(ArrayD::zeros(vec![1, 768, 17, 17]).view())?;
/// assert_eq!(y.shape(), &[1, 192, 17, 17]);
///
/// // nn.Conv2d(3, 8, 3, padding=1, padding_mode="reflect")
/// let reflect = Conv2d::<3, 8, 3, 1, 1>::zeroed().with_padding_mode(PaddingMode::Reflect)?;
/// let err = reflect.forward(ArrayD::zeros(vec![3, 1, 9]).view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "Conv2d: input of shape [3, 1, 9]: padding_mode = \"reflect\" needs a padding smaller \
///      than the input on every axis, got padding (1, 1) on spatial axis 0 of size 1"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
///
/// # Configurations that do not compile
///
/// `K = 0`, `KW = 0`, `STRIDE = 0`, `DIL = 0`, `GROUPS = 0`, and `IN` or `OUT` not divisible
/// by `GROUPS` are rejected when the layer is built (`cargo build`); as the field of a
/// `#[derive(Module)]` struct, `cargo check` reports them on the field:
///
/// ```compile_fail,E0080
/// // in_channels = 3 is not divisible by groups = 2
/// let conv = init_core::Conv2d::<3, 8, 3, 1, 0, 1, 2>::zeroed();
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2d<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize = 1,
    const PAD: usize = 0,
    const DIL: usize = 1,
    const GROUPS: usize = 1,
    const BIAS: bool = true,
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
    const KW: usize,
> Conv2d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS, KW>
{
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    const SPEC: ConvSpec =
        ConvSpec::new("Conv2d", 2, false, (IN, OUT, GROUPS), [K, KW, 1], STRIDE, PAD, DIL, 0);

    /// The layer with every parameter zero, before any initialization (the memory is not
    /// touched until the first fill). Use it to build a tree, then initialize the tree once.
    ///
    /// # Panics
    ///
    /// If the parameters' memory cannot be allocated (only for dimensions far beyond any
    /// model's), with the allocation error as the message; [`new`](Self::new) returns it.
    pub fn zeroed() -> Self {
        Self::try_zeroed().unwrap_or_else(|e| panic!("Conv2d::zeroed: {e}"))
    }

    /// [`zeroed`](Self::zeroed) with an error when the memory cannot be allocated.
    fn try_zeroed() -> Result<Self> {
        let () = Self::CHECK;
        Ok(Conv2d {
            params: WeightBias::try_zeros(&[OUT, IN / GROUPS, K, KW], BIAS.then_some(OUT))?,
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

    conv_settings!(conv, "Conv2d", 2, "Conv2d::<4, 8, 3>", "[2, 1]", "[0, 1]");
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
    const KW: usize,
> Zeroed for Conv2d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS, KW>
{
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

conv_configure!(ConvConfig<2> for Conv2d<IN: usize, OUT: usize, K: usize, STRIDE: usize, PAD: usize, DIL: usize, GROUPS: usize, BIAS: bool, KW: usize>);

impl<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize,
    const PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
    const KW: usize,
> LayerSpec for Conv2d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS, KW>
{
    const KIND: LayerKind = LayerKind::Conv2d;
    const CONFIG: Msg = Rules::new("Conv2d")
        .positive("kernel_size", K)
        .positive("kernel_size[1]", KW)
        .positive("stride", STRIDE)
        .positive("dilation", DIL)
        .positive("groups", GROUPS)
        .divisible(("in_channels", IN), ("groups", GROUPS))
        .divisible(("out_channels", OUT), ("groups", GROUPS))
        .verdict();
    const PARAMS: ParamTable =
        ParamTable::EMPTY.with("weight", &[OUT, IN / GROUPS, K, KW]).with_if(BIAS, "bias", &[OUT]);
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
    const KW: usize,
> Module for Conv2d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS, KW>
{
    fn kind(&self) -> LayerKind {
        LayerKind::Conv2d
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
        let fan_in = (IN / GROUPS) * K * KW;
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
    const KW: usize,
> Forward for Conv2d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS, KW>
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
    const KW: usize,
> Features for Conv2d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS, KW>
{
    const IN: Width = Width::Exactly(IN);
    const OUT: Width = Width::Exactly(OUT);
}
