//! [`ModuleList`]: an indexed list of modules, named `0`, `1`, ...

use crate::module::{LayerKind, Module, Visitor, VisitorMut, Zeroed};
use crate::spec::{Elements, FilledLater, Repeated};

/// PyTorch's `nn.ModuleList`: children named `"0"`, `"1"`, ..., no forward pass of its own.
///
/// `ModuleList<M>` holds modules of one type `M`; `ModuleList` (that is,
/// `ModuleList<dyn Module>`) holds any modules.
///
/// ```
/// use init_core::{Linear, Module, ModuleList, ReLU};
///
/// let blocks: ModuleList<Linear<4, 4>> = (0..3).map(|_| Linear::zeroed()).collect();
/// assert_eq!(blocks.named_parameters().len(), 6);
/// assert_eq!(blocks.named_parameters()[2].0, "1.weight");
///
/// let mixed = ModuleList::<dyn Module>::new().push_boxed(Box::new(Linear::<4, 2>::zeroed())).push_boxed(Box::new(ReLU));
/// assert_eq!(mixed.len(), 2);
/// ```
pub struct ModuleList<M: Module + ?Sized = dyn Module> {
    items: Vec<Box<M>>,
}

impl<M: Module + ?Sized> ModuleList<M> {
    /// An empty list.
    pub fn new() -> Self {
        ModuleList { items: Vec::new() }
    }

    /// Append a boxed module.
    #[must_use]
    pub fn push_boxed(mut self, module: Box<M>) -> Self {
        self.items.push(module);
        self
    }

    /// The number of modules.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The module at `index`.
    pub fn get(&self, index: usize) -> Option<&M> {
        self.items.get(index).map(|b| &**b)
    }

    /// The module at `index`, mutable.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut M> {
        self.items.get_mut(index).map(|b| &mut **b)
    }

    /// The modules in order.
    pub fn iter(&self) -> impl Iterator<Item = &M> {
        self.items.iter().map(|b| &**b)
    }
}

impl<M: Module> ModuleList<M> {
    /// Append a module.
    #[must_use]
    pub fn push(mut self, module: M) -> Self {
        self.items.push(Box::new(module));
        self
    }
}

impl<M: Module + ?Sized> Default for ModuleList<M> {
    fn default() -> Self {
        Self::new()
    }
}

/// `#[module(len = N)]` on a `ModuleList<M>` field: `N` zeroed `M`s.
impl<M: Module + Zeroed> Repeated for ModuleList<M> {
    fn repeat(n: usize) -> Self {
        <Vec<M> as Repeated>::repeat(n).into_iter().collect()
    }
}

/// `#[module(filled_later)]` on a `ModuleList` field: empty until the user fills it.
impl<M: Module + ?Sized> FilledLater for ModuleList<M> {
    fn empty() -> Self {
        ModuleList::new()
    }
}

/// `#[layer(...)]` on a `ModuleList` field: each module configured.
impl<M: Module + ?Sized> Elements for ModuleList<M> {
    type Element = M;
    fn for_each_mut(&mut self, f: &mut dyn FnMut(&mut M)) {
        self.items.iter_mut().for_each(|b| f(b));
    }
}

impl<M: Module + Zeroed, const N: usize> Zeroed for [M; N] {
    fn zeroed() -> Self {
        std::array::from_fn(|_| M::zeroed())
    }
}

impl<M: Module> FromIterator<M> for ModuleList<M> {
    fn from_iter<I: IntoIterator<Item = M>>(iter: I) -> Self {
        ModuleList { items: iter.into_iter().map(Box::new).collect() }
    }
}

impl<M: Module + ?Sized> std::fmt::Debug for ModuleList<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.items.iter().map(|m| m.kind())).finish()
    }
}

impl<M: Module + ?Sized + 'static> Module for ModuleList<M> {
    fn kind(&self) -> LayerKind {
        LayerKind::ModuleList
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        for (i, m) in self.items.iter().enumerate() {
            v.module(&i.to_string(), (**m).as_module());
        }
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        for (i, m) in self.items.iter_mut().enumerate() {
            v.module(&i.to_string(), (**m).as_module_mut());
        }
    }
}

/// A `Vec` of modules is a module list: children named `"0"`, `"1"`, ..., as a PyTorch
/// `nn.ModuleList` assigned to the field holding it.
///
/// ```
/// use init_core::{Linear, Module};
/// let blocks: Vec<Linear<2, 2>> = vec![Linear::zeroed(), Linear::zeroed()];
/// assert_eq!(blocks.named_parameters()[3].0, "1.bias");
/// ```
impl<M: Module + 'static> Module for Vec<M> {
    fn kind(&self) -> LayerKind {
        LayerKind::ModuleList
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        for (i, m) in self.iter().enumerate() {
            v.module(&i.to_string(), m);
        }
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        for (i, m) in self.iter_mut().enumerate() {
            v.module(&i.to_string(), m);
        }
    }
}

/// An array of modules is a module list, like a `Vec`.
///
/// ```
/// use init_core::{Linear, Module};
/// let heads: [Linear<4, 1>; 3] = [Linear::zeroed(), Linear::zeroed(), Linear::zeroed()];
/// assert_eq!(heads.named_children().len(), 3);
/// ```
impl<M: Module + 'static, const N: usize> Module for [M; N] {
    fn kind(&self) -> LayerKind {
        LayerKind::ModuleList
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        for (i, m) in self.iter().enumerate() {
            v.module(&i.to_string(), m);
        }
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        for (i, m) in self.iter_mut().enumerate() {
            v.module(&i.to_string(), m);
        }
    }
}
