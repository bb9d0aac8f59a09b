//! `GPT2LMHeadModel`'s state dict (transformers' modeling_gpt2.py) and its init
//! (`GPT2PreTrainedModel._init_weights`: Embedding and `Conv1D` normal(0, initializer_range),
//! biases zero, LayerNorm ones and zeros, and both `c_proj.weight` of each block
//! normal(0, initializer_range / sqrt(2 * n_layer))). `Conv1D` stores its weight `[in, out]`.

use init_core::{Init, InitError};

use super::{Push, normal};
use crate::config::Gpt2Config;

pub(super) fn push(c: &Gpt2Config, p: &mut Push) -> Result<(), InitError> {
    let (d, std) = (c.n_embd, c.initializer_range);
    let scaled = std / (2.0 * c.n_layer as f64).sqrt();
    p.embedding("transformer.wte.weight", c.vocab_size, d, std, None)?;
    p.embedding("transformer.wpe.weight", c.n_positions, d, std, None)?;
    for i in 0..c.n_layer {
        let b = format!("transformer.h.{i}");
        layer_norm(p, &format!("{b}.ln_1"), d)?;
        conv1d(p, &format!("{b}.attn.c_attn"), d, 3 * d, std)?;
        conv1d(p, &format!("{b}.attn.c_proj"), d, d, scaled)?;
        layer_norm(p, &format!("{b}.ln_2"), d)?;
        conv1d(p, &format!("{b}.mlp.c_fc"), d, c.n_inner, std)?;
        conv1d(p, &format!("{b}.mlp.c_proj"), c.n_inner, d, scaled)?;
    }
    layer_norm(p, "transformer.ln_f", d)?;
    if c.tie_word_embeddings {
        p.tied("lm_head.weight", "transformer.wte.weight")?;
    } else {
        p.linear("lm_head", d, c.vocab_size, false, std)?;
    }
    Ok(())
}

/// transformers' `Conv1D(nf = out, nx = in)`: weight `[in, out]`, bias `[out]` zeros.
fn conv1d(p: &mut Push, prefix: &str, i: usize, o: usize, std: f64) -> Result<(), InitError> {
    p.tensor(format!("{prefix}.weight"), &[i, o], normal(std))?;
    p.tensor(format!("{prefix}.bias"), &[o], Init::Zeros)
}

fn layer_norm(p: &mut Push, prefix: &str, d: usize) -> Result<(), InitError> {
    p.tensor(format!("{prefix}.weight"), &[d], Init::Ones)?;
    p.tensor(format!("{prefix}.bias"), &[d], Init::Zeros)
}
