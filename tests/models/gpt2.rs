//! Hugging Face's `GPT2LMHeadModel`, with today's API and two local stand-ins: `Conv1D` (HF's
//! transposed linear, weight `[in, out]`, being added to init-core by another helper) and
//! `NewGELUActivation` (HF's class name for the tanh GELU). `h` is a `ModuleList` of `N_LAYER`
//! blocks built by `zeroed()`. There is no weight tying yet, so `lm_head.weight` is a parameter of its own that the
//! tests copy from `transformer.wte.weight`.
//!
//! HF's init (transformers 5.x, `GPT2PreTrainedModel._init_weights` run by `post_init` in
//! post-order) is [`hf_rules`]: Linear/Conv1D weight `normal_(0, 0.02)` and bias zeros,
//! Embedding `normal_(0, 0.02)`, LayerNorm ones/zeros, then each `GPT2Attention`/`GPT2MLP`
//! redraws its `c_proj.weight` with `std = 0.02 / sqrt(2 * n_layer)`.
//!
//! One module per configuration (`gpt2_config!`): the dimensions are const generics.

use init::ndarray::{Array2, Ix1, Ix2, s};
use init::prelude::*;
use init::{ParamSlot, Visitor, VisitorMut};

/// HF's `Conv1D(nf, nx)`: `weight` `[NX, NF]` drawn `normal_(std = 0.02)` in the constructor,
/// `bias` `torch.zeros(NF)` (no draw).
pub struct Conv1D<const NX: usize, const NF: usize> {
    pub weight: Param,
    pub bias: Param,
}

impl<const NX: usize, const NF: usize> Zeroed for Conv1D<NX, NF> {
    fn zeroed() -> Self {
        Conv1D { weight: Param::zeros(&[NX, NF]), bias: Param::zeros(&[NF]) }
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") }
}

impl<const NX: usize, const NF: usize> Module for Conv1D<NX, NF> {
    fn kind(&self) -> LayerKind {
        LayerKind::Custom("Conv1D")
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.param("weight", &self.weight);
        v.param("bias", &self.bias);
    }
    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        v.param("weight", ParamSlot::from(&mut self.weight));
        v.param("bias", ParamSlot::from(&mut self.bias));
    }
    fn init_defaults(
        &mut self,
        prefix: &str,
        ruled: &dyn Fn(&str) -> bool,
        rng: &mut dyn Generator,
    ) -> Result<(), InitError> {
        if !ruled("weight") {
            let w = ParamSlot::from(&mut self.weight).at(join(prefix, "weight"));
            init::normal().std(0.02).fill(w, rng)?;
        }
        if !ruled("bias") {
            init::zeros().fill(ParamSlot::from(&mut self.bias).at(join(prefix, "bias")))?;
        }
        Ok(())
    }
}

/// HF's `NewGELUActivation` (the tanh GELU): no parameters, its own class name.
#[derive(Default)]
pub struct NewGELUActivation;

impl Zeroed for NewGELUActivation {
    fn zeroed() -> Self {
        NewGELUActivation
    }
}

impl Module for NewGELUActivation {
    fn kind(&self) -> LayerKind {
        LayerKind::Custom("NewGELUActivation")
    }
    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}
    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

/// `GPT2PreTrainedModel._init_weights` as runtime rules, for `n_layer` blocks. The `c_proj`
/// globs come first so that they win over the Conv1D rule, which still draws first in
/// PyTorch's order (see `ModuleExt::init_weights_torch`).
pub fn hf_rules(n_layer: usize) -> Rules {
    let std = 0.02;
    let scaled = std / (2.0 * n_layer as f64).sqrt();
    Rules::new()
        .glob("h.*.attn.c_proj.weight", Init::Normal { mean: 0.0, std: scaled })
        .glob("h.*.mlp.c_proj.weight", Init::Normal { mean: 0.0, std: scaled })
        .kind(LayerKind::Custom("Conv1D"), "weight", Init::Normal { mean: 0.0, std })
        .kind(LayerKind::Custom("Conv1D"), "bias", Init::Zeros)
        .kind(LayerKind::Embedding, "weight", Init::Normal { mean: 0.0, std })
        .kind(LayerKind::LayerNorm, "weight", Init::Ones)
        .kind(LayerKind::LayerNorm, "bias", Init::Zeros)
}

