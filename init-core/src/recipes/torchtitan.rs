//! [`Torchtitan`]: torchtitan's Llama 3 init with per-layer depth scaling.

use super::{Recipe, arg_error, at_least_one, labelled};
use crate::error::Result;
use crate::module::{LayerKind, Module};
use crate::rules::Rule;
use crate::rules::Rules;
use crate::schemes::Init;

/// torchtitan's Llama 3 initialization (torchtitan 0.3.0, `torchtitan/models/llama3/__init__.py`
/// and `models/common/param_init.py`):
///
/// - `layers.{i}.attention.wo.weight`, `layers.{i}.feed_forward.w2.weight` and `w3.weight`:
///   `trunc_normal(std = 0.02 / sqrt(2 (i + 1)), a = -2, b = 2)` (`depth_scaled_std`); with
///   [`depth_init(false)`](Torchtitan::depth_init), earlier torchtitan's
///   `0.02 / sqrt(2 n_layers)` for every layer;
/// - every other `Linear` weight (`wq`, `wk`, `wv`, `w1`): `trunc_normal(std = 0.02, a = -2,
///   b = 2)`; Linear biases 0;
/// - `tok_embeddings.weight`: `normal(0, 1)`;
/// - `RMSNorm` weights: 1;
/// - `output.weight`: `trunc_normal(std = dim^-0.5, a = -3 std, b = 3 std)`.
///
/// The bounds `a = -2, b = 2` are torchtitan's (`nn.init.trunc_normal_`'s defaults, in
/// absolute units: 100σ away at σ = 0.02, so those weights are in effect untruncated).
/// `layers` must hold `n_layers` blocks named `0` to `n_layers - 1`: a missing layer is an
/// error when the rules are applied (its glob matches nothing).
///
/// ```
/// use init_core::{Recipe, Sequential, Torchtitan};
/// let rules = Torchtitan::new(4, 256).rules(&Sequential::new())?;
/// assert_eq!(
///     rules.as_slice()[5].to_string(),
///     "trunc_normal(std = 0.01) by torchtitan: layers.1 residual output (layers.1.attention.wo.weight)"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Torchtitan {
    n_layers: usize,
    dim: usize,
    depth_init: bool,
}

impl Torchtitan {
    /// `n_layers` blocks of width `dim`, with depth-scaled init.
    pub fn new(n_layers: usize, dim: usize) -> Self {
        Torchtitan { n_layers, dim, depth_init: true }
    }

    /// `false`: the same std `0.02 / sqrt(2 n_layers)` for every layer's residual outputs
    /// (torchtitan's `depth_init = False`).
    #[must_use]
    pub fn depth_init(mut self, depth_init: bool) -> Self {
        self.depth_init = depth_init;
        self
    }

    /// The std of layer `layer_id`'s residual outputs.
    pub fn layer_std(&self, layer_id: usize) -> f64 {
        let n = if self.depth_init { layer_id + 1 } else { self.n_layers };
        // torchtitan: base_std / (2 * (layer_id + 1)) ** 0.5
        0.02 / (2.0 * n as f64).powf(0.5)
    }

    /// The std of the output head: `dim ** -0.5`.
    pub fn output_std(&self) -> f64 {
        (self.dim as f64).powf(-0.5)
    }
}

impl Recipe for Torchtitan {
    fn name(&self) -> &'static str {
        "torchtitan"
    }

    fn rules(&self, _model: &dyn Module) -> Result<Rules> {
        let name = self.name();
        at_least_one(name, "n_layers", self.n_layers)?;
        at_least_one(name, "dim", self.dim)?;
        if self.n_layers > 1 << 20 {
            return Err(arg_error(name, format!("n_layers {} is above 2^20", self.n_layers)));
        }
        let trunc = |std: f64| Init::TruncNormal { mean: 0.0, std, a: -2.0, b: 2.0 };
        let s = self.output_std();
        let head = Init::TruncNormal { mean: 0.0, std: s, a: -3.0 * s, b: 3.0 * s };
        let mut rules = Rules::new()
            .rule(labelled(Rule::glob("output.weight", head), name, "output head"))
            .rule(labelled(
                Rule::glob("tok_embeddings.weight", Init::Normal { mean: 0.0, std: 1.0 }),
                name,
                "embedding",
            ));
        for i in 0..self.n_layers {
            let role = format!("layers.{i} residual output");
            for p in ["attention.wo", "feed_forward.w2", "feed_forward.w3"] {
                let glob = format!("layers.{i}.{p}.weight");
                rules =
                    rules.rule(labelled(Rule::glob(glob, trunc(self.layer_std(i))), name, &role));
            }
        }
        Ok(rules
            .rule(labelled(Rule::kind(LayerKind::Linear, "weight", trunc(0.02)), name, "linear"))
            .rule(
                labelled(Rule::kind(LayerKind::Linear, "bias", Init::Zeros), name, "bias")
                    .optional(),
            )
            .rule(
                labelled(Rule::kind(LayerKind::RMSNorm, "weight", Init::Ones), name, "norm")
                    .optional(),
            ))
    }
}
