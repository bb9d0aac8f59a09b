//! [`GRU`]: a multi-layer, optionally bidirectional gated recurrent unit.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::kernels::recurrent::{CellKind, Recurrent};
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::rng::Generator;
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable, recurrent_table};

/// A stacked GRU, PyTorch's `nn.GRU(IN, HIDDEN, num_layers=LAYERS,
/// bidirectional=BIDIRECTIONAL, bias=BIAS)`.
///
/// Each layer computes, for every time step `t` (gate order r, z, n, as PyTorch; note that
/// the reset gate multiplies the hidden term *including* its bias `b_hn`):
///
/// ```text
/// r = σ(W_ir x + b_ir + W_hr h + b_hr)
/// z = σ(W_iz x + b_iz + W_hz h + b_hz)
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
/// h' = (1 − z) ⊙ n + z ⊙ h
/// ```
///
/// **Parameters**, per layer `k` and direction, in PyTorch's registration order (layer 0
/// forward, layer 0 reverse, layer 1 forward, ...): `weight_ih_l{k}` `[3·HIDDEN, in_k]`,
/// `weight_hh_l{k}` `[3·HIDDEN, HIDDEN]` and, when `BIAS`, `bias_ih_l{k}` and `bias_hh_l{k}`
/// `[3·HIDDEN]`; the reverse direction adds the suffix `_reverse`. `in_0 = IN`, `in_k =
/// HIDDEN · num_directions`. The rows of each are the three gates stacked in the order r, z,
/// n.
///
/// **Default initialization** (PyTorch's `reset_parameters`): every parameter, in that order,
/// from U(−1/√HIDDEN, 1/√HIDDEN).
///
/// **Forward**: the input is `[seq_len, batch, IN]`, or `[batch, seq_len, IN]` after
/// [`batch_first(true)`](GRU::batch_first), or an unbatched `[seq_len, IN]`. The output is the
/// last layer's `h_t` for every step, `[seq_len, batch, num_directions · HIDDEN]` (the
/// forward and reverse halves concatenated on the last axis, as PyTorch), batch first when
/// configured so. [`Forward::forward`] starts from a zero state and returns only the output;
/// [`forward_with_state`](GRU::forward_with_state) takes `h0` and also returns `h_n`.
///
/// Not supported: PyTorch's `dropout` between layers (this crate's forward passes are
/// evaluation mode, where that dropout is the identity).
///
/// ```
/// use init_core::{Forward, GRU, Module, Seed};
/// use ndarray::ArrayD;
///
/// let gru = GRU::<10, 20, 2, true>::new(&mut Seed::new(0))?;
/// let names: Vec<String> = gru.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names.len(), 16);
/// assert_eq!(names[4], "weight_ih_l0_reverse");
/// assert_eq!(gru.get_parameter("weight_ih_l1").unwrap().shape(), &[60, 40]);
///
/// let x = ArrayD::<f32>::zeros(vec![5, 3, 10]); // [seq_len, batch, IN]
/// assert_eq!(gru.forward(x.view())?.shape(), &[5, 3, 40]);
/// let h0 = ArrayD::<f32>::zeros(vec![4, 3, 20]); // [LAYERS · num_directions, batch, HIDDEN]
/// let (y, h_n) = gru.forward_with_state(x.view(), Some(h0.view()))?;
/// assert_eq!((y.shape(), h_n.shape()), (&[5, 3, 40][..], &[4, 3, 20][..]));
///
/// let no_bias = GRU::<10, 20, 1, false, false>::zeroed();
/// assert_eq!(no_bias.parameters().len(), 2);
/// # Ok::<(), init_core::InitError>(())
/// ```
///
/// **Configurations that do not compile**: `LAYERS = 0` and `HIDDEN = 0` (PyTorch raises
/// `num_layers must be greater than zero` and `hidden_size must be greater than zero`). The
/// error appears in `cargo build` (`cargo check` reports it on the field of a
/// `#[derive(Module)]` struct):
///
/// ```compile_fail,E0080
/// let gru = init_core::GRU::<4, 0>::zeroed(); // GRU: hidden_size must be > 0, got 0
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GRU<
    const IN: usize,
    const HIDDEN: usize,
    const LAYERS: usize = 1,
    const BIDIRECTIONAL: bool = false,
    const BIAS: bool = true,
> {
    inner: Recurrent,
}

impl<
    const IN: usize,
    const HIDDEN: usize,
    const LAYERS: usize,
    const BIDIRECTIONAL: bool,
    const BIAS: bool,
