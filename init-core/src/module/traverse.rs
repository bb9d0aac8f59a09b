//! The traversals of a module tree, each written once over [`Module::visit`] and
//! [`Module::visit_mut`]. [`Module`]'s provided traversals and every algorithm
//! ([`ModuleExt`](crate::ModuleExt), the rule engine, the loader, [`Summary`](super::Summary))
//! walk the tree through these, never through a provided method a module may override.

use super::{Module, Visitor, VisitorMut, join, tie};
use crate::param::{Buffer, BufferMut, Param, ParamMut, ParamSlot};

/// What one module holds, as its visitor reported it.
pub(crate) struct Parts<'a> {
    pub(crate) params: Vec<(String, &'a Param)>,
    pub(crate) buffers: Vec<(String, &'a Buffer)>,
    pub(crate) children: Vec<(String, &'a dyn Module)>,
}

impl<'a> Visitor<'a> for Parts<'a> {
    fn param(&mut self, name: &str, param: &'a Param) {
        self.params.push((name.to_string(), param));
    }
    fn buffer(&mut self, name: &str, buffer: &'a Buffer) {
        self.buffers.push((name.to_string(), buffer));
    }
    fn module(&mut self, name: &str, module: &'a dyn Module) {
        self.children.push((name.to_string(), module));
    }
}

/// What one module holds, mutably.
pub(crate) struct PartsMut<'a> {
    pub(crate) params: Vec<(String, ParamSlot<'a>)>,
    pub(crate) buffers: Vec<(String, BufferMut<'a>)>,
    pub(crate) children: Vec<(String, &'a mut dyn Module)>,
}

impl<'a> VisitorMut<'a> for PartsMut<'a> {
    fn param(&mut self, name: &str, param: ParamSlot<'a>) {
        self.params.push((name.to_string(), param));
    }
    fn buffer(&mut self, name: &str, buffer: BufferMut<'a>) {
        self.buffers.push((name.to_string(), buffer));
    }
    fn module(&mut self, name: &str, module: &'a mut dyn Module) {
        self.children.push((name.to_string(), module));
    }
}

pub(crate) fn parts(m: &dyn Module) -> Parts<'_> {
    let mut parts = Parts { params: Vec::new(), buffers: Vec::new(), children: Vec::new() };
    m.visit(&mut parts);
    parts
}

pub(crate) fn parts_mut(m: &mut dyn Module) -> PartsMut<'_> {
    let mut parts = PartsMut { params: Vec::new(), buffers: Vec::new(), children: Vec::new() };
    m.visit_mut(&mut parts);
    parts
}

/// Call `f(path, module)` on `m` and then on its subtree, depth first (PyTorch's
/// `named_modules` order).
pub(crate) fn pre_order<'a>(
    m: &'a dyn Module,
    path: &str,
    f: &mut dyn FnMut(&str, &'a dyn Module),
) {
    f(path, m);
    for (name, child) in parts(m).children {
        pre_order(child, &join(path, &name), f);
    }
}

/// Every parameter and buffer of the subtree of `m`, in pre-order of modules; each
/// parameter's handle has its path under `path`.
pub(crate) fn collect_mut<'a>(
    m: &'a mut dyn Module,
    path: &str,
    params: &mut Vec<(String, ParamMut<'a>)>,
    buffers: &mut Vec<(String, BufferMut<'a>)>,
) {
    let parts = parts_mut(m);
    params.extend(parts.params.into_iter().map(|(n, p)| {
        let full = join(path, &n);
        (full.clone(), p.at(full))
    }));
    buffers.extend(parts.buffers.into_iter().map(|(n, b)| (join(path, &n), b)));
    for (name, child) in parts.children {
        collect_mut(child, &join(path, &name), params, buffers);
    }
}

/// The own parameter of `m` called `name`, its handle at path `name`.
pub(crate) fn own_param_mut<'a>(m: &'a mut dyn Module, name: &str) -> Option<ParamMut<'a>> {
    parts_mut(m).params.into_iter().find(|(n, _)| n == name).map(|(n, p)| p.at(n))
}

/// Every module under `m` with its path, in pre-order; `m` is `""`.
pub(crate) fn named_modules(m: &dyn Module) -> Vec<(String, &dyn Module)> {
    let mut out = Vec::new();
    pre_order(m, "", &mut |path, m| out.push((path.to_string(), m)));
    out
}

/// Every parameter under `m` with its dotted path: each module's own, modules in pre-order;
/// a tied parameter once, under its target's path (PyTorch's `remove_duplicate` keeps the
/// first path; `#[derive(Module)]` requires the target to come first).
pub(crate) fn named_params(m: &dyn Module) -> Vec<(String, &Param)> {
    let ties = tie::aliases(m);
    let mut out = all_params(m);
    out.retain(|(path, _)| !ties.contains_key(path));
    out
}

/// Every parameter under `m` with its dotted path, both paths of a tied parameter included
/// (the state dict's entries).
pub(crate) fn all_params(m: &dyn Module) -> Vec<(String, &Param)> {
    let mut out = Vec::new();
    pre_order(m, "", &mut |path, m| {
        out.extend(parts(m).params.into_iter().map(|(name, p)| (join(path, &name), p)));
    });
    out
}

/// [`all_params`], mutable, for the crate's own walks.
pub(crate) fn all_params_mut(m: &mut dyn Module) -> Vec<(String, &mut Param)> {
    let mut handles = Vec::new();
    collect_mut(m, "", &mut handles, &mut Vec::new());
    handles.into_iter().map(|(path, h)| (path, h.into_param())).collect()
}

/// Every buffer under `m` with its dotted path, in the order of [`named_params`].
pub(crate) fn named_buffers(m: &dyn Module) -> Vec<(String, &Buffer)> {
    let mut out = Vec::new();
    pre_order(m, "", &mut |path, m| {
        out.extend(parts(m).buffers.into_iter().map(|(name, b)| (join(path, &name), b)));
    });
    out
}

/// [`named_params`], mutable (values only): a tied parameter once, under its target's path.
pub(crate) fn named_params_mut(m: &mut dyn Module) -> Vec<(String, ParamMut<'_>)> {
    let ties = tie::aliases(m.as_module());
    let mut out = Vec::new();
    collect_mut(m, "", &mut out, &mut Vec::new());
    out.retain(|(path, _)| !ties.contains_key(path));
    out
}

/// The parameter at dotted `path` under `m`, mutable; the alias of a tie gives its target.
pub(crate) fn param_mut_at<'a>(m: &'a mut dyn Module, path: &str) -> Option<ParamMut<'a>> {
    let path = tie::aliases(m.as_module()).remove(path).unwrap_or_else(|| path.to_string());
    named_params_mut(m).into_iter().find(|(n, _)| *n == path).map(|(_, p)| p)
}

/// The module at dotted `path` under `m` (`""` is `m`).
pub(crate) fn submodule_at<'a>(m: &'a dyn Module, path: &str) -> Option<&'a dyn Module> {
    named_modules(m).into_iter().find(|(n, _)| n == path).map(|(_, m)| m)
}
