//! `LlamaForCausalLM`'s state dict (transformers' modeling_llama.py) and its init
//! (`PreTrainedModel._init_weights`: Linear and Embedding normal(0, initializer_range), biases
//! zero, RMSNorm weights one, the padding row zero).

use init_core::{Init, InitError};

use super::Push;
use crate::config::LlamaConfig;

pub(super) fn push(c: &LlamaConfig, p: &mut Push) -> Result<(), InitError> {
    let (h, std) = (c.hidden_size, c.initializer_range);
    let q = c.num_attention_heads * c.head_dim;
    let kv = c.num_key_value_heads * c.head_dim;
    p.embedding("model.embed_tokens.weight", c.vocab_size, h, std, c.padding_row())?;
    for i in 0..c.num_hidden_layers {
        let a = format!("model.layers.{i}.self_attn");
        p.linear(&format!("{a}.q_proj"), h, q, c.attention_bias, std)?;
        p.linear(&format!("{a}.k_proj"), h, kv, c.attention_bias, std)?;
        p.linear(&format!("{a}.v_proj"), h, kv, c.attention_bias, std)?;
        p.linear(&format!("{a}.o_proj"), q, h, c.attention_bias, std)?;
        let m = format!("model.layers.{i}.mlp");
        p.linear(&format!("{m}.gate_proj"), h, c.intermediate_size, c.mlp_bias, std)?;
        p.linear(&format!("{m}.up_proj"), h, c.intermediate_size, c.mlp_bias, std)?;
        p.linear(&format!("{m}.down_proj"), c.intermediate_size, h, c.mlp_bias, std)?;
        p.tensor(format!("model.layers.{i}.input_layernorm.weight"), &[h], Init::Ones)?;
        p.tensor(format!("model.layers.{i}.post_attention_layernorm.weight"), &[h], Init::Ones)?;
    }
    p.tensor("model.norm.weight".into(), &[h], Init::Ones)?;
    if c.tie_word_embeddings {
        p.tied("lm_head.weight", "model.embed_tokens.weight")?;
    } else {
        p.linear("lm_head", h, c.vocab_size, false, std)?;
    }
    Ok(())
}
