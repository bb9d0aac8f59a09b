//! [`Bilinear`]: `y = x1ᵀ A x2 + b`.

use ndarray::{ArrayD, ArrayViewD};

use super::weight_bias::WeightBias;
use crate::error::Result;
use crate::kernels::bilinear;
use crate::module::{Features, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, join, trace};
use crate::rng::Generator;
use crate::schemes::Init;
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable};

/// A bilinear layer, PyTorch's `nn.Bilinear(IN1, IN2, OUT, bias=BIAS)`:
/// `y[.., o] = Σᵢⱼ x1[.., i] · weight[o, i, j] · x2[.., j] + bias[o]`.
///
/// Parameters: `weight` of shape `[OUT, IN1, IN2]` and, when `BIAS`, `bias` of shape `[OUT]`.
/// Default initialization (PyTorch's `reset_parameters`, in this order): with
/// `bound = 1/√IN1`, `weight` from U(−bound, bound), then `bias` from U(−bound, bound).
///
/// The forward pass takes two inputs, so it is the inherent method
/// [`forward2`](Bilinear::forward2) (the layer does not implement
/// [`Forward`](crate::Forward)): `x1 [..., IN1]` and `x2 [..., IN2]` with the same leading
/// axes give `[..., OUT]`.
///
/// `IN1 = 0` does not compile (PyTorch raises `ValueError: in1_features must be > 0`):
///
/// ```compile_fail,E0080
/// let layer = init_core::Bilinear::<0, 4, 2>::zeroed();
/// ```
///
/// ```
/// use init_core::{Bilinear, Module, Seed};
/// use ndarray::ArrayD;
///
/// let layer = Bilinear::<3, 4, 2>::new(&mut Seed::new(0))?;
/// let names: Vec<String> = layer.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["weight", "bias"]);
/// assert_eq!(layer.weight().unwrap().shape(), &[2, 3, 4]);
/// let bound = 1.0 / 3f32.sqrt();
/// assert!(layer.weight().unwrap().as_slice().iter().all(|w| w.abs() <= bound));
///
/// let x1 = ArrayD::<f32>::ones(vec![5, 3]);
/// let x2 = ArrayD::<f32>::ones(vec![5, 4]);
/// let y = layer.forward2(x1.view(), x2.view())?;
/// assert_eq!(y.shape(), &[5, 2]);
///
/// let err = layer.forward2(x1.view(), ArrayD::<f32>::ones(vec![6, 4]).view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "Bilinear: input1 of shape [5, 3] and input2 of shape [6, 4] must have the same leading dimensions"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Bilinear<const IN1: usize, const IN2: usize, const OUT: usize, const BIAS: bool = true> {
    params: WeightBias,
}

impl<const IN1: usize, const IN2: usize, const OUT: usize, const BIAS: bool>
    Bilinear<IN1, IN2, OUT, BIAS>
{
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    /// The layer with every parameter zero, before any initialization (the memory is not
    /// touched until the first fill). Use it to build a tree, then initialize the tree once.
    ///
    /// # Panics
    ///
    /// If the parameters' memory cannot be allocated (only for dimensions far beyond any
    /// model's), with the allocation error as the message; [`new`](Self::new) returns it.
    pub fn zeroed() -> Self {
        Self::try_zeroed().unwrap_or_else(|e| panic!("Bilinear::zeroed: {e}"))
    }

    /// [`zeroed`](Self::zeroed) with an error when the memory cannot be allocated.
    pub(crate) fn try_zeroed() -> Result<Self> {
        let () = Self::CHECK;
        Ok(Bilinear { params: WeightBias::try_zeros(&[OUT, IN1, IN2], BIAS.then_some(OUT))? })
    }

    /// The layer with PyTorch's default initialization, its parameters named `weight` and
    /// `bias` (for [`Seed`](crate::Seed), the stream keys).
    pub fn new(rng: &mut dyn Generator) -> Result<Self> {
        let mut layer = Self::try_zeroed()?;
        layer.reset_parameters("", rng)?;
        Ok(layer)
    }

    /// The forward pass in evaluation mode: `x1 [..., IN1]` and `x2 [..., IN2]`, with the same
    /// leading axes (any number, including none), give `[..., OUT]`.
    ///
    /// Errors: a last axis that is not `IN1` (resp. `IN2`), or leading axes that differ.
    pub fn forward2(
        &self,
        x1: ArrayViewD<'_, f32>,
        x2: ArrayViewD<'_, f32>,
    ) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            bilinear::bilinear("Bilinear", x1, x2, &self.params.weight, self.params.bias.as_ref())
        })
    }
}

impl<const IN1: usize, const IN2: usize, const OUT: usize, const BIAS: bool> Zeroed
    for Bilinear<IN1, IN2, OUT, BIAS>
{
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<const IN1: usize, const IN2: usize, const OUT: usize, const BIAS: bool> LayerSpec
    for Bilinear<IN1, IN2, OUT, BIAS>
{
    const KIND: LayerKind = LayerKind::Bilinear;
    const CONFIG: Msg = Rules::new("Bilinear").positive("in1_features", IN1).verdict();
    const PARAMS: ParamTable =
        ParamTable::EMPTY.with("weight", &[OUT, IN1, IN2]).with_if(BIAS, "bias", &[OUT]);
}

impl<const IN1: usize, const IN2: usize, const OUT: usize, const BIAS: bool> Module
    for Bilinear<IN1, IN2, OUT, BIAS>
{
    fn kind(&self) -> LayerKind {
        LayerKind::Bilinear
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        self.params.visit(v);
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        self.params.visit_mut(v);
    }

    /// PyTorch's `Bilinear.reset_parameters`: `bound = 1/√IN1` (the weight's dim 1), weight
    /// then bias from U(−bound, bound).
    fn init_defaults(
        &mut self,
        prefix: &str,
        ruled: &dyn Fn(&str) -> bool,
        rng: &mut dyn Generator,
    ) -> Result<()> {
        let bound = 1.0 / (IN1 as f64).sqrt();
        if !ruled("weight") {
            let init = Init::Uniform { a: -bound, b: bound };
            init.fill(&mut self.params.weight, &join(prefix, "weight"), rng)?;
        }
        self.params.init_bias_uniform(bound, prefix, ruled, rng)
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const IN1: usize, const IN2: usize, const OUT: usize, const BIAS: bool> Features
    for Bilinear<IN1, IN2, OUT, BIAS>
{
    const IN: Width = Width::Exactly(IN1);
    const OUT: Width = Width::Exactly(OUT);
}
