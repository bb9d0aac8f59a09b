//! [`TransformerDecoderLayer`]: PyTorch's `nn.TransformerDecoderLayer`.

use ndarray::{ArrayD, ArrayViewD};

use super::transformer_masks::DecoderMasks;
use crate::error::Result;
use crate::kernels::attention::MaskNames;
use crate::kernels::transformer::{self, Attention, Decoder, FeedForward, Masks, Setup};
use crate::layers::{Dropout, LayerNorm, Linear, MultiheadAttention};
use crate::module::{Features, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace};
use crate::rng::Generator;
use crate::spec::config::{self, Rules, TransformerActivation};
use crate::spec::{LayerSpec, Msg, ParamTable};

const LAYER: &str = "TransformerDecoderLayer";

/// One decoder layer of a transformer, PyTorch's `nn.TransformerDecoderLayer(D_MODEL, NHEAD,
/// dim_feedforward=DIM_FEEDFORWARD, bias=BIAS)`: self-attention over the target, attention
/// over the encoder's output (the memory), then a feed-forward network, each inside a
/// residual block with a layer normalization.
///
/// Const generics and builders as for
/// [`TransformerEncoderLayer`](crate::TransformerEncoderLayer), with PyTorch's defaults:
/// [`dropout`](Self::dropout) (0.1), [`activation`](Self::activation) (`"relu"`),
/// [`layer_norm_eps`](Self::layer_norm_eps) (1e-5), [`batch_first`](Self::batch_first)
/// (`false`), [`norm_first`](Self::norm_first) (`false`).
///
/// # Children (registration order, PyTorch's names)
///
/// `self_attn`, `multihead_attn` ([`MultiheadAttention<D_MODEL, NHEAD>`](MultiheadAttention)),
/// `linear1`, `dropout`, `linear2`, `norm1`, `norm2`, `norm3`, `dropout1`, `dropout2`,
/// `dropout3`. No parameter of its own; the activation is a function, not a module, as in
/// PyTorch; `out_proj` is a plain `Linear` (PyTorch's `NonDynamicallyQuantizableLinear`).
///
/// # Default initialization
///
/// PyTorch's construction order, which is its order of random draws: `self_attn`,
/// `multihead_attn` (each: `out_proj` Linear init, `xavier_uniform` on `in_proj_weight`, zero
/// biases), `linear1`, `linear2`, then the norms (no draw). With
/// [`TorchGenerator`](crate::TorchGenerator) seeded `s`, [`new`](Self::new) gives the bits of
/// `torch.manual_seed(s); nn.TransformerDecoderLayer(...)`.
///
/// # Forward pass (evaluation mode: dropout is the identity)
///
/// [`forward2(tgt, memory)`](Self::forward2): `tgt` `[T, N, D_MODEL]` and `memory`
/// `[S, N, D_MODEL]` (`[N, T, ·]`, `[N, S, ·]` with `batch_first`), or unbatched `[T, D_MODEL]`
/// and `[S, D_MODEL]`; the output has `tgt`'s shape. With `norm_first = false`:
/// `x = norm1(x + self_attn(x)); x = norm2(x + multihead_attn(x, memory)); x = norm3(x +
/// ff(x))`; with `norm_first = true`: `x = x + self_attn(norm1(x)); x = x +
/// multihead_attn(norm2(x), memory); x = x + ff(norm3(x))`, where `ff(x) =
/// linear2(activation(linear1(x)))`. [`forward2_with`](Self::forward2_with) takes PyTorch's
/// masks ([`DecoderMasks`]). The layer has two inputs, so it does not implement
/// [`Forward`](crate::Forward).
///
/// `D_MODEL = 0`, `NHEAD = 0`, and `D_MODEL` not divisible by `NHEAD` do not compile:
///
/// ```compile_fail,E0080
/// let layer = init_core::TransformerDecoderLayer::<6, 4>::zeroed();
/// ```
///
/// # Example
///
/// ```
/// use init_core::{DecoderMasks, Module, Seed, TransformerDecoderLayer};
/// use ndarray::ArrayD;
///
/// let layer = TransformerDecoderLayer::<8, 2, 16>::new(&mut Seed::new(0))?
///     .norm_first(true)
///     .batch_first(true);
/// let names: Vec<String> = layer.named_modules().into_iter().map(|(n, _)| n).collect();
/// let first = ["", "self_attn", "self_attn.out_proj", "multihead_attn", "multihead_attn.out_proj"];
/// assert_eq!(&names[..5], first);
///
/// let tgt = ArrayD::<f32>::ones(vec![2, 3, 8]); // [N, T, E]
/// let memory = ArrayD::<f32>::ones(vec![2, 5, 8]); // [N, S, E]
/// let causal = DecoderMasks::new().tgt_is_causal(true);
/// let out = layer.forward2_with(tgt.view(), memory.view(), &causal)?;
/// assert_eq!(out.shape(), &[2, 3, 8]);
///
/// let err = layer.forward2(tgt.view(), ArrayD::<f32>::ones(vec![3, 5, 8]).view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "TransformerDecoderLayer: tgt of shape [2, 3, 8] and memory of shape [3, 5, 8] must have the same batch size"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TransformerDecoderLayer<
    const D_MODEL: usize,
    const NHEAD: usize,
    const DIM_FEEDFORWARD: usize = 2048,
    const BIAS: bool = true,
