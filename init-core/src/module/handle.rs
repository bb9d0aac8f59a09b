//! [`ModuleMut`]: a module of the tree with its path, as [`Module::apply`] and
//! [`Module::try_apply`] hand it out, and the walk that does it.

use std::any::Any;

use super::{LayerKind, Module, join, tie, traverse};
use crate::error::Result;
use crate::param::ParamMut;

/// A module of the tree and its path (`"features.0"`; the root is `""`), handed out by
/// [`Module::apply`] and [`Module::try_apply`].
///
/// The parameters it hands out carry their full path (`"features.0.weight"`), which the init
/// functions key their random stream by: the forum thread's loop needs no hand-built names,
/// and two layers of the same shape get different values.
///
/// ```
/// use init_core::{self as init, Conv2d, Module, Seed, Sequential};
/// let mut net = Sequential::new().push(Conv2d::<3, 3, 3>::zeroed()).push(Conv2d::<3, 3, 3>::zeroed());
/// let mut rng = Seed::new(0);
/// net.try_apply(&mut |m| {
///     let module = m.path().to_string();
///     if let Some(w) = m.weight() {
///         assert_eq!(w.path(), format!("{module}.weight"));
///         init::normal().std(0.01).fill(w, &mut rng)?;
///     }
///     Ok(())
/// })?;
/// let (a, b) = (net.get_parameter("0.weight").unwrap(), net.get_parameter("1.weight").unwrap());
/// assert_ne!(a.as_slice(), b.as_slice());
/// # Ok::<(), init_core::InitError>(())
/// ```
pub struct ModuleMut<'a> {
    path: &'a str,
    module: &'a mut dyn Module,
}

impl<'a> ModuleMut<'a> {
    /// The module at `path`.
    pub(crate) fn new(path: &'a str, module: &'a mut dyn Module) -> Self {
        ModuleMut { path, module }
    }

    /// The module's path, relative to the module the walk started from (`""` for it).
    pub fn path(&self) -> &str {
        self.path
    }

    /// What kind of layer this is, whatever its dimensions.
    pub fn kind(&self) -> LayerKind {
        self.module.kind()
    }

    /// The module's own parameter `name`, with its path (`"fc.weight"`), if it has one.
    ///
    /// ```
    /// use init_core::{Module, MultiheadAttention, Sequential};
    /// let mut net = Sequential::new().push(MultiheadAttention::<8, 2>::zeroed());
    /// let mut paths = Vec::new();
    /// net.apply(&mut |m| {
    ///     if let Some(w) = m.param("in_proj_weight") {
    ///         paths.push(w.path().to_string());
    ///     }
    /// });
    /// assert_eq!(paths, ["0.in_proj_weight"]);
    /// ```
    pub fn param(&mut self, name: &str) -> Option<ParamMut<'_>> {
        let own = traverse::own_param_mut(self.module, name)?;
        Some(own.prefixed(self.path))
    }

    /// The module's own `weight`, with its path, if it has one (PyTorch's `m.weight`).
    pub fn weight(&mut self) -> Option<ParamMut<'_>> {
        self.param("weight")
    }

    /// The module's own `bias`, with its path, if it has one (PyTorch's `m.bias`; `None`
    /// for a layer built without bias).
    pub fn bias(&mut self) -> Option<ParamMut<'_>> {
        self.param("bias")
    }

    /// The module, to read (its parameters, children, summary).
    pub fn as_module(&self) -> &dyn Module {
        self.module
    }

    /// The concrete layer, if it is a `T`.
    pub fn downcast_ref<T: Module + 'static>(&self) -> Option<&T> {
        self.module.as_any().downcast_ref()
    }

    /// The concrete layer, mutable, if it is a `T`. Handles reached through it
    /// ([`Module::get_parameter_mut`]) are named relative to this module (`"weight"`): use
    /// [`param`](ModuleMut::param) for the ones an init function fills.
    ///
    /// ```
    /// use init_core::{Dropout, Module, ReLU, Sequential};
    /// let mut net = Sequential::new().push(Dropout::new()).push(ReLU);
    /// net.try_apply(&mut |m| {
    ///     if let Some(d) = m.downcast_mut::<Dropout>() {
    ///         *d = Dropout::with_p(0.1)?;
    ///     }
    ///     Ok(())
    /// })?;
    /// assert_eq!(net.children()[0].downcast_ref::<Dropout>().unwrap().p(), 0.1);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn downcast_mut<T: Module + 'static>(&mut self) -> Option<&mut T> {
        let any: &mut dyn Any = self.module.as_any_mut();
        any.downcast_mut()
    }
}

impl std::fmt::Debug for ModuleMut<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleMut")
            .field("path", &self.path)
            .field("kind", &self.module.kind())
            .finish_non_exhaustive()
    }
}

/// [`post_order`] from the root, then the ties settled: the two paths of a tied parameter are
/// one again, with the values of the one written last (the alias, when both were: it comes
/// later in the walk, as PyTorch's loop writes the shared parameter twice).
pub(crate) fn post_order_tied(
    m: &mut dyn Module,
    f: &mut dyn FnMut(&mut ModuleMut<'_>) -> Result<()>,
) -> Result<()> {
    let aliases = tie::aliases(m.as_module());
    if aliases.is_empty() {
        return post_order(m, "", f);
    }
    tie::settle(m, &|_| false)?;
    let before: Vec<(String, crate::param::Param)> = traverse::all_params(m.as_module())
        .into_iter()
        .filter(|(p, _)| aliases.contains_key(p))
        .map(|(p, param)| (p, param.clone()))
        .collect();
    let walked = post_order(m, "", f);
    let after = traverse::all_params(m.as_module());
    let written: Vec<&str> = before
        .iter()
        .filter(|(p, old)| {
            after.iter().any(|(q, now)| {
                q == p
                    && (!now.shares_storage_with(old) || now.requires_grad() != old.requires_grad())
            })
        })
        .map(|(p, _)| p.as_str())
        .collect();
    let settled = tie::settle(m, &|alias| written.contains(&alias));
    walked.and(settled)
}

/// Call `f` on every module of the subtree of `m` (at `path`), children before their parent
/// (PyTorch's `apply` order), stopping at the first error.
pub(crate) fn post_order(
    m: &mut dyn Module,
    path: &str,
    f: &mut dyn FnMut(&mut ModuleMut<'_>) -> Result<()>,
) -> Result<()> {
    for (name, child) in traverse::parts_mut(m).children {
        post_order(child, &join(path, &name), f)?;
    }
    f(&mut ModuleMut::new(path, m))
}
