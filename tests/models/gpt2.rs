//! Hugging Face's `GPT2LMHeadModel`, declared once in `examples/gpt2.rs` (`gpt2!`): `full` is
//! the example's `GPT2Config()`, `small` a two-layer configuration for the bit-identity and
//! forward checks, and HF's eval-mode forward for the logits.

#[path = "../../examples/gpt2.rs"]
pub mod full;

/// `GPT2Config(n_embd=64, vocab_size=1000, n_positions=64, n_layer=2, n_head=2)`.
pub mod small {
    crate::gpt2!(n_embd = 64, vocab_size = 1000, n_positions = 64, n_layer = 2, n_head = 2);
}

use init::ndarray::{Array2, Ix2, s};
use init::prelude::*;

impl small::GPT2LMHeadModel {
    /// HF's forward in eval mode: the logits `[T, V]` for one sequence.
    pub fn logits(&self, tokens: &[usize]) -> Array2<f32> {
        let (wte, wpe) = (&self.transformer.wte, &self.transformer.wpe);
        let wte = wte.weight().unwrap().view().into_dimensionality::<Ix2>().unwrap();
        let wpe = wpe.weight().unwrap().view().into_dimensionality::<Ix2>().unwrap();
        let mut x = Array2::from_shape_fn((tokens.len(), small::N_EMBD), |(t, e)| {
            wte[[tokens[t], e]] + wpe[[t, e]]
        });
        for b in self.transformer.h.iter() {
            let a = layer_norm(&b.ln_1, &x);
            let qkv = forward2(&b.attn.c_attn, &a);
            x = x + forward2(&b.attn.c_proj, &causal_attention(&qkv, small::N_HEAD));
            let m = forward2(&b.mlp.c_fc, &layer_norm(&b.ln_2, &x));
            let m = forward2(&GELU::tanh(), &m);
            x = x + forward2(&b.mlp.c_proj, &m);
        }
        layer_norm(&self.transformer.ln_f, &x).dot(&wte.t())
    }
}

/// A layer's forward on a matrix.
fn forward2(layer: &dyn Forward, x: &Array2<f32>) -> Array2<f32> {
    let y = layer.forward(x.view().into_dyn()).unwrap();
    y.into_dimensionality::<Ix2>().unwrap()
}

fn layer_norm<const D: usize>(ln: &LayerNorm<D>, x: &Array2<f32>) -> Array2<f32> {
    forward2(ln, x)
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
