#![doc = include_str!("../README.md")]

pub use init_core::*;
/// Derive [`Module`] for a struct of layers; see the crate documentation for `#[init(...)]`.
pub use init_derive::Module;

/// The names most programs need: `use init::prelude::*;`.
pub mod prelude {
    pub use init_core::{
        Bits, Buffer, Dist, Distribution, FanAxes, FanMode, Forward, Generator, Init, InitError,
        LayerKind, Linear, Module, ModuleList, Nonlinearity, Param, ParamMut, Rule, Rules, Seed,
        Sequential, TorchGenerator, Values, Zeroed,
    };
    pub use init_derive::Module;
}

/// Helpers for the code `#[derive(Module)]` writes; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use init_core::spec::{LayerSpec, check_param};

    /// The `Init` of a `values = [...]` attribute; the derive has checked that `data` has
    /// `shape`'s number of finite elements.
    pub fn values(shape: &[usize], data: &[f32]) -> init_core::Init {
        let values = init_core::Values::new(shape.to_vec(), data.to_vec());
        init_core::Init::Values(
            values.expect("#[derive(Module)] writes values that match their shape"),
        )
    }
}
