//! [`TimmVit`]: timm's Vision Transformer init, `''` and `'jax'` modes.

use super::{Recipe, arg_error, labelled};
use crate::error::Result;
use crate::module::{LayerKind, Module};
use crate::rng::Generator;
use crate::rules::Rule;
use crate::rules::{Rules, TorchLoop};
use crate::schemes::{FanAxes, Init};

/// timm's `VisionTransformer.init_weights(mode)` (timm 1.0, `timm/models/vision_transformer.py`):
///
/// - both modes: `pos_embed` `trunc_normal(std = .02)` (bounds ±2, absolute), `cls_token`
///   and `reg_token` `normal(std = 1e-6)`;
/// - `''` (timm's default, `init_weights_vit_timm`): every `Linear` weight `trunc_normal(std =
///   .02)`, its bias 0; other layers keep PyTorch's defaults;
/// - `'jax'` (`init_weights_vit_jax`, matching the original JAX/Flax code): the classifier
///   `head` weight 0 and bias `head_bias`; every other `Linear` weight `xavier_uniform`, its
///   bias `normal(std = 1e-6)` inside an MLP (`*mlp.fc1.bias`, `*mlp.fc2.bias`), 0
///   elsewhere; the patch embedding's `Conv2d` weight `lecun_normal` (truncated normal of
///   variance `1/fan_in`, as timm's `lecun_normal_`), its bias 0.
///
/// [`apply_torch`](TimmVit::apply_torch) runs timm's program order (the tokens first, then
/// `named_apply` post-order), so with [`TorchGenerator`](crate::TorchGenerator) set to the
/// inverse-CDF `trunc_normal_` (timm's own) the `''` mode is timm's bit for bit up to MKL's
/// `erfinv` (`tests/test_recipes.rs`).
///
/// ```
/// use init_core::{Recipe, Sequential, TimmVit};
/// let rules = TimmVit::new().jax_impl(true).rules(&Sequential::new())?;
/// assert_eq!(rules.as_slice()[3].to_string(), "zeros by timm_vit(jax): head (head.weight)");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TimmVit {
    jax_impl: bool,
    head_bias: f64,
}

impl Default for TimmVit {
    fn default() -> Self {
        TimmVit::new()
    }
}

impl TimmVit {
    /// timm's default mode (`''`).
    pub fn new() -> Self {
        TimmVit { jax_impl: false, head_bias: 0.0 }
    }

    /// `true`: the `'jax'` mode.
    #[must_use]
    pub fn jax_impl(mut self, on: bool) -> Self {
        self.jax_impl = on;
        self
    }

    /// The head's bias in the `'jax'` mode (timm's `'jax_nlhb'` uses `-ln(num_classes)`).
    #[must_use]
    pub fn head_bias(mut self, value: f64) -> Self {
        self.head_bias = value;
        self
    }

    fn token_rules(&self) -> Rules {
        let name = self.label();
        let tokens = Rules::new()
            .rule(labelled(
                Rule::glob(
                    "pos_embed",
                    Init::TruncNormal { mean: 0.0, std: 0.02, a: -2.0, b: 2.0 },
                ),
                name,
                "pos_embed",
            ))
            .rule(
                labelled(
                    Rule::glob("cls_token", Init::Normal { mean: 0.0, std: 1e-6 }),
                    name,
                    "cls_token",
                )
                .optional(),
            );
        tokens.rule(
            labelled(
                Rule::glob("reg_token", Init::Normal { mean: 0.0, std: 1e-6 }),
                name,
                "reg_token",
            )
            .optional(),
        )
    }

    fn module_rules(&self) -> Result<Rules> {
        let name = self.label();
        if !self.jax_impl {
            let trunc = Init::TruncNormal { mean: 0.0, std: 0.02, a: -2.0, b: 2.0 };
            return Ok(Rules::new()
                .rule(labelled(Rule::kind(LayerKind::Linear, "weight", trunc), name, "linear"))
                .rule(
                    labelled(Rule::kind(LayerKind::Linear, "bias", Init::Zeros), name, "linear")
                        .optional(),
                ));
        }
        if !self.head_bias.is_finite() {
            return Err(arg_error(
                "timm_vit",
                format!("head_bias must be finite, got {}", self.head_bias),
            ));
        }
        let xavier = Init::XavierUniform { gain: 1.0, axes: FanAxes::TORCH };
        let tiny = Init::Normal { mean: 0.0, std: 1e-6 };
        let rules = Rules::new()
            .rule(labelled(Rule::glob("head.weight", Init::Zeros), name, "head"))
            .rule(labelled(
                Rule::glob("head.bias", Init::Constant { value: self.head_bias }),
                name,
                "head",
            ))
            .rule(labelled(Rule::glob("*mlp.fc1.bias", tiny.clone()), name, "mlp bias").optional())
            .rule(labelled(Rule::glob("*mlp.fc2.bias", tiny), name, "mlp bias").optional())
            .rule(labelled(Rule::kind(LayerKind::Linear, "weight", xavier), name, "linear"))
            .rule(
                labelled(Rule::kind(LayerKind::Linear, "bias", Init::Zeros), name, "linear")
                    .optional(),
            )
            .rule(
                labelled(
                    Rule::kind(
                        LayerKind::Conv2d,
                        "weight",
                        Init::LecunNormal { axes: FanAxes::TORCH },
                    ),
                    name,
                    "patch embedding",
                )
                .optional(),
            )
            .rule(
                labelled(
                    Rule::kind(LayerKind::Conv2d, "bias", Init::Zeros),
                    name,
                    "patch embedding",
                )
                .optional(),
            );
        Ok(rules)
    }

    fn label(&self) -> &'static str {
        if self.jax_impl { "timm_vit(jax)" } else { "timm_vit" }
    }

    /// timm's program on a model already built with PyTorch's defaults: the tokens'
    /// rules, then the layers' in `named_apply`'s post-order (`TorchLoop::Apply`), each
    /// through [`Rules::apply_torch`]. Returns the paths written, in that order.
    pub fn apply_torch(
        &self,
        model: &mut dyn Module,
        rng: &mut dyn Generator,
    ) -> Result<Vec<String>> {
        // One token at a time, in timm's order (pos_embed, cls_token, reg_token), which is
        // not necessarily the model's registration order.
        let mut written = Vec::new();
        for rule in self.token_rules().as_slice() {
            let one = Rules::new().rule(rule.clone());
            written.extend(one.apply_torch(model, rng, TorchLoop::Apply)?);
        }
        written.extend(self.module_rules()?.apply_torch(model, rng, TorchLoop::Apply)?);
        Ok(written)
    }
}

impl Recipe for TimmVit {
    fn name(&self) -> &'static str {
        "timm_vit"
    }

    fn rules(&self, _model: &dyn Module) -> Result<Rules> {
        let mut rules = self.token_rules();
        for rule in self.module_rules()?.as_slice() {
            rules = rules.rule(rule.clone());
        }
        Ok(rules)
    }
}
