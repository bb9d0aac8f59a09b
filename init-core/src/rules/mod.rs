//! The rule engine; the precedence is documented on `Rules`.

mod audit;
mod declared;
mod engine;
mod frame;
pub(crate) mod glob;
mod replay;

use std::borrow::Cow;

use crate::error::Result;
pub use crate::module::rule::{Rule, Target};
use crate::module::{LayerKind, Module};
use crate::rng::Generator;
use crate::schemes::Init;
pub use replay::TorchLoop;

/// Rules decided at run time, applied to an existing model: the Rust form of Hugging Face's
/// `_init_weights`. A rule naming a module by its path ([`Rules::module`]) wins over kind
/// and glob rules; among the rest, the first added wins. Every rule must set at least one
/// parameter unless it is [`optional`](Rule::optional).
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
///
/// # Which rule fills a parameter
///
/// Rules that decide how each parameter of a module tree is initialized.
///
/// A [`Rule`] names its targets (a module path, a layer kind, or a glob over parameter
/// paths), optionally one parameter name, and an [`Init`]. Rules come from two places:
///
/// - modules declare them for their own subtree ([`Module::init_rules`]): this is what
///   `#[derive(Module)]` turns `#[init(...)]` attributes into;
/// - [`Rules`] built at run time, applied to an existing model (the Hugging Face
///   `_init_weights` style).
///
/// [`ModuleExt::init_weights`](crate::ModuleExt::init_weights) fills every parameter exactly once, by the first of:
///
/// 1. a rule of the nearest module that declares one matching the parameter; within one
///    module's rules, those naming a module by its path ([`Rule::module`], what a field's
///    own `#[init]` becomes) come before kind and glob rules, and within each of these two
///    groups the first declared wins;
/// 2. the same for the next enclosing module, and so on out to the root (and then the
///    runtime rules of [`Rules::init_weights`], which act as the outermost set);
/// 3. the layer's PyTorch default.
///
/// Layer-default rules ([`Rule::as_fallback`]) come after every ordinary rule in scope. A
/// subtree that no rule touches is initialized by its
/// [`reset_parameters`](Module::reset_parameters), so its values (and, with
/// [`TorchGenerator`](crate::TorchGenerator), its draws) are exactly PyTorch's.
/// Every parameter records which rule set it ([`Param::origin`](crate::Param::origin)).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    /// No rules.
    pub fn new() -> Self {
        Rules { rules: Vec::new() }
    }

    /// Add a rule (after the existing ones, so it loses to them where both match, unless
    /// it names a module by path and they do not).
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
    /// the others alone: the rules the model's modules declare are not consulted (this is
    /// re-initialization after construction, as Hugging Face's `_init_weights`; see
    /// [`init_weights`](Rules::init_weights) to combine both). Returns the paths written, in
    /// `named_parameters` order.
    ///
    /// Before anything is written, every rule is checked to set at least one parameter: a
    /// rule that matches none, or only parameters that other rules of the set take, is an
    /// error ([`ErrorKind::UnusedRules`](crate::ErrorKind::UnusedRules)) listing each such
    /// rule, unless it is [`optional`](Rule::optional). Otherwise stops at the first
    /// error, which names the parameter and the rule broken.
    pub fn apply(&self, model: &mut dyn Module, rng: &mut dyn Generator) -> Result<Vec<String>> {
        run(model, &self.rules, Fallback::Keep, rng)
    }

    /// Initialize the whole tree as [`ModuleExt::init_weights`](crate::ModuleExt::init_weights) does, with these rules as the
    /// outermost rule set: every rule the model's modules declare (field attributes and
    /// struct rules) wins over them, and they win over the layers' PyTorch defaults. The
    /// same check as [`apply`](Rules::apply): a rule that would set no parameter is an error
    /// before anything is written.
    ///
    /// ```
    /// use init_core::{Init, LayerKind, Linear, Module, Rule, Rules, Seed, Sequential};
    ///
    /// let mut model = Sequential::new().push(Linear::<3, 3>::zeroed()).push(Linear::<3, 2>::zeroed());
    /// let rules = Rules::new().kind(LayerKind::Linear, "weight", Init::Zeros);
    /// rules.init_weights(&mut model, &mut Seed::new(0))?;
    /// assert!(model.get_parameter("1.weight").unwrap().as_slice().iter().all(|&w| w == 0.0));
    /// assert_eq!(model.get_parameter("1.bias").unwrap().origin(), Some("default: Linear"));
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn init_weights(&self, model: &mut dyn Module, rng: &mut dyn Generator) -> Result<()> {
        run(model, &self.rules, Fallback::Default, rng).map(|_| ())
    }

    /// [`init_weights`](Rules::init_weights) in PyTorch's draw order, as
    /// [`ModuleExt::init_weights_torch`](crate::ModuleExt::init_weights_torch): every
    /// layer's default in construction order, then `order`'s loop applying the module-declared
    /// rules and these (outermost). The doc example of [`TorchLoop`] uses it.
    pub fn init_weights_torch(
        &self,
        model: &mut dyn Module,
        rng: &mut dyn Generator,
        order: TorchLoop,
    ) -> Result<()> {
        run_torch(model, &self.rules, Fallback::Default, order, rng).map(|_| ())
    }

    /// [`apply`](Rules::apply) in PyTorch's draw order: the loop alone (no construction),
    /// visiting modules in `order` and applying to each own parameter every rule of this set
    /// that matches it, the one [`apply`](Rules::apply) would choose last: the Rust form of
    /// `model.apply(weights_init)` on a model already built. Returns the paths written, in
    /// the loop's order. A generator that is not [sequential](Generator::is_sequential) gets
    /// [`apply`](Rules::apply).
    ///
    /// ```
    /// use init_core::{Init, LayerKind, Linear, Module, Rules, Sequential, TorchGenerator, TorchLoop};
    /// let mut net = Sequential::new().push(Linear::<2, 2>::zeroed()).push(Linear::<2, 1>::zeroed());
    /// let rules = Rules::new()
    ///     .glob("*.bias", Init::Zeros)
    ///     .kind(LayerKind::Linear, "weight", Init::Normal { mean: 0.0, std: 0.02 });
    /// let written = rules.apply_torch(&mut net, &mut TorchGenerator::new(0), TorchLoop::Apply)?;
    /// assert_eq!(written, ["0.weight", "0.bias", "1.weight", "1.bias"]);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn apply_torch(
        &self,
        model: &mut dyn Module,
        rng: &mut dyn Generator,
        order: TorchLoop,
    ) -> Result<Vec<String>> {
        run_torch(model, &self.rules, Fallback::Keep, order, rng)
    }
}

