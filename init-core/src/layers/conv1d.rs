//! [`Conv1d`]: a 1-d convolution over `[N, C, L]` sequences.

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

/// A 1-d convolution, PyTorch's `nn.Conv1d(IN, OUT, K, stride=STRIDE, padding=PAD,
/// dilation=DIL, groups=GROUPS, bias=BIAS)`. Stride, padding (also
/// [`Padding::Same`](crate::Padding::Same) or [`Padding::Valid`](crate::Padding::Valid)),
/// dilation and the padding mode may be set at run time by [`with_stride`](Self::with_stride),
/// [`with_padding`](Self::with_padding), [`with_dilation`](Self::with_dilation) and
/// [`with_padding_mode`](Self::with_padding_mode), each an error for a setting PyTorch refuses.
///
/// Parameters: `weight` of shape `[OUT, IN / GROUPS, K]` and, when `BIAS`, `bias` of
/// shape `[OUT]`. Default initialization (PyTorch's `reset_parameters`, in this order):
/// `kaiming_uniform(weight, a = √5)`, which is U(−b, b) with `b = 1/√fan_in` and `fan_in =
/// (IN / GROUPS) · K`, then `bias` from the same U(−b, b).
///
/// The forward pass maps `[N, IN, L]` to `[N, OUT, L']` (or `[IN, L]` to `[OUT, L']` without
/// a batch axis), with `L' = (L + 2·PAD − DIL·(K − 1) − 1) / STRIDE + 1`. An input of another
/// rank or channel count, too small for the kernel (`L'` below 1), or too small for the
/// padding mode is an error. With `padding = "same"`, `L' = L`: `DIL·(K − 1)` elements of
/// padding, the odd one after the input.
///
/// ```
/// use init_core::{Conv1d, Forward, Module, Seed};
/// use ndarray::ArrayD;
///
/// // nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2)
/// let conv = Conv1d::<4, 6, 3, 2, 1, 1, 2>::new(&mut Seed::new(0))?;
/// assert_eq!(conv.weight().unwrap().shape(), &[6, 2, 3]);
/// let bound = 1.0 / (2.0f32 * 3.0).sqrt();
/// assert!(conv.weight().unwrap().as_slice().iter().all(|w| w.abs() <= bound));
///
/// let y = conv.forward(ArrayD::zeros(vec![5, 4, 11]).view())?;
/// assert_eq!(y.shape(), &[5, 6, 6]);
/// // Without a batch axis.
/// assert_eq!(conv.forward(ArrayD::zeros(vec![4, 11]).view())?.shape(), &[6, 6]);
///
/// // nn.Conv1d(4, 4, 4, padding="same", padding_mode="circular"): 3 elements of padding, 1
/// // before and 2 after
/// let same = Conv1d::<4, 4, 4>::zeroed()
///     .with_padding(init_core::Padding::Same)?
///     .with_padding_mode(init_core::PaddingMode::Circular)?;
/// assert_eq!(same.forward(ArrayD::zeros(vec![4, 5]).view())?.shape(), &[4, 5]);
///
/// let err = conv.forward(ArrayD::zeros(vec![4, 11, 1, 1]).view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "Conv1d: input of shape [4, 11, 1, 1] must have 3 dimensions [N, C, L], or 2 [C, L] \
///      without a batch axis"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
///
/// # Configurations that do not compile
///
/// `K = 0`, `STRIDE = 0`, `DIL = 0`, `GROUPS = 0`, and `IN` or `OUT` not divisible by
/// `GROUPS` are rejected when the layer is built (`cargo build`); as the field of a
/// `#[derive(Module)]` struct, `cargo check` reports them on the field:
///
/// ```compile_fail,E0080
/// // a stride of 0
/// let conv = init_core::Conv1d::<3, 8, 3, 0>::zeroed();
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Conv1d<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize = 1,
    const PAD: usize = 0,
    const DIL: usize = 1,
    const GROUPS: usize = 1,
    const BIAS: bool = true,
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
> Conv1d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS>
{
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    const SPEC: ConvSpec =
        ConvSpec::new("Conv1d", 1, false, (IN, OUT, GROUPS), [K, 1, 1], STRIDE, PAD, DIL, 0);

    /// The layer with every parameter zero, before any initialization (the memory is not
    /// touched until the first fill). Use it to build a tree, then initialize the tree once.
    ///
    /// # Panics
    ///
    /// If the parameters' memory cannot be allocated (only for dimensions far beyond any
    /// model's), with the allocation error as the message; [`new`](Self::new) returns it.
    pub fn zeroed() -> Self {
        Self::try_zeroed().unwrap_or_else(|e| panic!("Conv1d::zeroed: {e}"))
    }

    /// [`zeroed`](Self::zeroed) with an error when the memory cannot be allocated.
    fn try_zeroed() -> Result<Self> {
        let () = Self::CHECK;
        Ok(Conv1d {
            params: WeightBias::try_zeros(&[OUT, IN / GROUPS, K], BIAS.then_some(OUT))?,
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

    conv_settings!(conv, "Conv1d", 1, "Conv1d::<4, 8, 3>", "[2]", "[0]");
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
> Zeroed for Conv1d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS>
{
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

conv_configure!(ConvConfig<1> for Conv1d<IN: usize, OUT: usize, K: usize, STRIDE: usize, PAD: usize, DIL: usize, GROUPS: usize, BIAS: bool>);

impl<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize,
    const PAD: usize,
    const DIL: usize,
    const GROUPS: usize,
    const BIAS: bool,
> LayerSpec for Conv1d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS>
{
    const KIND: LayerKind = LayerKind::Conv1d;
    const CONFIG: Msg = Rules::new("Conv1d")
        .positive("kernel_size", K)
        .positive("stride", STRIDE)
        .positive("dilation", DIL)
        .positive("groups", GROUPS)
        .divisible(("in_channels", IN), ("groups", GROUPS))
        .divisible(("out_channels", OUT), ("groups", GROUPS))
        .verdict();
    const PARAMS: ParamTable =
        ParamTable::EMPTY.with("weight", &[OUT, IN / GROUPS, K]).with_if(BIAS, "bias", &[OUT]);
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
> Module for Conv1d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS>
{
    fn kind(&self) -> LayerKind {
        LayerKind::Conv1d
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
        let fan_in = (IN / GROUPS) * K;
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
> Forward for Conv1d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS>
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
> Features for Conv1d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS>
{
    const IN: Width = Width::Exactly(IN);
    const OUT: Width = Width::Exactly(OUT);
}
