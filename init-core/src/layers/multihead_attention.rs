//! [`MultiheadAttention`]: PyTorch's `nn.MultiheadAttention`, with [`AttnMask`] and
//! [`AttendOptions`] for its masked forward pass.

use ndarray::{ArrayD, ArrayView1, ArrayView2, ArrayViewD, Axis, Ix1, Ix2};

use crate::error::{InitError, Result};
pub use crate::kernels::attention::AttnMask;
use crate::kernels::attention::{self, Call, MaskNames, Projections};
use crate::layers::Linear;
use crate::module::rule::Rule;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, join, trace,
};
use crate::param::{Param, ParamSlot};
use crate::rng::Generator;
use crate::schemes::planning::set_constant;
use crate::schemes::{FanAxes, Init};
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable};

/// Multi-head attention, PyTorch's `nn.MultiheadAttention(E, HEADS, bias=BIAS, kdim=KDIM,
/// vdim=VDIM)` with `add_bias_kv=False`, `add_zero_attn=False`.
///
/// `E` is `embed_dim`, `HEADS` is `num_heads` (each head has `E / HEADS` dimensions), `KDIM`
/// and `VDIM` are the feature sizes of the keys and values (`E` by default).
///
/// # Parameters (registration order)
///
/// - when `KDIM == E` and `VDIM == E`: one packed `in_proj_weight` `[3E, E]` (rows `0..E`
///   project the query, `E..2E` the key, `2E..3E` the value); otherwise `q_proj_weight`
///   `[E, E]`, `k_proj_weight` `[E, KDIM]`, `v_proj_weight` `[E, VDIM]`, as in PyTorch;
/// - when `BIAS`: `in_proj_bias` `[3E]`;
/// - the child module `out_proj`, a [`Linear<E, E, BIAS>`](Linear) (`out_proj.weight`,
///   `out_proj.bias`).
///
/// PyTorch's `out_proj` is a `NonDynamicallyQuantizableLinear`, a `Linear` subclass that only
/// exists to keep quantization tools away; here it is a plain [`Linear`], so
/// `named_modules()` reports the class `Linear` where PyTorch reports
/// `NonDynamicallyQuantizableLinear`. Names, shapes and values are the same.
///
/// # Default initialization (PyTorch's order of random draws)
///
/// 1. `out_proj` is built first and runs [`Linear`]'s default init (weight
///    U(−1/√E, 1/√E), then bias: its draws are consumed);
/// 2. `xavier_uniform` (gain 1) on `in_proj_weight` (`fan_in = E`, `fan_out = 3E`), or on
///    `q_proj_weight`, `k_proj_weight`, `v_proj_weight` in that order;
/// 3. when `BIAS`: `in_proj_bias = 0` and `out_proj.bias = 0`.
///
/// # Forward pass (evaluation mode)
///
/// [`attend`](Self::attend) and [`attend_with`](Self::attend_with) follow PyTorch's
/// `forward(query, key, value, need_weights=True)`: `query [L, N, E]`, `key [S, N, KDIM]`,
/// `value [S, N, VDIM]` give `(attn_output [L, N, E], attn_weights [N, L, S])`, the weights
/// averaged over heads. With [`batch_first`](Self::batch_first) the inputs and the output are
/// `[N, L, ·]` (the weights stay `[N, L, S]`); unbatched inputs `[L, E]`, `[S, KDIM]`,
/// `[S, VDIM]` give `[L, E]` and `[L, S]`. Scores are `softmax(q kᵀ / √(E/HEADS) + mask)`,
/// computed stably. Supported: `key_padding_mask` and `attn_mask`, boolean or additive
/// (see [`AttendOptions`]), and per-head weights. Not supported: `add_bias_kv`,
/// `add_zero_attn`, `is_causal` (pass a causal `attn_mask` instead); dropout is a no-op in
/// evaluation mode, so there is no `dropout` setting.
///
/// [`Forward::forward`] is self-attention (`query = key = value = input`) and returns the
/// output only; it needs `KDIM == VDIM == E` (otherwise it returns an error).
///
/// # Configurations that do not compile
///
/// `E = 0`, `HEADS = 0`, and `E` not divisible by `HEADS` (PyTorch raises at construction):
///
/// ```compile_fail,E0080
/// let mha = init_core::MultiheadAttention::<10, 3>::zeroed();
/// ```
///
/// # Example
///
/// ```
/// use init_core::{AttendOptions, AttnMask, Forward, Module, MultiheadAttention, Seed};
/// use ndarray::{Array2, ArrayD};
///
/// let mha = MultiheadAttention::<8, 2>::new(&mut Seed::new(0))?;
/// let names: Vec<String> = mha.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]);
///
/// let query = ArrayD::<f32>::ones(vec![4, 2, 8]); // [L, N, E]
/// let memory = ArrayD::<f32>::ones(vec![6, 2, 8]); // [S, N, E]
/// let (out, weights) = mha.attend(query.view(), memory.view(), memory.view())?;
/// assert_eq!((out.shape(), weights.shape()), (&[4, 2, 8][..], &[2, 4, 6][..]));
///
/// // Causal self-attention: position l may not attend to s > l.
/// let causal = Array2::from_shape_fn((4, 4), |(l, s)| s > l).into_dyn();
/// let opts = AttendOptions::new().attn_mask(AttnMask::Bool(causal.view()));
/// let (_, weights) = mha.attend_with(query.view(), query.view(), query.view(), &opts)?;
/// assert_eq!(weights[[0, 0, 1]], 0.0);
///
/// // Different key and value sizes: separate projection weights.
/// let cross = MultiheadAttention::<8, 2, 6, 5>::new(&mut Seed::new(0))?;
/// assert!(cross.in_proj_weight().is_none());
/// assert_eq!(cross.k_proj_weight().unwrap().shape(), &[8, 6]);
/// let err = cross.forward(query.view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "MultiheadAttention: forward is self-attention and needs kdim = vdim = embed_dim = 8, \
///      got kdim = 6, vdim = 5; use attend(query, key, value)"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MultiheadAttention<
    const E: usize,
    const HEADS: usize,
    const KDIM: usize = E,
    const VDIM: usize = E,
    const BIAS: bool = true,
