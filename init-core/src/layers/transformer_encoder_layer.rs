//! [`TransformerEncoderLayer`]: PyTorch's `nn.TransformerEncoderLayer`.

use ndarray::{ArrayD, ArrayViewD};

use super::transformer_masks::EncoderMasks;
use crate::error::Result;
use crate::kernels::attention::MaskNames;
use crate::kernels::transformer::{self, Attention, Encoder, FeedForward, Masks, Setup};
use crate::layers::{Dropout, LayerNorm, Linear, MultiheadAttention};
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::rng::Generator;
use crate::spec::config::{self, Rules, TransformerActivation};
use crate::spec::{LayerSpec, Msg, ParamTable};

const LAYER: &str = "TransformerEncoderLayer";

/// One encoder layer of a transformer, PyTorch's `nn.TransformerEncoderLayer(D_MODEL, NHEAD,
/// dim_feedforward=DIM_FEEDFORWARD, bias=BIAS)`: self-attention, then a feed-forward
/// network, each inside a residual block with a layer normalization.
///
/// The sizes that fix parameter shapes are const generics (`dim_feedforward` defaults to
/// PyTorch's 2048, `bias` to `true`); PyTorch's other keywords are builders named after
/// them, with PyTorch's defaults: [`dropout`](Self::dropout) (0.1),
/// [`activation`](Self::activation) (`"relu"`), [`layer_norm_eps`](Self::layer_norm_eps)
/// (1e-5), [`batch_first`](Self::batch_first) (`false`), [`norm_first`](Self::norm_first)
/// (`false`).
///
/// # Children (registration order, PyTorch's names)
///
/// `self_attn` ([`MultiheadAttention<D_MODEL, NHEAD>`](MultiheadAttention)), `linear1`
/// ([`Linear<D_MODEL, DIM_FEEDFORWARD>`](Linear)), `dropout`, `linear2`
/// ([`Linear<DIM_FEEDFORWARD, D_MODEL>`](Linear)), `norm1`, `norm2`
/// ([`LayerNorm<D_MODEL>`](LayerNorm)), `dropout1`, `dropout2` ([`Dropout`]). The layer
/// owns no parameter itself: the state dict holds `self_attn.in_proj_weight`,
/// `self_attn.in_proj_bias`, `self_attn.out_proj.weight`, `self_attn.out_proj.bias`,
/// `linear1.weight`, `linear1.bias`, `linear2.weight`, `linear2.bias`, `norm1.weight`,
/// `norm1.bias`, `norm2.weight`, `norm2.bias` (without the biases when `BIAS = false`). The
/// activation is a function in PyTorch (`F.relu`, `F.gelu`), not a module, so
/// `named_modules()` does not list it, here as there. As in [`MultiheadAttention`],
/// `self_attn.out_proj` is a plain `Linear` where PyTorch's class is
/// `NonDynamicallyQuantizableLinear`.
///
/// # Default initialization
///
/// PyTorch's construction order, which is its order of random draws: `self_attn` (its
/// `out_proj` Linear init, then `xavier_uniform` on `in_proj_weight`, zero biases), `linear1`
/// and `linear2` (Linear's `kaiming_uniform(a = √5)` weight, then bias), `norm1` and `norm2`
/// (ones and zeros, no draw). With [`TorchGenerator`](crate::TorchGenerator) seeded `s`,
/// [`new`](Self::new) gives the bits of `torch.manual_seed(s);
/// nn.TransformerEncoderLayer(...)`.
///
/// # Forward pass (evaluation mode: dropout is the identity)
///
/// `src` is `[S, N, D_MODEL]` (`[N, S, D_MODEL]` with `batch_first`) or unbatched
/// `[S, D_MODEL]`; the output has its shape. With `norm_first = false`:
/// `x = norm1(x + self_attn(x)); x = norm2(x + linear2(activation(linear1(x))))`; with
/// `norm_first = true`: `x = x + self_attn(norm1(x));
/// x = x + linear2(activation(linear1(norm2(x))))`.
/// [`forward_with`](Self::forward_with) takes PyTorch's `src_mask`,
/// `src_key_padding_mask` and `is_causal` ([`EncoderMasks`]).
///
/// # Configurations that do not compile
///
/// `D_MODEL = 0`, `NHEAD = 0`, and `D_MODEL` not divisible by `NHEAD`:
///
/// ```compile_fail,E0080
/// let layer = init_core::TransformerEncoderLayer::<10, 3>::zeroed();
/// ```
///
/// # Example
///
/// ```
/// use init_core::{
///     AttnMask, EncoderMasks, Forward, Module, TorchGenerator, TransformerEncoderLayer,
/// };
/// use ndarray::{Array2, ArrayD};
///
/// // torch.manual_seed(0); nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, activation="gelu")
/// let layer = TransformerEncoderLayer::<8, 2, 16>::new(&mut TorchGenerator::new(0))?
///     .activation("gelu")?;
/// let children: Vec<String> = layer.named_children().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(
///     children,
///     ["self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"]
/// );
/// assert_eq!(layer.named_parameters()[0].0, "self_attn.in_proj_weight");
///
/// let src = ArrayD::<f32>::ones(vec![3, 2, 8]); // [S, N, E]
/// assert_eq!(layer.forward(src.view())?.shape(), &[3, 2, 8]);
///
/// // Causal self-attention with padding: batch element 1 has 2 tokens, then padding.
/// let padding = Array2::from_shape_fn((2, 3), |(n, s)| n == 1 && s == 2).into_dyn();
/// let masks = EncoderMasks::new()
///     .is_causal(true)
///     .src_key_padding_mask(AttnMask::Bool(padding.view()));
/// assert_eq!(layer.forward_with(src.view(), &masks)?.shape(), &[3, 2, 8]);
///
/// let err = layer.forward(ArrayD::<f32>::ones(vec![3, 2, 6]).view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "TransformerEncoderLayer: src of shape [3, 2, 6] must be [S, N, 8] or unbatched [S, 8] (d_model = 8)"
/// );
/// let err = TransformerEncoderLayer::<8, 2, 16>::zeroed().dropout(1.5).unwrap_err();
/// assert_eq!(err.to_string(), "TransformerEncoderLayer: dropout must be in [0, 1], got 1.5");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TransformerEncoderLayer<
    const D_MODEL: usize,
    const NHEAD: usize,
    const DIM_FEEDFORWARD: usize = 2048,
    const BIAS: bool = true,
