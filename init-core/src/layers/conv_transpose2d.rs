//! [`ConvTranspose2d`]: a 2-d transposed convolution over `[N, C, H, W]` images.

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

/// A 2-d transposed convolution (the gradient of [`Conv2d`](crate::Conv2d) with respect to its
/// input, sometimes called a deconvolution), PyTorch's `nn.ConvTranspose2d(IN, OUT, (K, KW),
/// stride=STRIDE, padding=PAD, output_padding=OUT_PAD, groups=GROUPS, bias=BIAS,
/// dilation=DIL)`. The kernel is `K × KW` (`KW` defaults to `K`); stride, padding, output
/// padding and dilation are the same on both axes unless set per axis with
/// [`with_stride`](Self::with_stride), [`with_padding`](Self::with_padding),
/// [`with_output_padding`](Self::with_output_padding) and [`with_dilation`](Self::with_dilation),
/// each an error for a setting PyTorch refuses. The padding mode is zeros, the only one
/// PyTorch allows for a transposed convolution.
///
/// Note the order of the const parameters: PyTorch's, with `OUT_PAD` before `DIL`.
///
/// Parameters: `weight` of shape `[IN, OUT / GROUPS, K, KW]` (PyTorch's transposed layout) and,
/// when `BIAS`, `bias` of shape `[OUT]`. Default initialization (PyTorch's
/// `reset_parameters`, in this order): `kaiming_uniform(weight, a = √5)`, which is U(−b, b)
/// with `b = 1/√fan_in` where, as PyTorch computes it from the weight's dimension 1, `fan_in =
/// (OUT / GROUPS) · K · KW`; then `bias` from the same U(−b, b).
///
/// The forward pass maps `[N, IN, H, W]` to `[N, OUT, H', W']` (or `[IN, H, W]` to `[OUT, H',
/// W']` without a batch axis), with `H' = (H − 1)·STRIDE − 2·PAD + DIL·(K − 1) + OUT_PAD + 1`
/// and the same for `W'` with `KW` (with per-axis settings, each axis's own). An input of
/// another rank or channel count, or one that gives an output size below 1, is an error.
/// PyTorch's optional `output_size` argument of `forward` is not offered: choose the output
/// padding instead.
///
/// ```
/// use init_core::{ConvTranspose2d, Forward, Module, Seed};
/// use ndarray::ArrayD;
///
/// // nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1): doubles the resolution
/// let up = ConvTranspose2d::<16, 8, 4, 2, 1>::new(&mut Seed::new(0))?;
/// assert_eq!(up.weight().unwrap().shape(), &[16, 8, 4, 4]);
/// let bound = 1.0 / (8.0f32 * 16.0).sqrt();
/// assert!(up.weight().unwrap().as_slice().iter().all(|w| w.abs() <= bound));
/// assert!(up.bias().unwrap().as_slice().iter().all(|b| b.abs() <= bound));
///
/// let y = up.forward(ArrayD::zeros(vec![2, 16, 7, 9]).view())?;
/// assert_eq!(y.shape(), &[2, 8, 14, 18]);
///
/// let err = up.forward(ArrayD::zeros(vec![16, 9]).view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "ConvTranspose2d: input of shape [16, 9] must have 4 dimensions [N, C, H, W], or 3 \
///      [C, H, W] without a batch axis"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
///
/// # Configurations that do not compile
///
/// `K = 0`, `KW = 0`, `STRIDE = 0`, `DIL = 0`, `GROUPS = 0`, `IN` or `OUT` not divisible by
/// `GROUPS`, and an output padding that is not smaller than either the stride or the dilation
/// are rejected when the layer is built (`cargo build`); as the field of a `#[derive(Module)]`
/// struct, `cargo check` reports them on the field:
///
/// ```compile_fail,E0080
/// // output_padding = 2 is not smaller than stride = 2 or dilation = 1
/// let up = init_core::ConvTranspose2d::<4, 4, 3, 2, 1, 2>::zeroed();
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ConvTranspose2d<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize = 1,
    const PAD: usize = 0,
    const OUT_PAD: usize = 0,
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
    const OUT_PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
    const KW: usize,
