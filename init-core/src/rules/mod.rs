//! Rules that decide how each parameter of a module tree is initialized.
//!
//! A [`Rule`] names its targets (a module path, a layer kind, or a glob over parameter
//! paths), optionally one parameter name, and an [`Init`]. Rules come from two places:
//!
//! - modules declare them for their own subtree ([`Module::init_rules`]): this is what
//!   `#[derive(Module)]` turns `#[init(...)]` attributes into;
//! - [`Rules`] built at run time, applied to an existing model (the Hugging Face
//!   `_init_weights` style).
//!
//! [`Module::init_weights`] fills every parameter exactly once: by the first matching rule of
//! the nearest module that declares one (field attributes before struct rules), else by its
//! layer's PyTorch default. A subtree that no rule touches is initialized by its
//! [`reset_parameters`](Module::reset_parameters), so its values (and, with
//! [`TorchGenerator`](crate::TorchGenerator), its draws) are exactly PyTorch's.
//! Every parameter records which rule set it ([`Param::origin`](crate::Param::origin)).

mod engine;
mod glob;

use std::borrow::Cow;
use std::sync::Arc;

use crate::error::Result;
use crate::module::{LayerKind, Module};
use crate::rng::Generator;
use crate::schemes::Init;

/// Which modules or parameters a [`Rule`] applies to. Paths are relative to the module that
/// declares the rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// The module at exactly this path (`"conv1"`; `""` is the declaring module itself).
    Module(Cow<'static, str>),
    /// Every layer of this kind in the subtree.
    Kind(LayerKind),
    /// Every parameter whose dotted path matches this glob (`*` matches any run of
    /// characters, dots included; `?` matches one).
    Glob(Cow<'static, str>),
}

/// One initialization rule: targets, an optional parameter name, and the [`Init`] to apply.
///
/// ```
/// use init_core::{Init, LayerKind, Rule};
/// let r = Rule::kind(LayerKind::Conv2d, "weight", Init::Zeros).with_origin("my rule");
/// assert_eq!(r.to_string(), "zeros by my rule");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    target: Target,
    param: Option<Cow<'static, str>>,
    init: Init,
    origin: Arc<str>,
    fallback: bool,
}

impl Rule {
    /// A rule for parameter `param` of the module at `path` (relative to the declarer).
    pub fn module(
        path: impl Into<Cow<'static, str>>,
        param: impl Into<Cow<'static, str>>,
        init: Init,
    ) -> Self {
        let target = Target::Module(path.into());
        Rule::new(target, Some(param.into()), init)
    }

    /// A rule for parameter `param` of every layer of `kind`.
    pub fn kind(kind: LayerKind, param: impl Into<Cow<'static, str>>, init: Init) -> Self {
        Rule::new(Target::Kind(kind), Some(param.into()), init)
    }

    /// A rule for every parameter whose path matches `pattern`.
    pub fn glob(pattern: impl Into<Cow<'static, str>>, init: Init) -> Self {
        Rule::new(Target::Glob(pattern.into()), None, init)
    }

    fn new(target: Target, param: Option<Cow<'static, str>>, init: Init) -> Self {
        let origin = describe(&target, param.as_deref());
        Rule { target, param, init, origin: origin.into(), fallback: false }
    }

    /// Say where the rule comes from; shown in [`Param::origin`](crate::Param::origin).
    #[must_use]
    pub fn with_origin(mut self, origin: impl Into<Arc<str>>) -> Self {
        self.origin = origin.into();
        self
    }

    /// Make this a layer-default rule: it loses to every other rule, and does not stop a
    /// subtree from taking PyTorch's `reset_parameters` path. Layers use it for defaults
    /// they set on a child (MultiheadAttention zeroes `out_proj.bias`).
    #[must_use]
    pub fn as_fallback(mut self) -> Self {
        self.fallback = true;
        self
    }

    /// What the rule targets.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The parameter name it is limited to, if any.
    pub fn param(&self) -> Option<&str> {
        self.param.as_deref()
    }

