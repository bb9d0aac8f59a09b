//! `init-ckpt`: the initial checkpoint of a Hugging Face model, written from its `config.json`
//! without PyTorch and without holding the model in memory.
//!
//! The command reads a `config.json` (model_type `llama` or `gpt2`) strictly ([`ModelConfig`]),
//! lays out the state dict that `save_pretrained` writes for `LlamaForCausalLM(config)` or
//! `GPT2LMHeadModel(config)` with each tensor's Hugging Face init rule ([`plan()`]), and hands
//! it to init-core's streamed sharded writer. Values come from init's counter-based `Seed`,
//! keyed by the seed and each tensor's key, so any process can write any shard.
//!
//! ```
//! use init_ckpt::{ModelConfig, plan};
//!
//! let config = ModelConfig::from_json(r#"{
//!     "model_type": "llama", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128,
//!     "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2
//! }"#)?;
//! let plan = plan(&config)?;
//! let k = plan.get("model.layers.1.self_attn.k_proj.weight").unwrap();
//! assert_eq!(k.shape(), [32, 64]); // 2 key/value heads of 16
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod args;
pub mod cli;
mod config;
mod layout;
mod out_dir;
mod progress;
mod size;

pub use args::{Args, Command, USAGE};
pub use config::{ConfigError, Gpt2Config, LlamaConfig, ModelConfig, SUPPORTED};
pub use layout::plan;
pub use out_dir::{prepare_dir, write_config};
pub use progress::Progress;
pub use size::parse_size;
