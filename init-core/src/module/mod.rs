//! The module tree: what a module states (the `Module` trait, its visitors, `ModuleMut`, `LayerKind`, `Rule`); documented on `Module`.

mod features;
mod forward;
mod handle;
mod kind;
pub(crate) mod rule;
mod summary;
pub(crate) mod tie;
pub(crate) mod trace;
pub(crate) mod traverse;

pub use features::{Features, Width};
pub use forward::{Forward, ForwardModule};
pub use handle::ModuleMut;
pub use kind::LayerKind;
use rule::Rule;
pub use summary::{Summary, SummaryRow};
pub use tie::Tie;

use std::any::Any;

use crate::error::Result;
use crate::param::{Buffer, BufferMut, Param, ParamMut, ParamSlot};
use crate::rng::Generator;

/// Receives what a module holds, in registration order (see [`Module::visit`]).
pub trait Visitor<'a> {
    /// An own parameter, named relative to the module (`"weight"`).
    fn param(&mut self, name: &str, param: &'a Param);
    /// An own buffer (`"running_mean"`).
    fn buffer(&mut self, name: &str, buffer: &'a Buffer);
    /// A direct child module (`"conv1"`, `"0"`).
    fn module(&mut self, name: &str, module: &'a dyn Module);
}

/// Receives what a module holds, mutably (see [`Module::visit_mut`]).
///
/// Parameters come as [`ParamSlot`]s (the visitor gives each its path) and buffers as
/// [`BufferMut`]: their values can change, never their shapes.
pub trait VisitorMut<'a> {
    /// An own parameter.
    fn param(&mut self, name: &str, param: ParamSlot<'a>);
    /// An own buffer.
    fn buffer(&mut self, name: &str, buffer: BufferMut<'a>);
    /// A direct child module.
    fn module(&mut self, name: &str, module: &'a mut dyn Module);
}

/// Views of any module as `dyn Module` and `dyn Any`; implemented for every module.
pub trait AsModule {
    /// This module as a trait object.
    fn as_module(&self) -> &dyn Module;
    /// This module as a mutable trait object.
    fn as_module_mut(&mut self) -> &mut dyn Module;
    /// This module as `Any`, to downcast to its concrete type.
    fn as_any(&self) -> &dyn Any;
    /// This module as mutable `Any`.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Module + 'static> AsModule for T {
    fn as_module(&self) -> &dyn Module {
        self
    }
    fn as_module_mut(&mut self) -> &mut dyn Module {
        self
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A node of the module tree: a layer, a container, or a user's network.
///
/// Implementors write three methods: [`kind`](Module::kind), [`visit`](Module::visit) and
/// [`visit_mut`](Module::visit_mut); a layer that owns parameters adds
/// [`init_defaults`](Module::init_defaults) (and [`reset_parameters`](Module::reset_parameters)
/// where PyTorch's draw order is not its registration order); a module that declares rules
/// adds [`init_rules`](Module::init_rules). `#[derive(Module)]` writes them for a struct of
/// layers. The other methods are plain traversals over `visit`/`visit_mut`, provided.
/// The trait is object safe: `&dyn Module` and `Box<dyn Module>` work everywhere.
///
/// The algorithms over a whole tree are not here: [`init_weights`](crate::ModuleExt::init_weights),
/// [`state_dict`](crate::ModuleExt::state_dict), [`load_state_dict`](crate::ModuleExt::load_state_dict),
/// [`set_parameter`](crate::ModuleExt::set_parameter) and the safetensors files are methods of
/// [`ModuleExt`](crate::ModuleExt), implemented for every module and for `dyn Module`, and
/// not overridable. They walk the tree through `visit`/`visit_mut` only, so a module that
/// overrides a provided traversal changes none of them.
///
/// The forum thread's `initialize_weights` loop, in Rust: visit every module, ask what kind
/// of layer it is whatever its dimensions, and initialize its weight and optional bias. Each
/// handle knows its path, which keys its random stream: no names are built by hand, and
/// layers of the same shape get different values.
///
/// ```
/// use init_core::{
///     self as init, BatchNorm2d, Conv2d, FanMode, LayerKind, Linear, Module, Nonlinearity,
///     ReLU, Seed, Sequential,
/// };
///
/// let mut net = Sequential::new()
///     .push(Conv2d::<3, 8, 3>::zeroed())
///     .push(BatchNorm2d::<8>::new())
///     .push(ReLU)
///     .push(Linear::<8, 10>::zeroed());
/// let mut rng = Seed::new(0);
/// net.try_apply(&mut |m| {
///     match m.kind() {
///         LayerKind::Conv2d => {
///             if let Some(w) = m.weight() {
///                 init::kaiming_normal()
///                     .mode(FanMode::FanOut)
///                     .nonlinearity(Nonlinearity::Relu)
///                     .fill(w, &mut rng)?;
///             }
///             if let Some(b) = m.bias() {
///                 init::zeros().fill(b)?;
///             }
///         }
///         LayerKind::BatchNorm2d => {
///             if let Some(w) = m.weight() {
///                 init::ones().fill(w)?;
///             }
///             if let Some(b) = m.bias() {
///                 init::zeros().fill(b)?;
///             }
///         }
///         LayerKind::Linear => {
///             if let Some(w) = m.weight() {
///                 init::normal().std(0.01).fill(w, &mut rng)?;
///             }
///             if let Some(b) = m.bias() {
///                 init::zeros().fill(b)?;
///             }
///         }
///         _ => {}
///     }
///     Ok(())
/// })?;
/// let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"]);
/// let conv = net.get_parameter("0.weight").unwrap();
/// assert_eq!(conv.origin(), Some(r#"kaiming_normal(mode = "fan_out", nonlinearity = "relu")"#));
/// assert!(net.get_parameter("3.bias").unwrap().as_slice().iter().all(|&b| b == 0.0));
/// # Ok::<(), init_core::InitError>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a module",
    label = "not a module",
    note = "a field of a `#[derive(Module)]` struct must be a layer, a derived module, or `Vec`, an array, `Option` or `Box` of those; mark any other field `#[module(skip)]`"
)]
///
/// # The module tree
///
/// The module tree: one object-safe [`Module`] trait, and every traversal written once over
/// its visitor.
///
/// A module only says what it holds, in registration order: its own parameters, its buffers
/// and its child modules ([`Module::visit`] and [`Module::visit_mut`]). Everything else
/// (`named_modules`, `named_parameters`, `apply`, freezing, lookups by path) is a provided
/// method built on those two, with PyTorch's names and orders:
///
/// | method | order | PyTorch |
/// |---|---|---|
/// | [`named_modules`](Module::named_modules) | pre-order, root `""` | `named_modules()` |
/// | [`named_children`](Module::named_children) | registration order | `named_children()` |
/// | [`named_parameters`](Module::named_parameters) | each module's own parameters, modules in pre-order | `named_parameters()` |
/// | [`named_buffers`](Module::named_buffers) | as parameters | `named_buffers()` |
/// | [`apply`](Module::apply) | post-order (children first, root last) | `apply(fn)` |
///
/// Rust ownership rules out PyTorch's shared submodules. Tied parameters are declared
/// ([`Module::ties`], [`Tie`]): the parameter traversals list a tied parameter once, under its
/// target's path (PyTorch's de-duplication); the state dict lists both keys.
///
/// This module holds what a module *states*: the trait, its visitors, [`LayerKind`] and the
/// [`Rule`]s a module declares. It imports no algorithm: initializing a tree,
/// state dicts and files are [`ModuleExt`](crate::ModuleExt)'s, one level up.
pub trait Module: AsModule {
    /// What kind of layer this is (PyTorch's class name through `Display`).
    fn kind(&self) -> LayerKind;

    /// Hand the visitor this module's own parameters, own buffers and direct children, each
    /// group in registration order. Parameters registered as absent (a layer built without
    /// bias) are skipped.
    fn visit<'a>(&'a self, visitor: &mut dyn Visitor<'a>);

    /// [`visit`](Module::visit), mutably.
    fn visit_mut<'a>(&'a mut self, visitor: &mut dyn VisitorMut<'a>);

    /// Re-initialize this module and its subtree with PyTorch's default initialization, in
    /// PyTorch's order of random draws (its construction order). `prefix` is this module's
    /// path: with [`Seed`](crate::Seed) it keys every parameter's stream.
    ///
    /// The provided method runs [`init_defaults`](Module::init_defaults) on the module's
    /// own parameters, then resets each child in registration order. A layer whose PyTorch
    /// order differs (MultiheadAttention builds `out_proj` first) overrides it.
    fn reset_parameters(&mut self, prefix: &str, rng: &mut dyn Generator) -> Result<()> {
        self.init_defaults(prefix, &|_| false, rng)?;
        for (name, child) in traverse::parts_mut(self.as_module_mut()).children {
            child.reset_parameters(&join(prefix, &name), rng)?;
        }
        Ok(())
    }

    /// PyTorch's default initialization of this module's **own** parameters, except those
    /// for which `ruled(name)` is true (a rule will fill them), in PyTorch's draw order.
    /// Layers that own parameters implement it; the provided method does nothing.
    fn init_defaults(
        &mut self,
        prefix: &str,
        ruled: &dyn Fn(&str) -> bool,
        rng: &mut dyn Generator,
    ) -> Result<()> {
        let _ = (prefix, ruled, rng);
        Ok(())
    }

    /// The initialization rules this module declares for its subtree, with paths relative
    /// to it. `#[derive(Module)]` turns `#[init(...)]` attributes into these; the provided
    /// method declares none.
    fn init_rules(&self) -> Vec<Rule> {
        Vec::new()
    }

    /// The errors of the rules this module declares that [`init_rules`](Module::init_rules)
    /// cannot return: a recipe named in `#[init(recipe = ...)]` whose arguments are refused
    /// or whose rules match no parameter of the struct. The rule engine calls it on every
    /// module of a tree before writing anything; the provided method finds none.
    fn check_rules(&self) -> Result<()> {
        Ok(())
    }

    /// The parameters of this module's subtree that are other ones (weight tying), paths
    /// relative to this module: `#[module(tie(weight = transformer.wte.weight))]` on the
    /// `lm_head` field declares `Tie::new("lm_head.weight", "transformer.wte.weight")`. The
    /// provided method declares none. See [`Tie`] for what the traversals do with them.
    fn ties(&self) -> Vec<Tie> {
        Vec::new()
    }

    /// Every module of the tree with its path, in pre-order; the root is `""`.
    fn named_modules(&self) -> Vec<(String, &dyn Module)> {
        traverse::named_modules(self.as_module())
    }

    /// Every module of the tree, in pre-order, starting with this one.
    fn modules(&self) -> Vec<&dyn Module> {
        traverse::named_modules(self.as_module()).into_iter().map(|(_, m)| m).collect()
    }

    /// The direct children with their names, in registration order.
    fn named_children(&self) -> Vec<(String, &dyn Module)> {
        traverse::parts(self.as_module()).children
    }

    /// The direct children, in registration order.
    fn children(&self) -> Vec<&dyn Module> {
        traverse::parts(self.as_module()).children.into_iter().map(|(_, m)| m).collect()
    }

    /// Every parameter of the tree with its dotted path (`"conv1.weight"`): each module's own
    /// parameters, modules in pre-order.
    fn named_parameters(&self) -> Vec<(String, &Param)> {
        traverse::named_params(self.as_module())
    }

    /// Every parameter of the tree, in [`named_parameters`](Module::named_parameters) order.
    fn parameters(&self) -> Vec<&Param> {
        traverse::named_params(self.as_module()).into_iter().map(|(_, p)| p).collect()
    }

    /// [`named_parameters`](Module::named_parameters), with handles that can change values;
    /// each handle's [`path`](ParamMut::path) is its name here.
    fn named_parameters_mut(&mut self) -> Vec<(String, ParamMut<'_>)> {
        traverse::named_params_mut(self.as_module_mut())
    }

    /// Every buffer of the tree with its dotted path, in the order of
    /// [`named_parameters`](Module::named_parameters).
    fn named_buffers(&self) -> Vec<(String, &Buffer)> {
        traverse::named_buffers(self.as_module())
    }

    /// Every buffer of the tree.
    fn buffers(&self) -> Vec<&Buffer> {
        traverse::named_buffers(self.as_module()).into_iter().map(|(_, b)| b).collect()
    }

    /// [`named_buffers`](Module::named_buffers), with handles that can change values.
    fn named_buffers_mut(&mut self) -> Vec<(String, BufferMut<'_>)> {
        let mut out = Vec::new();
        traverse::collect_mut(self.as_module_mut(), "", &mut Vec::new(), &mut out);
        out
    }

    /// Call `f` on every module of the tree in post-order (children before their parent, the
    /// root last), as PyTorch's `apply`. Each module comes as a [`ModuleMut`]: its path and
    /// the handles on its parameters, which carry their full paths.
    fn apply(&mut self, f: &mut dyn FnMut(&mut ModuleMut<'_>)) {
        let _ = handle::post_order_tied(self.as_module_mut(), &mut |m| {
            f(m);
            Ok(())
        });
    }

    /// [`apply`](Module::apply) with a fallible function: stops at the first error and
    /// returns it. The forum loop's form (see [`Module`]).
    fn try_apply(&mut self, f: &mut dyn FnMut(&mut ModuleMut<'_>) -> Result<()>) -> Result<()> {
        handle::post_order_tied(self.as_module_mut(), f)
    }

    /// The total number of parameter elements in the tree.
    fn num_parameters(&self) -> usize {
        traverse::named_params(self.as_module()).iter().map(|(_, p)| p.numel()).sum()
    }

    /// Freeze every parameter of the subtree (`requires_grad = false`).
    fn freeze(&mut self) {
        for (_, mut p) in traverse::named_params_mut(self.as_module_mut()) {
            p.freeze();
        }
        let _ = tie::settle(self.as_module_mut(), &|_| false);
    }

    /// Unfreeze every parameter of the subtree (`requires_grad = true`).
    fn unfreeze(&mut self) {
        for (_, mut p) in traverse::named_params_mut(self.as_module_mut()) {
            p.unfreeze();
        }
        let _ = tie::settle(self.as_module_mut(), &|_| false);
    }

    /// The parameter at a dotted path (`"layer1.0.conv1.weight"`), if there is one; either
    /// path of a tied parameter gives it.
    fn get_parameter(&self, path: &str) -> Option<&Param> {
        let m = self.as_module();
        let path = tie::aliases(m).remove(path).unwrap_or_else(|| path.to_string());
        traverse::all_params(m).into_iter().find(|(n, _)| *n == path).map(|(_, p)| p)
    }

    /// The parameter at a dotted path, mutable (values only); the handle's
    /// [`path`](ParamMut::path) is `path`, which keys the stream of the init function that
    /// fills it. Call it on the root (`model.get_parameter_mut("fc1.weight")`): called on a
    /// submodule (`model.fc1.get_parameter_mut("weight")`) the path is relative to it, and two
    /// same-shaped layers filled that way from one seed get the same values. There is no
    /// `weight_mut()` for that reason; [`ModuleMut::weight`] in [`try_apply`](Module::try_apply)
    /// gives the full path.
    ///
    /// ```
    /// use init_core::{Linear, Module, Seed, Sequential};
    /// let mut net = Sequential::new().push(Linear::<4, 4>::zeroed()).push(Linear::<4, 4>::zeroed());
    /// let mut rng = Seed::new(0);
    /// for path in ["0.weight", "1.weight"] {
    ///     let w = net.get_parameter_mut(path).expect("two Linears");
    ///     init_core::xavier_uniform().fill(w, &mut rng)?;
    /// }
    /// let (a, b) = (net.get_parameter("0.weight").unwrap(), net.get_parameter("1.weight").unwrap());
    /// assert_ne!(a.as_slice(), b.as_slice());
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn get_parameter_mut(&mut self, path: &str) -> Option<ParamMut<'_>> {
        traverse::param_mut_at(self.as_module_mut(), path)
    }

    /// The submodule at a dotted path (`""` is this module).
    fn get_submodule(&self, path: &str) -> Option<&dyn Module> {
        traverse::submodule_at(self.as_module(), path)
    }

    /// This module's own parameter named `weight`, if it has one.
    fn weight(&self) -> Option<&Param> {
        traverse::parts(self.as_module())
            .params
            .into_iter()
            .find(|(n, _)| n == "weight")
            .map(|(_, p)| p)
    }

    /// This module's own parameter named `bias`, if it has one.
    fn bias(&self) -> Option<&Param> {
        traverse::parts(self.as_module())
            .params
            .into_iter()
            .find(|(n, _)| n == "bias")
            .map(|(_, p)| p)
    }
}

/// Modules that can be built with every parameter zero and nothing initialized; a tree is
/// built this way, then initialized once ([`ModuleExt::init_weights`](crate::ModuleExt::init_weights)). `#[derive(Module)]`
/// implements it for a struct whose fields all implement it.
///
/// ```
/// use init_core::{Linear, Module, Zeroed};
/// fn build<M: Module + Zeroed>() -> M {
///     M::zeroed()
/// }
/// let fc: Linear<3, 2> = build();
/// assert!(fc.weight().unwrap().as_slice().iter().all(|&w| w == 0.0));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be built zeroed, so `new()` cannot build this field",
    label = "new() cannot build this",
    note = "a `Vec` or `ModuleList<M>` field needs `#[module(len = N)]`; a `Sequential`, `ModuleList` or `Vec` that you fill after `new()` needs `#[module(filled_later)]`; mark fields that are not part of the module tree `#[module(skip)]` (they start from `Default`)"
)]
pub trait Zeroed {
    /// The module, all parameters zero, buffers at their PyTorch starting values or zero.
    fn zeroed() -> Self;
}

impl dyn Module + '_ {
    /// The concrete layer behind this trait object, if it is a `T`.
    ///
    /// ```
    /// use init_core::{Linear, Module, ReLU, Sequential};
    /// let seq = Sequential::new().push(Linear::<4, 2>::zeroed()).push(ReLU);
    /// let first = seq.children()[0];
    /// assert!(first.downcast_ref::<Linear<4, 2>>().is_some());
    /// assert!(first.downcast_ref::<ReLU>().is_none());
    /// ```
    pub fn downcast_ref<T: Module + 'static>(&self) -> Option<&T> {
        self.as_any().downcast_ref()
    }

    /// The concrete layer behind this trait object, mutable, if it is a `T`.
    pub fn downcast_mut<T: Module + 'static>(&mut self) -> Option<&mut T> {
        self.as_any_mut().downcast_mut()
    }
}

/// `prefix.name`, or `name` alone at the root.
pub(crate) fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") }
}
