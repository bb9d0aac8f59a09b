//! [`Rule`] and [`Target`]: the initialization rules a module declares for its subtree
//! ([`Module::init_rules`](super::Module::init_rules)), as data. What they do is the rule
//! engine's business ([`Rules`](crate::Rules) documents the precedence).

use std::borrow::Cow;
use std::sync::Arc;

use super::LayerKind;
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
    optional: bool,
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
        Rule { target, param, init, origin: origin.into(), fallback: false, optional: false }
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

    /// Allow this rule to set no parameter. By default, [`Rules::apply`](crate::Rules::apply) and
    /// [`Rules::init_weights`](crate::Rules::init_weights) refuse a set in which a rule matches no parameter, or only
    /// parameters that other rules set (a typo in a glob or a kind would otherwise pass
    /// silently); an optional rule is left out of that check. Rules a module declares for
    /// itself are not checked.
    ///
    /// ```
    /// use init_core::{Init, Linear, Rule, Rules, Seed};
    /// let mut fc = Linear::<4, 2, false>::zeroed(); // no bias
    /// let strict = Rules::new().glob("*.bias", Init::Zeros);
    /// assert!(strict.apply(&mut fc, &mut Seed::new(0)).is_err());
    /// let lenient = Rules::new().rule(Rule::glob("*.bias", Init::Zeros).optional());
    /// assert!(lenient.apply(&mut fc, &mut Seed::new(0))?.is_empty());
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    #[must_use]
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Whether the rule may set no parameter (see [`optional`](Rule::optional)).
    pub fn is_optional(&self) -> bool {
        self.optional
    }

    /// Whether this is a layer-default rule (see [`as_fallback`](Rule::as_fallback)).
    pub(crate) fn is_fallback(&self) -> bool {
        self.fallback
    }

    /// Whether the rule names one module by its path (a field's own `#[init]`): such rules
    /// come before kind and glob rules of the same set.
    pub(crate) fn names_a_module(&self) -> bool {
        matches!(self.target, Target::Module(_))
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