    /// The initialization it applies.
    pub fn init(&self) -> &Init {
        &self.init
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} by {}", self.init, self.origin)
    }
}

/// `rule for conv1.weight`, `rule for Conv2d.weight`, `rule "*.bias"`.
fn describe(target: &Target, param: Option<&str>) -> String {
    let what = match target {
        Target::Module(path) => path.to_string(),
        Target::Kind(kind) => kind.to_string(),
        Target::Glob(g) => return format!("rule \"{g}\""),
    };
    let parts: Vec<&str> =
        [what.as_str(), param.unwrap_or("")].into_iter().filter(|s| !s.is_empty()).collect();
    format!("rule for {}", parts.join("."))
}

/// Rules decided at run time, applied to an existing model: the Rust form of Hugging Face's
/// `_init_weights`. The first matching rule wins; parameters no rule matches keep their
/// values.
///
/// ```
/// use init_core::{Init, LayerKind, Linear, Module, Rules, Seed, Sequential};
///
/// let mut model = Sequential::new().push(Linear::<8, 8>::zeroed()).push(Linear::<8, 2>::zeroed());
/// let rules = Rules::new()
///     .glob("*.bias", Init::Zeros)
///     .kind(LayerKind::Linear, "weight", Init::Normal { mean: 0.0, std: 0.02 });
/// let touched = rules.apply(&mut model, &mut Seed::new(0))?;
/// assert_eq!(touched, ["0.weight", "0.bias", "1.weight", "1.bias"]);
/// let b = model.get_parameter("1.bias").unwrap();
/// assert_eq!(b.origin(), Some("zeros by rule \"*.bias\""));
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    /// No rules.
    pub fn new() -> Self {
        Rules { rules: Vec::new() }
    }

    /// Add a rule (after the existing ones, so it has lower priority).
    #[must_use]
    pub fn rule(mut self, rule: Rule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Add [`Rule::glob`].
    #[must_use]
    pub fn glob(self, pattern: impl Into<Cow<'static, str>>, init: Init) -> Self {
        self.rule(Rule::glob(pattern, init))
    }

    /// Add [`Rule::kind`].
    #[must_use]
    pub fn kind(self, kind: LayerKind, param: impl Into<Cow<'static, str>>, init: Init) -> Self {
        self.rule(Rule::kind(kind, param, init))
    }

    /// Add [`Rule::module`].
    #[must_use]
    pub fn module(
        self,
        path: impl Into<Cow<'static, str>>,
        param: impl Into<Cow<'static, str>>,
        init: Init,
    ) -> Self {
        self.rule(Rule::module(path, param, init))
    }

    /// The rules, in priority order.
    pub fn as_slice(&self) -> &[Rule] {
        &self.rules
    }

    /// Initialize every parameter of `model` that one of these rules matches, and leave
    /// the others (and the rules the model's modules declare) alone. Returns the paths
    /// written, in `named_parameters` order. Stops at the first error, which names the
    /// parameter and the rule broken.
    pub fn apply(&self, model: &mut dyn Module, rng: &mut dyn Generator) -> Result<Vec<String>> {
        run(model, &self.rules, Fallback::Keep, rng)
    }
}

pub(crate) use engine::{Fallback, run};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_without_an_origin_describes_its_target() {
        let origin = |r: Rule| r.to_string();
        assert_eq!(
            origin(Rule::module("conv1", "weight", Init::Zeros)),
            "zeros by rule for conv1.weight"
        );
        assert_eq!(origin(Rule::module("", "bias", Init::Ones)), "ones by rule for bias");
        assert_eq!(
            origin(Rule::kind(LayerKind::Conv2d, "weight", Init::Zeros)),
            "zeros by rule for Conv2d.weight"
        );
        assert_eq!(origin(Rule::glob("*.bias", Init::Zeros)), "zeros by rule \"*.bias\"");
    }
}
