//! The module tree: one object-safe [`Module`] trait, and every traversal written once over
//! its visitor.
//!
//! A module only says what it holds, in registration order: its own parameters, its buffers
//! and its child modules ([`Module::visit`] and [`Module::visit_mut`]). Everything else
//! (`named_modules`, `named_parameters`, `apply`, freezing, lookups by path) is a provided
//! method built on those two, with PyTorch's names and orders:
//!
//! | method | order | PyTorch |
//! |---|---|---|
//! | [`named_modules`](Module::named_modules) | pre-order, root `""` | `named_modules()` |
//! | [`named_children`](Module::named_children) | registration order | `named_children()` |
//! | [`named_parameters`](Module::named_parameters) | each module's own parameters, modules in pre-order | `named_parameters()` |
//! | [`named_buffers`](Module::named_buffers) | as parameters | `named_buffers()` |
//! | [`apply`](Module::apply) | post-order (children first, root last) | `apply(fn)` |
//!
//! Rust ownership rules out PyTorch's shared submodules and tied parameters, so no traversal
//! needs PyTorch's de-duplication: every entry appears once, under its one path.

mod forward;
mod handle;
mod kind;
mod summary;
pub(crate) mod traverse;

pub use forward::{Forward, ForwardModule};
pub use handle::ModuleMut;
pub use kind::LayerKind;
pub use summary::{Summary, SummaryRow};

use std::any::Any;

use ndarray::ArrayViewD;

