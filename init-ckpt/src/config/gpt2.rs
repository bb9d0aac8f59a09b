//! transformers' `GPT2Config` (model_type "gpt2"): its keys, aliases, defaults and checks.

use super::error::ConfigError;
use super::schema::{Fields, Key, Kind, key, opt};

/// The keys of `GPT2Config` (transformers 5.x), plus `n_ctx`, which configs on the Hub (the
/// original `gpt2` among them) still hold.
pub(crate) const KEYS: &[Key] = &[
    key("vocab_size", Kind::Int),
    key("n_positions", Kind::Int),
    key("n_embd", Kind::Int),
    key("n_layer", Kind::Int),
    key("n_head", Kind::Int),
    opt("n_inner", Kind::Int),
    key("activation_function", Kind::Str),
    key("resid_pdrop", Kind::Float),
    key("embd_pdrop", Kind::Float),
    key("attn_pdrop", Kind::Float),
    key("layer_norm_epsilon", Kind::Float),
    key("initializer_range", Kind::Float),
    key("summary_type", Kind::Str),
    key("summary_use_proj", Kind::Bool),
    opt("summary_activation", Kind::Str),
    key("summary_proj_to_labels", Kind::Bool),
    key("summary_first_dropout", Kind::Float),
    key("scale_attn_weights", Kind::Bool),
    key("use_cache", Kind::Bool),
    opt("bos_token_id", Kind::Int),
    key("eos_token_id", Kind::IntOrList),
    opt("pad_token_id", Kind::Int),
    key("scale_attn_by_inverse_layer_idx", Kind::Bool),
    key("reorder_and_upcast_attn", Kind::Bool),
    key("add_cross_attention", Kind::Bool),
    key("tie_word_embeddings", Kind::Bool),
    // transformers 4.x and earlier
    key("n_ctx", Kind::Int),
];

/// `GPT2Config.attribute_map`: the generic names transformers accepts for GPT-2's own.
pub(crate) const ALIASES: &[(&str, &str)] = &[
    ("hidden_size", "n_embd"),
    ("max_position_embeddings", "n_positions"),
    ("num_attention_heads", "n_head"),
    ("num_hidden_layers", "n_layer"),
];

/// The settings of a `GPT2LMHeadModel` that decide its parameters and their initialization,
/// with transformers' defaults (GPT-2 small).
///
/// ```
/// use init_ckpt::ModelConfig;
///
/// let ModelConfig::Gpt2(c) = ModelConfig::from_json(r#"{"model_type": "gpt2", "n_embd": 64, "n_head": 4}"#)?
/// else { unreachable!() };
/// assert_eq!((c.n_inner, c.n_layer, c.tie_word_embeddings), (256, 12, true));
/// # Ok::<(), init_ckpt::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Gpt2Config {
    /// `vocab_size` (50257).
    pub vocab_size: usize,
    /// `n_positions` (1024): rows of `wpe`.
    pub n_positions: usize,
    /// `n_embd` (768).
    pub n_embd: usize,
    /// `n_layer` (12); also scales `c_proj`'s std by `1 / sqrt(2 * n_layer)`.
    pub n_layer: usize,
    /// `n_head` (12).
    pub n_head: usize,
    /// `n_inner` (`4 * n_embd` when absent or null).
    pub n_inner: usize,
    /// `initializer_range` (0.02).
    pub initializer_range: f64,
    /// `tie_word_embeddings` (true): `lm_head.weight` is `transformer.wte.weight`.
    pub tie_word_embeddings: bool,
}

impl Gpt2Config {
    /// Reads the keys (types checked, aliases resolved) and checks the ranges and the rules
    /// that transformers checks when it builds the model.
    pub(crate) fn read(f: &Fields<'_>) -> Result<Self, ConfigError> {
        let n_embd = f.count("n_embd", 768, 1)?;
        let c = Self {
            vocab_size: f.count("vocab_size", 50257, 1)?,
            n_positions: f.count("n_positions", 1024, 1)?,
            n_embd,
            n_layer: f.count("n_layer", 12, 0)?,
            n_head: f.count("n_head", 12, 1)?,
            n_inner: f.opt_count("n_inner", 1)?.unwrap_or(4 * n_embd),
            initializer_range: super::initializer_range(f, None)?,
            tie_word_embeddings: f.flag("tie_word_embeddings", true),
        };
        super::activation::check(f, "activation_function")?;
        if f.flag("add_cross_attention", false) {
            return Err(ConfigError::Feature {
                key: "add_cross_attention",
                what: "GPT-2 with cross-attention layers (true)",
            });
        }
        // GPT2Attention.__init__ refuses this.
        if !c.n_embd.is_multiple_of(c.n_head) {
            return Err(ConfigError::Range {
                key: "n_embd",
                rule: format!("{} is not a multiple of n_head = {}", c.n_embd, c.n_head),
            });
        }
        Ok(c)
    }
}
