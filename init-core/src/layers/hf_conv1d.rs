//! [`Conv1D`]: Hugging Face's `Conv1D`, a linear layer with its weight stored transposed.

use ndarray::{ArrayD, ArrayViewD};

use super::weight_bias::WeightBias;
use crate::error::Result;
use crate::kernels::dense;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, join, trace,
};
use crate::rng::Generator;
use crate::schemes::Init;
use crate::spec::{LayerSpec, ParamTable};

/// Hugging Face's `Conv1D(nf=NF, nx=NX)` (`transformers.pytorch_utils.Conv1D`, the layer of
/// GPT-2's `c_attn`, `c_proj` and `c_fc`): a fully connected layer from `NX` input features to
/// `NF` output features whose weight is stored as `[NX, NF]`, the transpose of
/// [`Linear`](crate::Linear)'s `[OUT, IN]`, so GPT-2 checkpoints load as they are. Despite the
/// name it is no convolution, and it is its own [`LayerKind::Conv1D`] (a struct rule
/// `Conv1D = normal(std = 0.02)` reaches it, `Linear = ...` does not).
///
/// Parameters, in this order: `weight` of shape `[NX, NF]` and `bias` of shape `[NF]`.
/// Default initialization (its constructor): `weight` from N(0, 0.02²), `bias` zeros (no
/// draw).
///
/// The forward pass is `addmm(bias, x, weight)` over the last axis: `[..., NX] → [..., NF]`.
///
/// Fans: schemes compute them from the weight's shape as PyTorch's
/// `_calculate_fan_in_and_fan_out` does, dimension 1 as `fan_in` and dimension 0 as
/// `fan_out`, so on this weight `fan_in = NF` (the *output* features) and `fan_out = NX`: the
/// opposite of a `Linear` with the same features. `kaiming_normal` on a `Conv1D` weight in
/// the default `mode = "fan_in"` therefore gives std `gain/√NF`, as PyTorch's does on the same
/// tensor; to scale by the input features as for a `Linear`, use `mode = "fan_out"`.
///
/// ```
/// use init_core::{Conv1D, Forward, LayerKind, Module, Seed};
/// use ndarray::ArrayD;
///
/// // GPT-2 small's c_attn: Conv1D(3 * 768, 768)
/// let c_attn = Conv1D::<2304, 768>::new(&mut Seed::new(0))?;
/// assert_eq!(c_attn.kind(), LayerKind::Conv1D);
/// assert_eq!(c_attn.weight().unwrap().shape(), &[768, 2304]);
/// assert!(c_attn.bias().unwrap().as_slice().iter().all(|&b| b == 0.0));
///
/// let y = c_attn.forward(ArrayD::zeros(vec![2, 8, 768]).view())?;
/// assert_eq!(y.shape(), &[2, 8, 2304]);
///
/// let err = c_attn.forward(ArrayD::zeros(vec![8, 2304]).view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "Conv1D: input of shape [8, 2304] must have last dimension 768 (nx)"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Conv1D<const NF: usize, const NX: usize> {
    params: WeightBias,
}

impl<const NF: usize, const NX: usize> Conv1D<NF, NX> {
    /// The layer with every parameter zero, before any initialization (the memory is not
    /// touched until the first fill). Use it to build a tree, then initialize the tree once.
    ///
    /// # Panics
    ///
    /// If the parameters' memory cannot be allocated (only for dimensions far beyond any
    /// model's), with the allocation error as the message; [`new`](Self::new) returns it.
    pub fn zeroed() -> Self {
        Self::try_zeroed().unwrap_or_else(|e| panic!("Conv1D::zeroed: {e}"))
    }

    /// [`zeroed`](Self::zeroed) with an error when the memory cannot be allocated.
    fn try_zeroed() -> Result<Self> {
        Ok(Conv1D { params: WeightBias::try_zeros(&[NX, NF], Some(NF))? })
    }

    /// The layer with Hugging Face's initialization, its parameters named `weight` and `bias`
    /// (for [`Seed`](crate::Seed), the stream keys).
    pub fn new(rng: &mut dyn Generator) -> Result<Self> {
        let mut layer = Self::try_zeroed()?;
        layer.reset_parameters("", rng)?;
        Ok(layer)
    }
}

impl<const NF: usize, const NX: usize> Zeroed for Conv1D<NF, NX> {
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<const NF: usize, const NX: usize> LayerSpec for Conv1D<NF, NX> {
    const KIND: LayerKind = LayerKind::Conv1D;
    const PARAMS: ParamTable = ParamTable::EMPTY.with("weight", &[NX, NF]).with("bias", &[NF]);
}

impl<const NF: usize, const NX: usize> Module for Conv1D<NF, NX> {
    fn kind(&self) -> LayerKind {
        LayerKind::Conv1D
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
        if !ruled("weight") {
            let init = Init::Normal { mean: 0.0, std: 0.02 };
            init.fill(&mut self.params.weight, &join(prefix, "weight"), rng)?;
        }
        match self.params.bias.as_mut().filter(|_| !ruled("bias")) {
            Some(bias) => Init::Zeros.fill(bias, &join(prefix, "bias"), rng),
            None => Ok(()),
        }
    }
}

impl<const NF: usize, const NX: usize> Forward for Conv1D<NF, NX> {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            dense::check_last_dim("Conv1D", &input, NX, "nx")?;
            dense::addmm("Conv1D", input, &self.params.weight, self.params.bias.as_ref())
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const NF: usize, const NX: usize> Features for Conv1D<NF, NX> {
    const IN: Width = Width::Exactly(NX);
    const OUT: Width = Width::Exactly(NF);
}
