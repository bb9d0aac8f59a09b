//! [`ConvTranspose3d`]: a 3-d transposed convolution over `[N, C, D, H, W]` volumes.

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

/// A 3-d transposed convolution (the gradient of [`Conv3d`](crate::Conv3d) with respect to its
/// input), PyTorch's `nn.ConvTranspose3d(IN, OUT, (K, KH, KW), stride=STRIDE, padding=PAD,
/// output_padding=OUT_PAD, groups=GROUPS, bias=BIAS, dilation=DIL)`. The kernel is `K × KH ×
/// KW` (`KH` and `KW` default to `K`); stride, padding, output padding and dilation are the
/// same on all axes unless set per axis with [`with_stride`](Self::with_stride),
/// [`with_padding`](Self::with_padding), [`with_output_padding`](Self::with_output_padding)
/// and [`with_dilation`](Self::with_dilation), each an error for a setting PyTorch refuses.
/// The padding mode is zeros, the only one PyTorch allows for a transposed convolution.
///
/// Note the order of the const parameters: PyTorch's, with `OUT_PAD` before `DIL`.
///
/// Parameters: `weight` of shape `[IN, OUT / GROUPS, K, KH, KW]` (PyTorch's transposed
/// layout) and, when `BIAS`, `bias` of shape `[OUT]`. Default initialization (PyTorch's
/// `reset_parameters`, in this order): `kaiming_uniform(weight, a = √5)`, which is U(−b, b)
/// with `b = 1/√fan_in` where, as PyTorch computes it from the weight's dimension 1, `fan_in =
/// (OUT / GROUPS) · K · KH · KW`; then `bias` from the same U(−b, b).
///
/// The forward pass maps `[N, IN, D, H, W]` to `[N, OUT, D', H', W']` (or the same without
/// the batch axis), with `D' = (D − 1)·STRIDE − 2·PAD + DIL·(K − 1) + OUT_PAD + 1`, the same
/// for `H'` with `KH` and `W'` with `KW` (with per-axis settings, each axis's own). An input of
/// another rank or channel count, or one that gives an output size below 1, is an error.
///
/// ```
/// use init_core::{ConvTranspose3d, Forward, Module, Seed};
/// use ndarray::ArrayD;
///
/// // nn.ConvTranspose3d(4, 2, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1),
/// //                    output_padding=(0, 1, 1))
/// let up = ConvTranspose3d::<4, 2, 1, 1, 0, 0, 1, 1, true, 3, 3>::zeroed()
///     .with_stride([1, 2, 2])?
///     .with_padding([0, 1, 1])?
///     .with_output_padding([0, 1, 1])?;
/// assert_eq!(up.weight().unwrap().shape(), &[4, 2, 1, 3, 3]);
/// let y = up.forward(ArrayD::zeros(vec![1, 4, 3, 5, 6]).view())?;
/// assert_eq!(y.shape(), &[1, 2, 3, 10, 12]);
///
/// let up = ConvTranspose3d::<4, 2, 2>::new(&mut Seed::new(0))?;
/// let bound = 1.0 / (2.0f32 * 8.0).sqrt();
/// assert!(up.bias().unwrap().as_slice().iter().all(|b| b.abs() <= bound));
/// # Ok::<(), init_core::InitError>(())
/// ```
///
/// # Configurations that do not compile
///
/// `K = 0`, `KH = 0`, `KW = 0`, `STRIDE = 0`, `DIL = 0`, `GROUPS = 0`, `IN` or `OUT` not divisible by
/// `GROUPS`, and an output padding that is not smaller than either the stride or the dilation
/// are rejected when the layer is built (`cargo build`); as the field of a `#[derive(Module)]`
/// struct, `cargo check` reports them on the field:
///
/// ```compile_fail,E0080
/// // output_padding = 2 is not smaller than stride = 2 or dilation = 1
/// let up = init_core::ConvTranspose3d::<4, 4, 3, 2, 1, 2>::zeroed();
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ConvTranspose3d<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize = 1,
    const PAD: usize = 0,
    const OUT_PAD: usize = 0,
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
    const OUT_PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
    const KH: usize,
    const KW: usize,
> ConvTranspose3d<IN, OUT, K, STRIDE, PAD, OUT_PAD, DIL, GROUPS, BIAS, KH, KW>
{
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    const SPEC: ConvSpec = ConvSpec::new(
        "ConvTranspose3d",
        3,
        true,
        (IN, OUT, GROUPS),
        [K, KH, KW],
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
        Self::try_zeroed().unwrap_or_else(|e| panic!("ConvTranspose3d::zeroed: {e}"))
    }

    /// [`zeroed`](Self::zeroed) with an error when the memory cannot be allocated.
    fn try_zeroed() -> Result<Self> {
        let () = Self::CHECK;
        Ok(ConvTranspose3d {
            params: WeightBias::try_zeros(&[IN, OUT / GROUPS, K, KH, KW], BIAS.then_some(OUT))?,
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
        "ConvTranspose3d",
        3,
        "ConvTranspose3d::<4, 8, 3>",
        "[2, 1, 1]",
        "[0, 1, 1]",
        "[1, 0, 0]"
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
    const KH: usize,
    const KW: usize,
> Zeroed for ConvTranspose3d<IN, OUT, K, STRIDE, PAD, OUT_PAD, DIL, GROUPS, BIAS, KH, KW>
{
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

conv_configure!(ConvTransposeConfig<3> for ConvTranspose3d<IN: usize, OUT: usize, K: usize, STRIDE: usize, PAD: usize, OUT_PAD: usize, DIL: usize, GROUPS: usize, BIAS: bool, KH: usize, KW: usize>);

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
    const KH: usize,
    const KW: usize,
> LayerSpec for ConvTranspose3d<IN, OUT, K, STRIDE, PAD, OUT_PAD, DIL, GROUPS, BIAS, KH, KW>
{
    const KIND: LayerKind = LayerKind::ConvTranspose3d;
    const CONFIG: Msg = Rules::new("ConvTranspose3d")
        .positive("kernel_size", K)
        .positive("kernel_size[1]", KH)
        .positive("kernel_size[2]", KW)
        .positive("stride", STRIDE)
        .positive("dilation", DIL)
        .positive("groups", GROUPS)
        .divisible(("in_channels", IN), ("groups", GROUPS))
        .divisible(("out_channels", OUT), ("groups", GROUPS))
        .below_either(("output_padding", OUT_PAD), ("stride", STRIDE), ("dilation", DIL))
        .verdict();
    const PARAMS: ParamTable = ParamTable::EMPTY
        .with("weight", &[IN, OUT / GROUPS, K, KH, KW])
        .with_if(BIAS, "bias", &[OUT]);
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
    const KH: usize,
    const KW: usize,
> Module for ConvTranspose3d<IN, OUT, K, STRIDE, PAD, OUT_PAD, DIL, GROUPS, BIAS, KH, KW>
{
    fn kind(&self) -> LayerKind {
        LayerKind::ConvTranspose3d
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
        let fan_in = (OUT / GROUPS) * K * KH * KW;
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
    const KH: usize,
    const KW: usize,
> Forward for ConvTranspose3d<IN, OUT, K, STRIDE, PAD, OUT_PAD, DIL, GROUPS, BIAS, KH, KW>
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
    const KH: usize,
    const KW: usize,
> Features for ConvTranspose3d<IN, OUT, K, STRIDE, PAD, OUT_PAD, DIL, GROUPS, BIAS, KH, KW>
{
    const IN: Width = Width::Exactly(IN);
    const OUT: Width = Width::Exactly(OUT);
}