> {
    in_proj: InProj,
    in_proj_bias: Option<Param>,
    out_proj: Linear<E, E, BIAS>,
    batch_first: bool,
}

/// The input projection weights: packed when the key and value sizes equal `E`.
#[derive(Clone, Debug, PartialEq)]
enum InProj {
    Packed(Param),
    Separate(Box<Qkv>),
}

/// Separate query, key and value projection weights.
#[derive(Clone, Debug, PartialEq)]
struct Qkv {
    q: Param,
    k: Param,
    v: Param,
}

impl<const E: usize, const HEADS: usize, const KDIM: usize, const VDIM: usize, const BIAS: bool>
    MultiheadAttention<E, HEADS, KDIM, VDIM, BIAS>
{
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    /// The size of each head, `E / HEADS`.
    pub const HEAD_DIM: usize = E / HEADS;

    /// The layer with every parameter zero, before any initialization (the memory is not
    /// touched until the first fill). Use it to build a tree, then initialize the tree once.
    ///
    /// # Panics
    ///
    /// If the parameters' memory cannot be allocated (only for dimensions far beyond any
    /// model's), with the allocation error as the message; [`new`](Self::new) returns it.
    pub fn zeroed() -> Self {
        Self::try_zeroed().unwrap_or_else(|e| panic!("MultiheadAttention::zeroed: {e}"))
    }

    /// [`zeroed`](Self::zeroed) with an error when the memory cannot be allocated.
    pub(crate) fn try_zeroed() -> Result<Self> {
        let () = Self::CHECK;
        let in_proj = if KDIM == E && VDIM == E {
            InProj::Packed(Param::try_zeros(&[3 * E, E])?)
        } else {
            InProj::Separate(Box::new(Qkv {
                q: Param::try_zeros(&[E, E])?,
                k: Param::try_zeros(&[E, KDIM])?,
                v: Param::try_zeros(&[E, VDIM])?,
            }))
        };
        Ok(MultiheadAttention {
            in_proj,
            in_proj_bias: BIAS.then(|| Param::try_zeros(&[3 * E])).transpose()?,
            out_proj: Linear::try_zeroed()?,
            batch_first: false,
        })
    }

    /// The layer with PyTorch's default initialization, its parameters named as in PyTorch
    /// (`in_proj_weight`, `out_proj.weight`, ...: for [`Seed`](crate::Seed), the stream keys).
    pub fn new(rng: &mut dyn Generator) -> Result<Self> {
        let mut layer = Self::try_zeroed()?;
        layer.reset_parameters("", rng)?;
        Ok(layer)
    }

    /// Whether inputs and output are `[N, L, ·]` (`true`) or PyTorch's default `[L, N, ·]`
    /// (`false`, the default). Unbatched inputs are not affected.
    #[must_use]
    pub fn batch_first(mut self, batch_first: bool) -> Self {
        self.batch_first = batch_first;
        self
    }

    /// The layout set by [`batch_first`](Self::batch_first).
    pub fn is_batch_first(&self) -> bool {
        self.batch_first
    }

    /// The packed `in_proj_weight` `[3E, E]`, present when `KDIM == E` and `VDIM == E`.
    pub fn in_proj_weight(&self) -> Option<&Param> {
        match &self.in_proj {
            InProj::Packed(w) => Some(w),
            InProj::Separate(_) => None,
        }
    }

    /// `q_proj_weight` `[E, E]`, present when `KDIM != E` or `VDIM != E`.
    pub fn q_proj_weight(&self) -> Option<&Param> {
        match &self.in_proj {
            InProj::Packed(_) => None,
            InProj::Separate(w) => Some(&w.q),
        }
    }

    /// `k_proj_weight` `[E, KDIM]`, present when `KDIM != E` or `VDIM != E`.
    pub fn k_proj_weight(&self) -> Option<&Param> {
        match &self.in_proj {
            InProj::Packed(_) => None,
            InProj::Separate(w) => Some(&w.k),
        }
    }

    /// `v_proj_weight` `[E, VDIM]`, present when `KDIM != E` or `VDIM != E`.
    pub fn v_proj_weight(&self) -> Option<&Param> {
        match &self.in_proj {
            InProj::Packed(_) => None,
            InProj::Separate(w) => Some(&w.v),
        }
    }

    /// `in_proj_bias` `[3E]` (query, key, value biases in that order), present when `BIAS`.
    pub fn in_proj_bias(&self) -> Option<&Param> {
        self.in_proj_bias.as_ref()
    }

    /// The output projection `out_proj`.
    pub fn out_proj(&self) -> &Linear<E, E, BIAS> {
        &self.out_proj
    }

    /// The output projection `out_proj`, mutable.
    pub fn out_proj_mut(&mut self) -> &mut Linear<E, E, BIAS> {
        &mut self.out_proj
    }

    /// PyTorch's `forward(query, key, value)` in evaluation mode, without masks:
    /// `(attn_output, attn_weights)` with the weights averaged over heads. Shapes are in the
    /// type's documentation; see [`attend_with`](Self::attend_with) for masks.
    ///
    /// Errors: inputs of the wrong rank or feature size, or whose batch sizes or key/value
    /// lengths differ.
    pub fn attend(
        &self,
        query: ArrayViewD<'_, f32>,
        key: ArrayViewD<'_, f32>,
        value: ArrayViewD<'_, f32>,
    ) -> Result<(ArrayD<f32>, ArrayD<f32>)> {
        self.attend_with(query, key, value, &AttendOptions::new())
    }

    /// [`attend`](Self::attend) with masks and head averaging set by `options` (PyTorch's
    /// `key_padding_mask`, `attn_mask`, `average_attn_weights`).
    ///
    /// Errors: as [`attend`](Self::attend), and masks of the wrong shape.
    pub fn attend_with(
        &self,
        query: ArrayViewD<'_, f32>,
        key: ArrayViewD<'_, f32>,
        value: ArrayViewD<'_, f32>,
        options: &AttendOptions<'_>,
    ) -> Result<(ArrayD<f32>, ArrayD<f32>)> {
        let call = Call {
            heads: HEADS,
            batch_first: self.batch_first,
            key_padding_mask: options.key_padding_mask.as_ref(),
            attn_mask: options.attn_mask.as_ref(),
            average_attn_weights: options.average_attn_weights,
            names: MaskNames::MHA,
        };
        attention::multi_head_attention(query, key, value, &self.projections()?, &call)
    }

    /// The projection weights as the attention kernel takes them (views, no copy).
    pub(crate) fn projections(&self) -> Result<Projections<'_>> {
        let (q_w, k_w, v_w) = match &self.in_proj {
            InProj::Packed(w) => {
                let w = matrix(w)?;
                let (q, rest) = w.split_at(Axis(0), E);
                let (k, v) = rest.split_at(Axis(0), E);
                (q, k, v)
            }
            InProj::Separate(w) => (matrix(&w.q)?, matrix(&w.k)?, matrix(&w.v)?),
        };
        let (q_b, k_b, v_b) = match &self.in_proj_bias {
            Some(b) => {
                let (q, rest) = vector(b)?.split_at(Axis(0), E);
                let (k, v) = rest.split_at(Axis(0), E);
                (Some(q), Some(k), Some(v))
            }
            None => (None, None, None),
        };
        let out_w = Module::weight(&self.out_proj)
            .ok_or_else(|| InitError::input("MultiheadAttention", "out_proj has no weight"))?;
        let out_w = matrix(out_w)?;
        let out_b = Module::bias(&self.out_proj).map(vector).transpose()?;
        Ok(Projections { q_w, k_w, v_w, q_b, k_b, v_b, out_w, out_b })
    }
}

