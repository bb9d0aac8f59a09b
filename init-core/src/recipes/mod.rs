//! Named initialization recipes: the rule sets of papers and reference code bases, as
//! runtime [`Rules`], documented on [`Recipe`].

mod deepnet;
mod fixup;
mod gpt2;
mod resnet;
mod tfixup;
mod torchtitan;
mod vit;
mod zero;

pub use deepnet::{DeepNet, DeepNetArch};
pub use fixup::{Fixup, FixupBlock};
pub use gpt2::Gpt2Residual;
pub use resnet::{ResNetBlock, TorchvisionResNet};
pub use tfixup::TFixup;
pub use torchtitan::Torchtitan;
pub use vit::TimmVit;
pub use zero::{ZerO, hadamard};

use crate::error::Result;
use crate::module::Module;
use crate::rng::Generator;
use crate::rules::Rules;
use crate::rules::{Rule, Target};

/// A named initialization recipe: the rules a paper or a reference code base applies to an
/// architecture, turned into [`Rules`] for one model.
///
/// | recipe | source | what it does |
/// |---|---|---|
/// | [`Gpt2Residual`] | GPT-2 (Radford et al. 2019), transformers' `GPT2PreTrainedModel._init_weights`; Megatron-LM's `scaled_init_method_normal` | every Linear/Conv1D/Embedding weight `normal(0, σ)`, biases 0, LayerNorm 1/0; the output projection of each residual branch `normal(0, σ / sqrt(2 n_layer))` |
/// | [`Torchtitan`] | torchtitan 0.3 `models/llama3`, `depth_scaled_std` | Linear weights `trunc_normal(std 0.02)`, the residual outputs of layer `i` (`wo`, `w2`, `w3`) `0.02 / sqrt(2 (i + 1))`, embedding `normal(0, 1)`, norms 1, output head `trunc_normal(dim^-1/2, ±3σ)` |
/// | [`TorchvisionResNet`] | torchvision `ResNet.__init__` | convolutions `kaiming_normal(fan_out, relu)`, norms 1/0, with `zero_init_residual` the last norm of each block 0 |
/// | [`TimmVit`] | timm `VisionTransformer.init_weights` (`''` and `'jax'`) | `trunc_normal(.02)` Linears, zero biases, `pos_embed`/`cls_token`; the JAX variant: `xavier_uniform`, `lecun_normal` patch embedding, zero head |
/// | [`Fixup`] | Zhang, Dauphin & Ma 2019, "Fixup Initialization" | the last layer of each residual branch and the classifier 0, the other branch layers He-initialized and scaled by `L^(-1/(2m-2))` |
/// | [`TFixup`] | Huang et al. 2020, "Improving Transformer Optimization Through Better Initialization" | Xavier everywhere, embeddings `N(0, d^-1/2)`, encoder value/output/MLP weights `× 0.67 N^(-1/4)`, decoder ones and embeddings `× (9N)^(-1/4)` |
/// | [`DeepNet`] | Wang et al. 2022, "DeepNet: Scaling Transformers to 1,000 Layers" | `xavier_normal(gain β)` on FFN, value and output projections, `xavier_normal(gain 1)` on query/key, `β` from the depth |
/// | [`ZerO`] | Zhao et al. 2022, "ZerO Initialization" | no randomness: identity, partial identity, or a scaled Hadamard block; the last layer of each residual branch 0 |
///
/// μP (Yang et al. 2022, microsoft/mup) is [`Mup`](crate::Mup), not a `Recipe`: it turns a
/// model's standard init into its μP form given base shapes, and exports learning-rate
/// multipliers ([`Mup::init_rules`](crate::Mup::init_rules) gives its rules for any
/// generator).
///
/// Each recipe names the parameters it acts on with globs over the model's parameter paths
/// (`*` matches across dots), defaulting to the reference implementation's names; every
/// builder can change them to fit another model's names. A glob that matches nothing is an
/// error when the rules are applied ([`Rules::apply`]), so a recipe never passes silently
/// over a model whose names differ; rules for layer kinds a model may not have (GroupNorm in
/// a ResNet) are [`optional`](Rule::optional).
///
/// ```
/// use init_core::{Linear, LayerNorm, Module, ModuleExt, Recipe, Gpt2Residual, Seed, Sequential};
/// let mut net = Sequential::new()
///     .push(Linear::<64, 256>::zeroed())
///     .push(Linear::<256, 64>::zeroed())
///     .push(LayerNorm::<64>::zeroed());
/// // The second Linear is the residual output projection here.
/// let recipe = Gpt2Residual::new(6).residual(["1.weight"]);
/// recipe.init(&mut net, &mut Seed::new(0))?;
/// let w = net.get_parameter("1.weight").unwrap();
/// assert_eq!(w.origin(), Some("normal(std = 0.005773502691896258) by gpt2_residual: residual output (1.weight)"));
/// # Ok::<(), init_core::InitError>(())
/// ```
pub trait Recipe {
    /// The recipe's name, as in the table above (`"gpt2_residual"`).
    fn name(&self) -> &'static str;

