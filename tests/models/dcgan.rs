//! The PyTorch DCGAN tutorial's generator and discriminator (nz = 100, ngf = 64, ndf = 64,
//! nc = 3), with today's API: each is a derived struct around a `Sequential` filled by hand.
//!
//! The tutorial's `weights_init` (`Conv*` weight `normal_(0, 0.02)`, `BatchNorm` weight
//! `normal_(1, 0.02)` and bias 0), run by `netG.apply(weights_init)`, is the struct rule of
//! each; `init_weights_torch(rng, TorchLoop::Apply)` replays "construct, then apply".

use init::ndarray::{ArrayD, ArrayViewD};
use init::prelude::*;

const NZ: usize = 100;
const NGF: usize = 64;
const NDF: usize = 64;
const NC: usize = 3;

#[derive(Module)]
#[init(
    ConvTranspose2d = normal(0.0, 0.02),
    BatchNorm2d(weight = normal(1.0, 0.02), bias = zeros)
)]
pub struct Generator {
    pub main: Sequential,
}

#[derive(Module)]
#[init(Conv2d = normal(0.0, 0.02), BatchNorm2d(weight = normal(1.0, 0.02), bias = zeros))]
pub struct Discriminator {
    pub main: Sequential,
}

/// The tutorial's generator, every parameter zero.
pub fn generator() -> Generator {
    let mut g = Generator::zeroed();
    g.main = Sequential::new()
        .push(ConvTranspose2d::<NZ, { NGF * 8 }, 4, 1, 0, 0, 1, 1, false>::zeroed())
        .push(BatchNorm2d::<{ NGF * 8 }>::new())
        .push(ReLU)
        .push(ConvTranspose2d::<{ NGF * 8 }, { NGF * 4 }, 4, 2, 1, 0, 1, 1, false>::zeroed())
        .push(BatchNorm2d::<{ NGF * 4 }>::new())
        .push(ReLU)
        .push(ConvTranspose2d::<{ NGF * 4 }, { NGF * 2 }, 4, 2, 1, 0, 1, 1, false>::zeroed())
        .push(BatchNorm2d::<{ NGF * 2 }>::new())
        .push(ReLU)
        .push(ConvTranspose2d::<{ NGF * 2 }, NGF, 4, 2, 1, 0, 1, 1, false>::zeroed())
        .push(BatchNorm2d::<NGF>::new())
        .push(ReLU)
        .push(ConvTranspose2d::<NGF, NC, 4, 2, 1, 0, 1, 1, false>::zeroed())
        .push(Tanh);
    g
}

/// The tutorial's discriminator, every parameter zero.
pub fn discriminator() -> Discriminator {
    let leaky = LeakyReLU::with_negative_slope(0.2);
    let mut d = Discriminator::zeroed();
    d.main = Sequential::new()
        .push(Conv2d::<NC, NDF, 4, 2, 1, 1, 1, false>::zeroed())
        .push(leaky)
        .push(Conv2d::<NDF, { NDF * 2 }, 4, 2, 1, 1, 1, false>::zeroed())
        .push(BatchNorm2d::<{ NDF * 2 }>::new())
        .push(leaky)
        .push(Conv2d::<{ NDF * 2 }, { NDF * 4 }, 4, 2, 1, 1, 1, false>::zeroed())
        .push(BatchNorm2d::<{ NDF * 4 }>::new())
        .push(leaky)
        .push(Conv2d::<{ NDF * 4 }, { NDF * 8 }, 4, 2, 1, 1, 1, false>::zeroed())
        .push(BatchNorm2d::<{ NDF * 8 }>::new())
        .push(leaky)
        .push(Conv2d::<{ NDF * 8 }, 1, 4, 1, 0, 1, 1, false>::zeroed())
        .push(Sigmoid);
    d
}

/// The fixture's container: `netG` built and initialized, then `netD` (the tutorial's order).
#[derive(Module)]
#[allow(non_snake_case, clippy::upper_case_acronyms)]
pub struct DCGAN {
    pub netG: Generator,
    pub netD: Discriminator,
}

impl Forward for Generator {
    fn forward(&self, x: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>, InitError> {
        self.main.forward(x)
    }
}

impl Forward for Discriminator {
    fn forward(&self, x: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>, InitError> {
        self.main.forward(x)
    }
}
