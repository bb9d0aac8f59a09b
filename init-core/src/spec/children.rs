//! How `new()` builds a derived struct's container fields: a `Vec` or `ModuleList` of one
//! module type with a declared length ([`Repeated`]), a container the user fills after
//! `new()` ([`FilledLater`]), and the layers a built container holds, which a
//! `#[layer(...)]` on the field configures ([`Elements`]). Nothing else starts empty: `Vec`, `Sequential` and
//! `ModuleList` are not [`Zeroed`], so a field of one of them without `#[module(len = N)]`
//! or `#[module(filled_later)]` does not compile.

use crate::error::{ErrorKind, InitError};
use crate::module::{Module, Zeroed};

/// A list of one module type that `new()` builds with a length: `#[module(len = N)]`.
///
/// ```
/// use init_core::{Linear, Module, ModuleList};
/// use init_core::spec::Repeated;
/// let h = <Vec<Linear<2, 2>> as Repeated>::repeat(3);
/// assert_eq!(h.named_children().len(), 3);
/// let list = <ModuleList<Linear<2, 2>> as Repeated>::repeat(2);
/// assert_eq!(list.len(), 2);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be built with a length",
    label = "`#[module(len = ...)]` needs a list of one module type",
    note = "`len` builds a `Vec<M>` or `ModuleList<M>` of `len` zeroed `M`s; an array has its length in its type; fill a `Sequential` or `ModuleList<dyn Module>` after `new()` and mark it `#[module(filled_later)]`"
)]
pub trait Repeated: Sized {
    /// `n` zeroed modules.
    fn repeat(n: usize) -> Self;
}

impl<M: Module + Zeroed> Repeated for Vec<M> {
    fn repeat(n: usize) -> Self {
        let mut list = Vec::new();
        if list.try_reserve_exact(n).is_err() {
            let bytes = n.saturating_mul(size_of::<M>());
            let e = InitError::new("", ErrorKind::OutOfMemory { shape: vec![n], bytes });
            // In a derived `new()`, its error; elsewhere (`zeroed()`) a panic that says why,
            // where `collect` would abort.
            assert!(crate::param::defer(&e), "#[module(len = {n})]: a list of {n} modules: {e}");
            return list;
        }
        list.extend((0..n).map(|_| M::zeroed()));
        list
    }
}

/// A container that `new()` leaves empty because the user fills it afterwards:
/// `#[module(filled_later)]`.
///
/// ```
/// use init_core::{Linear, Sequential};
/// use init_core::spec::FilledLater;
/// assert!(<Sequential as FilledLater>::empty().is_empty());
/// assert!(<Option<Linear<2, 2>> as FilledLater>::empty().is_none());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a container that can be filled later",
    label = "`#[module(filled_later)]` is for `Vec`, `Option`, `Sequential` and `ModuleList` fields",
    note = "new() builds this field itself: remove `#[module(filled_later)]`"
)]
pub trait FilledLater: Sized {
    /// The container with nothing in it.
    fn empty() -> Self;
}

impl<M: Module> FilledLater for Vec<M> {
    fn empty() -> Self {
        Vec::new()
    }
}

impl<M: Module> FilledLater for Option<M> {
    fn empty() -> Self {
        None
    }
}

/// The layers a container field holds, each of which a `#[layer(...)]` on the field
/// configures after `zeroed()` has built them: every element of a `Vec`, array or
/// `ModuleList`, the module in an `Option` (when present) or a `Box`.
///
/// ```
/// use init_core::LayerNorm;
/// use init_core::spec::Elements;
/// let mut norms = vec![LayerNorm::<4>::zeroed(), LayerNorm::<4>::zeroed()];
/// norms.for_each_mut(&mut |ln| *ln = ln.clone().with_eps(1e-6).unwrap());
/// assert!(norms.iter().all(|ln| ln.eps() == 1e-6));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a container of layers",
    label = "`#[layer(...)]` on this field configures each layer it holds",
    note = "`#[layer(...)]` configures a layer field, or each layer of an `Option`, `Box`, `Vec`, array or `ModuleList` field that new() builds"
)]
pub trait Elements {
    /// The layer type held.
    type Element: ?Sized;
    /// Call `f` on each layer held, in order.
    fn for_each_mut(&mut self, f: &mut dyn FnMut(&mut Self::Element));
}

impl<M> Elements for Vec<M> {
    type Element = M;
    fn for_each_mut(&mut self, f: &mut dyn FnMut(&mut M)) {
        self.iter_mut().for_each(f);
    }
}

impl<M, const N: usize> Elements for [M; N] {
    type Element = M;
    fn for_each_mut(&mut self, f: &mut dyn FnMut(&mut M)) {
        self.iter_mut().for_each(f);
    }
}

impl<M> Elements for Option<M> {
    type Element = M;
    fn for_each_mut(&mut self, f: &mut dyn FnMut(&mut M)) {
        self.iter_mut().for_each(f);
    }
}

impl<M: ?Sized> Elements for Box<M> {
    type Element = M;
    fn for_each_mut(&mut self, f: &mut dyn FnMut(&mut M)) {
        f(self);
    }
}
