//! [`Gpt2Residual`]: GPT-2's and Megatron-LM's scaled init of residual output projections.

use super::{Recipe, at_least_one, glob_rules, globs, labelled, positive};
use crate::error::Result;
use crate::module::{LayerKind, Module};
use crate::rules::Rule;
use crate::rules::Rules;
use crate::schemes::Init;

/// GPT-2's initialization (Radford et al. 2019, section 2.3: "we scale the weights of
/// residual layers at initialization by a factor of 1/√N where N is the number of residual
/// layers"), as transformers' `GPT2PreTrainedModel._init_weights` and Megatron-LM's
/// `init_method_normal` / `scaled_init_method_normal` write it:
///
/// - every `Linear`, HF `Conv1D` and `Embedding` weight: `normal(0, σ)`, σ =
///   `initializer_range` (0.02 by default); their biases: 0;
/// - `LayerNorm` (and `RMSNorm`): weight 1, bias 0;
/// - the output projection of each residual branch (the attention's and the MLP's, two per
///   layer, so `N = 2 n_layer`): `normal(0, σ / sqrt(2 n_layer))`.
///
/// The residual projections are named by globs: transformers' GPT-2 names
/// (`*c_proj.weight`) by [`new`](Gpt2Residual::new), Megatron-Core's GPT names
/// (`*.self_attention.linear_proj.weight`, `*.mlp.linear_fc2.weight`) by
/// [`megatron`](Gpt2Residual::megatron), any others by [`residual`](Gpt2Residual::residual).
///
/// With [`TorchGenerator`](crate::TorchGenerator) and [`Rules::apply_torch`] in
/// `TorchLoop::Apply` order, the rules reproduce transformers' draws bit for bit
/// (`tests/test_recipes.rs`, against `scripts/torch_models.py`'s GPT-2 fixture).
///
/// ```
/// use init_core::{Gpt2Residual, Recipe, Sequential};
/// let rules = Gpt2Residual::new(12).rules(&Sequential::new())?;
/// assert_eq!(rules.as_slice()[0].to_string(), "normal(std = 0.004082482904638631) by gpt2_residual: residual output (*c_proj.weight)");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Gpt2Residual {
    n_layer: usize,
    std: f64,
    residual: Vec<String>,
}

impl Gpt2Residual {
    /// transformers' GPT-2: `initializer_range` 0.02, residual outputs `*c_proj.weight`.
    pub fn new(n_layer: usize) -> Self {
        Gpt2Residual { n_layer, std: 0.02, residual: globs(["*c_proj.weight"]) }
    }

    /// Megatron-Core's GPT model names: `init_method_std` 0.02, residual outputs
    /// `*.self_attention.linear_proj.weight` and `*.mlp.linear_fc2.weight`.
    pub fn megatron(num_layers: usize) -> Self {
        let residual = ["*.self_attention.linear_proj.weight", "*.mlp.linear_fc2.weight"];
        Gpt2Residual { n_layer: num_layers, std: 0.02, residual: globs(residual) }
    }

    /// σ of every weight (`initializer_range`, Megatron's `init_method_std`).
    #[must_use]
    pub fn std(mut self, std: f64) -> Self {
        self.std = std;
        self
    }

    /// The globs naming the residual output projections (replacing the defaults).
    #[must_use]
    pub fn residual<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.residual = globs(patterns);
        self
    }

    /// The std of the residual projections: `σ / sqrt(2 n_layer)`, as both reference
    /// implementations compute it.
    pub fn residual_std(&self) -> f64 {
        self.std / (2.0 * self.n_layer as f64).sqrt()
    }
}

impl Recipe for Gpt2Residual {
    fn name(&self) -> &'static str {
        "gpt2_residual"
    }

    fn rules(&self, _model: &dyn Module) -> Result<Rules> {
        let name = self.name();
        at_least_one(name, "n_layer", self.n_layer)?;
        let std = positive(name, "std", self.std)?;
        let normal = Init::Normal { mean: 0.0, std };
        let scaled = Init::Normal { mean: 0.0, std: self.residual_std() };
        // The residual globs come first: among kind and glob rules, the first declared wins.
        let mut rules = glob_rules(&self.residual, &scaled, name, "residual output")
            .fold(Rules::new(), Rules::rule);
        let optional = |kind, param: &'static str, init: Init, role| {
            labelled(Rule::kind(kind, param, init), name, role).optional()
        };
        for kind in [LayerKind::Linear, LayerKind::Conv1D] {
            rules = rules.rule(optional(kind, "weight", normal.clone(), "weight")).rule(optional(
                kind,
                "bias",
                Init::Zeros,
                "bias",
            ));
        }
        rules = rules.rule(optional(LayerKind::Embedding, "weight", normal, "embedding"));
        for kind in [LayerKind::LayerNorm, LayerKind::RMSNorm] {
            rules = rules.rule(optional(kind, "weight", Init::Ones, "norm"));
        }
        Ok(rules.rule(optional(LayerKind::LayerNorm, "bias", Init::Zeros, "norm")))
    }
}
