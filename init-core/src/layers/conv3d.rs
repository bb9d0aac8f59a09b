//! [`Conv3d`]: a 3-d convolution over `[N, C, D, H, W]` volumes.

use ndarray::{ArrayD, ArrayViewD};

use super::weight_bias::WeightBias;
use crate::error::Result;
use crate::kernels::conv::{self, ConvSpec};
use crate::module::{Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed};
use crate::rng::Generator;
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable};

/// A 3-d convolution, PyTorch's `nn.Conv3d(IN, OUT, K, stride=STRIDE, padding=PAD,
/// dilation=DIL, groups=GROUPS, bias=BIAS)` with a cubic `K × K × K` kernel, the same stride,
/// padding and dilation on all three axes, and zero padding.
///
/// Parameters: `weight` of shape `[OUT, IN / GROUPS, K, K, K]` and, when `BIAS`, `bias` of
/// shape `[OUT]`. Default initialization (PyTorch's `reset_parameters`, in this order):
/// `kaiming_uniform(weight, a = √5)`, which is U(−b, b) with `b = 1/√fan_in` and `fan_in =
/// (IN / GROUPS) · K³`, then `bias` from the same U(−b, b).
///
/// The forward pass maps `[N, IN, D, H, W]` to `[N, OUT, D', H', W']` (or `[IN, D, H, W]` to
/// `[OUT, D', H', W']` without a batch axis), with `D' = (D + 2·PAD − DIL·(K − 1) − 1) /
/// STRIDE + 1` and the same for `H'` and `W'`. An input of another rank or channel count, or
/// too small for the kernel (an output size below 1), is an error.
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
> {
    params: WeightBias,
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
> Conv3d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS>
{
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    const SPEC: ConvSpec = ConvSpec {
        layer: "Conv3d",
        dims: 3,
        in_channels: IN,
        out_channels: OUT,
        kernel: K,
        stride: STRIDE,
        padding: PAD,
        dilation: DIL,
        groups: GROUPS,
    };

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
            params: WeightBias::try_zeros(&[OUT, IN / GROUPS, K, K, K], BIAS.then_some(OUT))?,
        })
    }

    /// The layer with PyTorch's default initialization, its parameters named `weight` and
    /// `bias` (for [`Seed`](crate::Seed), the stream keys).
    pub fn new(rng: &mut dyn Generator) -> Result<Self> {
        let mut layer = Self::try_zeroed()?;
        layer.reset_parameters("", rng)?;
        Ok(layer)
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
> Zeroed for Conv3d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS>
{
    fn zeroed() -> Self {
        Self::zeroed()
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
> LayerSpec for Conv3d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS>
{
    const KIND: LayerKind = LayerKind::Conv3d;
    const CONFIG: Msg = Rules::new("Conv3d")
        .positive("kernel_size", K)
        .positive("stride", STRIDE)
        .positive("dilation", DIL)
        .positive("groups", GROUPS)
        .divisible(("in_channels", IN), ("groups", GROUPS))
        .divisible(("out_channels", OUT), ("groups", GROUPS))
        .verdict();
    const PARAMS: ParamTable = ParamTable::EMPTY
        .with("weight", &[OUT, IN / GROUPS, K, K, K])
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
> Module for Conv3d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS>
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
        let fan_in = (IN / GROUPS) * K * K * K;
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
> Forward for Conv3d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS>
{
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        conv::conv(&Self::SPEC, input, &self.params.weight, self.params.bias.as_ref())
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
> Features for Conv3d<IN, OUT, K, STRIDE, PAD, DIL, GROUPS, BIAS>
{
    const IN: Width = Width::Exactly(IN);
    const OUT: Width = Width::Exactly(OUT);
}