> {
    self_attn: MultiheadAttention<D_MODEL, NHEAD, D_MODEL, D_MODEL, BIAS>,
    linear1: Linear<D_MODEL, DIM_FEEDFORWARD, BIAS>,
    dropout: Dropout,
    linear2: Linear<DIM_FEEDFORWARD, D_MODEL, BIAS>,
    norm1: LayerNorm<D_MODEL>,
    norm2: LayerNorm<D_MODEL>,
    dropout1: Dropout,
    dropout2: Dropout,
    activation: TransformerActivation,
    norm_first: bool,
}

impl<const D_MODEL: usize, const NHEAD: usize, const DIM_FEEDFORWARD: usize, const BIAS: bool>
    TransformerEncoderLayer<D_MODEL, NHEAD, DIM_FEEDFORWARD, BIAS>
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
        Ok(TransformerEncoderLayer {
            self_attn: MultiheadAttention::try_zeroed()?,
            linear1: Linear::try_zeroed()?,
            dropout,
            linear2: Linear::try_zeroed()?,
            norm1: norm(),
            norm2: norm(),
            dropout1: dropout,
            dropout2: dropout,
            activation: TransformerActivation::Relu,
            norm_first: false,
        })
    }

    /// The layer with PyTorch's default initialization, in PyTorch's order of draws (see
    /// the type's documentation), its parameters named as in PyTorch
    /// (`self_attn.in_proj_weight`, ...: for [`Seed`](crate::Seed), the stream keys).
    pub fn new(rng: &mut dyn Generator) -> Result<Self> {
        let mut layer = Self::try_zeroed()?;
        layer.reset_parameters("", rng)?;
        Ok(layer)
    }

    /// PyTorch's `dropout` (0.1 by default), the probability of every dropout of the layer
    /// (`dropout`, `dropout1`, `dropout2`; PyTorch's `self_attn` dropout too, which is inert
    /// in evaluation mode, as all of them). Error: `p` outside `[0, 1]` or NaN.
    pub fn dropout(mut self, p: f64) -> Result<Self> {
        config::check_keyword(LAYER, "dropout", p, config::probability(p))?;
        let dropout = Dropout::with_p(p)?;
        (self.dropout, self.dropout1, self.dropout2) = (dropout, dropout, dropout);
        Ok(self)
    }

    /// PyTorch's `activation` of the feed-forward block, by its string name: `"relu"` (the
    /// default, `F.relu`) or `"gelu"` (`F.gelu`, exact). Error: any other name.
    pub fn activation(mut self, name: &str) -> Result<Self> {
        config::check_keyword(LAYER, "activation", name, config::transformer_activation(name))?;
        self.activation = TransformerActivation::from_name(name).unwrap_or(self.activation);
        Ok(self)
    }

    /// PyTorch's `layer_norm_eps` (1e-5 by default), the `eps` of `norm1` and `norm2`.
    /// Error: negative or not finite.
    pub fn layer_norm_eps(mut self, eps: f64) -> Result<Self> {
        config::check_keyword(LAYER, "layer_norm_eps", eps, config::eps(eps))?;
        self.norm1 = self.norm1.with_eps(eps)?;
        self.norm2 = self.norm2.with_eps(eps)?;
        Ok(self)
    }

    /// PyTorch's `batch_first`: inputs and output are `[N, S, E]` (`true`) or `[S, N, E]`
    /// (`false`, the default). Unbatched inputs are not affected.
    #[must_use]
    pub fn batch_first(mut self, batch_first: bool) -> Self {
        self.self_attn = self.self_attn.batch_first(batch_first);
        self
    }

    /// PyTorch's `norm_first`: normalize before each block (`true`, "pre-norm") or after
    /// each residual sum (`false`, the default).
    #[must_use]
    pub fn norm_first(mut self, norm_first: bool) -> Self {
        self.norm_first = norm_first;
        self
    }

    /// The dropout probability set by [`dropout`](Self::dropout).
    pub fn dropout_p(&self) -> f64 {
        self.dropout.p()
    }

    /// The activation's name set by [`activation`](Self::activation): `"relu"` or `"gelu"`.
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

    /// The feed-forward block's first layer `linear1`.
    pub fn linear1(&self) -> &Linear<D_MODEL, DIM_FEEDFORWARD, BIAS> {
        &self.linear1
    }

    /// The feed-forward block's second layer `linear2`.
    pub fn linear2(&self) -> &Linear<DIM_FEEDFORWARD, D_MODEL, BIAS> {
        &self.linear2
    }

    /// The normalization of the self-attention block, `norm1`.
    pub fn norm1(&self) -> &LayerNorm<D_MODEL> {
        &self.norm1
    }

    /// The normalization of the feed-forward block, `norm2`.
    pub fn norm2(&self) -> &LayerNorm<D_MODEL> {
        &self.norm2
    }

    /// PyTorch's `forward(src, src_mask, src_key_padding_mask, is_causal)` in evaluation
    /// mode. Shapes are in the type's documentation, the masks in [`EncoderMasks`].
    ///
    /// Errors: `src` of the wrong rank or feature size; a mask of the wrong shape; with
    /// `is_causal`, a `src_mask` that is not the causal mask.
    pub fn forward_with(
        &self,
        src: ArrayViewD<'_, f32>,
        masks: &EncoderMasks<'_>,
    ) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let layer = Encoder {
                self_attn: Attention { proj: self.self_attn.projections()?, heads: NHEAD },
                ff: FeedForward {
                    linear1: &self.linear1,
                    linear2: &self.linear2,
                    activation: self.activation,
                },
                norm1: &self.norm1,
                norm2: &self.norm2,
            };
            let masks = Masks {
                attn_mask: masks.src_mask.as_ref(),
                key_padding_mask: masks.src_key_padding_mask.as_ref(),
                is_causal: masks.is_causal,
                names: MaskNames {
                    layer: LAYER,
                    key_padding_mask: "src_key_padding_mask",
                    attn_mask: "src_mask",
                },
                is_causal_name: "is_causal",
            };
            let setup = Setup {
                layer: LAYER,
                d_model: D_MODEL,
                batch_first: self.is_batch_first(),
                norm_first: self.norm_first,
            };
            transformer::encoder_layer(src, &layer, &masks, setup)
        })
    }
}