impl<const E: usize, const HEADS: usize, const KDIM: usize, const VDIM: usize, const BIAS: bool>
    Zeroed for MultiheadAttention<E, HEADS, KDIM, VDIM, BIAS>
{
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<const E: usize, const HEADS: usize, const KDIM: usize, const VDIM: usize, const BIAS: bool>
    LayerSpec for MultiheadAttention<E, HEADS, KDIM, VDIM, BIAS>
{
    const KIND: LayerKind = LayerKind::MultiheadAttention;
    const CONFIG: Msg = Rules::new("MultiheadAttention")
        .positive("embed_dim", E)
        .positive("num_heads", HEADS)
        .divisible(("embed_dim", E), ("num_heads", HEADS))
        .verdict();
    const PARAMS: ParamTable = if KDIM == E && VDIM == E {
        ParamTable::EMPTY.with("in_proj_weight", &[3 * E, E])
    } else {
        ParamTable::EMPTY
            .with("q_proj_weight", &[E, E])
            .with("k_proj_weight", &[E, KDIM])
            .with("v_proj_weight", &[E, VDIM])
    }
    .with_if(BIAS, "in_proj_bias", &[3 * E]);
}

impl<const E: usize, const HEADS: usize, const KDIM: usize, const VDIM: usize, const BIAS: bool>
    Module for MultiheadAttention<E, HEADS, KDIM, VDIM, BIAS>
{
    fn kind(&self) -> LayerKind {
        LayerKind::MultiheadAttention
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        match &self.in_proj {
            InProj::Packed(w) => v.param("in_proj_weight", w),
            InProj::Separate(w) => {
                v.param("q_proj_weight", &w.q);
                v.param("k_proj_weight", &w.k);
                v.param("v_proj_weight", &w.v);
            }
        }
        if let Some(b) = &self.in_proj_bias {
            v.param("in_proj_bias", b);
        }
        v.module("out_proj", &self.out_proj);
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        match &mut self.in_proj {
            InProj::Packed(w) => v.param("in_proj_weight", ParamSlot::from(w)),
            InProj::Separate(w) => {
                let Qkv { q, k, v: val } = &mut **w;
                v.param("q_proj_weight", ParamSlot::from(q));
                v.param("k_proj_weight", ParamSlot::from(k));
                v.param("v_proj_weight", ParamSlot::from(val));
            }
        }
        if let Some(b) = &mut self.in_proj_bias {
            v.param("in_proj_bias", ParamSlot::from(b));
        }
        v.module("out_proj", &mut self.out_proj);
    }

    /// PyTorch's construction and `_reset_parameters`, in its order of random draws:
    /// `out_proj`'s Linear default init, `xavier_uniform` on the input projection weights,
    /// then zero biases.
    fn reset_parameters(&mut self, prefix: &str, rng: &mut dyn Generator) -> Result<()> {
        // PyTorch builds `out_proj` first: its Linear init draws before the in-projection.
        self.out_proj.reset_parameters(&join(prefix, "out_proj"), rng)?;
        self.init_defaults(prefix, &|_| false, rng)?;
        if let Some(mut out_b) = self.out_proj.get_parameter_mut("bias").filter(|_| BIAS) {
            let (out_b, _) = crate::param::target(&mut out_b);
            set_constant(out_b, &join(prefix, "out_proj.bias"), 0.0);
        }
        Ok(())
    }

    /// The in-projection's defaults: xavier_uniform on the weight(s), zero bias.
    fn init_defaults(
        &mut self,
        prefix: &str,
        ruled: &dyn Fn(&str) -> bool,
        rng: &mut dyn Generator,
    ) -> Result<()> {
        let weights: Vec<(&mut Param, &str)> = match &mut self.in_proj {
            InProj::Packed(w) => vec![(w, "in_proj_weight")],
            InProj::Separate(w) => {
                vec![
                    (&mut w.q, "q_proj_weight"),
                    (&mut w.k, "k_proj_weight"),
                    (&mut w.v, "v_proj_weight"),
                ]
            }
        };
        for (w, name) in weights.into_iter().filter(|(_, n)| !ruled(n)) {
            Init::XavierUniform { gain: 1.0, axes: FanAxes::TORCH }.fill(
                w,
                &join(prefix, name),
                rng,
            )?;
        }
        if let Some(b) = self.in_proj_bias.as_mut().filter(|_| !ruled("in_proj_bias")) {
            set_constant(b, &join(prefix, "in_proj_bias"), 0.0);
        }
        Ok(())
    }

    /// PyTorch zeroes `out_proj.bias` after the Linear init: a layer-default rule, so a
    /// user's rule for it wins and it is filled once.
    fn init_rules(&self) -> Vec<Rule> {
        if BIAS {
            vec![
                Rule::module("out_proj", "bias", Init::Zeros)
                    .with_origin("default: MultiheadAttention")
                    .as_fallback(),
            ]
        } else {
            Vec::new()
        }
    }
}

impl<const E: usize, const HEADS: usize, const KDIM: usize, const VDIM: usize, const BIAS: bool>
    Forward for MultiheadAttention<E, HEADS, KDIM, VDIM, BIAS>
{
    /// Self-attention, `attend(input, input, input)`, returning the output only. Needs
    /// `KDIM == VDIM == E`.
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            if KDIM != E || VDIM != E {
                return Err(InitError::config(
                    "MultiheadAttention",
                    format!(
                        "forward is self-attention and needs kdim = vdim = embed_dim = {E}, got kdim = {KDIM}, vdim = {VDIM}; use attend(query, key, value)"
                    ),
                ));
            }
            Ok(self.attend(input.view(), input.view(), input.view())?.0)
        })
    }
}