    /// The rules this recipe applies to `model`. Most recipes do not look at the model;
    /// [`ZerO`] reads its parameters' shapes. An argument out of range (a depth of 0, a
    /// non-finite std) is an error naming the recipe and the rule.
    fn rules(&self, model: &dyn Module) -> Result<Rules>;

    /// Initialize every parameter of `model`: the recipe's rules as the outermost rule set
    /// ([`Rules::init_weights`]), so rules the model's own modules declare still win, and the
    /// layers' PyTorch defaults fill what the recipe does not name.
    fn init(&self, model: &mut dyn Module, rng: &mut dyn Generator) -> Result<()> {
        let rules = self.rules(&*model)?;
        rules.init_weights(model, rng)
    }

    /// Re-initialize `model` with the recipe alone ([`Rules::apply`]): the parameters it
    /// names are written, the others left as they are. Returns the paths written.
    fn apply(&self, model: &mut dyn Module, rng: &mut dyn Generator) -> Result<Vec<String>> {
        let rules = self.rules(&*model)?;
        rules.apply(model, rng)
    }
}

/// The origin every rule of a recipe carries: `"<recipe>: <role> (<target>)"`, the target
/// being the glob, or the layer kind or module path with the parameter, so that a rule that
/// matches nothing says what it looked for.
fn labelled(rule: Rule, recipe: &str, role: &str) -> Rule {
    let param = rule.param().map(|p| format!(".{p}")).unwrap_or_default();
    let target = match rule.target() {
        Target::Glob(g) => g.to_string(),
        Target::Kind(k) => format!("{k}{param}"),
        Target::Module(m) if m.is_empty() => param.trim_start_matches('.').to_string(),
        Target::Module(m) => format!("{m}{param}"),
    };
    rule.with_origin(format!("{recipe}: {role} ({target})"))
}

/// One glob rule per pattern, each writing `init` and [`labelled`] for `recipe` and `role`.
fn glob_rules<'a, S: AsRef<str>>(
    patterns: impl IntoIterator<Item = S> + 'a,
    init: &'a crate::schemes::Init,
    recipe: &'a str,
    role: &'a str,
) -> impl Iterator<Item = Rule> + 'a {
    patterns
        .into_iter()
        .map(move |p| labelled(Rule::glob(p.as_ref().to_string(), init.clone()), recipe, role))
}

/// A recipe's argument error: `"<recipe>: <rule>"`.
fn arg_error(recipe: &'static str, rule: impl Into<String>) -> crate::error::InitError {
    crate::error::InitError::config(recipe, rule)
}

/// `Ok` when `value` is finite and positive, else the error naming it.
fn positive(recipe: &'static str, name: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(arg_error(recipe, format!("{name} must be finite and positive, got {value}")))
    }
}

/// `Ok` when `value` is at least 1, else the error naming it.
fn at_least_one(recipe: &'static str, name: &str, value: usize) -> Result<usize> {
    if value >= 1 {
        Ok(value)
    } else {
        Err(arg_error(recipe, format!("{name} must be at least 1, got 0")))
    }
}

/// The globs of a builder, as owned strings.
fn globs<I, S>(patterns: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    patterns.into_iter().map(Into::into).collect()
}