/// One GPT-2 configuration: `E` = n_embd, `V` = vocab_size, `P` = n_positions, `L` = n_layer.
macro_rules! gpt2_config {
    ($name:ident, E = $e:expr, V = $v:expr, P = $p:expr, L = $l:expr, H = $h:expr) => {
        pub mod $name {
            use super::*;

            pub const E: usize = $e;
            pub const V: usize = $v;
            pub const P: usize = $p;
            pub const N_LAYER: usize = $l;
            pub const N_HEAD: usize = $h;

            #[derive(Module)]
            pub struct GPT2Attention {
                pub c_attn: Conv1D<E, { 3 * E }>,
                pub c_proj: Conv1D<E, E>,
                pub attn_dropout: Dropout,
                pub resid_dropout: Dropout,
            }

            #[derive(Module)]
            pub struct GPT2MLP {
                pub c_fc: Conv1D<E, { 4 * E }>,
                pub c_proj: Conv1D<{ 4 * E }, E>,
                pub act: NewGELUActivation,
                pub dropout: Dropout,
            }

            #[derive(Module)]
            pub struct GPT2Block {
                pub ln_1: LayerNorm<E>,
                pub attn: GPT2Attention,
                pub ln_2: LayerNorm<E>,
                pub mlp: GPT2MLP,
            }

            #[derive(Module)]
            pub struct GPT2Model {
                pub wte: Embedding<V, E>,
                pub wpe: Embedding<P, E>,
                pub drop: Dropout,
                #[module(len = N_LAYER)]
                pub h: ModuleList<GPT2Block>,
                pub ln_f: LayerNorm<E>,
            }

            #[derive(Module)]
            pub struct GPT2LMHeadModel {
                pub transformer: GPT2Model,
                pub lm_head: Linear<E, V, false>,
            }

            /// The model with every parameter zero and `N_LAYER` blocks.
            pub fn model() -> GPT2LMHeadModel {
                GPT2LMHeadModel::zeroed()
            }

            impl GPT2LMHeadModel {
                /// HF's forward in eval mode: the logits `[T, V]` for one sequence.
                pub fn logits(&self, tokens: &[usize]) -> Array2<f32> {
                    let (wte, wpe) = (&self.transformer.wte, &self.transformer.wpe);
                    let wte = wte.weight().unwrap().view().into_dimensionality::<Ix2>().unwrap();
                    let wpe = wpe.weight().unwrap().view().into_dimensionality::<Ix2>().unwrap();
                    let mut x = Array2::from_shape_fn((tokens.len(), E), |(t, e)| {
                        wte[[tokens[t], e]] + wpe[[t, e]]
                    });
                    for b in self.transformer.h.iter() {
                        let a = layer_norm(&b.ln_1, &x);
                        let qkv = conv1d(&b.attn.c_attn, &a);
                        x = x + conv1d(&b.attn.c_proj, &causal_attention(&qkv, N_HEAD));
                        let m = conv1d(&b.mlp.c_fc, &layer_norm(&b.ln_2, &x));
                        let m = GELU::tanh().forward(m.into_dyn().view()).unwrap();
                        let m = m.into_dimensionality::<Ix2>().unwrap();
                        x = x + conv1d(&b.mlp.c_proj, &m);
                    }
                    layer_norm(&self.transformer.ln_f, &x).dot(&wte.t())
                }
            }
        }
    };
}

/// `x @ weight + bias`: HF's `Conv1D` forward.
fn conv1d<const NX: usize, const NF: usize>(c: &Conv1D<NX, NF>, x: &Array2<f32>) -> Array2<f32> {
    let w = c.weight.view().into_dimensionality::<Ix2>().unwrap();
    let b = c.bias.view().into_dimensionality::<Ix1>().unwrap();
    x.dot(&w) + b
}

fn layer_norm<const D: usize>(ln: &LayerNorm<D>, x: &Array2<f32>) -> Array2<f32> {
    let y = ln.forward(x.view().into_dyn()).unwrap();
    y.into_dimensionality::<Ix2>().unwrap()
}

/// Causal self-attention of GPT-2 on `qkv` `[T, 3E]` with `heads` heads: `[T, E]`.
fn causal_attention(qkv: &Array2<f32>, heads: usize) -> Array2<f32> {
    let (t, e) = (qkv.nrows(), qkv.ncols() / 3);
    let d = e / heads;
    let scale = 1.0 / (d as f32).sqrt();
    let mut out = Array2::<f32>::zeros((t, e));
    for h in 0..heads {
        let q = qkv.slice(s![.., h * d..(h + 1) * d]);
        let k = qkv.slice(s![.., e + h * d..e + (h + 1) * d]);
        let v = qkv.slice(s![.., 2 * e + h * d..2 * e + (h + 1) * d]);
        let scores = q.dot(&k.t()) * scale;
        for i in 0..t {
            let row = scores.row(i);
            let max = row.iter().take(i + 1).fold(f32::NEG_INFINITY, |m, &s| m.max(s));
            let w: Vec<f32> = row.iter().take(i + 1).map(|&s| (s - max).exp()).collect();
            let sum: f32 = w.iter().sum();
            for (j, wj) in w.iter().enumerate() {
                let mut o = out.slice_mut(s![i, h * d..(h + 1) * d]);
                o.scaled_add(wj / sum, &v.row(j));
            }
        }
    }
    out
}

gpt2_config!(small, E = 64, V = 1000, P = 64, L = 2, H = 2);
gpt2_config!(full, E = 768, V = 50257, P = 1024, L = 12, H = 12);
