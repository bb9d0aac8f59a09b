//! transformers' `LlamaConfig` (model_type "llama"): its keys, defaults and checks.

use super::error::ConfigError;
use super::schema::{Fields, Key, Kind, key, opt};

/// The keys of `LlamaConfig` (transformers 5.x), plus the RoPE keys that configs written by
/// transformers 4.x hold instead of `rope_parameters`.
pub(crate) const KEYS: &[Key] = &[
    key("vocab_size", Kind::Int),
    key("hidden_size", Kind::Int),
    key("intermediate_size", Kind::Int),
    key("num_hidden_layers", Kind::Int),
    key("num_attention_heads", Kind::Int),
    opt("num_key_value_heads", Kind::Int),
    key("hidden_act", Kind::Str),
    key("max_position_embeddings", Kind::Int),
    key("initializer_range", Kind::Float),
    key("rms_norm_eps", Kind::Float),
    key("use_cache", Kind::Bool),
    opt("pad_token_id", Kind::Int),
    opt("bos_token_id", Kind::Int),
    key("eos_token_id", Kind::IntOrList),
    opt("pretraining_tp", Kind::Int),
    key("tie_word_embeddings", Kind::Bool),
    key("rope_parameters", Kind::Object),
    key("attention_bias", Kind::Bool),
    opt("attention_dropout", Kind::Float),
    key("mlp_bias", Kind::Bool),
    opt("head_dim", Kind::Int),
    // transformers 4.x
    key("rope_scaling", Kind::Object),
    opt("rope_theta", Kind::Float),
    key("add_cross_attention", Kind::Bool),
];

/// The settings of a `LlamaForCausalLM` that decide its parameters and their initialization,
/// with transformers' defaults (Llama-2-7B's sizes).
///
/// ```
/// use init_ckpt::ModelConfig;
///
/// let ModelConfig::Llama(c) = ModelConfig::from_json(
///     r#"{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4}"#,
/// )?
/// else { unreachable!() };
/// assert_eq!((c.head_dim, c.num_key_value_heads, c.vocab_size), (16, 4, 32000));
/// # Ok::<(), init_ckpt::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LlamaConfig {
    /// `vocab_size` (32000).
    pub vocab_size: usize,
    /// `hidden_size` (4096).
    pub hidden_size: usize,
    /// `intermediate_size` (11008).
    pub intermediate_size: usize,
    /// `num_hidden_layers` (32).
    pub num_hidden_layers: usize,
    /// `num_attention_heads` (32).
    pub num_attention_heads: usize,
    /// `num_key_value_heads` (`num_attention_heads` when absent or null).
    pub num_key_value_heads: usize,
    /// `head_dim` (`hidden_size / num_attention_heads` when absent or null).
    pub head_dim: usize,
    /// `initializer_range` (0.02): the std of every Linear and Embedding weight.
    pub initializer_range: f64,
    /// `tie_word_embeddings` (false): `lm_head.weight` is `model.embed_tokens.weight`.
    pub tie_word_embeddings: bool,
    /// `attention_bias` (false): biases on q/k/v/o projections.
    pub attention_bias: bool,
    /// `mlp_bias` (false): biases on the gate/up/down projections.
    pub mlp_bias: bool,
    /// `pad_token_id` (null): the Embedding's `padding_idx`, a zero row (negative counts from
    /// the end, as in `nn.Embedding`).
    pub pad_token_id: Option<i64>,
}

impl LlamaConfig {
    /// Reads the keys (types already checked) and checks the ranges and the rules that
    /// transformers checks when it builds the model.
    pub(crate) fn read(f: &Fields<'_>) -> Result<Self, ConfigError> {
        let hidden_size = f.count("hidden_size", 4096, 1)?;
        let num_attention_heads = f.count("num_attention_heads", 32, 1)?;
        let num_key_value_heads =
            f.opt_count("num_key_value_heads", 1)?.unwrap_or(num_attention_heads);
        let c = Self {
            vocab_size: f.count("vocab_size", 32000, 1)?,
            hidden_size,
            intermediate_size: f.count("intermediate_size", 11008, 1)?,
            num_hidden_layers: f.count("num_hidden_layers", 32, 0)?,
            num_attention_heads,
            num_key_value_heads,
            head_dim: f.opt_count("head_dim", 1)?.unwrap_or(hidden_size / num_attention_heads),
            initializer_range: super::initializer_range(f, Some(1.0))?,
            tie_word_embeddings: f.flag("tie_word_embeddings", false),
            attention_bias: f.flag("attention_bias", false),
            mlp_bias: f.flag("mlp_bias", false),
            pad_token_id: f.opt_int("pad_token_id")?,
        };
        c.check()?;
        super::activation::check(f, "hidden_act")?;
        Ok(c)
    }

    fn check(&self) -> Result<(), ConfigError> {
        // LlamaConfig.validate_architecture (even when head_dim is given).
        if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return Err(ConfigError::Range {
                key: "hidden_size",
                rule: format!(
                    "{} is not a multiple of num_attention_heads = {}",
                    self.hidden_size, self.num_attention_heads
                ),
            });
        }
        if self.head_dim == 0 {
            return Err(ConfigError::Range {
                key: "head_dim",
                rule: "hidden_size / num_attention_heads is 0".into(),
            });
        }
        // repeat_kv: each key/value head serves num_attention_heads / num_key_value_heads.
        if !self.num_attention_heads.is_multiple_of(self.num_key_value_heads) {
            return Err(ConfigError::Range {
                key: "num_key_value_heads",
                rule: format!(
                    "{} does not divide num_attention_heads = {}",
                    self.num_key_value_heads, self.num_attention_heads
                ),
            });
        }
        super::padding_in_vocab(self.pad_token_id, self.vocab_size)?;
        Ok(())
    }

    /// `padding_idx` as a row index (a negative `pad_token_id` counts from the end).
    pub fn padding_row(&self) -> Option<usize> {
        super::padding_row(self.pad_token_id, self.vocab_size)
    }
}