> {
    self_attn: MultiheadAttention<D_MODEL, NHEAD, D_MODEL, D_MODEL, BIAS>,
    multihead_attn: MultiheadAttention<D_MODEL, NHEAD, D_MODEL, D_MODEL, BIAS>,
    linear1: Linear<D_MODEL, DIM_FEEDFORWARD, BIAS>,
    dropout: Dropout,
    linear2: Linear<DIM_FEEDFORWARD, D_MODEL, BIAS>,
    norm1: LayerNorm<D_MODEL>,
    norm2: LayerNorm<D_MODEL>,
    norm3: LayerNorm<D_MODEL>,
    dropout1: Dropout,
    dropout2: Dropout,
    dropout3: Dropout,
    activation: TransformerActivation,
    norm_first: bool,
}

impl<const D_MODEL: usize, const NHEAD: usize, const DIM_FEEDFORWARD: usize, const BIAS: bool>
    TransformerDecoderLayer<D_MODEL, NHEAD, DIM_FEEDFORWARD, BIAS>
{
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    /// The layer with every parameter zero (the norms' too), before any initialization,
    /// with PyTorch's default settings. Build a tree this way, then initialize it once.
    ///
    /// # Panics
    ///
    /// If the parameters' memory cannot be allocated (only for dimensions far beyond any
    /// model's), with the allocation error as the message; [`new`](Self::new) returns it.
    pub fn zeroed() -> Self {
        Self::try_zeroed().unwrap_or_else(|e| panic!("{LAYER}::zeroed: {e}"))
    }

    /// [`zeroed`](Self::zeroed) with an error when the memory cannot be allocated.
    fn try_zeroed() -> Result<Self> {
        let () = Self::CHECK;
        let norm = || {
            let norm = LayerNorm::zeroed();
            if BIAS { norm } else { norm.without_bias() }
        };
        let dropout = Dropout::with_p(0.1)?;
        Ok(TransformerDecoderLayer {
            self_attn: MultiheadAttention::try_zeroed()?,
            multihead_attn: MultiheadAttention::try_zeroed()?,
            linear1: Linear::try_zeroed()?,
            dropout,
            linear2: Linear::try_zeroed()?,
            norm1: norm(),
            norm2: norm(),
            norm3: norm(),
            dropout1: dropout,
            dropout2: dropout,
            dropout3: dropout,
            activation: TransformerActivation::Relu,
            norm_first: false,
        })
    }

    /// The layer with PyTorch's default initialization, in PyTorch's order of draws (see
    /// the type's documentation), its parameters named as in PyTorch.
    pub fn new(rng: &mut dyn Generator) -> Result<Self> {
        let mut layer = Self::try_zeroed()?;
        layer.reset_parameters("", rng)?;
        Ok(layer)
    }

    /// PyTorch's `dropout` (0.1 by default), the probability of every dropout of the layer
    /// (all inert in evaluation mode). Error: `p` outside `[0, 1]` or NaN.
    pub fn dropout(mut self, p: f64) -> Result<Self> {
        config::check_keyword(LAYER, "dropout", p, config::probability(p))?;
        let d = Dropout::with_p(p)?;
        (self.dropout, self.dropout1, self.dropout2, self.dropout3) = (d, d, d, d);
        Ok(self)
    }

    /// PyTorch's `activation` of the feed-forward block: `"relu"` (the default) or
    /// `"gelu"` (exact). Error: any other name.
    pub fn activation(mut self, name: &str) -> Result<Self> {
        config::check_keyword(LAYER, "activation", name, config::transformer_activation(name))?;
        self.activation = TransformerActivation::from_name(name).unwrap_or(self.activation);
        Ok(self)
    }

    /// PyTorch's `layer_norm_eps` (1e-5 by default), the `eps` of `norm1`, `norm2` and
    /// `norm3`. Error: negative or not finite.
    pub fn layer_norm_eps(mut self, eps: f64) -> Result<Self> {
        config::check_keyword(LAYER, "layer_norm_eps", eps, config::eps(eps))?;
        self.norm1 = self.norm1.with_eps(eps)?;
        self.norm2 = self.norm2.with_eps(eps)?;
        self.norm3 = self.norm3.with_eps(eps)?;
        Ok(self)
    }

    /// PyTorch's `batch_first`: `tgt`, `memory` and the output are `[N, ·, E]` (`true`) or
    /// `[·, N, E]` (`false`, the default).
    #[must_use]
    pub fn batch_first(mut self, batch_first: bool) -> Self {
        self.self_attn = self.self_attn.batch_first(batch_first);
        self.multihead_attn = self.multihead_attn.batch_first(batch_first);
        self
    }

    /// PyTorch's `norm_first`: normalize before each block (`true`) or after each residual
    /// sum (`false`, the default).
    #[must_use]
    pub fn norm_first(mut self, norm_first: bool) -> Self {
        self.norm_first = norm_first;
        self
    }

    /// The dropout probability set by [`dropout`](Self::dropout).
    pub fn dropout_p(&self) -> f64 {
        self.dropout.p()
    }

    /// The activation's name: `"relu"` or `"gelu"`.
    pub fn activation_name(&self) -> &'static str {
        self.activation.name()
    }

    /// The layout set by [`batch_first`](Self::batch_first).
    pub fn is_batch_first(&self) -> bool {
        self.self_attn.is_batch_first()
    }

    /// The order set by [`norm_first`](Self::norm_first).
    pub fn is_norm_first(&self) -> bool {
        self.norm_first
    }

    /// The self-attention block `self_attn`.
    pub fn self_attn(&self) -> &MultiheadAttention<D_MODEL, NHEAD, D_MODEL, D_MODEL, BIAS> {
        &self.self_attn
    }

    /// The attention over the memory, `multihead_attn`.
    pub fn multihead_attn(&self) -> &MultiheadAttention<D_MODEL, NHEAD, D_MODEL, D_MODEL, BIAS> {
        &self.multihead_attn
    }

    /// The feed-forward block's first layer `linear1`.
    pub fn linear1(&self) -> &Linear<D_MODEL, DIM_FEEDFORWARD, BIAS> {
        &self.linear1
    }

    /// The feed-forward block's second layer `linear2`.
    pub fn linear2(&self) -> &Linear<DIM_FEEDFORWARD, D_MODEL, BIAS> {
        &self.linear2
    }

    /// The normalizations `norm1`, `norm2`, `norm3` (self-attention, memory attention,
    /// feed-forward).
    pub fn norms(&self) -> [&LayerNorm<D_MODEL>; 3] {
        [&self.norm1, &self.norm2, &self.norm3]
    }

    /// PyTorch's `forward(tgt, memory)` in evaluation mode, without masks.
    ///
    /// Errors: inputs of the wrong rank or feature size, of different ranks or batch sizes.
    pub fn forward2(
        &self,
        tgt: ArrayViewD<'_, f32>,
        memory: ArrayViewD<'_, f32>,
    ) -> Result<ArrayD<f32>> {
        self.forward2_with(tgt, memory, &DecoderMasks::new())
    }

    /// PyTorch's `forward(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
    /// memory_key_padding_mask, tgt_is_causal, memory_is_causal)` in evaluation mode.
    ///
    /// Errors: as [`forward2`](Self::forward2), masks of the wrong shape, and with
    /// `tgt_is_causal` (`memory_is_causal`) a `tgt_mask` (`memory_mask`) that is not causal.
    pub fn forward2_with(
        &self,
        tgt: ArrayViewD<'_, f32>,
        memory: ArrayViewD<'_, f32>,
        masks: &DecoderMasks<'_>,
    ) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let layer = Decoder {
                self_attn: Attention { proj: self.self_attn.projections()?, heads: NHEAD },
                cross_attn: Attention { proj: self.multihead_attn.projections()?, heads: NHEAD },
                ff: FeedForward {
                    linear1: &self.linear1,
                    linear2: &self.linear2,
                    activation: self.activation,
                },
                norms: [&self.norm1, &self.norm2, &self.norm3],
            };
            let tgt_masks = Masks {
                attn_mask: masks.tgt_mask.as_ref(),
                key_padding_mask: masks.tgt_key_padding_mask.as_ref(),
                is_causal: masks.tgt_is_causal,
                names: MaskNames {
                    layer: LAYER,
                    key_padding_mask: "tgt_key_padding_mask",
                    attn_mask: "tgt_mask",
                },
                is_causal_name: "tgt_is_causal",
            };
            let memory_masks = Masks {
                attn_mask: masks.memory_mask.as_ref(),
                key_padding_mask: masks.memory_key_padding_mask.as_ref(),
                is_causal: masks.memory_is_causal,
                names: MaskNames {
                    layer: LAYER,
                    key_padding_mask: "memory_key_padding_mask",
                    attn_mask: "memory_mask",
                },
                is_causal_name: "memory_is_causal",
            };
            let setup = Setup {
                layer: LAYER,
                d_model: D_MODEL,
                batch_first: self.is_batch_first(),
                norm_first: self.norm_first,
            };
            transformer::decoder_layer(tgt, memory, &layer, (&tgt_masks, &memory_masks), setup)
        })
    }
}