/// A parameter's values as a matrix (its shape is fixed at construction, so this cannot fail
/// for the layer's own parameters).
fn matrix(p: &Param) -> Result<ArrayView2<'_, f32>> {
    p.view()
        .into_dimensionality::<Ix2>()
        .map_err(|e| InitError::input("MultiheadAttention", e.to_string()))
}

/// A parameter's values as a vector.
fn vector(p: &Param) -> Result<ArrayView1<'_, f32>> {
    p.view()
        .into_dimensionality::<Ix1>()
        .map_err(|e| InitError::input("MultiheadAttention", e.to_string()))
}

/// Options of [`MultiheadAttention::attend_with`]: PyTorch's `key_padding_mask`,
/// `attn_mask` and `average_attn_weights` (default: no masks, weights averaged over heads).
///
/// - `key_padding_mask`: `[N, S]` (`[S]` for unbatched inputs); masks keys per batch element.
/// - `attn_mask`: `[L, S]`, the same for every batch element and head, or
///   `[N * HEADS, L, S]` (`[HEADS, L, S]` unbatched), index `n * HEADS + h`.
///
/// When both are given they are added (boolean ones as `-inf`/`0`). A query row whose keys are
/// all masked gets NaN weights and output, as in PyTorch.
///
/// ```
/// use init_core::{AttendOptions, AttnMask, MultiheadAttention, Seed};
/// use ndarray::{ArrayD, array};
///
/// let mha = MultiheadAttention::<4, 2>::new(&mut Seed::new(1))?;
/// let x = ArrayD::<f32>::ones(vec![3, 2, 4]); // [L, N, E]
/// let padding = array![[false, false, true], [false, true, true]].into_dyn(); // [N, S]
/// let opts = AttendOptions::new()
///     .key_padding_mask(AttnMask::Bool(padding.view()))
///     .average_attn_weights(false);
/// let (_, w) = mha.attend_with(x.view(), x.view(), x.view(), &opts)?;
/// assert_eq!(w.shape(), &[2, 2, 3, 3]); // [N, HEADS, L, S]
/// assert_eq!(w[[1, 0, 0, 0]], 1.0); // batch element 1 sees only key 0
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug)]
pub struct AttendOptions<'a> {
    key_padding_mask: Option<AttnMask<'a>>,
    attn_mask: Option<AttnMask<'a>>,
    average_attn_weights: bool,
}

