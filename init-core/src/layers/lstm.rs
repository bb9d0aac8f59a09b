//! [`LSTM`]: a multi-layer, optionally bidirectional long short-term memory.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::kernels::recurrent::{CellKind, Recurrent};
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::rng::Generator;
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable, recurrent_table};

/// A stacked LSTM, PyTorch's `nn.LSTM(IN, HIDDEN, num_layers=LAYERS,
/// bidirectional=BIDIRECTIONAL, bias=BIAS)`.
///
/// Each layer computes, for every time step `t` (gate order i, f, g, o, as PyTorch):
///
/// ```text
/// i = σ(W_ii x + b_ii + W_hi h + b_hi)    f = σ(W_if x + b_if + W_hf h + b_hf)
/// g = tanh(W_ig x + b_ig + W_hg h + b_hg) o = σ(W_io x + b_io + W_ho h + b_ho)
/// c' = f ⊙ c + i ⊙ g                       h' = o ⊙ tanh(c')
/// ```
///
/// **Parameters**, per layer `k` and direction, in PyTorch's registration order (layer 0
/// forward, layer 0 reverse, layer 1 forward, ...): `weight_ih_l{k}` `[4·HIDDEN, in_k]`,
/// `weight_hh_l{k}` `[4·HIDDEN, HIDDEN]` and, when `BIAS`, `bias_ih_l{k}` and `bias_hh_l{k}`
/// `[4·HIDDEN]`; the reverse direction adds the suffix `_reverse`. `in_0 = IN`, `in_k =
/// HIDDEN · num_directions`. The rows of each are the four gates stacked in the order i, f,
/// g, o.
///
/// **Default initialization** (PyTorch's `reset_parameters`): every parameter, in that order,
/// from U(−1/√HIDDEN, 1/√HIDDEN). Biases are not zero and the forget-gate bias is not special.
///
/// **Forward**: the input is `[seq_len, batch, IN]`, or `[batch, seq_len, IN]` after
/// [`batch_first(true)`](LSTM::batch_first), or an unbatched `[seq_len, IN]`. The output is the
/// last layer's `h_t` for every step, `[seq_len, batch, num_directions · HIDDEN]` (the
/// forward and reverse halves concatenated on the last axis, as PyTorch), batch first when
/// configured so. [`Forward::forward`] starts from a zero state and returns only the output;
/// [`forward_with_state`](LSTM::forward_with_state) takes `(h0, c0)` and also returns
/// `(h_n, c_n)`.
///
/// Not supported: PyTorch's `proj_size` and `dropout` between layers (this crate's forward
/// passes are evaluation mode, where that dropout is the identity).
///
/// ```
/// use init_core::{Forward, LSTM, Module, Seed};
/// use ndarray::ArrayD;
///
/// let lstm = LSTM::<10, 20, 2>::new(&mut Seed::new(0))?;
/// let names: Vec<String> = lstm.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(&names[..4], ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]);
/// assert_eq!(lstm.get_parameter("weight_ih_l1").unwrap().shape(), &[80, 20]);
/// let bound = 1.0 / 20f32.sqrt();
/// assert!(lstm.parameters().iter().all(|p| p.as_slice().iter().all(|w| w.abs() <= bound)));
///
/// let x = ArrayD::<f32>::zeros(vec![5, 3, 10]); // [seq_len, batch, IN]
/// assert_eq!(lstm.forward(x.view())?.shape(), &[5, 3, 20]);
/// let h0 = ArrayD::<f32>::zeros(vec![2, 3, 20]); // [LAYERS · num_directions, batch, HIDDEN]
/// let (y, (h_n, c_n)) = lstm.forward_with_state(x.view(), Some((h0.view(), h0.view())))?;
/// assert_eq!((y.shape(), h_n.shape(), c_n.shape()), (&[5, 3, 20][..], &[2, 3, 20][..], &[2, 3, 20][..]));
///
/// let bi = LSTM::<10, 20, 1, true>::zeroed().batch_first(true);
/// assert_eq!(bi.forward(ArrayD::zeros(vec![3, 5, 10]).view())?.shape(), &[3, 5, 40]);
/// # Ok::<(), init_core::InitError>(())
/// ```
///
/// **Configurations that do not compile**: `LAYERS = 0` and `HIDDEN = 0` (PyTorch raises
/// `num_layers must be greater than zero` and `hidden_size must be greater than zero`). The
/// error appears in `cargo build` (`cargo check` reports it on the field of a
/// `#[derive(Module)]` struct):
///
/// ```compile_fail,E0080
/// let lstm = init_core::LSTM::<4, 8, 0>::zeroed(); // LSTM: num_layers must be > 0, got 0
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LSTM<
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
> LSTM<IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS>
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
        Self::try_zeroed().unwrap_or_else(|e| panic!("LSTM::zeroed: {e}"))
    }

    /// [`zeroed`](Self::zeroed) with an error when the memory cannot be allocated.
    fn try_zeroed() -> Result<Self> {
        let () = Self::CHECK;
        Ok(LSTM {
            inner: Recurrent::try_zeroed(CellKind::Lstm, IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS)?,
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
    /// default `false`). The states `h0`, `c0`, `h_n`, `c_n` keep their
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

    /// Run the LSTM from the state `(h0, c0)` (zeros when `None`) and return `(output, (h_n,
    /// c_n))`, as PyTorch's `lstm(x, (h0, c0))`.
    ///
    /// `h0`, `c0`, `h_n` and `c_n` are `[LAYERS · num_directions, batch, HIDDEN]` (`[LAYERS ·
    /// num_directions, HIDDEN]` for an unbatched input), ordered layer 0 forward, layer 0
    /// reverse, layer 1 forward, ... A wrong shape of `x`, `h0` or `c0` is an error:
    ///
    /// ```
    /// use init_core::LSTM;
    /// use ndarray::ArrayD;
    /// let lstm = LSTM::<4, 5>::zeroed();
    /// let x = ArrayD::<f32>::zeros(vec![6, 3, 4]);
    /// let h0 = ArrayD::<f32>::zeros(vec![1, 2, 5]);
    /// let err = lstm.forward_with_state(x.view(), Some((h0.view(), h0.view()))).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "LSTM: h0 of shape [1, 2, 5] must have shape [1, 3, 5] (num_layers * num_directions, batch, hidden_size)"
    /// );
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn forward_with_state(
        &self,
        x: ArrayViewD<'_, f32>,
        state: Option<(ArrayViewD<'_, f32>, ArrayViewD<'_, f32>)>,
    ) -> Result<(ArrayD<f32>, (ArrayD<f32>, ArrayD<f32>))> {
        let (h0, c0) = state.unzip();
        let (y, h_n, c_n) = self.inner.forward(x, h0, c0)?;
        Ok((y, (h_n, c_n.unwrap_or_default())))
    }
}

impl<
    const IN: usize,
    const HIDDEN: usize,
    const LAYERS: usize,
    const BIDIRECTIONAL: bool,
    const BIAS: bool,
> Zeroed for LSTM<IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS>
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
> LayerSpec for LSTM<IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS>
{
    const KIND: LayerKind = LayerKind::LSTM;
    const CONFIG: Msg =
        Rules::new("LSTM").positive("num_layers", LAYERS).positive("hidden_size", HIDDEN).verdict();
    const PARAMS: ParamTable = recurrent_table(4, IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS);
}

impl<
    const IN: usize,
    const HIDDEN: usize,
    const LAYERS: usize,
    const BIDIRECTIONAL: bool,
    const BIAS: bool,
> Module for LSTM<IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS>
{
    fn kind(&self) -> LayerKind {
        LayerKind::LSTM
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
> Forward for LSTM<IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS>
{
    /// The output sequence from a zero initial state (see
    /// [`forward_with_state`](LSTM::forward_with_state) for the state).
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
> Features for LSTM<IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS>
{
    const IN: Width = Width::Exactly(IN);
    const OUT: Width = Width::Exactly(if BIDIRECTIONAL { 2 * HIDDEN } else { HIDDEN });
}

/// The settings of [`LSTM`] for `#[layer(...)]`: `#[layer(batch_first = true)]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LSTMConfig {
    /// Whether inputs and outputs are `[batch, seq, feature]` (default `false`).
    pub batch_first: bool,
}

impl LSTMConfig {
    /// Every setting is valid.
    pub const fn verdict(&self) -> Msg {
        Rules::new("LSTM").verdict()
    }
}

impl<
    const IN: usize,
    const HIDDEN: usize,
    const LAYERS: usize,
    const BIDIRECTIONAL: bool,
    const BIAS: bool,
> crate::spec::Configure for LSTM<IN, HIDDEN, LAYERS, BIDIRECTIONAL, BIAS>
{
    type Config = LSTMConfig;
    const DEFAULT: LSTMConfig = LSTMConfig { batch_first: false };

    fn configure(&mut self, config: &LSTMConfig) {
        self.inner.batch_first = config.batch_first;
    }
}
