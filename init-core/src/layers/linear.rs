//! [`Linear`]: `y = x Wᵀ + b`.

use ndarray::{ArrayD, ArrayViewD};

use super::weight_bias::WeightBias;
use crate::error::Result;
use crate::kernels::dense;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::rng::Generator;
use crate::spec::{LayerSpec, ParamTable};

/// A fully connected layer, PyTorch's `nn.Linear(IN, OUT, bias=BIAS)`.
///
/// Parameters: `weight` of shape `[OUT, IN]` and, when `BIAS`, `bias` of shape `[OUT]`.
/// Default initialization (PyTorch's `reset_parameters`, in this order):
/// `kaiming_uniform(weight, a = √5)`, which is U(−1/√IN, 1/√IN), then `bias` from
/// U(−1/√IN, 1/√IN) (all zeros when `IN = 0`). The forward pass accepts any number of
/// leading axes: `[..., IN] → [..., OUT]`.
///
/// ```
/// use init_core::{Forward, Linear, Module, Seed};
/// use ndarray::array;
///
/// let fc = Linear::<3, 2>::new(&mut Seed::new(0))?;
/// let names: Vec<String> = fc.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["weight", "bias"]);
/// assert_eq!(fc.weight().unwrap().shape(), &[2, 3]);
/// let bound = 1.0 / 3f32.sqrt();
/// assert!(fc.weight().unwrap().as_slice().iter().all(|w| w.abs() <= bound));
///
/// let y = fc.forward(array![[1.0, 2.0, 3.0]].into_dyn().view())?;
/// assert_eq!(y.shape(), &[1, 2]);
///
/// let no_bias = Linear::<3, 2, false>::zeroed();
/// assert!(no_bias.bias().is_none());
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Linear<const IN: usize, const OUT: usize, const BIAS: bool = true> {
    params: WeightBias,
}

impl<const IN: usize, const OUT: usize, const BIAS: bool> Linear<IN, OUT, BIAS> {
    /// The layer with every parameter zero, before any initialization (the memory is not
    /// touched until the first fill). Use it to build a tree, then initialize the tree once.
    ///
    /// # Panics
    ///
    /// If the parameters' memory cannot be allocated (only for dimensions far beyond any
    /// model's), with the allocation error as the message; [`new`](Self::new) returns it.
    pub fn zeroed() -> Self {
        Self::try_zeroed().unwrap_or_else(|e| panic!("Linear::zeroed: {e}"))
    }

    /// [`zeroed`](Self::zeroed) with an error when the memory cannot be allocated.
    pub(crate) fn try_zeroed() -> Result<Self> {
        Ok(Linear { params: WeightBias::try_zeros(&[OUT, IN], BIAS.then_some(OUT))? })
    }

    /// The layer with PyTorch's default initialization, its parameters named `weight` and
    /// `bias` (for [`Seed`](crate::Seed), the stream keys).
    pub fn new(rng: &mut dyn Generator) -> Result<Self> {
        let mut layer = Self::try_zeroed()?;
        layer.reset_parameters("", rng)?;
        Ok(layer)
    }
}

impl<const IN: usize, const OUT: usize, const BIAS: bool> Zeroed for Linear<IN, OUT, BIAS> {
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<const IN: usize, const OUT: usize, const BIAS: bool> LayerSpec for Linear<IN, OUT, BIAS> {
    const KIND: LayerKind = LayerKind::Linear;
    const PARAMS: ParamTable =
        ParamTable::EMPTY.with("weight", &[OUT, IN]).with_if(BIAS, "bias", &[OUT]);
}

impl<const IN: usize, const OUT: usize, const BIAS: bool> Module for Linear<IN, OUT, BIAS> {
    fn kind(&self) -> LayerKind {
        LayerKind::Linear
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
        self.params.init_dense(IN, prefix, ruled, rng)
    }
}

impl<const IN: usize, const OUT: usize, const BIAS: bool> Forward for Linear<IN, OUT, BIAS> {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            dense::check_last_dim("Linear", &input, IN, "in_features")?;
            dense::affine("Linear", input, &self.params.weight, self.params.bias.as_ref())
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const IN: usize, const OUT: usize, const BIAS: bool> Features for Linear<IN, OUT, BIAS> {
    const IN: Width = Width::Exactly(IN);
    const OUT: Width = Width::Exactly(OUT);
}
