//! [`TFixup`]: Transformers without warm-up or layer norm (Huang et al. 2020).

use super::{Recipe, arg_error, at_least_one, glob_rules, globs, labelled};
use crate::error::Result;
use crate::module::{LayerKind, Module};
use crate::rules::Rule;
use crate::rules::Rules;
use crate::schemes::{FanAxes, Init};

/// T-Fixup (Huang, Perez, Ba & Volkovs, ICML 2020, "Improving Transformer Optimization
/// Through Better Initialization", section 3.3), for an `N`-layer encoder-decoder of width
/// `d`:
///
/// 1. Xavier (`xavier_uniform`, as fairseq) for every `Linear` weight, biases 0; input
///    embeddings `normal(0, d^(-1/2))`;
/// 2. the decoder's attention value and output projections (`v_d`, `w_d`), its MLP weights
///    and the input embeddings of encoder and decoder scaled by `(9N)^(-1/4)`;
/// 3. the encoder's attention value and output projections (`v_e`, `w_e`) and its MLP
///    weights scaled by `0.67 N^(-1/4)`.
///
/// A scaled Xavier weight is `xavier_uniform(gain = scale)`, a scaled embedding
/// `normal(0, d^(-1/2) · scale)`. Default names are fairseq's (`encoder.layers.*.self_attn.v_proj`,
/// `out_proj`, `fc1`, `fc2`, `decoder.layers.*.encoder_attn...`); the value projection must
/// be its own `Linear`: PyTorch's `MultiheadAttention` packs q, k and v into one
/// `in_proj_weight`, whose value rows a rule cannot scale alone. For an encoder-only model,
/// give no decoder globs ([`decoder`](TFixup::decoder) with an empty list).
///
/// ```
/// use init_core::TFixup;
/// let t = TFixup::new(6, 512);
/// assert_eq!(t.decoder_scale(), (9.0f64 * 6.0).powf(-0.25));
/// assert_eq!(t.encoder_scale(), 0.67 * 6f64.powf(-0.25));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TFixup {
    layers: usize,
    embed_dim: usize,
    encoder: Vec<String>,
    decoder: Vec<String>,
}

impl TFixup {
    /// `layers` encoder and decoder layers (`N`) of width `embed_dim` (`d`), fairseq's names.
    pub fn new(layers: usize, embed_dim: usize) -> Self {
        let enc = ["self_attn.v_proj", "self_attn.out_proj", "fc1", "fc2"];
        let dec = [
            "self_attn.v_proj",
            "self_attn.out_proj",
            "encoder_attn.v_proj",
            "encoder_attn.out_proj",
            "fc1",
            "fc2",
        ];
        TFixup {
            layers,
            embed_dim,
            encoder: enc.iter().map(|p| format!("encoder.layers.*.{p}.weight")).collect(),
            decoder: dec.iter().map(|p| format!("decoder.layers.*.{p}.weight")).collect(),
        }
    }

    /// The encoder weights scaled by `0.67 N^(-1/4)` (replacing the defaults).
    #[must_use]
    pub fn encoder<I: IntoIterator<Item = S>, S: Into<String>>(mut self, patterns: I) -> Self {
        self.encoder = globs(patterns);
        self
    }

    /// The decoder weights scaled by `(9N)^(-1/4)` (replacing the defaults).
    #[must_use]
    pub fn decoder<I: IntoIterator<Item = S>, S: Into<String>>(mut self, patterns: I) -> Self {
        self.decoder = globs(patterns);
        self
    }

    /// `0.67 N^(-1/4)`.
    pub fn encoder_scale(&self) -> f64 {
        0.67 * (self.layers as f64).powf(-0.25)
    }

    /// `(9N)^(-1/4)`, the decoder's and the embeddings'.
    pub fn decoder_scale(&self) -> f64 {
        (9.0 * self.layers as f64).powf(-0.25)
    }
}

impl Recipe for TFixup {
    fn name(&self) -> &'static str {
        "t_fixup"
    }

    fn rules(&self, _model: &dyn Module) -> Result<Rules> {
        let name = self.name();
        at_least_one(name, "layers", self.layers)?;
        at_least_one(name, "embed_dim", self.embed_dim)?;
        if self.encoder.is_empty() && self.decoder.is_empty() {
            return Err(arg_error(
                name,
                "no encoder and no decoder weights named: nothing would be scaled",
            ));
        }
        let xavier = |gain: f64| Init::XavierUniform { gain, axes: FanAxes::TORCH };
        let mut rules = Rules::new();
        for (patterns, scale, role) in [
            (&self.encoder, self.encoder_scale(), "encoder"),
            (&self.decoder, self.decoder_scale(), "decoder"),
        ] {
            rules = glob_rules(patterns, &xavier(scale), name, role).fold(rules, Rules::rule);
        }
        let embed_std = (self.embed_dim as f64).powf(-0.5) * self.decoder_scale();
        Ok(rules
            .rule(
                labelled(
                    Rule::kind(
                        LayerKind::Embedding,
                        "weight",
                        Init::Normal { mean: 0.0, std: embed_std },
                    ),
                    name,
                    "embedding",
                )
                .optional(),
            )
            .rule(labelled(Rule::kind(LayerKind::Linear, "weight", xavier(1.0)), name, "linear"))
            .rule(
                labelled(Rule::kind(LayerKind::Linear, "bias", Init::Zeros), name, "bias")
                    .optional(),
            ))
    }
}