/// The rule of `rules` (one runtime set, as [`Rules::apply`] ranks it) that fills parameter
/// `name` of the module at `module_path`, of kind `kind`.
pub(crate) fn winner(
    rules: &[Rule],
    module_path: &str,
    kind: LayerKind,
    name: &str,
) -> Option<Rule> {
    let frame = frame::Frame { base: String::new(), rules, parent: None };
    frame.lookup(module_path, kind, name).cloned()
}

/// One parameter of a tree and the rule that fills it under [`ModuleExt::init_weights`](crate::ModuleExt::init_weights)
/// with a runtime set: [`resolve`]'s answer.
pub(crate) struct Resolved {
    /// The path of the module that owns the parameter.
    pub module: String,
    /// The parameter's name in that module.
    pub name: String,
    /// The module's kind.
    pub kind: LayerKind,
    /// The winning rule, `None` for the layer's PyTorch default; a layer-default rule
    /// ([`Rule::as_fallback`]) is `Some` with [`Resolved::fallback`] set.
    pub rule: Option<Rule>,
    /// Whether `rule` is a layer-default rule.
    pub fallback: bool,
}

/// Which rule fills each parameter of `model` (tied aliases left out) when `rules` are the
/// outermost runtime set: the same frames and precedence as the engine's walk, nothing
/// written. In `named_parameters` order.
pub(crate) fn resolve(model: &dyn Module, rules: &[Rule]) -> Vec<Resolved> {
    fn go(
        m: &dyn Module,
        prefix: &str,
        outer: &frame::Frame<'_>,
        aliases: &std::collections::HashMap<String, String>,
        out: &mut Vec<Resolved>,
    ) {
        let declared = m.init_rules();
        let here = frame::Frame { base: prefix.to_string(), rules: &declared, parent: Some(outer) };
        let kind = m.kind();
        let parts = crate::module::traverse::parts(m);
        for (name, _) in &parts.params {
            if aliases.contains_key(&crate::module::join(prefix, name)) {
                continue;
            }
            let rule = here.lookup(prefix, kind, name).cloned();
            let fallback = rule.as_ref().is_some_and(Rule::is_fallback);
            out.push(Resolved {
                module: prefix.to_string(),
                name: name.clone(),
                kind,
                rule,
                fallback,
            });
        }
        for (name, child) in parts.children {
            go(child, &crate::module::join(prefix, &name), &here, aliases, out);
        }
    }
    let root = frame::Frame { base: String::new(), rules, parent: None };
    let aliases = crate::module::tie::aliases(model);
    let mut out = Vec::new();
    go(model, "", &root, &aliases, &mut out);
    out
}

pub(crate) use engine::{Fallback, run};

/// Every module's [`Module::check_rules`], in `named_modules` order: the first error, with
/// the module's path in front of its message.
pub(crate) fn check_declared(model: &dyn Module) -> Result<()> {
    for (path, m) in model.named_modules() {
        m.check_rules().map_err(|e| if path.is_empty() { e } else { e.at(path) })?;
    }
    Ok(())
}

/// `rules` checked as [`Rules::apply`] checks its own on `model` (the module-declared rules
/// left out): each must set at least one parameter unless optional.
pub(crate) fn check_sets_something(model: &dyn Module, rules: &Rules) -> Result<()> {
    audit::check(model, &rules.rules, &declared::Declared::of(model, Fallback::Keep))
}
pub(crate) use replay::run as run_torch;