impl<const D_MODEL: usize, const NHEAD: usize, const DIM_FEEDFORWARD: usize, const BIAS: bool>
    Zeroed for TransformerDecoderLayer<D_MODEL, NHEAD, DIM_FEEDFORWARD, BIAS>
{
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<const D_MODEL: usize, const NHEAD: usize, const DIM_FEEDFORWARD: usize, const BIAS: bool>
    LayerSpec for TransformerDecoderLayer<D_MODEL, NHEAD, DIM_FEEDFORWARD, BIAS>
{
    const KIND: LayerKind = LayerKind::TransformerDecoderLayer;
    const CONFIG: Msg = Rules::new(LAYER)
        .positive("d_model", D_MODEL)
        .positive("nhead", NHEAD)
        .divisible(("d_model", D_MODEL), ("nhead", NHEAD))
        .verdict();
    /// None of its own: its children hold them.
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl<const D_MODEL: usize, const NHEAD: usize, const DIM_FEEDFORWARD: usize, const BIAS: bool>
    Module for TransformerDecoderLayer<D_MODEL, NHEAD, DIM_FEEDFORWARD, BIAS>
{
    fn kind(&self) -> LayerKind {
        LayerKind::TransformerDecoderLayer
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.module("self_attn", &self.self_attn);
        v.module("multihead_attn", &self.multihead_attn);
        v.module("linear1", &self.linear1);
        v.module("dropout", &self.dropout);
        v.module("linear2", &self.linear2);
        v.module("norm1", &self.norm1);
        v.module("norm2", &self.norm2);
        v.module("norm3", &self.norm3);
        v.module("dropout1", &self.dropout1);
        v.module("dropout2", &self.dropout2);
        v.module("dropout3", &self.dropout3);
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        v.module("self_attn", &mut self.self_attn);
        v.module("multihead_attn", &mut self.multihead_attn);
        v.module("linear1", &mut self.linear1);
        v.module("dropout", &mut self.dropout);
        v.module("linear2", &mut self.linear2);
        v.module("norm1", &mut self.norm1);
        v.module("norm2", &mut self.norm2);
        v.module("norm3", &mut self.norm3);
        v.module("dropout1", &mut self.dropout1);
        v.module("dropout2", &mut self.dropout2);
        v.module("dropout3", &mut self.dropout3);
    }
}

/// Feature counts for `#[module(sequential)]` chains: `d_model` in and out (the decoder's
/// chained input is its target sequence).
impl<const D_MODEL: usize, const NHEAD: usize, const DIM_FEEDFORWARD: usize, const BIAS: bool>
    Features for TransformerDecoderLayer<D_MODEL, NHEAD, DIM_FEEDFORWARD, BIAS>
{
    const IN: Width = Width::Exactly(D_MODEL);
    const OUT: Width = Width::Exactly(D_MODEL);
}

super::transformer_config::transformer_configure!(TransformerDecoderLayer);
