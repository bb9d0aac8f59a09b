//! Runtime of the [`init`](https://docs.rs/init) crate: [`Param`] and [`Buffer`], every
//! initialization scheme of PyTorch's `torch.nn.init` (and the Keras/Flax ones PyTorch lacks),
//! and the generators that feed them.
//!
//! Users depend on `init`, which re-exports everything here.

mod dtype;
mod error;
mod kernels;
mod layers;
mod math;
mod model;
pub mod module;
mod param;
mod report;
pub mod rng;
pub mod rules;
pub mod safetensors;
pub mod schemes;
// For the code `#[derive(Module)]` writes, through `init::__private`; not a public API.
#[doc(hidden)]
pub mod spec;
pub mod state;

pub use error::{ErrorKind, FileError, InitError, Result};
pub use layers::*;
pub use model::ModuleExt;
pub use module::{
    AsModule, Forward, ForwardModule, LayerKind, Module, ModuleMut, Summary, SummaryRow, Visitor,
    VisitorMut, Zeroed,
};
pub use param::{Buffer, BufferData, BufferMut, Param, ParamMut, ParamSlot, ParamTarget};
pub use rng::{Bits, Dist, Generator, Seed, SeedStream, TorchGenerator};
pub use rules::{Rule, Rules, Target};
pub use schemes::*;
pub use state::{LoadReport, StateDict, Tensor};

/// The `ndarray` crate this one is built on, so users need no version of their own.
pub use ndarray;
/// The `rand_core` crate whose `Rng` trait the generators implement.
pub use rand_core;