use crate::error::Result;
use crate::param::{Buffer, BufferMut, Param, ParamMut, ParamSlot};
use crate::rng::Generator;
use crate::rules::Rule;
use crate::state::{LoadReport, StateDict};

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
/// [`visit_mut`](Module::visit_mut), plus [`reset_parameters`](Module::reset_parameters)
/// for layers that own parameters. `#[derive(Module)]` writes them for a struct of layers.
/// The trait is object safe: `&dyn Module` and `Box<dyn Module>` work everywhere.
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

    /// Initialize every parameter of the tree exactly once: by the nearest matching rule
    /// (see [`rules`](crate::rules)), else by its layer's PyTorch default. A subtree that no
    /// rule touches goes through [`reset_parameters`](Module::reset_parameters), so a model
    /// without rules gets exactly PyTorch's values and draw order. Returns nothing; every
    /// parameter's [`origin`](Param::origin) says which rule set it.
    fn init_weights(&mut self, rng: &mut dyn Generator) -> Result<()> {
        crate::rules::run(self.as_module_mut(), &[], crate::rules::Fallback::Default, rng)
            .map(|_| ())
    }

    /// Every module of the tree with its path, in pre-order; the root is `""`.
    fn named_modules(&self) -> Vec<(String, &dyn Module)> {
        let mut out = Vec::new();
        traverse::pre_order(self.as_module(), "", &mut |path, m| out.push((path.to_string(), m)));
        out
    }

    /// Every module of the tree, in pre-order, starting with this one.
    fn modules(&self) -> Vec<&dyn Module> {
        self.named_modules().into_iter().map(|(_, m)| m).collect()
    }

    /// The direct children with their names, in registration order.
    fn named_children(&self) -> Vec<(String, &dyn Module)> {
        traverse::parts(self.as_module()).children
    }

    /// The direct children, in registration order.
    fn children(&self) -> Vec<&dyn Module> {
        self.named_children().into_iter().map(|(_, m)| m).collect()
    }

    /// Every parameter of the tree with its dotted path (`"conv1.weight"`): each module's own
    /// parameters, modules in pre-order.
    fn named_parameters(&self) -> Vec<(String, &Param)> {
        let mut out = Vec::new();
        traverse::pre_order(self.as_module(), "", &mut |path, m| {
            let own = traverse::parts(m).params;
            out.extend(own.into_iter().map(|(name, p)| (join(path, &name), p)));
        });
        out
    }

    /// Every parameter of the tree, in [`named_parameters`](Module::named_parameters) order.
    fn parameters(&self) -> Vec<&Param> {
        self.named_parameters().into_iter().map(|(_, p)| p).collect()
    }

    /// [`named_parameters`](Module::named_parameters), with handles that can change values;
    /// each handle's [`path`](ParamMut::path) is its name here.
    fn named_parameters_mut(&mut self) -> Vec<(String, ParamMut<'_>)> {
        let mut out = Vec::new();
        traverse::collect_mut(self.as_module_mut(), "", &mut out, &mut Vec::new());
        out
    }

    /// Every buffer of the tree with its dotted path, in the order of
    /// [`named_parameters`](Module::named_parameters).
    fn named_buffers(&self) -> Vec<(String, &Buffer)> {
        let mut out = Vec::new();
        traverse::pre_order(self.as_module(), "", &mut |path, m| {
            let own = traverse::parts(m).buffers;
            out.extend(own.into_iter().map(|(name, b)| (join(path, &name), b)));
        });
        out
    }

    /// Every buffer of the tree.
    fn buffers(&self) -> Vec<&Buffer> {
        self.named_buffers().into_iter().map(|(_, b)| b).collect()
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
        let _ = handle::post_order(self.as_module_mut(), "", &mut |m| {
            f(m);
            Ok(())
        });
    }

    /// [`apply`](Module::apply) with a fallible function: stops at the first error and
    /// returns it. The forum loop's form (see [`Module`]).
    fn try_apply(&mut self, f: &mut dyn FnMut(&mut ModuleMut<'_>) -> Result<()>) -> Result<()> {
        handle::post_order(self.as_module_mut(), "", f)
    }

    /// The total number of parameter elements in the tree.
    fn num_parameters(&self) -> usize {
        self.parameters().iter().map(|p| p.numel()).sum()
    }

    /// Freeze every parameter of the subtree (`requires_grad = false`).
    fn freeze(&mut self) {
        for (_, mut p) in self.named_parameters_mut() {
            p.freeze();
        }
    }

    /// Unfreeze every parameter of the subtree (`requires_grad = true`).
    fn unfreeze(&mut self) {
        for (_, mut p) in self.named_parameters_mut() {
            p.unfreeze();
        }
    }

    /// The parameter at a dotted path (`"layer1.0.conv1.weight"`), if there is one.
    fn get_parameter(&self, path: &str) -> Option<&Param> {
        self.named_parameters().into_iter().find(|(n, _)| n == path).map(|(_, p)| p)
    }

    /// The parameter at a dotted path, mutable (values only); the handle's
    /// [`path`](ParamMut::path) is `path`.
    fn get_parameter_mut(&mut self, path: &str) -> Option<ParamMut<'_>> {
        self.named_parameters_mut().into_iter().find(|(n, _)| n == path).map(|(_, p)| p)
    }

    /// The submodule at a dotted path (`""` is this module).
    fn get_submodule(&self, path: &str) -> Option<&dyn Module> {
        self.named_modules().into_iter().find(|(n, _)| n == path).map(|(_, m)| m)
    }

    /// This module's own parameter named `weight`, if it has one.
    fn weight(&self) -> Option<&Param> {
        traverse::parts(self.as_module())
            .params
            .into_iter()
            .find(|(n, _)| n == "weight")
            .map(|(_, p)| p)
    }

    /// This module's own `weight`, mutable (values only). The handle's path is `"weight"`,
    /// right for a module used alone; inside a tree, reach it through
    /// [`try_apply`](Module::try_apply) ([`ModuleMut::weight`]) or
    /// [`get_parameter_mut`](Module::get_parameter_mut) on the root, which give the full path.
    fn weight_mut(&mut self) -> Option<ParamMut<'_>> {
        traverse::own_param_mut(self.as_module_mut(), "weight")
    }

    /// This module's own parameter named `bias`, if it has one.
    fn bias(&self) -> Option<&Param> {
        traverse::parts(self.as_module())
            .params
            .into_iter()
            .find(|(n, _)| n == "bias")
            .map(|(_, p)| p)
    }

    /// This module's own `bias`, mutable (values only); its path is `"bias"`, as for
    /// [`weight_mut`](Module::weight_mut).
    fn bias_mut(&mut self) -> Option<ParamMut<'_>> {
        traverse::own_param_mut(self.as_module_mut(), "bias")
    }

    /// Every parameter and buffer of the tree, copied, under PyTorch's keys and in its order:
    /// modules in pre-order, each module's own parameters (registration order), then its own
    /// buffers. Parameters and `f32` buffers are [`Tensor::F32`](crate::Tensor::F32);
    /// `num_batches_tracked` is [`Tensor::I64`](crate::Tensor::I64).
    ///
    /// ```
    /// use init_core::{BatchNorm1d, Linear, Module, ReLU, Sequential, Tensor};
    /// let mlp = Sequential::new().push(Linear::<4, 8>::zeroed()).push(BatchNorm1d::<8>::new()).push(ReLU);
    /// let sd = mlp.state_dict();
    /// assert_eq!(
    ///     sd.keys().collect::<Vec<_>>(),
    ///     ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"]
    /// );
    /// assert!(matches!(sd.get("1.num_batches_tracked"), Some(Tensor::I64(_))));
    /// ```
    fn state_dict(&self) -> StateDict {
        crate::state::load::state_dict(self.as_module())
    }

    /// Copy every value of `sd` into the tree, strictly: each key of the model must be in
    /// `sd` with the same shape and element type, and `sd` must hold no other key.
    ///
    /// Atomic: everything is checked before the first value is written. On any problem the
    /// model is unchanged and the one error ([`ErrorKind::LoadStateDict`](crate::ErrorKind::LoadStateDict))
    /// lists every missing, unexpected and mismatched key, mismatches with both shapes, in
    /// PyTorch's words. (PyTorch copies as it goes and can leave a model half loaded.)
    /// Values are copied; `requires_grad` is kept; each parameter's
    /// [`origin`](crate::Param::origin) becomes `"loaded by load_state_dict"`.
    ///
    /// ```
    /// use init_core::{Linear, Module, Seed};
    /// let trained = Linear::<3, 2>::new(&mut Seed::new(0))?;
    /// let mut fc = Linear::<3, 2>::zeroed();
    /// fc.load_state_dict(&trained.state_dict())?;
    /// assert_eq!(fc, trained);
    ///
    /// let wrong = Linear::<4, 2>::zeroed().state_dict();
    /// let err = fc.load_state_dict(&wrong).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "Error(s) in loading state_dict for Linear (nothing was loaded):\n\t\
    ///      size mismatch for weight: copying a param with shape [2, 4] from checkpoint, the shape in current model is [2, 3]."
    /// );
    /// assert_eq!(fc, trained);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn load_state_dict(&mut self, sd: &StateDict) -> Result<LoadReport> {
        crate::state::load::load(self.as_module_mut(), sd, crate::state::load::Mode::Strict)
    }

    /// Copy the values of `sd` whose key, shape and element type match the model, and
    /// report the rest (missing, unexpected and mismatched keys) instead of failing.
    /// Unlike PyTorch's `strict=False`, a size mismatch is skipped and reported, not raised.
    ///
    /// Atomic like [`load_state_dict`](Module::load_state_dict): an error (a model that
    /// holds two entries under one key) comes before anything is written.
    ///
    /// ```
    /// use init_core::{Linear, Module, Seed};
    /// let trained = Linear::<3, 2>::new(&mut Seed::new(0))?;
    /// // Same weight, a head without bias: the bias is reported, the weight loaded.
    /// let mut fc = Linear::<3, 2, false>::zeroed();
    /// let report = fc.load_state_dict_partial(&trained.state_dict())?;
    /// assert_eq!(report.loaded, ["weight"]);
    /// assert_eq!(report.unexpected, ["bias"]);
    /// assert_eq!(fc.weight().unwrap(), trained.weight().unwrap());
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn load_state_dict_partial(&mut self, sd: &StateDict) -> Result<LoadReport> {
        crate::state::load::load(self.as_module_mut(), sd, crate::state::load::Mode::Partial)
    }

    /// Copy `value` into the parameter at a dotted path (`"conv1.weight"`): the forum
    /// thread's "Method 2", with the shape checked. A value of another shape is refused with
    /// both shapes and the parameter is unchanged; a path that names no parameter is an
    /// error that says what is there instead. `requires_grad` is kept; the parameter's
    /// [`origin`](crate::Param::origin) becomes `"set by set_parameter"`.
    ///
    /// ```
    /// use init_core::{Conv2d, Module, Sequential};
    /// use ndarray::ArrayD;
    /// let mut net = Sequential::new().push(Conv2d::<1, 3, 3>::zeroed());
    /// net.set_parameter("0.weight", ArrayD::from_elem(vec![3, 1, 3, 3], 0.5).view())?;
    /// assert!(net.get_parameter("0.weight").unwrap().as_slice().iter().all(|&w| w == 0.5));
    ///
    /// let err = net.set_parameter("0.weight", ArrayD::zeros(vec![1, 1, 3, 3]).view()).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "0.weight: shape mismatch: the parameter has shape [3, 1, 3, 3], the source has shape [1, 1, 3, 3]"
    /// );
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn set_parameter(&mut self, path: &str, value: ArrayViewD<'_, f32>) -> Result<()> {
        crate::state::load::set_parameter(self.as_module_mut(), path, value)
    }

    /// Save the [`state_dict`](Module::state_dict) as a safetensors file, atomically (a
    /// temporary file in the same directory, synced, then renamed over `path`), readable by
    /// PyTorch's `safetensors.torch.load_file`, candle and burn.
    ///
    /// ```
    /// use init_core::{Linear, Module, Seed};
    /// let path = std::env::temp_dir().join(format!("init-doc-{}.safetensors", std::process::id()));
    /// let fc = Linear::<3, 2>::new(&mut Seed::new(0))?;
    /// fc.save_safetensors(&path)?;
    /// let mut copy = Linear::<3, 2>::zeroed();
    /// let (report, conversions) = copy.load_safetensors(&path)?;
    /// assert!(report.is_clean() && conversions.is_empty());
    /// assert_eq!(copy, fc);
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn save_safetensors(&self, path: impl AsRef<std::path::Path>) -> Result<()>
    where
        Self: Sized,
    {
        crate::safetensors::save(&self.state_dict(), path)
    }

    /// Load a safetensors file strictly and atomically (see
    /// [`load_state_dict`](Module::load_state_dict)): every key must fit, else nothing
    /// changes. Returns the load report and the tensors converted to `f32` from `F16`,
    /// `BF16` or `F64`.
    fn load_safetensors(
        &mut self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<(LoadReport, Vec<crate::safetensors::Conversion>)>
    where
        Self: Sized,
    {
        let loaded = crate::safetensors::load(path)?;
        let report = self.load_state_dict(&loaded.state)?;
        Ok((report, loaded.conversions))
    }
}

/// Modules that can be built with every parameter zero and nothing initialized; a tree is
/// built this way, then initialized once ([`Module::init_weights`]). `#[derive(Module)]`
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
    message = "`{Self}` cannot be built zeroed, so it is not a module field",
    label = "not a module",
    note = "mark fields that are not part of the module tree `#[module(skip)]` (they start from `Default`)"
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
pub fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") }
}
