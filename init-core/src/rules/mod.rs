//! The rule engine; the precedence is documented on `Rules`.

mod audit;
mod engine;
mod frame;
mod glob;

use std::borrow::Cow;

use crate::error::Result;
pub use crate::module::rule::{Rule, Target};
use crate::module::{LayerKind, Module};
use crate::rng::Generator;
use crate::schemes::Init;

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
}

pub(crate) use engine::{Fallback, run};