> ConvTranspose2d<IN, OUT, K, STRIDE, PAD, OUT_PAD, DIL, GROUPS, BIAS, KW>
{
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    const SPEC: ConvSpec = ConvSpec::new(
        "ConvTranspose2d",
        2,
        true,
        (IN, OUT, GROUPS),
        [K, KW, 1],
        STRIDE,
        PAD,
        DIL,
        OUT_PAD,
    );

    /// The layer with every parameter zero, before any initialization (the memory is not
    /// touched until the first fill). Use it to build a tree, then initialize the tree once.
    ///
    /// # Panics
    ///
    /// If the parameters' memory cannot be allocated (only for dimensions far beyond any
    /// model's), with the allocation error as the message; [`new`](Self::new) returns it.
    pub fn zeroed() -> Self {
        Self::try_zeroed().unwrap_or_else(|e| panic!("ConvTranspose2d::zeroed: {e}"))
    }

    /// [`zeroed`](Self::zeroed) with an error when the memory cannot be allocated.
    fn try_zeroed() -> Result<Self> {
        let () = Self::CHECK;
        Ok(ConvTranspose2d {
            params: WeightBias::try_zeros(&[IN, OUT / GROUPS, K, KW], BIAS.then_some(OUT))?,
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

    conv_settings!(
        transposed,
        "ConvTranspose2d",
        2,
        "ConvTranspose2d::<4, 8, 3>",
        "[2, 1]",
        "[0, 1]",
        "[1, 0]"
    );
}

impl<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize,
    const PAD: usize,
    const OUT_PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
    const KW: usize,
> Zeroed for ConvTranspose2d<IN, OUT, K, STRIDE, PAD, OUT_PAD, DIL, GROUPS, BIAS, KW>
{
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

conv_configure!(ConvTransposeConfig<2> for ConvTranspose2d<IN: usize, OUT: usize, K: usize, STRIDE: usize, PAD: usize, OUT_PAD: usize, DIL: usize, GROUPS: usize, BIAS: bool, KW: usize>);

impl<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize,
    const PAD: usize,
    const OUT_PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
    const KW: usize,
> LayerSpec for ConvTranspose2d<IN, OUT, K, STRIDE, PAD, OUT_PAD, DIL, GROUPS, BIAS, KW>
{
    const KIND: LayerKind = LayerKind::ConvTranspose2d;
    const CONFIG: Msg = Rules::new("ConvTranspose2d")
        .positive("kernel_size", K)
        .positive("kernel_size[1]", KW)
        .positive("stride", STRIDE)
        .positive("dilation", DIL)
        .positive("groups", GROUPS)
        .divisible(("in_channels", IN), ("groups", GROUPS))
        .divisible(("out_channels", OUT), ("groups", GROUPS))
        .below_either(("output_padding", OUT_PAD), ("stride", STRIDE), ("dilation", DIL))
        .verdict();
    const PARAMS: ParamTable =
        ParamTable::EMPTY.with("weight", &[IN, OUT / GROUPS, K, KW]).with_if(BIAS, "bias", &[OUT]);
}

impl<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize,
    const PAD: usize,
    const OUT_PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
    const KW: usize,
> Module for ConvTranspose2d<IN, OUT, K, STRIDE, PAD, OUT_PAD, DIL, GROUPS, BIAS, KW>
{
    fn kind(&self) -> LayerKind {
        LayerKind::ConvTranspose2d
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
        // PyTorch's fan_in comes from the weight's dimension 1, here OUT / GROUPS.
        let fan_in = (OUT / GROUPS) * K * KW;
        self.params.init_dense(fan_in, prefix, ruled, rng)
    }
}

impl<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize,
    const PAD: usize,
    const OUT_PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
    const KW: usize,
> Forward for ConvTranspose2d<IN, OUT, K, STRIDE, PAD, OUT_PAD, DIL, GROUPS, BIAS, KW>
{
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            conv::conv_transpose(&self.spec, input, &self.params.weight, self.params.bias.as_ref())
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
    const OUT_PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
    const KW: usize,
> Features for ConvTranspose2d<IN, OUT, K, STRIDE, PAD, OUT_PAD, DIL, GROUPS, BIAS, KW>
{
    const IN: Width = Width::Exactly(IN);
    const OUT: Width = Width::Exactly(OUT);
}