impl Default for AttendOptions<'_> {
    fn default() -> Self {
        AttendOptions { key_padding_mask: None, attn_mask: None, average_attn_weights: true }
    }
}

impl<'a> AttendOptions<'a> {
    /// No masks, weights averaged over heads.
    pub fn new() -> Self {
        Self::default()
    }

    /// Mask keys per batch element: `[N, S]`, or `[S]` for unbatched inputs.
    #[must_use]
    pub fn key_padding_mask(mut self, mask: AttnMask<'a>) -> Self {
        self.key_padding_mask = Some(mask);
        self
    }

    /// Mask (query, key) pairs: `[L, S]`, or `[N * HEADS, L, S]` per batch element and head.
    #[must_use]
    pub fn attn_mask(mut self, mask: AttnMask<'a>) -> Self {
        self.attn_mask = Some(mask);
        self
    }

    /// Average the weights over heads (`true`, the default: `[N, L, S]`) or return them per
    /// head (`[N, HEADS, L, S]`).
    #[must_use]
    pub fn average_attn_weights(mut self, average: bool) -> Self {
        self.average_attn_weights = average;
        self
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const E: usize, const HEADS: usize, const KDIM: usize, const VDIM: usize, const BIAS: bool>
    Features for MultiheadAttention<E, HEADS, KDIM, VDIM, BIAS>
{
    const IN: Width = Width::Exactly(E);
    const OUT: Width = Width::Exactly(E);
}

/// The settings of [`MultiheadAttention`] for `#[layer(...)]`: `#[layer(batch_first = true)]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MultiheadAttentionConfig {
    /// Whether inputs and outputs are `[batch, seq, feature]` (default `false`).
    pub batch_first: bool,
}

impl MultiheadAttentionConfig {
    /// Every setting is valid.
    pub const fn verdict(&self) -> Msg {
        Rules::new("MultiheadAttention").verdict()
    }
}

impl<const E: usize, const HEADS: usize, const KDIM: usize, const VDIM: usize, const BIAS: bool>
    crate::spec::Configure for MultiheadAttention<E, HEADS, KDIM, VDIM, BIAS>
{
    type Config = MultiheadAttentionConfig;
    const DEFAULT: MultiheadAttentionConfig = MultiheadAttentionConfig { batch_first: false };

    fn configure(&mut self, config: &MultiheadAttentionConfig) {
        self.batch_first = config.batch_first;
    }
}
