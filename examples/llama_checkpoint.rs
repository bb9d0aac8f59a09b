//! A Llama-shaped checkpoint written straight from a plan, without the model in memory: the
//! sizes come at run time, as from a `config.json`, and Hugging Face's Llama init is declared
//! entry by entry (normal(0, 0.02) for every Linear and the embedding, ones for the norms).
//!
//!     cargo run --release --example llama_checkpoint -- DIR [bf16|f16|f32] [LAYERS] [HIDDEN] [SHARD_BYTES]
//!
//! Defaults: bf16, 12 layers, hidden 2048 (intermediate 5504, vocab 32000): 0.6 B
//! parameters, 2.4 GB in f32, shards of 10⁹ bytes. Run it under torchrun or mpirun and each process writes its
//! own shards.

use init::{Checkpoint, FloatDtype, Init, InitError, Plan, Rank};

fn main() -> Result<(), InitError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: llama_checkpoint DIR [bf16|f16|f32] [LAYERS] [HIDDEN] [SHARD_BYTES]");
        std::process::exit(2);
    };
    let dtype: FloatDtype = args.get(1).map_or(Ok(FloatDtype::BF16), |s| s.parse())?;
    let layers: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(12);
    let hidden: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2048);
    let shard: u64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(1_000_000_000);
    let plan = llama(layers, hidden, hidden * 43 / 16, 32000)?;
    let rank = Rank::from_env()?;
    let ckpt = Checkpoint::new(&plan, 0).dtype(dtype).max_shard_size(shard).rank(rank);
    let report = ckpt.write(dir)?;
    println!(
        "{rank}: {} written, {} already complete, index: {:?}",
        report.written.len(),
        report.skipped.len(),
        report.index
    );
    Ok(())
}

/// `LlamaForCausalLM`'s state dict (untied head), with `_init_weights`' values.
fn llama(layers: usize, h: usize, ffn: usize, vocab: usize) -> Result<Plan, InitError> {
    let normal = Init::Normal { mean: 0.0, std: 0.02 };
    let mut plan = Plan::new();
    plan.push("model.embed_tokens.weight", &[vocab, h], normal.clone())?;
    for i in 0..layers {
        let p = format!("model.layers.{i}");
        for (name, shape) in [
            ("self_attn.q_proj", [h, h]),
            ("self_attn.k_proj", [h, h]),
            ("self_attn.v_proj", [h, h]),
            ("self_attn.o_proj", [h, h]),
            ("mlp.gate_proj", [ffn, h]),
            ("mlp.up_proj", [ffn, h]),
            ("mlp.down_proj", [h, ffn]),
        ] {
            plan.push(format!("{p}.{name}.weight"), &shape, normal.clone())?;
        }
        plan.push(format!("{p}.input_layernorm.weight"), &[h], Init::Ones)?;
        plan.push(format!("{p}.post_attention_layernorm.weight"), &[h], Init::Ones)?;
    }
    plan.push("model.norm.weight", &[h], Init::Ones)?;
    plan.push("lm_head.weight", &[vocab, h], normal)?;
    Ok(plan)
}
