//! The PyTorch DCGAN tutorial's generator and discriminator (nz = 100, ngf = 64, ndf = 64,
//! nc = 3), with today's API: each is a derived struct around a `Sequential` filled by hand.
//!
//! The tutorial's `weights_init` (`Conv*` weight `normal_(0, 0.02)`, `BatchNorm` weight
//! `normal_(1, 0.02)` and bias 0), run by `netG.apply(weights_init)`, is the struct rule of
//! each; `init_weights_torch(rng, TorchLoop::Apply)` replays "construct, then apply".

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
#[module(sequential)]
pub struct Generator {
    pub main: GeneratorMain,
}

/// The generator's `nn.Sequential` (`main.0` .. `main.13`), chained by the derive.
#[derive(Module)]
#[module(sequential)]
pub struct GeneratorMain(
    pub ConvTranspose2d<NZ, { NGF * 8 }, 4, 1, 0, 0, 1, 1, false>,
    pub BatchNorm2d<{ NGF * 8 }>,
    pub ReLU,
    pub ConvTranspose2d<{ NGF * 8 }, { NGF * 4 }, 4, 2, 1, 0, 1, 1, false>,
    pub BatchNorm2d<{ NGF * 4 }>,
    pub ReLU,
    pub ConvTranspose2d<{ NGF * 4 }, { NGF * 2 }, 4, 2, 1, 0, 1, 1, false>,
    pub BatchNorm2d<{ NGF * 2 }>,
    pub ReLU,
    pub ConvTranspose2d<{ NGF * 2 }, NGF, 4, 2, 1, 0, 1, 1, false>,
    pub BatchNorm2d<NGF>,
    pub ReLU,
    pub ConvTranspose2d<NGF, NC, 4, 2, 1, 0, 1, 1, false>,
    pub Tanh,
);

#[derive(Module)]
#[init(Conv2d = normal(0.0, 0.02), BatchNorm2d(weight = normal(1.0, 0.02), bias = zeros))]
#[module(sequential)]
pub struct Discriminator {
    pub main: DiscriminatorMain,
}

/// The discriminator's `nn.Sequential` (`main.0` .. `main.12`); every LeakyReLU has slope 0.2.
#[derive(Module)]
#[module(sequential)]
pub struct DiscriminatorMain(
    pub Conv2d<NC, NDF, 4, 2, 1, 1, 1, false>,
    pub LeakyReLU,
    pub Conv2d<NDF, { NDF * 2 }, 4, 2, 1, 1, 1, false>,
    pub BatchNorm2d<{ NDF * 2 }>,
    pub LeakyReLU,
    pub Conv2d<{ NDF * 2 }, { NDF * 4 }, 4, 2, 1, 1, 1, false>,
    pub BatchNorm2d<{ NDF * 4 }>,
    pub LeakyReLU,
    pub Conv2d<{ NDF * 4 }, { NDF * 8 }, 4, 2, 1, 1, 1, false>,
    pub BatchNorm2d<{ NDF * 8 }>,
    pub LeakyReLU,
    pub Conv2d<{ NDF * 8 }, 1, 4, 1, 0, 1, 1, false>,
    pub Sigmoid,
);

/// The tutorial's generator, every parameter zero.
pub fn generator() -> Generator {
    Generator::zeroed()
}

/// The tutorial's discriminator, every parameter zero, its LeakyReLUs at slope 0.2.
pub fn discriminator() -> Discriminator {
    let mut d = Discriminator::zeroed();
    let leaky = LeakyReLU::with_negative_slope(0.2);
    let m = &mut d.main;
    (m.1, m.4, m.7, m.10) = (leaky, leaky, leaky, leaky);
    d
}

/// The fixture's container: `netG` built and initialized, then `netD` (the tutorial's order).
#[derive(Module)]
#[allow(non_snake_case, clippy::upper_case_acronyms)]
pub struct DCGAN {
    pub netG: Generator,
    pub netD: Discriminator,
}
