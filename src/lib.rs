//! # init
//!
//! Declare and run the initialization of neural-network weights: every scheme of PyTorch's
//! `torch.nn.init` (plus Keras/Flax ones), applied to parameters whose shape cannot change,
//! from generators that give the same bits on every machine and thread count.
//!
//! ```
//! use init::prelude::*;
//!
//! let mut w = Param::zeros(&[64, 32]);
//! let mut rng = Seed::new(0);
//! init::init::kaiming_normal(&mut w, "fc.weight", 0.0, FanMode::FanIn, Nonlinearity::Relu, &mut rng)?;
//! assert!(w.requires_grad());
//! # Ok::<(), init::InitError>(())
//! ```

pub use init_core::*;

/// The names most programs need: `use init::prelude::*;`.
pub mod prelude {
    pub use init_core::{
        Bits, Buffer, Dist, FanAxes, FanMode, Generator, Init, InitError, Nonlinearity, Param,
        Seed, TorchGenerator,
    };
}