> GRU<IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS>
{
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    /// The layer with every parameter zero, before any initialization (the memory is not
    /// touched until the first fill), time-major (`batch_first = false`).
    ///
    /// # Panics
    ///
    /// If the parameters' memory cannot be allocated (only for dimensions far beyond any
    /// model's), with the allocation error as the message; [`new`](Self::new) returns it.
    pub fn zeroed() -> Self {
        Self::try_zeroed().unwrap_or_else(|e| panic!("GRU::zeroed: {e}"))
    }

    /// [`zeroed`](Self::zeroed) with an error when the memory cannot be allocated.
    fn try_zeroed() -> Result<Self> {
        let () = Self::CHECK;
        Ok(GRU {
            inner: Recurrent::try_zeroed(CellKind::Gru, IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS)?,
        })
    }

    /// The layer with PyTorch's default initialization (parameters named as in
    /// [`named_parameters`](Module::named_parameters), the stream keys of [`Seed`](crate::Seed)).
    pub fn new(rng: &mut dyn Generator) -> Result<Self> {
        let mut layer = Self::try_zeroed()?;
        layer.reset_parameters("", rng)?;
        Ok(layer)
    }

    /// Take inputs and give outputs as `[batch, seq_len, feature]` (PyTorch's `batch_first`;
    /// default `false`). The states `h0` and `h_n` keep their
    /// `[LAYERS · num_directions, batch, HIDDEN]` layout either way.
    #[must_use]
    pub fn batch_first(mut self, batch_first: bool) -> Self {
        self.inner.batch_first = batch_first;
        self
    }

    /// Whether inputs and outputs are `[batch, seq_len, feature]`.
    pub fn is_batch_first(&self) -> bool {
        self.inner.batch_first
    }

    /// Run the GRU from the state `h0` (zeros when `None`) and return `(output, h_n)`, as
    /// PyTorch's `gru(x, h0)`.
    ///
    /// `h0` and `h_n` are `[LAYERS · num_directions, batch, HIDDEN]` (`[LAYERS ·
    /// num_directions, HIDDEN]` for an unbatched input), ordered layer 0 forward, layer 0
    /// reverse, layer 1 forward, ... A wrong shape of `x` or `h0` is an error:
    ///
    /// ```
    /// use init_core::GRU;
    /// use ndarray::ArrayD;
    /// let gru = GRU::<3, 4>::zeroed();
    /// let err = gru.forward_with_state(ArrayD::zeros(vec![5, 2, 7]).view(), None).unwrap_err();
    /// assert_eq!(err.to_string(), "GRU: input of shape [5, 2, 7] must have last dimension 3 (input_size)");
    /// ```
    pub fn forward_with_state(
        &self,
        x: ArrayViewD<'_, f32>,
        h0: Option<ArrayViewD<'_, f32>>,
    ) -> Result<(ArrayD<f32>, ArrayD<f32>)> {
        let (y, h_n, _) = self.inner.forward(x, h0, None)?;
        Ok((y, h_n))
    }
}

impl<
    const IN: usize,
    const HIDDEN: usize,
    const LAYERS: usize,
    const BIDIRECTIONAL: bool,
    const BIAS: bool,
> Zeroed for GRU<IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS>
{
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<
    const IN: usize,
    const HIDDEN: usize,
    const LAYERS: usize,
    const BIDIRECTIONAL: bool,
    const BIAS: bool,
> LayerSpec for GRU<IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS>
{
    const KIND: LayerKind = LayerKind::GRU;
    const CONFIG: Msg =
        Rules::new("GRU").positive("num_layers", LAYERS).positive("hidden_size", HIDDEN).verdict();
    const PARAMS: ParamTable = recurrent_table(3, IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS);
}

impl<
    const IN: usize,
    const HIDDEN: usize,
    const LAYERS: usize,
    const BIDIRECTIONAL: bool,
    const BIAS: bool,
> Module for GRU<IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS>
{
    fn kind(&self) -> LayerKind {
        LayerKind::GRU
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        self.inner.visit(v);
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        self.inner.visit_mut(v);
    }

    /// PyTorch's `RNNBase.reset_parameters`: every parameter, in registration order, from
    /// U(−1/√HIDDEN, 1/√HIDDEN).
    fn init_defaults(
        &mut self,
        prefix: &str,
        ruled: &dyn Fn(&str) -> bool,
        rng: &mut dyn Generator,
    ) -> Result<()> {
        self.inner.init_defaults(prefix, ruled, rng)
    }
}

impl<
    const IN: usize,
    const HIDDEN: usize,
    const LAYERS: usize,
    const BIDIRECTIONAL: bool,
    const BIAS: bool,
> Forward for GRU<IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS>
{
    /// The output sequence from a zero initial state (see
    /// [`forward_with_state`](GRU::forward_with_state) for the state).
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || Ok(self.inner.forward(input, None, None)?.0))
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<
    const IN: usize,
    const HIDDEN: usize,
    const LAYERS: usize,
    const BIDIRECTIONAL: bool,
    const BIAS: bool,
> Features for GRU<IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS>
{
    const IN: Width = Width::Exactly(IN);
    const OUT: Width = Width::Exactly(if BIDIRECTIONAL { 2 * HIDDEN } else { HIDDEN });
}

/// The settings of [`GRU`] for `#[layer(...)]`: `#[layer(batch_first = true)]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GRUConfig {
    /// Whether inputs and outputs are `[batch, seq, feature]` (default `false`).
    pub batch_first: bool,
}

impl GRUConfig {
    /// Every setting is valid.
    pub const fn verdict(&self) -> Msg {
        Rules::new("GRU").verdict()
    }
}

impl<
    const IN: usize,
    const HIDDEN: usize,
    const LAYERS: usize,
    const BIDIRECTIONAL: bool,
    const BIAS: bool,
> crate::spec::Configure for GRU<IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS>
{
    type Config = GRUConfig;
    const DEFAULT: GRUConfig = GRUConfig { batch_first: false };

    fn configure(&mut self, config: &GRUConfig) {
        self.inner.batch_first = config.batch_first;
    }
}
