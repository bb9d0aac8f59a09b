#![doc = include_str!("../README.md")]

pub use init_core::*;

/// The names most programs need: `use init::prelude::*;`.
pub mod prelude {
    pub use init_core::{
        Bits, Buffer, Dist, Distribution, FanAxes, FanMode, Generator, Init, InitError,
        Nonlinearity, Param, Seed, TorchGenerator, Values,
    };
}
