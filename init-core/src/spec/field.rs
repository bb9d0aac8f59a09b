//! How the code `#[derive(Module)]` writes reaches a field: as a module, as a zeroed value,
//! and as a layer with configuration rules, so that a field that is not a module gets one
//! error (from [`require_module`]) instead of one per use.
//!
//! [`Field<T>`] has inherent functions that need `T: Module` (or `T: LayerSpec`); when `T`
//! lacks the trait, the name resolves to the same function of the [`NotAModule`] fallback
//! trait instead, which needs nothing, so no second error is reported. The fallback's bodies
//! never run: a field whose type is not a module fails `require_module`, so the program
//! does not compile.

use std::marker::PhantomData;

use super::LayerSpec;
use super::message::Msg;
use crate::module::{AsModule, Module, Zeroed};

/// A field's type, as seen by the derive's code.
pub struct Field<T: ?Sized>(PhantomData<T>);

impl<T: Module + ?Sized> Field<T> {
    /// The field as a module.
    pub fn as_module(module: &T) -> &dyn Module {
        AsModule::as_module(module)
    }

    /// The field as a mutable module.
    pub fn as_module_mut(module: &mut T) -> &mut dyn Module {
        AsModule::as_module_mut(module)
    }

    /// The field zeroed.
    pub fn zeroed() -> T
    where
        T: Zeroed + Sized,
    {
        T::zeroed()
    }
}

impl<T: LayerSpec> Field<T> {
    /// The layer's configuration verdict.
    pub const CONFIG: Msg = T::CONFIG;
}

/// What [`Field`] resolves to for a type that is not a module (or not a layer): nothing
/// that can fail to compile.
pub trait NotAModule<T: ?Sized> {
    /// Not a layer: no configuration rules.
    const CONFIG: Msg = Msg::new();

    /// Never called (the program does not compile).
    fn as_module(_: &T) -> &dyn Module {
        unreachable!("#[derive(Module)] requires every field to be a module")
    }

    /// Never called (the program does not compile).
    fn as_module_mut(_: &mut T) -> &mut dyn Module {
        unreachable!("#[derive(Module)] requires every field to be a module")
    }

    /// Never called (the program does not compile).
    fn zeroed() -> T
    where
        T: Sized,
    {
        unreachable!("#[derive(Module)] requires every field to be a module")
    }
}

impl<T: ?Sized> NotAModule<T> for Field<T> {}

/// Compiles only when `T` is a module: the one check of a field's type.
pub const fn require_module<T: Module + ?Sized>() {}
