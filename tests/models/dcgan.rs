//! The DCGAN tutorial's models, declared once in `examples/dcgan.rs`, and the fixture's
//! container of both.

#[path = "../../examples/dcgan.rs"]
mod example;

use init::prelude::*;

pub use example::{Discriminator, Generator};

/// The tutorial's generator, every parameter zero.
pub fn generator() -> Generator {
    Generator::zeroed()
}

/// The tutorial's discriminator, every parameter zero, its LeakyReLUs at slope 0.2.
pub fn discriminator() -> Discriminator {
    Discriminator::zeroed()
}

/// The fixture's container: `netG` built and initialized, then `netD` (the tutorial's order).
#[derive(Module)]
#[allow(non_snake_case, clippy::upper_case_acronyms)]
pub struct DCGAN {
    pub netG: Generator,
    pub netD: Discriminator,
}