impl<const D_MODEL: usize, const NHEAD: usize, const DIM_FEEDFORWARD: usize, const BIAS: bool>
    Zeroed for TransformerEncoderLayer<D_MODEL, NHEAD, DIM_FEEDFORWARD, BIAS>
{
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<const D_MODEL: usize, const NHEAD: usize, const DIM_FEEDFORWARD: usize, const BIAS: bool>
    LayerSpec for TransformerEncoderLayer<D_MODEL, NHEAD, DIM_FEEDFORWARD, BIAS>
{
    const KIND: LayerKind = LayerKind::TransformerEncoderLayer;
    const CONFIG: Msg = Rules::new(LAYER)
        .positive("d_model", D_MODEL)
        .positive("nhead", NHEAD)
        .divisible(("d_model", D_MODEL), ("nhead", NHEAD))
        .verdict();
    /// None of its own: its children hold them (as [`MultiheadAttention`]'s table leaves out
    /// `out_proj`).
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl<const D_MODEL: usize, const NHEAD: usize, const DIM_FEEDFORWARD: usize, const BIAS: bool>
    Module for TransformerEncoderLayer<D_MODEL, NHEAD, DIM_FEEDFORWARD, BIAS>
{
    fn kind(&self) -> LayerKind {
        LayerKind::TransformerEncoderLayer
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.module("self_attn", &self.self_attn);
        v.module("linear1", &self.linear1);
        v.module("dropout", &self.dropout);
        v.module("linear2", &self.linear2);
        v.module("norm1", &self.norm1);
        v.module("norm2", &self.norm2);
        v.module("dropout1", &self.dropout1);
        v.module("dropout2", &self.dropout2);
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        v.module("self_attn", &mut self.self_attn);
        v.module("linear1", &mut self.linear1);
        v.module("dropout", &mut self.dropout);
        v.module("linear2", &mut self.linear2);
        v.module("norm1", &mut self.norm1);
        v.module("norm2", &mut self.norm2);
        v.module("dropout1", &mut self.dropout1);
        v.module("dropout2", &mut self.dropout2);
    }
}

impl<const D_MODEL: usize, const NHEAD: usize, const DIM_FEEDFORWARD: usize, const BIAS: bool>
    Forward for TransformerEncoderLayer<D_MODEL, NHEAD, DIM_FEEDFORWARD, BIAS>
{
    /// `forward(src)` without masks.
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        self.forward_with(input, &EncoderMasks::new())
    }
}

/// Feature counts for `#[module(sequential)]` chains: `d_model` in and out (the decoder's
/// chained input is its target sequence).
impl<const D_MODEL: usize, const NHEAD: usize, const DIM_FEEDFORWARD: usize, const BIAS: bool>
    Features for TransformerEncoderLayer<D_MODEL, NHEAD, DIM_FEEDFORWARD, BIAS>
{
    const IN: Width = Width::Exactly(D_MODEL);
    const OUT: Width = Width::Exactly(D_MODEL);
}

super::transformer_config::transformer_configure!(TransformerEncoderLayer);
